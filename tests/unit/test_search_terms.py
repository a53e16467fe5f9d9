"""What she types in the search box, as the full-text query (``fts_query``): words apart
are each a prefix; words joined by marks or quoted follow each other in the text (an
address, a domain, a file name), every word complete but the last (issue 22 item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from app.store.db import HeaderRow, Store, fts_query


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("giraud", '"giraud"*'),
        ("lettre de liaison", '"lettre"* "de"* "liaison"*'),
        ('"lettre de liaison"', '"lettre de liaison"*'),
        ("102023871678765@patient.mssante.test", '"102023871678765 patient mssante test"*'),
        ("<j.dupont@chu-lyon.fr>", '"j dupont chu lyon fr"*'),
        ("IHE_XDM.ZIP", '"IHE_XDM ZIP"*'),
        ("Dupont, Jean; Martin", '"Dupont"* "Jean"* "Martin"*'),
        ("l'hôpital", '"l hôpital"*'),
        ('"non fermé', '"non fermé"*'),
        ("NEAR(a b) AND c*", '"NEAR"* "a"* "b"* "AND"* "c"*'),
        ('subject:"x" ^y -z', '"subject"* "x"* "y"* "z"*'),
        ("", None),
        ('  , ; "" () * ', None),
    ],
)
def test_typed_text_as_query(typed: str, query: str | None) -> None:
    assert fts_query(typed) == query


def message(number: int, sender: str, to: str, subject: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = f"<m{number}@test>"
    mail["Date"] = f"Mon, {number:02d} Jan 2024 10:00:00 +0000"
    return mail.as_bytes()


MAIL = {
    1: ("102023871678765@patient.mssante.test", "dr@mssante.test", "Résultats"),
    2: ("102023871678766@patient.mssante.test", "dr@mssante.test", "Question"),
    # the same words, not one address: "test" of the subject, the patient elsewhere
    3: ("labo@patient.mssante.fr", "dr@mssante.test", "102023871678765 test"),
    4: ("secretariat@chu-lyon.mssante.fr", "dr@mssante.test", "Lettre de liaison"),
    5: ("secretariat@chu-lyon.mssante.fr", "dr@mssante.test", "Liaison : lettre de sortie"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = Store.open(tmp_path_factory.mktemp("terms") / "profile")
    account = opened.add_account("dr@mssante.test", "password", "imaps://imap.test")
    opened.upsert_folder(account, "INBOX", ".", None, True)
    inbox = opened.folders(account)[0]
    opened.add_headers(
        inbox,
        [
            HeaderRow(uid, (), None, 100, None, message(uid, *fields))
            for uid, fields in MAIL.items()
        ],
    )
    yield opened
    opened.close()


def subjects(store: Store, typed: str) -> set[str]:
    return {found.subject for found in store.search(typed)}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("102023871678765@patient.mssante.test", {"Résultats"}),
        ("102023871678765@patient.mssante.t", {"Résultats"}),  # still typing
        ("10202387167876", {"Résultats", "Question", "102023871678765 test"}),
        ("patient.mssante.test", {"Résultats", "Question"}),
        ("chu-lyon", {"Lettre de liaison", "Liaison : lettre de sortie"}),
        ("lettre liais", {"Lettre de liaison", "Liaison : lettre de sortie"}),
        ('"lettre de liaison"', {"Lettre de liaison"}),
        ('"lettre de liai', {"Lettre de liaison"}),
        ("lettre-de-liaison", {"Lettre de liaison"}),
        ("resultats", {"Résultats"}),
    ],
)
def test_what_is_found(store: Store, typed: str, expected: set[str]) -> None:
    assert subjects(store, typed) == expected


@pytest.mark.parametrize(
    "typed", ['"', '""', "*", "NEAR(", ")", "a OR", "^", "-x", "x:y", "'", "\\", "\x00", "é" * 500]
)
def test_hostile_text_is_a_search_not_an_error(store: Store, typed: str) -> None:
    assert isinstance(store.search(typed), list)  # no FTS5 syntax error raised
