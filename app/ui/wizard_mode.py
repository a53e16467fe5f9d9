"""The first-run wizard's first page: how she signs in (card, certificate file, password, PSC)."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QRadioButton, QVBoxLayout

from app.ui.wizard_page import CARD, PAGE_ADDRESS, PAGE_CARD, PASSWORD, PKCS12, PSC, _Page

# -- 1. how she signs in ---------------------------------------------------------------------


class ModePage(_Page):
    def __init__(self, psc_offered: bool = False) -> None:
        super().__init__()
        self.setTitle(self.tr("Bienvenue dans Caducée"))
        self.setSubTitle(
            self.tr(
                "Configurons votre messagerie sécurisée de santé (MSSanté). "
                "Comment vous connectez-vous ?"
            )
        )
        layout = QVBoxLayout(self)
        self.card = QRadioButton(self.tr("Avec ma carte CPS (recommandé)"))
        self.pkcs12 = QRadioButton(self.tr("Avec un certificat logiciel (fichier .p12)"))
        self.password = QRadioButton(
            self.tr("Avec un mot de passe (une autre boîte aux lettres, non MSSanté)")
        )
        self.psc = QRadioButton(self.tr("Pro Santé Connect (carte CPS ou e-CPS)"))
        self.psc.setVisible(psc_offered)  # first, when the operator takes PSC tokens
        self.group = QButtonGroup(self)
        for button in (self.psc, self.card, self.pkcs12, self.password):
            self.group.addButton(button)
            layout.addWidget(button)
        (self.psc if psc_offered else self.card).setChecked(True)
        layout.addStretch()

    def mode(self) -> str:
        if self.psc.isChecked():
            return PSC
        if self.pkcs12.isChecked():
            return PKCS12
        if self.password.isChecked():
            return PASSWORD
        return CARD

    def nextId(self) -> int:
        return PAGE_CARD if self.mode() == CARD else PAGE_ADDRESS
