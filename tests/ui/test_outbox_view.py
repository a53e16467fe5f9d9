"""The window's "Boîte d'envoi": rows and states in French, the server's reason explained,
the persistent notice of a failed send, and "Réessayer" / "Modifier" / "Supprimer"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.ops.outbox import Draft, enqueue
from app.store.db import Store
from app.store.drafts import DraftStore
from app.store.outbox import OutboxItem, OutboxStore
from app.store.views import Scope
from app.ui.composer import Composer
from app.ui.main_window import MainWindow
from app.ui.models import DRAFTS, OUTBOX, ScopeRole
from app.ui.send_views import SendViews
from tests.ui.conftest import OWNER, assert_not_blank

REFUSAL = "Le serveur a refusé le message : 550 5.1.1 No such recipient here"


def put(store: Store, subject: str, to: str, state: str, error: str | None = None) -> OutboxItem:
    account = store.account(OWNER)
    assert account is not None
    item = enqueue(store, account, Draft(OWNER, [to], subject, f"Texte de « {subject} »."))
    if state != "queued" or error:
        OutboxStore(store).set_state(item, state, error=error)
    found = OutboxStore(store).get(item.id)
    assert found is not None
    return found


def tree_labels(window: MainWindow) -> dict[str, str]:
    top = window.folders.index(0, 0)
    labels = {}
    for row in range(window.folders.rowCount(top)):
        index = window.folders.index(row, 0, top)
        scope = index.data(ScopeRole)
        if isinstance(scope, Scope) and scope.folder in (OUTBOX, DRAFTS):
            labels[scope.folder] = index.data()
    return labels


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The answers to the window's questions, in order (``SendViews.asked``: the questions)."""
    given: list[bool] = []
    asked: list[str] = []

    def ask(_self: SendViews, title: str, text: str, _yes: str, _no: str) -> bool:
        asked.append(f"{title}\n{text}")
        return given.pop(0)

    monkeypatch.setattr(SendViews, "ask", ask)
    monkeypatch.setattr(SendViews, "asked", asked, raising=False)
    return given


