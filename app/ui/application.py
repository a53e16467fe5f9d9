"""Starting the desktop application (``caducee`` / ``caducee gui``)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QColor, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from app import APP_NAME, __version__
from app.core.crashes import CrashGuard, UnexpectedStop
from app.core.edition import Edition, embedded_edition
from app.core.errors import CaduceeError
from app.core.paths import Profile
from app.core.settings import LANGUAGES, Settings
from app.directory.fhir import online_search
from app.directory.lookup import profile_addresses
from app.filing.practice_import import registry_root
from app.ops.accounts import session_lock_minutes
from app.ops.patient_mail import PatientBook, registry_patients
from app.store.db import Store
from app.ui import file_dialogs
from app.ui.directory_search import DirectoryPlaces
from app.ui.display import require_display
from app.ui.filing_destination import PatientsRefresher, add_destination_menu
from app.ui.jobs import finish_jobs
from app.ui.main_window import MainWindow, start_worker, stop_worker
from app.ui.pdf_probe import close_shared_prober
from app.ui.profile_migration import encrypt_with_progress
from app.ui.profile_passphrase import ask_profile_passphrase
from app.ui.sync_worker import Answerer, Prompter, SyncWorker

if TYPE_CHECKING:  # the wizard module is loaded only when a wizard opens
    from app.ui.wizard_connect import Handover

SYNC_TIMEOUT_MS = 120_000


def run(
    profile: Profile,
    screenshot: Path | None = None,
    *,
    label: str | None = None,
    answerer: Answerer | None = None,
    screenshot_after_sync: bool = False,
    wizard: bool = False,
) -> int:
    """Open the main window on the profile's store; with ``screenshot``, save a PNG of the
    window once its folder tree and message list are filled, then quit.

    ``label`` is shown in the title and the status bar (the demo says DÉMO there);
    ``answerer`` answers the engine's questions instead of dialogs (the demo card's known
    passphrase); ``screenshot_after_sync`` takes the screenshot once the first sync at launch
    has finished rather than from what is on disk. The first-run wizard opens first when
    the profile has no account (or with ``wizard``).
    """
    if QApplication.instance() is None:
        require_display()  # else Qt's xcb platform aborts the process (a core dump)
    profile.ensure()
    with CrashGuard(profile.log_dir) as stopped:  # a native crash leaves a report
        return _open_window(
            profile,
            screenshot,
            label=label,
            answerer=answerer,
            screenshot_after_sync=screenshot_after_sync,
            wizard=wizard,
            stopped=stopped,
        )


def _open_window(
    profile: Profile,
    screenshot: Path | None,
    *,
    label: str | None,
    answerer: Answerer | None,
    screenshot_after_sync: bool,
    wizard: bool,
    stopped: list[UnexpectedStop],
) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # noqa: S101 - a QCoreApplication cannot show windows
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    settings = Settings.load(profile.config_file)
    _translate(app, settings.language)
    edition = _brand(app)
    try:
        if not ask_profile_passphrase(profile.data_dir):
            return 0  # "Quitter" in the passphrase dialog: nothing opened, nothing written
        encrypt_with_progress(profile.data_dir)  # an older clear profile: once, on a thread
        store = Store.open(profile.data_dir)
    except CaduceeError as error:  # no keyring, a lost key, a damaged database: said here
        if screenshot is None:  # not only on a console nobody looks at
            QMessageBox.critical(None, APP_NAME, error.user_message)
        raise
    opened = profile.tmp_dir / f"caducee-attachments-{os.getpid()}"
    prompter = Prompter(answerer=answerer)
    handover = None
    if wizard or (screenshot is None and not store.accounts()):  # first run: the wizard
        handover = _wizard(profile, settings)
    worker = SyncWorker(profile.data_dir, profile.cache_dir, settings.card_module, prompter)
    if handover is not None:
        handover.give_to(worker, prompter)  # the first sync uses the wizard's session
    try:
        window = MainWindow(
            store,
            profile.data_dir / "ui.ini",
            worker,
            opened,
            lock_minutes=session_lock_minutes(
                settings.lock_minutes, store.accounts(), profile.cache_dir
            ),
            directory=DirectoryPlaces(profile.data_dir, profile.cache_dir),
        )
        prompter.window = window
        window.account_wizard = lambda parent: _wizard(profile, settings, parent)
        window.patients_root = lambda parent: patients_root(profile, parent)
        use_patient_book(window, profile)
        refresher = use_filing_destination(window, profile)
        window.directory_online = online_search(profile)
        window.notify_new_mail = settings.notifications
        window.composer_receipts = (settings.delivery_receipt, settings.read_receipt)
        if edition is not None:
            _brand_window(window, edition)
        if label is not None:
            _show_label(window, label)
        if stopped:
            report_unexpected_stops(window, stopped)
        thread = start_worker(window, worker)
        window.show()
        if screenshot is not None and screenshot_after_sync:
            _screenshot_after_first_sync(window, screenshot)
            QTimer.singleShot(0, window.get_mail)
        elif screenshot is not None:  # what is on disk now, no network
            QTimer.singleShot(0, lambda: save_screenshot(window, screenshot, quit_after=True))
        else:
            QTimer.singleShot(0, window.get_mail)  # new mail at start, as any mail client
            QTimer.singleShot(0, refresher.start)  # the practice software's patient list
            if label is None and settings.directory_updates:  # never the demo: it is offline
                QTimer.singleShot(5_000, window.refresh_directory_if_due)
        status = app.exec()
        finish_jobs()  # while the window still exists: see jobs.finish_jobs
        stop_worker(worker, thread)
        close_shared_prober()
        return status
    finally:
        store.close()
        shutil.rmtree(opened, ignore_errors=True)  # attachments opened with other programs


def report_unexpected_stops(window: MainWindow, stopped: list[UnexpectedStop]) -> None:
    """Once, in the error bar: the last time the window stopped without closing (a crash),
    and where its technical report is, for support."""
    reports = [str(stop.report) for stop in stopped if stop.report is not None]
    text = QApplication.translate(
        "MainWindow", "Caducée s'est arrêté de façon inattendue lors de sa dernière utilisation."
    )
    if reports:
        text += " " + QApplication.translate(
            "MainWindow",
            "Un rapport technique (sans données de santé) est enregistré dans {0} : vous "
            "pouvez le transmettre au support.",
        ).format(reports[-1])
    details = "\n".join(
        QApplication.translate("MainWindow", "Démarré le {0}, rapport : {1}").format(
            stop.started.replace("T", " "),
            stop.report or QApplication.translate("MainWindow", "aucun"),
        )
        for stop in stopped
    )
    window.error_bar.report(text, details, retry=False)


def _wizard(profile: Profile, settings: Settings, parent: QWidget | None = None) -> Handover | None:
    """The first-run wizard, or (with the window as ``parent``) "Ajouter un compte…"."""
    from app.ui.wizard import run_wizard

    return run_wizard(
        profile,
        settings.card_module,
        lookup_addresses=lambda rpps: profile_addresses(profile, rpps),
        adding=parent is not None,
        parent=parent,
    )


def use_patient_book(window: MainWindow, profile: Profile) -> PatientBook:
    """The registry's patients for the list, the reader and the composer (read when first
    needed, never asking for the patients folder: without one, nothing is marked)."""
    book = PatientBook(
        lambda: registry_patients(profile.data_dir, Settings.load(profile.config_file).patients_dir)
    )
    window.patient_book = window.messages.patients = window.reader.patients = book
    return book


def use_filing_destination(window: MainWindow, profile: Profile) -> PatientsRefresher:
    """Outils > Destination des documents classés… and the scheduled refresh of the patient list."""
    refresher = PatientsRefresher(window, profile.config_file, profile.data_dir)

    def saved(_settings: Settings) -> None:
        window.filing = None  # the next filing opens with the new destination
        refresher.run(at_start=True)

    window.open_filing_destination = add_destination_menu(window, profile.config_file, saved)
    return refresher


def patients_root(profile: Profile, parent: QWidget) -> Path | None:
    """The folder of the patients' folders: from config.toml, else asked once and kept.
    Never asked when documents go to the practice software (its registry is the profile's)."""
    settings = Settings.load(profile.config_file)
    if settings.destination == "logiciel" and settings.patients_dir is None:
        return registry_root(settings, profile.data_dir)
    if settings.patients_dir is not None and settings.patients_dir.is_dir():
        return settings.patients_dir
    text = QApplication.translate(
        "MainWindow",
        "Choisissez le dossier qui contient les dossiers de vos patients (un sous-dossier par "
        "patient). Caducée y classera les documents reçus.\n\nSi vos dossiers sont dans "
        "votre logiciel métier, annulez et choisissez Outils > Destination des documents "
        "classés… : Caducée déposera les documents dans son dossier d'import.",
    )
    if settings.patients_dir is not None:
        text = (
            QApplication.translate(
                "MainWindow", "Le dossier des patients {0} est introuvable."
            ).format(settings.patients_dir)
            + "\n\n"
            + text
        )
    QMessageBox.information(
        parent, QApplication.translate("MainWindow", "Dossier des patients"), text
    )
    root = file_dialogs.existing_folder(
        parent, "patients", QApplication.translate("MainWindow", "Dossier des patients")
    )
    if root is None:
        return None
    replace(settings, patients_dir=root).save(profile.config_file)
    return root


def save_screenshot(window: MainWindow, target: Path, *, quit_after: bool = False) -> None:
    """The window as it is painted once its list is listed (a large one: off the GUI thread,
    at most 30 s) and the first message read."""
    QApplication.processEvents()
    for _ in range(600):
        if not window.messages.loading:
            break
        time.sleep(0.05)
        QApplication.processEvents()
    if window.messages.rowCount():
        window.list_view.selectRow(0)
    loading = window.reader.tr("Chargement…")
    for _ in range(100):  # let the reader's background load arrive (at most 5 s)
        QApplication.processEvents()
        if window.reader.body.toPlainText() != loading:
            break
        time.sleep(0.05)
    target.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(target), "PNG")
    if quit_after:
        QApplication.quit()


