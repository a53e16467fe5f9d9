"""The error taxonomy: one root, subclasses that also subclass the matching builtin.

Every error carries a French message for the user (``user_message``), a scope (what it
concerns: the card, an account, a message...) and whether retrying later may help. The
English ``str()`` is for logs and never contains secrets or patient data.
"""

from __future__ import annotations

from enum import Enum


class Scope(Enum):
    CARD = "card"
    ACCOUNT = "account"
    FOLDER = "folder"
    MESSAGE = "message"
    APPLICATION = "application"


class CaduceeError(Exception):
    """Root of every error the engine reports to the user."""

    scope: Scope = Scope.APPLICATION
    retryable: bool = False
    default_message = "Une erreur inattendue s'est produite."

    def __init__(self, detail: str = "", *, user_message: str | None = None) -> None:
        super().__init__(detail or self.default_message)
        self.detail = detail
        self.user_message = user_message or self.default_message


# -- card (PKCS#11) ---------------------------------------------------------------------------


class CardError(CaduceeError):
    scope = Scope.CARD
    default_message = "Problème avec la carte CPS."


class CardModuleNotFoundError(CardError, FileNotFoundError):
    default_message = (
        "Le logiciel de la carte CPS (Cryptolib CPS) est introuvable sur cet ordinateur. "
        "Installez-le depuis le site de l'ANS (« Cryptolib CPS »), ou indiquez son "
        "emplacement dans les réglages."
    )


class CardModuleLoadError(CardError, OSError):
    default_message = (
        "Le logiciel de la carte CPS n'a pas pu être chargé. Réinstallez Cryptolib CPS ; "
        "si le problème persiste, contactez le support."
    )


class NoReaderError(CardError):
    default_message = "Aucun lecteur de carte n'est détecté. Branchez le lecteur de cartes CPS."


class CardAbsentError(CardError):
    retryable = True
    default_message = "Aucune carte CPS dans le lecteur. Insérez votre carte CPS."


class CardRemovedError(CardError, ConnectionError):
    retryable = True
    default_message = (
        "Carte CPS retirée. Réinsérez votre carte et saisissez votre code pour continuer."
    )


class CardLockedError(CardError):
    retryable = True
    default_message = "Session verrouillée : saisissez le code de votre carte CPS pour continuer."


class NoAuthenticationCertificateError(CardError):
    default_message = (
        "La carte ne contient pas de certificat d'authentification utilisable. "
        "Vérifiez qu'il s'agit bien de votre carte CPS."
    )


class PinIncorrectError(CardError, PermissionError):
    """Wrong PIN. ``tries_left`` is what the card says (None when it says nothing)."""

    def __init__(self, tries_left: int | None, final_try: bool = False) -> None:
        if final_try or tries_left == 1:
            message = (
                "Code incorrect. Attention : il ne reste qu'un seul essai avant le blocage "
                "de la carte."
            )
        elif tries_left is not None:
            message = f"Code incorrect. Il reste {tries_left} essais."
        else:
            message = "Code incorrect. Le nombre d'essais restants diminue."
        super().__init__("incorrect PIN", user_message=message)
        self.tries_left = 1 if final_try else tries_left
        self.final_try = final_try or tries_left == 1


class PinLockedError(CardError, PermissionError):
    default_message = (
        "Carte CPS bloquée : le code a été saisi trop de fois de façon erronée. "
        "Débloquez-la avec votre code de déblocage (outil de gestion de la carte CPS, "
        "« Cryptolib CPS » / CCM), ou demandez une nouvelle carte à l'ANS."
    )


class PinCancelledError(CardError):
    default_message = "Saisie du code annulée."


class PinLengthError(CardError, ValueError):
    default_message = "Le code doit comporter 4 à 8 chiffres."


class CardOperationError(CardError):
    default_message = "La carte CPS a refusé l'opération."


# -- network and TLS --------------------------------------------------------------------------


class TransportError(CaduceeError, ConnectionError):
    scope = Scope.ACCOUNT
    retryable = True
    default_message = "Connexion au serveur impossible."


class ServerUnreachableError(TransportError):
    default_message = "Serveur injoignable. Vérifiez la connexion réseau."


class ConnectionTimeoutError(TransportError, TimeoutError):
    default_message = "Le serveur ne répond pas (délai dépassé)."


class TlsError(TransportError):
    """The TLS session could not be established safely."""

    retryable = False
    default_message = "La connexion sécurisée (TLS) avec le serveur a échoué."


class CertificateUntrustedError(TlsError):
    default_message = (
        "Certificat refusé : le certificat du serveur n'est pas délivré par l'IGC-Santé. "
        "Ce serveur n'est pas un serveur MSSanté de confiance."
    )


class CertificateExpiredError(TlsError):
    default_message = "Certificat refusé : le certificat du serveur a expiré."


class CertificateRevokedError(TlsError):
    default_message = "Certificat refusé : le certificat du serveur a été révoqué."


class HostnameMismatchError(TlsError):
    default_message = (
        "Certificat refusé : il n'a pas été délivré pour ce nom de serveur. Vérifiez "
        "l'adresse du serveur."
    )


class RevocationUnknownError(TlsError):
    retryable = True
    default_message = (
        "Impossible de vérifier que le certificat du serveur n'est pas révoqué (liste de "
        "révocation indisponible et aucune copie valide en cache)."
    )


class NoRevocationListError(RevocationUnknownError):
    """A certificate of the server's chain names no CRL to check it against (every
    IGC-Santé certificate names one): retrying will not help."""

    retryable = False
    default_message = (
        "Impossible de vérifier que le certificat du serveur n'est pas révoqué : il n'indique "
        "aucune liste de révocation (les certificats MSSanté en indiquent toujours une). "
        "Connexion refusée."
    )


class ProtocolTooOldError(TlsError):
    default_message = (
        "Le serveur n'accepte que des versions de TLS trop anciennes (il faut TLS 1.2 ou plus "
        "récent). Contactez votre opérateur."
    )


class ClientCertificateRefusedError(TlsError, PermissionError):
    default_message = (
        "Le serveur a refusé votre certificat (carte CPS ou certificat logiciel) : expiré, "
        "révoqué ou non reconnu."
    )


class Pkcs12Error(CaduceeError, ValueError):
    scope = Scope.ACCOUNT
    default_message = (
        "Le certificat logiciel (fichier .p12) n'a pas pu être ouvert : fichier illisible ou "
        "phrase secrète incorrecte."
    )


class TrustFileError(CaduceeError, ValueError):
    scope = Scope.ACCOUNT
    default_message = "Le fichier d'autorités de confiance est illisible."


class AuthenticationError(CaduceeError, PermissionError):
    scope = Scope.ACCOUNT
    default_message = "Le serveur a refusé l'authentification."


class ProtocolError(TransportError):
    retryable = False
    default_message = "Le serveur a répondu de façon inattendue."


class LocalChangeError(CaduceeError, ValueError):
    """A move, copy, delete or folder change the local copy cannot accept as asked."""

    scope = Scope.FOLDER
    default_message = "Cette modification n'est pas possible."
