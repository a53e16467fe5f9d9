"""Where an account's servers are, when the user did not say: operator profile, DNS SRV,
autoconfig XML (``app.transport.autoconfig``), with Caducée's profiles and trust."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from app.core.edition import Edition, embedded_edition
from app.core.paths import Profile
from app.transport.autoconfig import (
    AddressError,
    MailAddress,
    OperatorProfile,
    OperatorProfileError,
    ServerSettings,
    discover,
    from_profiles,
    load_operator_profiles,
)
from app.transport.endpoints import Endpoint, EndpointError
from app.transport.tls import TrustPolicy
from app.transport.trust import shipped_trust_anchors

log = logging.getLogger(__name__)
USER_PROFILES = "operators.toml"


def edition_profile(edition: Edition) -> OperatorProfile:
    """The operator profile of an operator's edition (``app.core.edition``). Raises
    ``OperatorProfileError`` when its server addresses are not valid."""
    try:
        imap = Endpoint.parse(edition.imap)
        smtp = None if edition.smtp is None else Endpoint.parse(edition.smtp)
    except EndpointError as error:
        raise OperatorProfileError(f"Profil d'opérateur « {edition.name} » : {error}") from error
    return OperatorProfile(
        name=edition.name,
        domains=edition.domains,
        imap=imap,
        smtp=smtp,
        autoconfig_url=edition.autoconfig_url,
    )


def operator_profiles(profile: Profile, edition: Edition | None = None) -> list[OperatorProfile]:
    """The operator's edition first (``edition``, by default the one embedded by the
    installer, if any), then the profiles in ``app/resources/operators``, then the user's."""
    found: list[OperatorProfile] = []
    chosen = edition or embedded_edition()
    if chosen is not None:
        try:
            found.append(edition_profile(chosen))
        except OperatorProfileError as error:
            log.warning("operator profile ignored: %s", error)
    bundled = resources.files("app.resources").joinpath("operators")
    candidates: list[Path] = []
    if bundled.is_dir():
        candidates += sorted(Path(str(p)) for p in bundled.iterdir() if p.name.endswith(".toml"))
    candidates.append(profile.data_dir / USER_PROFILES)
    for path in candidates:
        if not path.is_file():
            continue
        try:
            found += load_operator_profiles(path)
        except OperatorProfileError as error:
            log.warning("operator profile ignored: %s", error)
    return found


def discover_servers(address: str, profile: Profile) -> ServerSettings | None:
    # Autoconfig documents may be served under IGC-Santé or a public authority.
    context = TrustPolicy(
        anchors=shipped_trust_anchors(), mssante=False, system_store=True
    ).context()
    return discover(address, profiles=operator_profiles(profile), ssl_context=context)


def edition_servers(address: str, edition: Edition | None) -> ServerSettings | None:
    """The servers of the operator's edition when it covers ``address`` (no network, no
    question: the first run then asks nothing but the card and the PIN); else None."""
    if edition is None:
        return None
    try:
        mail = MailAddress.parse(address)
        return from_profiles(mail, [edition_profile(edition)])
    except (AddressError, OperatorProfileError):
        return None