LANGUAGE_ENV = "CADUCEE_LANG"  # "fr" or "en"; else Préférences, else the system's language
DEMO_WORDS = (  # the parts of the demo's label (app/cli/demo.py), translated when shown
    str(QT_TRANSLATE_NOOP("MainWindow", "DÉMO")),
    str(QT_TRANSLATE_NOOP("MainWindow", "carte de démonstration")),
    str(QT_TRANSLATE_NOOP("MainWindow", "Pro Santé Connect de démonstration")),
)


def language(chosen: str | None = None) -> str:
    """CADUCEE_LANG, else ``chosen`` (Préférences), else the system's (French by default)."""
    forced = os.environ.get(LANGUAGE_ENV, "").lower()[:2]
    if forced in LANGUAGES:
        return forced
    if chosen in LANGUAGES:
        return chosen
    return "en" if QLocale.system().language() == QLocale.Language.English else "fr"


def translated_label(label: str) -> str:
    """A label made of " — "-separated parts, each in the interface's language."""
    return " — ".join(
        QApplication.translate("MainWindow", part) if part in DEMO_WORDS else part
        for part in label.split(" — ")
    )


def _show_label(window: MainWindow, label: str) -> None:
    """A label that cannot be missed: in the title and at the right of the status bar."""
    label = translated_label(label)
    window.setWindowTitle(f"{window.windowTitle()} — {label}")
    badge = QLabel(label)
    badge.setObjectName("profile-label")
    badge.setStyleSheet(
        "QLabel { background: #b45309; color: white; font-weight: bold; padding: 2px 8px; }"
    )
    window.statusBar().addPermanentWidget(badge)


