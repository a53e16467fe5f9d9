"""Her own MSSanté addresses by RPPS, for the first run: from the offline directory, and
from the Annuaire Santé FHIR API too when a client is given (``fhir.from_profile``).

``profile_addresses(profile, rpps)`` does both with the profile's settings and key: the
first-run wizard's ``lookup_addresses`` can be ``lambda rpps: profile_addresses(profile,
rpps)`` (it blocks on the network: call it from a worker thread)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.paths import Profile
from app.directory.errors import DirectoryError
from app.directory.index import DirectoryIndex

if TYPE_CHECKING:
    from app.directory.fhir import FhirDirectory

log = logging.getLogger(__name__)


def own_addresses(data_dir: Path, rpps: str, online: FhirDirectory | None = None) -> list[str]:
    """The addresses the directory lists for this RPPS: the offline index's first, then
    those only the FHIR API knows (when ``online`` is given). Either source may be missing
    or failing (no index yet, no network): what the other gives is returned, else none."""
    addresses: list[str] = []
    try:
        with DirectoryIndex(data_dir) as index:
            addresses = [mailbox.address for mailbox in index.whoami(rpps)]
    except DirectoryError:  # no directory imported yet: she types her address
        pass
    if online is None:
        return addresses
    try:
        found = online.whoami(rpps)
    except DirectoryError as error:  # offline, key refused…: the offline answer stands
        log.info("online whoami failed: %s", type(error).__name__)
        return addresses
    known = {address.casefold() for address in addresses}
    for mailbox in found:
        if mailbox.address.casefold() not in known:
            known.add(mailbox.address.casefold())
            addresses.append(mailbox.address)
    return addresses


def profile_addresses(profile: Profile, rpps: str) -> list[str]:
    """``own_addresses`` with the profile's offline index and, when an API key is
    configured, the FHIR API (a misconfigured API is skipped, as a failing one)."""
    from app.directory import fhir

    try:
        online = fhir.from_profile(profile)
    except DirectoryError as error:
        log.info("FHIR client not built: %s", type(error).__name__)
        online = None
    return own_addresses(profile.data_dir, rpps, online)
