"""Which provider and client a PSC account uses: the command line first, then the account
(what ``account add`` stored), then ``config.toml`` ``[psc]``, then the operator's edition.

Caducée is a public client (PKCE): the ANS registration (or the operator's) gives a client
id, never a secret, so nothing secret is compiled in. Scopes are ``openid scope_all`` (what
PSC integrations ask) plus what the operator requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.edition import Edition
from app.core.settings import Settings
from app.psc.errors import PscConfigurationError
from app.psc.http import check_url

BASE_SCOPES = ("openid", "scope_all")
PRODUCTION_ISSUER = "https://auth.esante.gouv.fr/auth/realms/esante-wallet"
SANDBOX_ISSUER = "https://auth.bas.esw.esante.gouv.fr/auth/realms/esante-wallet"  # ANS BAS


@dataclass(frozen=True)
class PscConfig:
    issuer: str
    client_id: str
    extra_scopes: tuple[str, ...] = ()
    acr_values: str | None = None

    @property
    def scope(self) -> str:
        scopes = list(BASE_SCOPES)
        scopes += [s for s in self.extra_scopes if s not in scopes]
        return " ".join(scopes)


def resolve(
    *,
    issuer: str | None = None,
    client_id: str | None = None,
    scopes: tuple[str, ...] = (),
    account_issuer: str | None = None,
    account_client_id: str | None = None,
    settings: Settings | None = None,
    edition: Edition | None = None,
) -> PscConfig:
    """Issuer and client id each from the first source that gives one; scopes add up."""
    candidates = [
        (issuer, client_id),
        (account_issuer, account_client_id),
        (settings.psc_issuer, settings.psc_client_id) if settings else (None, None),
        (edition.psc_issuer, edition.psc_client_id) if edition else (None, None),
    ]
    chosen_issuer = next((i for i, _c in candidates if i), None)
    chosen_client = next((c for _i, c in candidates if c), None)
    if not chosen_issuer or not chosen_client:
        raise PscConfigurationError("no PSC issuer or client id")
    check_url(chosen_issuer, "issuer")
    extra = tuple(scopes)
    extra += settings.psc_scopes if settings else ()
    extra += edition.psc_scopes if edition else ()
    return PscConfig(chosen_issuer, chosen_client, extra)