def _brand(app: QApplication) -> Edition | None:
    """The operator's edition, if the installer embedded one: its logo as the windows' icon,
    its primary colour for selections."""
    edition = embedded_edition()
    if edition is None:
        return None
    logo = edition.logo_path
    if logo is not None and logo.is_file():
        app.setWindowIcon(QIcon(str(logo)))
    if edition.primary_color is not None:
        palette = app.palette()
        palette.setColor(QPalette.ColorRole.Highlight, QColor(edition.primary_color))
        app.setPalette(palette)
    return edition


def _brand_window(window: MainWindow, edition: Edition) -> None:
    """The operator's name in the title, and its logo and name at the right of the status bar."""
    window.setWindowTitle(
        QApplication.translate("MainWindow", "{0} — édition {1}").format(APP_NAME, edition.name)
    )
    logo = edition.logo_path
    if logo is not None and logo.is_file():
        pixmap = QPixmap(str(logo))
        if not pixmap.isNull():
            picture = QLabel()
            picture.setObjectName("operator-logo")
            picture.setPixmap(pixmap.scaledToHeight(18))
            window.statusBar().addPermanentWidget(picture)
    badge = QLabel(edition.name)
    badge.setObjectName("operator-edition")
    if edition.accent_color is not None:
        badge.setStyleSheet(f"QLabel {{ border-bottom: 2px solid {edition.accent_color}; }}")
    window.statusBar().addPermanentWidget(badge)


def _screenshot_after_first_sync(window: MainWindow, target: Path) -> None:
    """Save the screenshot when the first sync has finished, then quit; give up (exit 1) if
    it has not finished within ``SYNC_TIMEOUT_MS``."""
    done = False

    def take() -> None:
        nonlocal done
        if not done:
            done = True
            save_screenshot(window, target, quit_after=True)

    def give_up() -> None:
        if not done:
            print("Caducée : la première relève n'a pas fini à temps.", file=sys.stderr)
            QApplication.exit(1)

    window.sync_finished.connect(take)
    QTimer.singleShot(SYNC_TIMEOUT_MS, give_up)


def _translate(app: QApplication, chosen: str | None = None) -> None:
    """French is in the code; English from our catalogue. Qt's own dialogs and buttons
    follow (its qtbase catalogue), and so do numbers (the default locale: "12,3 Ko")."""
    wanted = language(chosen)
    QLocale.setDefault(
        QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
        if wanted == "en"
        else QLocale(QLocale.Language.French, QLocale.Country.France)
    )
    qt_catalogue = QTranslator(app)
    if qt_catalogue.load(
        f"qtbase_{wanted}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    ):
        app.installTranslator(qt_catalogue)
    if wanted == "en":
        ours = QTranslator(app)
        catalogue = resources.files("app.resources") / "i18n" / "caducee_en.qm"
        data = catalogue.read_bytes()
        if ours.load(data):
            ours.setProperty("catalogue", data)  # Qt reads these bytes later: keep them alive
            app.installTranslator(ours)
