""" "À propos de Caducée" (version, operator's edition, the bundled components and their
licences, read from their installed metadata: app/core/components.py) and the help page
(French HTML bundled in app/resources/help, shown by a browser that loads nothing)."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.core.components import Component, bundled_components, licence_text
from app.core.edition import Edition, embedded_edition
from app.ui.html_view import SafeBrowser

HELP_PAGE = "aide.html"


class AboutDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        edition: Edition | None = None,
        components: list[Component] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("about")
        self.setWindowTitle(self.tr("À propos de Caducée"))
        edition = edition if edition is not None else embedded_edition()
        self.components = components if components is not None else bundled_components()
        title = QLabel(f"<h2>{edition.title if edition else APP_NAME}</h2>")
        title.setTextFormat(Qt.TextFormat.RichText)
        version = QLabel(self.tr("Version {0}").format(__version__))
        version.setObjectName("about-version")
        lines = [
            self.tr("Messagerie sécurisée de santé (MSSanté) pour les professionnels de santé.")
        ]
        if edition is not None:
            lines.append(self.tr("Édition de l'opérateur {0}.").format(edition.name))
            if edition.support_url:
                lines.append(self.tr("Support : {0}").format(edition.support_url))
        about = QLabel("\n".join(lines))
        about.setObjectName("about-edition")
        about.setWordWrap(True)
        about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        heading = QLabel(
            self.tr(
                "Composants inclus et leurs licences (double-cliquez sur une ligne pour lire "
                "le texte de la licence) :"
            )
        )
        heading.setWordWrap(True)
        self.table = QTableWidget(len(self.components), 3)
        self.table.setObjectName("components")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Composant"), self.tr("Version"), self.tr("Licence")]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, component in enumerate(self.components):
            for column, text in enumerate((component.name, component.version, component.licence)):
                item = QTableWidgetItem(text)
                item.setToolTip(component.url or text)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _column: self.show_licence(row))
        if not self.components:
            heading.setText(self.tr("La liste des composants inclus n'est pas disponible."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Fermer"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (title, version, about, heading, self.table):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        self.resize(640, 560)

    def show_licence(self, row: int) -> QDialog:
        component = self.components[row]
        dialog = QDialog(self)
        dialog.setObjectName("licence-text")
        dialog.setWindowTitle(
            self.tr("Licence de {0} {1}").format(component.name, component.version)
        )
        text = QPlainTextEdit(
            licence_text(component)
            or self.tr(
                "Licence : {0}. Aucun texte de licence n'est installé avec ce composant."
            ).format(component.licence)
        )
        text.setReadOnly(True)
        layout = QVBoxLayout(dialog)
        layout.addWidget(text)
        dialog.resize(620, 520)
        dialog.show()
        return dialog


class HelpBrowser(SafeBrowser):
    """The help page: its own #anchors scroll, other links are confirmed as in a message."""

    def confirm_link(self, url: QUrl) -> None:
        if not url.scheme() and url.hasFragment():
            self.scrollToAnchor(url.fragment())
            return
        super().confirm_link(url)


class HelpWindow(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help")
        self.setWindowTitle(self.tr("Aide de Caducée"))
        self.setModal(False)
        self.browser = HelpBrowser(self)
        self.browser.setHtml(help_html())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.resize(760, 680)


def help_html() -> str:
    """The bundled help page (French); a sentence if the installer left it out."""
    try:
        return (resources.files("app.resources") / "help" / HELP_PAGE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "<p>La page d'aide n'est pas installée.</p>"
