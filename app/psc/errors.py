"""Why a Pro Santé Connect sign-in failed, each in French; none of them stores anything."""

from __future__ import annotations

from app.core.errors import CaduceeError, Scope


class PscError(CaduceeError):
    scope = Scope.ACCOUNT
    default_message = "La connexion avec Pro Santé Connect a échoué."


class PscUnreachableError(PscError, ConnectionError):
    retryable = True
    default_message = (
        "Pro Santé Connect est injoignable. Vérifiez la connexion réseau, puis réessayez."
    )


class PscProviderError(PscError):
    """The provider answered something a conformant provider does not (discovery, JSON)."""

    default_message = (
        "Le fournisseur Pro Santé Connect a répondu de façon inattendue. "
        "Vérifiez l'adresse du fournisseur (--psc-issuer) ou contactez votre opérateur."
    )


class PscIssuerMismatchError(PscProviderError):
    default_message = (
        "Le fournisseur d'identité ne se présente pas sous l'adresse attendue : "
        "connexion Pro Santé Connect refusée."
    )


class PscTokenInvalidError(PscError, PermissionError):
    """A token that fails its checks: signature, issuer, audience, expiry, nonce."""

    default_message = "Le jeton reçu de Pro Santé Connect n'est pas valide : connexion refusée."


class PscStateMismatchError(PscError, PermissionError):
    default_message = (
        "La réponse de Pro Santé Connect ne correspond pas à la demande de connexion "
        "(state ou PKCE) : connexion refusée. Recommencez depuis Caducée."
    )


class PscCodeExpiredError(PscError, TimeoutError):
    default_message = (
        "Le code QR a expiré (deux minutes) sans validation sur le téléphone. "
        "Demandez un nouveau code."
    )


class PscDeniedError(PscError, PermissionError):
    default_message = "La connexion a été refusée sur le téléphone (e-CPS)."


class PscCancelledError(PscError):
    default_message = "Connexion Pro Santé Connect annulée."


class PscCibaUnavailableError(PscError):
    default_message = "CIBA non proposé par ce fournisseur : utilisez le navigateur ou le code QR."


class PscSessionEndedError(PscError, PermissionError):
    """The refresh token is invalid or revoked: the session ends (ECO.1.2.6)."""

    default_message = (
        "Votre session Pro Santé Connect a pris fin. Reconnectez-vous avec Pro Santé Connect."
    )


class PscConfigurationError(PscError, ValueError):
    default_message = (
        "Pro Santé Connect n'est pas configuré pour ce compte : indiquez le fournisseur "
        "(--psc-issuer) et l'identifiant client (--psc-client-id), ou le [psc] de config.toml."
    )
