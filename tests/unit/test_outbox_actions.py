"""Her decisions on the outbox (send again, delete, close a notice, edit as a draft) and the
server's refusal said in French, without a network."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.audit import Action
from app.ops import drafts, outbox_actions
from app.ops.outbox import Draft, compose, enqueue, enqueue_message
from app.store.db import Account, Store
from app.store.drafts import DraftStore
from app.store.outbox import OutboxItem, OutboxStore

ME = "dr.martin@mssante.test"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "profile")
    opened.add_account(ME, "password", "imaps://imap.test")
    yield opened
    opened.close()


def account_of(store: Store) -> Account:
    account = store.account(ME)
    assert account is not None
    return account


def refused(store: Store, reply: str = "Le serveur a refusé le message : 550 5.1.1 No such "
            "recipient here") -> OutboxItem:  # fmt: skip
    item = enqueue(
        store,
        account_of(store),
        Draft(ME, ["inconnu@mssante.test"], "Compte rendu", "Bonjour.", bcc=["copie@x.test"]),
    )
    OutboxStore(store).set_state(item, "failed", error=reply)
    found = OutboxStore(store).get(item.id)
    assert found is not None
    return found


# -- the server's reason ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Le serveur a refusé le message : 550 5.1.1 No such recipient here",
         "l'adresse du destinataire n'existe pas chez son opérateur (code 5.1.1)"),
        ("550 5.2.2 Mailbox full", "la boîte du destinataire est pleine (code 5.2.2)"),
        ("554 5.7.1 Message refused by policy", "règle de l'opérateur"),
        ("552 Message size exceeds fixed limit", "dépasse la taille autorisée (code 552)"),
        ("550 Requested action not taken", "introuvable ou refuse le message (code 550)"),
        ("451 4.3.0 Temporary local problem", "Refus temporaire"),
        ("550 5.9.9 Something new", "refus du serveur (code 5.9.9)"),
    ],
)  # fmt: skip
def test_the_servers_reason_is_explained_with_its_code(reply: str, expected: str) -> None:
    text = outbox_actions.explain(reply)
    assert text is not None and expected.lower() in text.lower(), text


def test_no_code_no_explanation_and_addresses_are_not_codes() -> None:
    assert outbox_actions.explain(None) is None
    assert outbox_actions.explain("Connexion perdue (délai dépassé)") is None
    assert outbox_actions.explain("via 192.2.0.0 le 07/12/2026 à 09:00") is None
    permanent = outbox_actions.explain("550 5.1.1 unknown")
    assert permanent is not None and "Refus définitif" in permanent and "Modifier" in permanent


# -- delete, send again, notice ----------------------------------------------------------------


def test_delete_removes_the_row_and_its_file_but_never_while_sending(store: Store) -> None:
    item = refused(store)
    outbox = OutboxStore(store)
    assert outbox.files.path(item.blob).exists()
    other = enqueue(store, account_of(store), Draft(ME, ["a@x.test"], "Autre", "Texte"))
    assert outbox.claim(other, "token") is not None  # a deliverer holds it
    assert outbox_actions.delete(store, other.id) is None
    assert outbox.get(other.id) is not None
    removed = outbox_actions.delete(store, item.id)
    assert removed is not None and outbox.get(item.id) is None
    assert not outbox.files.path(item.blob).exists()
    entries = [e for e in store.audit.entries() if e["action"] == Action.DELETE]
    assert entries and entries[-1]["detail"] == f"boîte d'envoi n° {item.id}"
    assert "Compte rendu" not in json.dumps(list(store.audit.entries()), ensure_ascii=False)
    assert "inconnu@" not in json.dumps(list(store.audit.entries()), ensure_ascii=False)


def test_a_notice_closed_comes_back_when_the_message_fails_again(store: Store) -> None:
    item = refused(store)
    outbox = OutboxStore(store)
    assert [i.id for i in outbox.problems()] == [item.id]
    outbox_actions.dismiss(store, [item])
    assert outbox.problems() == [] and outbox.problems(include_dismissed=True)
    again = outbox_actions.send_again(store, item.id)
    assert again is not None and again.state == "queued"
    claimed = outbox.claim(again, "run")
    assert claimed is not None
    outbox.finish(claimed, "run", "failed", error="550 5.1.1 again")
    assert [i.id for i in outbox.problems()] == [item.id]  # raised again
    sends = [e for e in store.audit.entries() if e["action"] == Action.SEND]
    assert sends[-1]["request"] == "boîte d'envoi : réessayer"


# -- Modifier: back to a draft, never lost -----------------------------------------------------


def test_edit_turns_the_message_into_a_draft_with_everything_it_had(
    store: Store, tmp_path: Path
) -> None:
    attached = tmp_path / "bilan.pdf"
    attached.write_bytes(b"%PDF-1.4 bilan")
    message = compose(
        Draft(
            ME,
            ["Dr Confrère <confrere@mssante.test>"],
            "Re: Bilan",
            "Voici le bilan.\n",
            cc=["labo@mssante.test"],
            bcc=["secretariat@mssante.test"],
            attachments=[attached],
            mdn=True,
            in_reply_to="original@mssante.test",
            references=["original@mssante.test"],
        )
    )
    item = enqueue_message(store, account_of(store), message, dsn=True)
    OutboxStore(store).set_state(item, "failed", error="550 5.1.1 unknown")
    key = drafts.from_outbox(store, item.id)
    assert OutboxStore(store).get(item.id) is None
    draft = drafts.load(store, key)
    assert draft is not None
    assert draft.to == ["Dr Confrère <confrere@mssante.test>"] and draft.cc == ["labo@mssante.test"]
    assert draft.bcc == ["secretariat@mssante.test"]  # from the envelope
    assert draft.subject == "Re: Bilan" and draft.body == "Voici le bilan.\n"
    assert draft.forwarded == [("bilan.pdf", "application/pdf", b"%PDF-1.4 bilan")]
    assert draft.dsn and draft.mdn and draft.in_reply_to == "original@mssante.test"
    assert draft.references == ["original@mssante.test"]


def test_a_message_being_sent_is_not_taken_for_editing(store: Store) -> None:
    item = refused(store)
    outbox = OutboxStore(store)
    outbox.requeue(item.id, from_states=("failed",))
    queued = outbox.get(item.id)
    assert queued is not None and outbox.claim(queued, "token") is not None
    with pytest.raises(drafts.NotEditableError):
        drafts.from_outbox(store, item.id)
    assert outbox.get(item.id) is not None and DraftStore(store).items() == []


# -- drafts in the store -----------------------------------------------------------------------


def test_a_draft_version_moves_only_when_it_changes(store: Store) -> None:
    draft = Draft(ME, ["a@x.test"], "Objet", "Texte", forwarded=[("a.bin", "x/y", b"\0\1")])
    first = drafts.save(store, "k1", draft)
    assert drafts.save(store, "k1", draft).version == first.version == 1  # the autosave
    second = drafts.save(store, "k1", Draft(ME, ["a@x.test"], "Objet", "Texte modifié"))
    assert second.version == 2 and not second.on_server
    loaded = drafts.load(store, "k1")
    assert loaded is not None
    assert drafts.to_content(loaded) == drafts.to_content(
        Draft(ME, ["a@x.test"], "Objet", "Texte modifié")
    )
    again = drafts.from_content(drafts.to_content(draft))
    assert drafts.to_content(again) == drafts.to_content(draft)
    assert again.forwarded == [("a.bin", "x/y", b"\0\1")]
    # "Interdire la réponse du patient" survives a draft (X-MSS-MES: FIN when sent)
    closed = drafts.from_content(
        drafts.to_content(Draft(ME, ["a@x.test"], "S", "T", end_conversation=True))
    )
    assert closed.end_conversation
    drafts.discard(store, "k1")
    assert DraftStore(store).get("k1") is None  # never on a server: gone at once


def test_a_draft_on_the_server_waits_for_its_copy_to_go(store: Store) -> None:
    # has_work: what ``caducee sync`` asks before loading the push (drafts.push)
    assert not DraftStore(store).has_work(ME)
    row = drafts.save(store, "k2", Draft(ME, [], "", "Texte"))
    assert DraftStore(store).has_work(ME)  # to copy to the server
    DraftStore(store).uploaded(row, "Drafts", "copy@x")
    assert DraftStore(store).get("k2").on_server  # type: ignore[union-attr]
    assert not DraftStore(store).has_work(ME)
    drafts.save(store, "k2", Draft(ME, [], "", "Texte changé"))
    assert DraftStore(store).has_work(ME)  # a new version
    DraftStore(store).uploaded(DraftStore(store).get("k2"), "Drafts", "copy2@x")  # type: ignore[arg-type]
    drafts.discard(store, "k2", why="envoyé")
    assert DraftStore(store).has_work(ME)  # its server copy to remove
    gone = DraftStore(store).get("k2")
    assert gone is not None and gone.gone and DraftStore(store).items(ME) == []
    assert [r.key for r in DraftStore(store).items(ME, gone=True)] == ["k2"]
    DraftStore(store).server_copy_removed(gone)
    assert DraftStore(store).get("k2") is None
    assert not DraftStore(store).has_work(ME)


def test_draft_files_of_an_older_caducee_are_imported(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "abc.json").write_text(
        json.dumps({"sender": ME, "to": ["a@x.test"], "subject": "S", "body": "Corps"}),
        encoding="utf-8",
    )
    (folder / "bad.json").write_text("{not json", encoding="utf-8")
    assert drafts.import_files(store, folder) == 1
    assert not (folder / "abc.json").exists() and (folder / "bad.json").exists()
    loaded = drafts.load(store, "abc")
    assert loaded is not None
    assert drafts.to_content(loaded) == drafts.to_content(Draft(ME, ["a@x.test"], "S", "Corps"))


def test_the_command_line_lists_drafts_and_deletes_from_the_outbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "cli"
    assert main(["--profile-dir", str(profile), "outbox"]) == 0  # creates the profile
    store = Store.open(profile)  # a --profile-dir profile keeps its data at its root
    try:
        store.add_account(ME, "password", "imaps://imap.test")
        item = refused(store)
        drafts.save(store, "k3", Draft(ME, ["a@x.test"], "Brouillon", "Texte"))
    finally:
        store.close()
    capsys.readouterr()
    assert main(["--profile-dir", str(profile), "outbox", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["state"] == "failed" and "5.1.1" in row["last_error"]
    assert "n'existe pas" in row["explanation"]
    assert main(["--profile-dir", str(profile), "drafts", "--json"]) == 0
    [kept] = json.loads(capsys.readouterr().out)
    assert kept["key"] == "k3" and kept["on_server"] is False
    assert main(["--profile-dir", str(profile), "outbox", "--delete", str(item.id)]) == 0
    assert "Retiré de la boîte d'envoi" in capsys.readouterr().out
    assert main(["--profile-dir", str(profile), "outbox", "--delete", str(item.id)]) == 1


def test_without_a_drafts_folder_drafts_stay_here_and_nothing_connects(store: Store) -> None:
    from types import SimpleNamespace

    drafts.save(store, "k4", Draft(ME, ["a@x.test"], "Objet", "Texte"))

    def no_connection() -> None:
        raise AssertionError("no Drafts folder: no connection")

    session = SimpleNamespace(account=account_of(store), imap=no_connection)
    report = drafts.push(store, session)  # type: ignore[arg-type]
    assert report.folder is None and report.uploaded == 0
    store.upsert_folder(account_of(store), "INBOX.Brouillons", ".", None, True)  # by its name
    store.upsert_folder(account_of(store), "Corbeille", ".", None, True)
    assert drafts.drafts_folder(store, account_of(store)) == "INBOX.Brouillons"
    store.upsert_folder(account_of(store), "Projets", ".", "Drafts", True)  # special-use first
    assert drafts.drafts_folder(store, account_of(store)) == "Projets"