def test_a_refused_send_is_in_the_outbox_and_in_a_notice_that_stays(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    mail_store.db.execute("UPDATE accounts SET smtp_url = 'smtp+starttls://smtp.test:587'")
    put(mail_store, "Courrier de liaison", "confrere@mssante.test", "sent")
    waiting = put(
        mail_store, "Résultats de M. Durand", "labo@biolab.mssante.fr", "queued",
        "Connexion au serveur d'envoi perdue (délai dépassé, étape DATA) : nouvel essai.",
    )  # fmt: skip
    put(
        mail_store, "Demande d'avis", "cardio@chu.mssante.fr", "uncertain",
        "Connexion perdue (réinitialisée) après l'envoi complet du message, avant la réponse "
        "du serveur : le destinataire l'a peut-être reçu.",
    )  # fmt: skip
    failed = put(mail_store, "Compte rendu", "inconnu@mssante.test", "failed", REFUSAL)
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    assert tree_labels(window)[OUTBOX] == "Boîte d'envoi (3)"  # the sent one is not counted
    notice = window.send_views.notice
    assert notice.isVisible()  # raised from the store: after a restart too
    assert "Compte rendu" in notice.text.text() and "n'existe pas" in notice.text.text()
    assert "Et 1 autre(s)" in notice.text.text()
    window._select_first_folder()  # another folder: the notice stays
    assert notice.isVisible()

    notice.look.click()  # "Voir la boîte d'envoi"
    panel = window.send_views.outbox
    assert window.send_views.stack.currentWidget() is panel
    model = panel.model
    rows = {model.item(r).subject: r for r in range(model.rowCount())}  # type: ignore[union-attr]
    assert set(rows) == {"Courrier de liaison", "Résultats de M. Durand", "Demande d'avis",
                         "Compte rendu"}  # fmt: skip
    states = {s: model.index(r, 0).data() for s, r in rows.items()}
    assert states == {
        "Courrier de liaison": "envoyé",
        "Résultats de M. Durand": "en attente",
        "Demande d'avis": "incertain",
        "Compte rendu": "échec",
    }
    reason = model.index(rows["Compte rendu"], 5).data()
    assert "Refus définitif" in reason and "5.1.1" in reason
    panel.select(failed.id)
    details = panel.details.text()
    assert "Réponse du serveur : " + REFUSAL in details  # the raw reply is kept
    assert panel.retry.isEnabled() and panel.edit.isEnabled() and panel.delete.isEnabled()
    panel.select(waiting.id)
    assert "Prochain essai automatique" in panel.details.text() or "Dernier essai" in (
        panel.details.text()
    )
    panel.select(failed.id)
    shot = artefacts / "outbox-view.png"
    window.grab().save(str(shot))
    assert_not_blank(shot)

    again = MainWindow(mail_store, tmp_path / "ui.ini")  # a restart: the notice is back
    qtbot.addWidget(again)
    assert again.send_views.notice.items and "Compte rendu" in again.send_views.notice.text.text()
    again.send_views.notice.close_button.click()  # "Masquer l'alerte": gone, row kept
    third = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(third)
    assert not third.send_views.notice.items
    assert OutboxStore(mail_store).get(failed.id) is not None


def test_retry_edit_and_delete(
    qtbot: QtBot,
    mail_store: Store,
    tmp_path: Path,
    answers: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Composer, "confirm_trust", lambda _self, _addresses: True)
    mail_store.db.execute("UPDATE accounts SET smtp_url = 'smtp+starttls://smtp.test:587'")
    first = put(mail_store, "Premier", "inconnu@mssante.test", "failed", REFUSAL)
    second = put(mail_store, "Second", "autre@mssante.test", "failed", "550 5.2.2 Mailbox full")
    third = put(mail_store, "Troisième", "x@mssante.test", "failed", "554 5.7.1 Refused")
    doubtful = put(mail_store, "Douteux", "y@mssante.test", "uncertain", "Connexion perdue.")
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    window.send_views.open_outbox(OWNER)
    panel = window.send_views.outbox
    outbox = OutboxStore(mail_store)

    panel.select(first.id)
    panel.retry.click()  # no question: it was refused, she asks for it again
    assert outbox.get(first.id).state == "queued"  # type: ignore[union-attr]

    panel.select(second.id)
    panel.edit.click()  # back in the composer, as a draft first: never lost
    composer = window.composers[-1]
    qtbot.addWidget(composer)
    assert isinstance(composer, Composer)
    assert composer.to.text() == "autre@mssante.test" and composer.subject.text() == "Second"
    assert composer.body.toPlainText().startswith("Texte de « Second »")
    assert outbox.get(second.id) is None
    assert [r.subject for r in DraftStore(mail_store).items(OWNER)] == ["Second"]
    assert tree_labels(window)[DRAFTS] == "Brouillons (1)"
    composer.to.setText("autre.adresse@mssante.test")
    composer.send()  # queued again, the draft gone
    assert DraftStore(mail_store).items(OWNER) == []
    assert [i.recipients for i in outbox.items() if i.subject == "Second"] == [
        ("autre.adresse@mssante.test",)
    ]

    answers += [False, True]
    panel.select(third.id)
    panel.delete.click()  # "Annuler": kept
    assert outbox.get(third.id) is not None
    panel.delete.click()  # "Supprimer"
    assert outbox.get(third.id) is None

    answers += [False, True]
    panel.select(doubtful.id)
    panel.retry.click()  # uncertain: she is asked, with the facts; "Ne pas renvoyer"
    assert outbox.get(doubtful.id).state == "uncertain"  # type: ignore[union-attr]
    asked = SendViews.asked  # type: ignore[attr-defined]
    assert "peut-être déjà été remis" in asked[-1] and "Douteux" in asked[-1]
    panel.retry.click()  # "Renvoyer quand même"
    assert outbox.get(doubtful.id).state == "queued"  # type: ignore[union-attr]
    assert not window.send_views.notice.items  # nothing left to act on


def test_closing_a_composer_asks_to_keep_the_draft(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Composer, "ask_on_close", True)
    window = MainWindow(mail_store, tmp_path / "ui.ini")
    qtbot.addWidget(window)
    choices = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    monkeypatch.setattr(Composer, "ask_keep", lambda _self: choices.pop(0))
    composer = window.write()
    qtbot.addWidget(composer)
    composer.show()
    composer.to.setText("labo@biolab.mssante.fr")
    composer.body.setPlainText("Merci pour le bilan.")
    composer.close()  # "Annuler": still open
    assert composer.isVisible()
    composer.close()  # "Ne pas enregistrer": no draft left
    assert not composer.isVisible() and DraftStore(mail_store).items() == []

    kept = window.write()
    qtbot.addWidget(kept)
    kept.body.setPlainText("À reprendre demain.")
    kept.keep_draft()  # "Enregistrer le brouillon": then closing asks nothing
    kept.close()
    assert [r.content["body"] for r in DraftStore(mail_store).items()] == ["À reprendre demain."]
    assert tree_labels(window)[DRAFTS] == "Brouillons (1)"


def test_an_uncertain_send_is_checked_in_the_worker_before_she_decides(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, answers: list[bool]
) -> None:
    """ "Réessayer" on an uncertain message: the worker checks first (here the server cannot
    be reached: said in the question), then she decides."""
    from app.ui.sync_worker import Prompter, SyncWorker

    mail_store.db.execute(
        "UPDATE accounts SET auth = 'password', imap_url = 'imaps://127.0.0.1:9',"
        " smtp_url = 'smtp+starttls://127.0.0.1:9'"
    )
    doubtful = put(mail_store, "Douteux", "y@mssante.test", "uncertain", "Connexion perdue.")
    worker = SyncWorker(
        tmp_path / "profile", tmp_path / "cache", None, Prompter(answerer=lambda _q: "secret")
    )  # lives in this thread: its queued calls run in the test's event loop
    window = MainWindow(mail_store, tmp_path / "ui.ini", worker)
    qtbot.addWidget(window)
    window.send_views.open_outbox(OWNER)
    panel = window.send_views.outbox
    panel.select(doubtful.id)
    answers.append(True)
    with qtbot.waitSignal(worker.uncertain_checked, timeout=30_000):
        panel.retry.click()
    qtbot.waitUntil(lambda: not answers, timeout=10_000)  # asked, and answered "Renvoyer"
    asked = SendViews.asked  # type: ignore[attr-defined]
    assert "Vérification sur le serveur impossible" in asked[-1]
    assert OutboxStore(mail_store).get(doubtful.id).state == "queued"  # type: ignore[union-attr]
