"""Errors of the directory package (French user messages, see app.core.errors)."""

from __future__ import annotations

from app.core.errors import CaduceeError, TransportError


class DirectoryError(CaduceeError):
    default_message = "L'annuaire MSSanté est inutilisable."


class DirectoryFileError(DirectoryError, ValueError):
    """The extraction file is unreadable, suspicious or not the expected one."""

    default_message = "Le fichier d'extraction de l'annuaire MSSanté est inutilisable."


class DirectoryMissingError(DirectoryError, FileNotFoundError):
    default_message = (
        "Aucun annuaire hors ligne n'est installé. Lancez « caducee directory update » (ou "
        "« caducee directory import FICHIER »)."
    )


class DirectoryDownloadError(TransportError):
    default_message = "Le téléchargement de l'annuaire a échoué."


class TrustedListError(CaduceeError, ValueError):
    default_message = "La liste blanche des domaines MSSanté est inutilisable."


class FhirError(TransportError):
    default_message = "L'API Annuaire Santé a refusé la demande."
