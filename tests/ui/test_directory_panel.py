"""The address book panel and the composer's use of the directory: a real index built from a
generated extraction file in the real format, searched in the jobs' thread; favourites and
vCard files on disk; the liste blanche warning driven through its real dialog."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.directory import trusted, vcard
from app.directory.index import DirectoryIndex, Mailbox, build_index
from app.directory.trusted import outside_trust_space
from app.store.db import Store
from app.store.outbox import OutboxStore
from app.ui.composer import AddressRole, Composer
from app.ui.directory_panel import DirectoryPanel
from app.ui.directory_search import (
    DirectoryContext,
    DirectoryJobs,
    DirectoryPlaces,
)
from app.ui.main_window import MainWindow
from bench import directory_data
from tests.ui.conftest import assert_not_blank
from tests.unit.test_directory import ELODIE, NAME, _line

DUPONT = "jean.dupont@medecin.mssante.fr"
DUPONT_LINE = _line(
    type="PER",
    address=DUPONT,
    id_type="8",
    id_pp="10100000042",
    id_nat="810100000042",
    last="DUPONT",
    first="Jean",
    profession_code="10",
    profession="Médecin",
    specialty="Cardiologie et maladies vasculaires (SM)",
    organisation="CABINET DE CARDIOLOGIE DES BROTTEAUX",
    l6="69006 LYON",
    postcode="69006",
    department="69",
)
# same name, elsewhere or another profession: what the filters must leave out
DUPONT_RENNES = DUPONT_LINE.replace(DUPONT, "j.dupont@ch-rennes.mssante.fr").replace(
    "69006 LYON|69006|69", "35000 RENNES|35000|35"
)
DUPONT_PHARMA = _line(
    type="PER",
    address="paul.dupont@pharmacien.mssante.fr",
    id_type="8",
    id_pp="10100000043",
    last="DUPONT",
    first="Paul",
    profession_code="21",
    profession="Pharmacien",
    l6="69003 LYON",
    postcode="69003",
    department="69",
)
LISTE = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListeBlanche xmlns="https://listeblanche.mssante.fr/schema">
  <DateDeGeneration>2026-11-22T03:00:00</DateDeGeneration>
  <Domaine><Nom>medecin.mssante.fr</Nom></Domaine>
  <Domaine><Nom>ch-rennes.mssante.fr</Nom></Domaine>
</ListeBlanche>
"""


def _civility(line: str) -> str:
    fields = line.split("|")
    fields[8] = "DR"  # "Civilité d'exercice"
    return "|".join(fields)


def _extraction(directory: Path, count: int = 400) -> Path:
    lines = [_civility(line) for line in (DUPONT_LINE, DUPONT_RENNES, ELODIE)] + [DUPONT_PHARMA]
    return directory_data.write(directory / f"{NAME}.txt", count, extra_lines=lines)


@pytest.fixture
def places(tmp_path: Path, mail_store: Store) -> DirectoryPlaces:
    """The mail store's profile, with a directory index installed."""
    profile = tmp_path / "profile"
    build_index(_extraction(tmp_path), profile)
    return DirectoryPlaces(profile, profile / "cache")


@pytest.fixture
def jobs(places: DirectoryPlaces) -> Iterator[DirectoryJobs]:
    running = DirectoryJobs(places)
    yield running
    running.close()


