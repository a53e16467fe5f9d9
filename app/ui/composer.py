"""The composer: a new message, a reply or a forward, sent through the outbox.

Recipients complete from recent correspondents; files are attached by dialog or dropped
on the window; the text is saved as a draft file in the profile every few seconds (and
removed once the message is in the outbox), so a crash loses at most a few seconds.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CaduceeError
from app.ops.outbox import Draft, enqueue
from app.store.db import Store

AUTOSAVE_MS = 3000


class _AddressCompleter(QCompleter):
    """Completes the address being typed after the last comma."""

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: object) -> str:
        chosen = super().pathFromIndex(index)  # type: ignore[arg-type]
        widget = self.widget()
        typed = widget.text() if isinstance(widget, QLineEdit) else ""
        head = typed.rsplit(",", 1)[0] + ", " if "," in typed else ""
        return f"{head}{chosen}, "


def _addresses(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def saved_drafts(drafts_dir: Path) -> list[tuple[Path, Draft]]:
    """Drafts left by a composer that was closed, or by a crash; unreadable ones skipped."""
    found = []
    for path in sorted(drafts_dir.glob("*.json")) if drafts_dir.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            draft = Draft(
                str(data["sender"]),
                list(data.get("to", [])),
                str(data.get("subject", "")),
                str(data.get("body", "")),
                cc=list(data.get("cc", [])),
                bcc=list(data.get("bcc", [])),
                attachments=[Path(p) for p in data.get("attachments", [])],
                in_reply_to=data.get("in_reply_to"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        found.append((path, draft))
    return found


def recent_correspondents(store: Store, limit: int = 2000) -> list[str]:
    rows = store.db.execute(
        "SELECT sender FROM messages WHERE sender != '' GROUP BY sender "
        "ORDER BY max(date) DESC LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]


class Composer(QWidget):
    queued = Signal(str)  # the account whose outbox has a new message

    def __init__(
        self,
        store: Store,
        drafts_dir: Path,
        draft: Draft | None = None,
        sender: str | None = None,
        draft_file: Path | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.drafts_dir = drafts_dir
        self.draft_file = draft_file or drafts_dir / f"{uuid.uuid4().hex}.json"
        self.sent = False
        self.setWindowTitle(self.tr("Rédaction"))
        self.setAcceptDrops(True)
        self.resize(820, 640)

        self.from_box = QComboBox()
        self.from_box.setAccessibleName(self.tr("Expéditeur"))
        for account in store.accounts():
            self.from_box.addItem(account.address)
        chosen = (draft.sender if draft else None) or sender
        if chosen:
            self.from_box.setCurrentText(chosen)
        completions = QStringListModel(recent_correspondents(store), self)
        self.to, self.cc, self.bcc = QLineEdit(), QLineEdit(), QLineEdit()
        for field, name in (
            (self.to, self.tr("Destinataires")),
            (self.cc, self.tr("Copie")),
            (self.bcc, self.tr("Copie cachée")),
        ):
            field.setAccessibleName(name)
            completer = _AddressCompleter(completions, field)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            field.setCompleter(completer)
        self.subject = QLineEdit()
        self.subject.setAccessibleName(self.tr("Objet"))
        self.body = QPlainTextEdit()
        self.body.setAccessibleName(self.tr("Texte du message"))
        self.attachments = QListWidget()
        self.attachments.setAccessibleName(self.tr("Pièces jointes"))
        self.attachments.setMaximumHeight(80)
        self.forwarded: list[tuple[str, str, bytes]] = []
        self.dsn = QCheckBox(self.tr("Accusé de remise"))
        self.mdn = QCheckBox(self.tr("Accusé de lecture"))
        self.in_reply_to: str | None = None
        self.references: list[str] = []

        form = QFormLayout()
        form.addRow(self.tr("De :"), self.from_box)
        form.addRow(self.tr("À :"), self.to)
        form.addRow(self.tr("Copie :"), self.cc)
        form.addRow(self.tr("Copie cachée :"), self.bcc)
        form.addRow(self.tr("Objet :"), self.subject)
        attach = QPushButton(self.tr("Joindre…"))
        attach.clicked.connect(self.choose_files)
        send = QPushButton(self.tr("Envoyer"))
        send.setDefault(True)
        send.clicked.connect(self.send)
        discard = QPushButton(self.tr("Abandonner"))
        discard.clicked.connect(self.discard)
        buttons = QHBoxLayout()
        for widget in (attach, self.dsn, self.mdn):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(discard)
        buttons.addWidget(send)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addWidget(QLabel(self.tr("Pièces jointes :")))
        layout.addWidget(self.attachments)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.send)

        if draft is not None:
            self.load(draft)
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft)
        self._autosave.start()
        (self.to if not self.to.text() else self.body).setFocus()

    # -- content --------------------------------------------------------------------------

    def load(self, draft: Draft) -> None:
        self.to.setText(", ".join(draft.to))
        self.cc.setText(", ".join(draft.cc))
        self.bcc.setText(", ".join(draft.bcc))
        self.subject.setText(draft.subject)
        self.body.setPlainText(draft.body)
        self.body.moveCursor(self.body.textCursor().MoveOperation.Start)
        for path in draft.attachments:
            self.attachments.addItem(str(path))
        self.forwarded = list(draft.forwarded)
        for name, _type, data in self.forwarded:
            self.attachments.addItem(f"{name} ({len(data)} octets, transféré)")
        self.dsn.setChecked(draft.dsn)
        self.mdn.setChecked(draft.mdn)
        self.in_reply_to, self.references = draft.in_reply_to, list(draft.references)

    def draft(self) -> Draft:
        files = [
            Path(self.attachments.item(i).text())
            for i in range(self.attachments.count() - len(self.forwarded))
        ]
        return Draft(
            self.from_box.currentText(),
            _addresses(self.to.text()),
            self.subject.text().strip(),
            self.body.toPlainText(),
            cc=_addresses(self.cc.text()),
            bcc=_addresses(self.bcc.text()),
            attachments=files,
            dsn=self.dsn.isChecked(),
            mdn=self.mdn.isChecked(),
            in_reply_to=self.in_reply_to,
            references=self.references,
            forwarded=self.forwarded,
        )

    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            if path.is_file():
                self.attachments.insertItem(
                    self.attachments.count() - len(self.forwarded), str(path)
                )

    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, self.tr("Joindre des fichiers"))
        self.add_files([Path(n) for n in names])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.add_files([Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    # -- drafts ---------------------------------------------------------------------------

    def save_draft(self) -> None:
        """Atomically, in the profile: the text she typed is precious."""
        if self.sent or not (self.body.toPlainText().strip() or self.to.text().strip()):
            return
        draft = self.draft()
        data = {
            "sender": draft.sender,
            "to": list(draft.to),
            "cc": list(draft.cc),
            "bcc": list(draft.bcc),
            "subject": draft.subject,
            "body": draft.body,
            "attachments": [str(p) for p in draft.attachments],
            "in_reply_to": draft.in_reply_to,
        }
        self.drafts_dir.mkdir(parents=True, exist_ok=True)
        partial = self.draft_file.with_suffix(".tmp")
        with partial.open("w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(self.draft_file)

    def _forget_draft(self) -> None:
        self.sent = True
        self._autosave.stop()
        self.draft_file.unlink(missing_ok=True)

    # -- actions --------------------------------------------------------------------------

    def send(self) -> None:
        draft = self.draft()
        account = self.store.account(draft.sender)
        if account is None or not account.smtp_url:
            QMessageBox.warning(
                self,
                self.tr("Envoi impossible"),
                self.tr("Ce compte n'a pas de serveur d'envoi (SMTP)."),
            )
            return
        if not draft.subject:
            answer = QMessageBox.question(
                self, self.tr("Sans objet"), self.tr("Envoyer ce message sans objet ?")
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            enqueue(self.store, account, draft)
        except (CaduceeError, OSError) as error:
            text = error.user_message if isinstance(error, CaduceeError) else str(error)
            QMessageBox.warning(self, self.tr("Envoi impossible"), text)
            return
        self._forget_draft()
        self.queued.emit(account.address)
        self.close()

    def discard(self) -> None:
        self._forget_draft()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_draft()  # kept as a draft file unless sent or abandoned
        self._autosave.stop()
        super().closeEvent(event)
