"""The XDM/1.0/DDM+ subject convention: hidden prefix, parts read when they are there."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.mssante.subject import DocumentSubject, displayed, parse


def test_the_prefix_is_hidden() -> None:
    assert displayed("XDM/1.0/DDM+IRM DU GENOU DROIT MULLER Françoise 04/01/1971") == (
        "IRM DU GENOU DROIT MULLER Françoise 04/01/1971"
    )
    assert displayed("[KO Intégration système !][903] XDM/1.0/DDM+BILAN X Y 01/01/2000") == (
        "[KO Intégration système !][903] BILAN X Y 01/01/2000"
    )
    assert displayed("Re: rendez-vous") == "Re: rendez-vous"


def test_the_parts() -> None:
    assert parse("XDM/1.0/DDM+LETTRE DE LIAISON A LA SORTIE BERTIN Élodie 28/06/1988") == (
        DocumentSubject("LETTRE DE LIAISON A LA SORTIE", "BERTIN", "Élodie", date(1988, 6, 28))
    )
    assert parse("XDM/1.0/DDM+ECHOGRAPHIE ABDOMINOPELVIENNE CORSE FIGATELLIX 12/10/1988") == (
        DocumentSubject("ECHOGRAPHIE ABDOMINOPELVIENNE", "CORSE", "FIGATELLIX", date(1988, 10, 12))
    )
    assert parse("XDM/1.0/DDM+COMPTE RENDU DURAND Jean Pierre 31/02/1950") == (
        DocumentSubject("COMPTE RENDU DURAND Jean Pierre 31/02/1950", None, None, None)
    )  # no such date: not guessed
    assert parse("Résultats de M. DURAND") is None


@given(st.text(max_size=200))
def test_any_subject_is_handled(text: str) -> None:
    parsed = parse("XDM/1.0/DDM+" + text)  # never raises
    assert parsed is not None
    assert displayed("XDM/1.0/DDM+" + text) == text.strip()