def _panel(qtbot: QtBot, store: Store, jobs: DirectoryJobs, **kwargs: object) -> DirectoryPanel:
    panel = DirectoryPanel(store, jobs, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.resize(1100, 720)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _addresses(panel: DirectoryPanel) -> list[str]:
    return [m.address for m in panel.results.rows]


def _search(qtbot: QtBot, panel: DirectoryPanel, text: str) -> None:
    panel.search_field.clear()
    panel.status.clear()
    qtbot.keyClicks(panel.search_field, text)
    _settle(qtbot, panel)


def _settle(qtbot: QtBot, panel: DirectoryPanel) -> None:
    """Wait for the answer to what the field and filters say now."""
    qtbot.waitUntil(
        lambda: (
            panel.status.text().endswith("résultat(s)")
            and panel._last_query == panel.query()
            and not panel._debounce.isActive()
        ),
        timeout=5000,
    )


def _select(panel: DirectoryPanel, address: str) -> None:
    row = _addresses(panel).index(address)
    panel.results_view.selectRow(row)


def test_type_ahead_filters_and_details(
    qtbot: QtBot,
    qtmodeltester: object,
    mail_store: Store,
    jobs: DirectoryJobs,
    artefacts: Path,
) -> None:
    panel = _panel(qtbot, mail_store, jobs)
    qtbot.waitUntil(lambda: panel.profession.count() > 1, timeout=5000)
    assert "Médecin" in [panel.profession.itemText(i) for i in range(panel.profession.count())]
    assert panel.specialty.findText("Cardiologie et maladies vasculaires") > 0  # "(SM)" hidden
    assert panel.status.text() == "Annuaire hors ligne : 404 adresses MSSanté."

    _search(qtbot, panel, "dupont")
    found = _addresses(panel)
    assert {DUPONT, "j.dupont@ch-rennes.mssante.fr", "paul.dupont@pharmacien.mssante.fr"} <= set(
        found
    )
    assert all(m.last_name == "DUPONT" for m in panel.results.rows[:3])  # exact names first
    qtmodeltester.check(panel.results)  # type: ignore[attr-defined]

    # type-ahead: words in any order, accents ignored, searched after the last key only
    _search(qtbot, panel, "lefevre elodie")
    assert _addresses(panel) == ["elodie.lefevre@medecin.mssante.fr"]

    _search(qtbot, panel, "dupont")
    panel.profession.setCurrentIndex(panel.profession.findText("Médecin"))
    panel.specialty.setCurrentIndex(panel.specialty.findText("Cardiologie et maladies vasculaires"))
    qtbot.keyClicks(panel.department, "69")
    _settle(qtbot, panel)
    assert DUPONT in _addresses(panel)
    for mailbox in panel.results.rows:
        assert mailbox.department == "69" and mailbox.profession == "Médecin"
        assert mailbox.specialty.startswith("Cardiologie")
    assert "j.dupont@ch-rennes.mssante.fr" not in _addresses(panel)
    assert "paul.dupont@pharmacien.mssante.fr" not in _addresses(panel)

    panel.department.clear()
    panel.profession.setCurrentIndex(0)
    panel.specialty.setCurrentIndex(0)
    _search(qtbot, panel, "centre hospitalier")
    assert {m.bal_type for m in panel.results.rows} == {"PER", "ORG"}
    panel.bal_type.setCurrentIndex(panel.bal_type.findData("ORG"))
    _settle(qtbot, panel)
    assert panel.results.rows and all(m.bal_type == "ORG" for m in panel.results.rows)
    qtmodeltester.check(panel.results)  # type: ignore[attr-defined]
    panel.bal_type.setCurrentIndex(0)

    _search(qtbot, panel, "dupont")
    _select(panel, DUPONT)
    details = panel.details.toPlainText()
    for expected in (
        "Dr Jean DUPONT",
        DUPONT,
        "Médecin",
        "Cardiologie et maladies vasculaires",
        "CABINET DE CARDIOLOGIE DES BROTTEAUX",
        "69006 Lyon",
        "Boîte personnelle (PER)",
        "10100000042",
    ):
        assert expected in details, expected
    assert panel.write_button.isEnabled() and panel.favourite_button.isEnabled()
    panel.grab().save(str(artefacts / "directory-panel.png"))
    assert_not_blank(artefacts / "directory-panel.png")


def test_no_index_explains_and_updates_in_the_background(
    qtbot: QtBot, mail_store: Store, tmp_path: Path, artefacts: Path
) -> None:
    profile = tmp_path / "profile"
    empty = DirectoryJobs(DirectoryPlaces(profile, profile / "cache"))
    source = _extraction(tmp_path)
    threads: list[str] = []

    def update(context: DirectoryContext) -> str:
        import threading

        threads.append(threading.current_thread().name)
        return build_index(source, context.places.data_dir).french()

    try:
        panel = _panel(qtbot, mail_store, empty, update=update)
        qtbot.waitUntil(lambda: panel.missing, timeout=5000)
        assert panel.results_stack.currentIndex() == 1
        assert "caducee directory update" in panel.notice.text()
        assert panel.notice.isVisible() and panel.update_button.isVisible()
        assert not panel.profession.isEnabled()  # nothing to filter yet
        panel.grab().save(str(artefacts / "directory-panel-empty.png"))
        assert_not_blank(artefacts / "directory-panel-empty.png")

        qtbot.keyClicks(panel.search_field, "dupont")  # while missing: still explained
        qtbot.wait(400)
        assert panel.missing and not panel.results.rows
        assert panel.status.text() == "Annuaire hors ligne absent."

        panel.update_button.click()
        assert not panel.update_button.isEnabled()
        qtbot.waitUntil(lambda: not panel.missing and bool(panel.results.rows), timeout=30000)
        assert threads == ["directory-jobs"]  # not the GUI thread
        assert "Annuaire importé" in panel.update_status.text()
        assert DUPONT in _addresses(panel)
        assert panel.results_stack.currentIndex() == 0 and panel.profession.isEnabled()
        qtbot.waitUntil(lambda: panel.profession.findText("Médecin") > 0, timeout=5000)
    finally:
        empty.close()


def test_favourites_kept_and_exported_as_vcard(
    qtbot: QtBot, qtmodeltester: object, mail_store: Store, jobs: DirectoryJobs, tmp_path: Path
) -> None:
    panel = _panel(qtbot, mail_store, jobs)
    _search(qtbot, panel, "dupont cardio lyon")
    _select(panel, DUPONT)
    panel.favourite_button.click()
    assert panel.favourite_button.text() == "Retirer des favoris"
    _search(qtbot, panel, "lefevre elodie")
    panel.results_view.selectRow(0)
    panel.favourite_button.click()

    again = _panel(qtbot, mail_store, jobs)  # another instance: read from the profile
    assert [m.address for m in again.favourite_rows.rows] == [
        DUPONT,
        "elodie.lefevre@medecin.mssante.fr",
    ]
    qtmodeltester.check(again.favourite_rows)  # type: ignore[attr-defined]
    again.tabs.setCurrentIndex(1)
    again.favourites_view.selectRow(0)
    assert "CABINET DE CARDIOLOGIE DES BROTTEAUX" in again.details.toPlainText()

    # nothing selected in "Favoris": every favourite is exported
    again.favourites_view.clearSelection()
    target = tmp_path / "exports" / "carnet.vcf"
    asked: list[str] = []
    again.ask_export_path = lambda suggested: asked.append(suggested) or target
    again.export_vcard()
    qtbot.waitUntil(lambda: "exportée" in again.status.text(), timeout=5000)
    assert asked == ["contacts-mssante.vcf"]
    cards = vcard.read(target.read_text(encoding="utf-8"))
    assert [c["EMAIL"] for c in cards] == [[[DUPONT]], [["elodie.lefevre@medecin.mssante.fr"]]]
    assert cards[0]["FN"] == [["Dr Jean DUPONT"]]
    assert cards[0]["TITLE"] == [["Médecin, Cardiologie et maladies vasculaires"]]

    # removed in one instance, gone for the next
    again.favourites_view.selectRow(0)
    again.favourite_button.click()
    third = _panel(qtbot, mail_store, jobs)
    assert [m.address for m in third.favourite_rows.rows] == ["elodie.lefevre@medecin.mssante.fr"]


def _window(qtbot: QtBot, store: Store, places: DirectoryPlaces, tmp_path: Path) -> MainWindow:
    store.db.execute("UPDATE accounts SET smtp_url = 'smtp+starttls://smtp.test:587'")
    window = MainWindow(store, tmp_path / "ui.ini", directory=places)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_write_to_and_add_to_the_open_composer(
    qtbot: QtBot, mail_store: Store, places: DirectoryPlaces, tmp_path: Path, artefacts: Path
) -> None:
    window = _window(qtbot, mail_store, places, tmp_path)
    assert window.directory_action.shortcut().toString() == "Ctrl+Shift+B"
    window.directory_action.trigger()
    assert window.directory_dock is not None and window.directory_dock.isVisible()
    panel = window.open_directory()
    _search(qtbot, panel, "dupont cardio lyon")
    _select(panel, DUPONT)
    window.resize(1500, 860)
    qtbot.wait(50)
    window.grab().save(str(artefacts / "main-window-directory.png"))
    assert_not_blank(artefacts / "main-window-directory.png")
    panel.write_button.click()
    composer = window.composers[-1]
    qtbot.addWidget(composer)
    assert composer.to.text() == DUPONT
    assert composer.from_box.currentText() == "dr.martin@medecin.mssante.fr"

    _search(qtbot, panel, "lefevre elodie")
    panel.results_view.selectRow(0)
    panel.cc_button.click()
    assert composer.cc.text() == "elodie.lefevre@medecin.mssante.fr"
    panel.to_button.click()
    panel.to_button.click()  # twice: not duplicated
    assert composer.to.text() == f"{DUPONT}, elodie.lefevre@medecin.mssante.fr"

    composer.discard()
    panel.to_button.click()  # no composer open any more: said, nothing else
    assert "Aucun message en cours de rédaction" in panel.status.text()

    panel.tabs.setCurrentIndex(2)  # recent correspondents, from the store
    assert panel.recent.count() > 0
    panel.recent.setCurrentRow(0)
    recent = panel.recent.item(0).text()
    qtbot.waitUntil(lambda: recent in panel.details.toPlainText(), timeout=5000)
    panel.write_button.click()
    assert window.composers[-1].to.text() == recent
    qtbot.addWidget(window.composers[-1])
    window.composers[-1].discard()

    window.directory_dock.setFloating(True)  # a window of its own: the lock covers it too
    window.lock()
    assert not window.directory_dock.isVisible()


def test_online_source_is_optional_and_runs_off_the_gui_thread(
    qtbot: QtBot, mail_store: Store, jobs: DirectoryJobs
) -> None:
    assert not _panel(qtbot, mail_store, jobs).online_box.isEnabled()
    offline = DirectoryIndex(jobs.places.data_dir)
    distant = offline.lookup(DUPONT)
    offline.close()
    assert distant is not None
    import dataclasses
    import threading

    far = dataclasses.replace(distant, address="jean.dupont@chu-lyon.mssante.fr")
    calls: list[tuple[str, str]] = []

    def online(text: str) -> list[Mailbox]:
        calls.append((text, threading.current_thread().name))
        return [distant, far]  # one already known offline, one new

    panel = _panel(qtbot, mail_store, jobs, online=online)
    assert panel.online_box.isEnabled()
    panel.online_box.setChecked(True)
    _search(qtbot, panel, "dupont cardio lyon")
    qtbot.waitUntil(lambda: far.address in _addresses(panel), timeout=5000)
    assert _addresses(panel).count(DUPONT) == 1
    assert _addresses(panel)[-1] == far.address  # after the offline ones
    assert calls[-1] == ("dupont cardio lyon", "directory-jobs")
    row = _addresses(panel).index(far.address)
    assert "en ligne" in panel.results.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    panel.close_jobs()


def _completions(composer: Composer) -> list[tuple[str, str]]:
    model = composer.completions
    return [
        (model.index(r, 0).data(), model.index(r, 0).data(AddressRole))
        for r in range(model.rowCount())
    ]


def test_composer_completes_from_the_directory_and_recent_correspondents(
    qtbot: QtBot, mail_store: Store, places: DirectoryPlaces, tmp_path: Path, artefacts: Path
) -> None:
    window = _window(qtbot, mail_store, places, tmp_path)
    composer = window.write()
    qtbot.addWidget(composer)
    qtbot.waitExposed(composer)
    composer.activateWindow()
    composer.to.setFocus()
    qtbot.keyClicks(composer.to, "dupont")
    shown = f"Dr Jean DUPONT — Cardiologie et maladies vasculaires, Lyon <{DUPONT}>"
    qtbot.waitUntil(lambda: (shown, DUPONT) in _completions(composer), timeout=5000)
    completer = composer.to.completer()
    popup = completer.popup()
    assert popup.isVisible()
    image = composer.grab().toImage()  # the popup is a window of its own: painted over
    painter = QPainter(image)
    painter.drawPixmap(composer.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0))), popup.grab())
    painter.end()
    image.save(str(artefacts / "composer-directory-completion.png"))
    assert_not_blank(artefacts / "composer-directory-completion.png")
    row = _completions(composer).index((shown, DUPONT))
    popup.setCurrentIndex(composer.completions.index(row, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert composer.to.text() == f"{DUPONT}, "  # the address only, ready for the next

    # the next address: accents ignored by the directory; recent correspondents merged first
    qtbot.keyClicks(composer.to, "lefevre")
    qtbot.waitUntil(
        lambda: "elodie.lefevre@medecin.mssante.fr" in [a for _s, a in _completions(composer)],
        timeout=5000,
    )
    recent = composer.recent[0]
    fragment = recent.split("@")[0][-5:]
    composer.to.setText(f"{DUPONT}, ")
    qtbot.keyClicks(composer.to, fragment)
    qtbot.waitUntil(lambda: bool(_completions(composer)), timeout=5000)
    assert _completions(composer)[0] == (recent, recent)
    composer.discard()


def _answer_trust_warning(
    qtbot: QtBot, composer: Composer, button: str, seen: list[str], shot: Path | None = None
) -> Callable[[], None]:
    """Answer the warning once it is open (it runs its own event loop: exec()). Returns
    a function that stops waiting for it."""
    waiting = [True]

    def answer() -> None:
        if not waiting[0]:
            return
        shown = [b for b in composer.findChildren(QMessageBox) if b.isVisible()]
        box = shown[0] if shown else None
        if box is None or box.objectName() != "untrusted-warning":
            QTimer.singleShot(20, answer)
            return
        waiting[0] = False
        seen.append(box.informativeText())
        if shot is not None:
            _composite(composer, box).save(str(shot))
        chosen = next(b for b in box.findChildren(QAbstractButton) if b.text() == button)
        chosen.click()

    QTimer.singleShot(0, answer)
    return lambda: waiting.__setitem__(0, False)


def _composite(window: QWidget, box: QWidget) -> object:
    """The composer with the warning over it, as she sees it."""
    image = window.grab().toImage()
    painter = QPainter(image)
    over = box.grab()
    corner = QPoint((image.width() - over.width()) // 2, (image.height() - over.height()) // 3)
    painter.drawPixmap(corner, over)
    painter.setPen(QColor("#6b7280"))
    painter.drawRect(corner.x(), corner.y(), over.width() - 1, over.height() - 1)
    painter.end()
    return image


def test_warning_before_sending_outside_the_liste_blanche(
    qtbot: QtBot, mail_store: Store, places: DirectoryPlaces, tmp_path: Path, artefacts: Path
) -> None:
    trusted.store(LISTE, places.cache_dir)
    window = _window(qtbot, mail_store, places, tmp_path)
    composer = window.write()
    qtbot.addWidget(composer)
    qtbot.waitUntil(lambda: composer.trusted_loaded, timeout=5000)  # read in the thread
    composer.to.setText(f"{DUPONT}, confrere@gmail.com")
    composer.cc.setText("123456789012345@patient.mssante.fr")  # Mon espace santé: MSSanté
    composer.bcc.setText("x@sous.medecin.mssante.fr")  # a subdomain is not the domain
    composer.subject.setText("Courrier")
    composer.body.setPlainText("Bonjour,")
    outbox = OutboxStore(mail_store)

    seen: list[str] = []
    shot = artefacts / "composer-untrusted-warning.png"
    _answer_trust_warning(qtbot, composer, "Annuler", seen, shot)
    composer.send()
    assert len(seen) == 1
    assert "confrere@gmail.com" in seen[0] and "x@sous.medecin.mssante.fr" in seen[0]
    assert DUPONT not in seen[0] and "patient.mssante.fr" not in seen[0]
    assert "pas encore téléchargée" not in seen[0]
    assert outbox.items() == [] and not composer.sent  # blocked, still being written
    assert_not_blank(shot)

    _answer_trust_warning(qtbot, composer, "Envoyer quand même", seen)
    composer.send()
    assert len(seen) == 2
    assert [i.subject for i in outbox.items()] == ["Courrier"] and composer.sent


def test_no_warning_when_every_recipient_is_mssante(
    qtbot: QtBot, mail_store: Store, places: DirectoryPlaces, tmp_path: Path
) -> None:
    trusted.store(LISTE, places.cache_dir)
    mail_store.add_account("moi@cabinet.example.fr", "password", "imaps://imap.example.fr")
    window = _window(qtbot, mail_store, places, tmp_path)
    composer = window.write()
    qtbot.addWidget(composer)
    composer.to.setText(f"{DUPONT}, j.dupont@ch-rennes.mssante.fr")
    composer.cc.setText("Moi@Cabinet.example.fr")  # one of her accounts: a note to herself
    composer.subject.setText("Courrier")
    seen: list[str] = []
    stop = _answer_trust_warning(qtbot, composer, "Annuler", seen)  # would block the send
    composer.send()  # sent at once, before the list even came from the thread: read here
    stop()
    assert seen == []
    assert [i.subject for i in OutboxStore(mail_store).items()] == ["Courrier"]


def test_without_a_cached_list_only_mssante_fr_domains_pass() -> None:
    verdict = outside_trust_space(
        None,
        [
            DUPONT,
            "secretariat@ch-quimper.mssante.fr",
            "123456789012345@patient.mssante.fr",
            "confrere@gmail.com",
            "pas-une-adresse",
        ],
    )
    assert verdict.untrusted == ["confrere@gmail.com", "pas-une-adresse"]
    assert not verdict.list_cached
    liste = trusted.parse(LISTE)  # no patient.mssante.fr in it: still MSSanté
    assert outside_trust_space(liste, ["1@patient.mssante.fr"]).untrusted == []
    assert outside_trust_space(liste, ["a@ch-quimper.mssante.fr"]).untrusted == [
        "a@ch-quimper.mssante.fr"
    ]


def test_jobs_run_newest_per_kind_and_urgent_first(qtbot: QtBot, tmp_path: Path) -> None:
    import threading

    jobs = DirectoryJobs(DirectoryPlaces(tmp_path, tmp_path / "cache"))
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def record(_ticket: int, kind: str, result: object) -> None:
        assert threading.current_thread() is threading.main_thread()  # queued to the GUI
        done.append(f"{kind}={result}")

    jobs.finished.connect(record, Qt.ConnectionType.QueuedConnection)
    try:

        def slow(_context: DirectoryContext) -> str:
            started.set()
            release.wait(5)
            return "slow"

        jobs.submit("slow", slow)
        assert started.wait(5)
        jobs.submit("choices", lambda _c: "filters")
        jobs.submit("search", lambda _c: "du")
        jobs.submit("search", lambda _c: "dupont", urgent=True)  # replaces "du"
        release.set()
        qtbot.waitUntil(lambda: len(done) == 3, timeout=5000)
        assert done == ["slow=slow", "search=dupont", "choices=filters"]
    finally:
        jobs.close()
