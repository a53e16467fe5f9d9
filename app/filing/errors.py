"""Errors of the filing engine (French user messages, never patient data in ``str()``)."""

from __future__ import annotations

from app.core.errors import CaduceeError, Scope


class FilingError(CaduceeError):
    scope = Scope.MESSAGE
    default_message = "Le classement a échoué."


class PatientsRootError(FilingError, OSError):
    """The patients root is missing, not a directory or not writable: a real error."""

    scope = Scope.APPLICATION
    default_message = "Le dossier des patients est inutilisable."


class UnknownPatientError(FilingError, LookupError):
    default_message = "Patient inconnu."


class InvalidPatientError(FilingError, ValueError):
    default_message = "Identité du patient incomplète ou invalide."


class OutsideRootError(FilingError, PermissionError):
    """A path would leave the patients root (symbolic link, hostile name): refused."""

    default_message = "Écriture refusée : le chemin sortirait du dossier des patients."


class UndoRefusedError(FilingError):
    default_message = "Annulation impossible."
