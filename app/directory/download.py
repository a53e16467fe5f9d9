"""Downloading the extraction file (and the liste blanche) over IGC-Santé TLS.

``fetch`` speaks HTTPS only, through ``http.client`` so that the revocation of the server
certificate is checked on the live connection (``TrustPolicy.check_revocation``) before
any request is sent. Redirects are followed (at most ``MAX_REDIRECTS``), to https: only,
each hop checked the same way. A proxy from the environment (``https_proxy``) is used as a
CONNECT tunnel; the TLS check is end to end. The body goes to a file in ``directory``,
bounded in size (``max_bytes``) and time (``seconds``).

``Remote`` is what the server says of the file (ETag, Last-Modified, file name from
Content-Disposition); ``unchanged`` compares it with what the installed index recorded.
"""

from __future__ import annotations

import http.client
import re
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import CaduceeError
from app.directory.errors import DirectoryDownloadError
from app.transport.tls import TrustPolicy, classify

EXTRACTION_URL = (
    "https://service.annuaire.sante.fr/annuaire-sante-webservices/V300/services/extraction/"
    "Extraction_Correspondance_MSSante"
)
MAX_REDIRECTS = 3
_CHUNK = 1024 * 1024
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?["']?([^"';]+)""", re.IGNORECASE)
_STAMP = re.compile(r"_(\d{12})\.(?:zip|txt)$")


@dataclass(frozen=True)
class Remote:
    url: str
    etag: str | None
    last_modified: str | None
    filename: str | None
    length: int | None

    @property
    def stamp(self) -> str | None:
        """The AAAAMMJJhhmm timestamp of the file name, if any."""
        match = _STAMP.search(self.filename or "")
        return match.group(1) if match else None

    def meta(self) -> dict[str, str]:
        """What the index records to recognise this version later."""
        facts = {"source_url": self.url}
        for key, value in (
            ("source_etag", self.etag),
            ("source_last_modified", self.last_modified),
            ("source_filename", self.filename),
        ):
            if value:
                facts[key] = value
        return facts

    def unchanged(self, recorded: dict[str, str]) -> bool:
        """True when the installed index came from this very version."""
        if self.etag and recorded.get("source_etag"):
            return self.etag == recorded["source_etag"]
        if self.last_modified and recorded.get("source_last_modified"):
            return self.last_modified == recorded["source_last_modified"]
        stamp = self.stamp
        if stamp:
            return stamp in (recorded.get("source_filename", "") + recorded.get("source_name", ""))
        return False


@dataclass(frozen=True)
class Fetched:
    remote: Remote
    path: Path | None  # None: not modified (304) or HEAD only


def _connection(url: str, policy: TrustPolicy, timeout: float) -> http.client.HTTPSConnection:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise DirectoryDownloadError(
            f"refused URL scheme {parts.scheme!r}",
            user_message="Adresse refusée : seul le téléchargement en https est accepté.",
        )
    context = policy.context()
    proxy = urllib.request.getproxies().get("https")
    bypass = urllib.request.proxy_bypass(parts.hostname) if proxy else True
    if proxy and not bypass:
        proxy_parts = urllib.parse.urlsplit(proxy)
        connection = http.client.HTTPSConnection(
            proxy_parts.hostname or "", proxy_parts.port or 8080, timeout=timeout, context=context
        )
        connection.set_tunnel(parts.hostname, parts.port or 443)
    else:
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port or 443, timeout=timeout, context=context
        )
    return connection


def fetch(
    url: str,
    policy: TrustPolicy,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    directory: Path | None = None,
    max_bytes: int = 300 * 1024 * 1024,
    seconds: float = 900.0,
    timeout: float = 30.0,
) -> Fetched:
    """HEAD or GET ``url``; a GET body lands in a new file of ``directory``."""
    deadline = time.monotonic() + seconds
    for _ in range(MAX_REDIRECTS + 1):
        parts = urllib.parse.urlsplit(url)
        connection = _connection(url, policy, timeout)
        try:
            try:
                connection.connect()
                policy.check_revocation(connection.sock)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                connection.request(
                    method, path, headers={"User-Agent": "Caducee", **(headers or {})}
                )
                response = connection.getresponse()
            except CaduceeError:
                raise
            except (OSError, http.client.HTTPException) as error:
                raise classify(error) from error
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise _http_error(url, response.status)
                url = urllib.parse.urljoin(url, location)
                continue
            remote = _remote(url, response)
            if response.status == 304 or method == "HEAD":
                return Fetched(remote, None)
            if response.status != 200:
                raise _http_error(url, response.status)
            return Fetched(remote, _save(response, directory, max_bytes, deadline))
        finally:
            connection.close()
    raise DirectoryDownloadError(
        "too many redirects", user_message="Téléchargement refusé : trop de redirections."
    )


def _remote(url: str, response: http.client.HTTPResponse) -> Remote:
    disposition = response.getheader("Content-Disposition") or ""
    match = _FILENAME.search(disposition)
    filename = Path(urllib.parse.unquote(match.group(1))).name if match else None
    if filename is None:
        filename = Path(urllib.parse.urlsplit(url).path).name or None
    length = response.getheader("Content-Length") or ""
    return Remote(
        url=url,
        etag=response.getheader("ETag"),
        last_modified=response.getheader("Last-Modified"),
        filename=filename,
        length=int(length) if length.strip().isdigit() else None,
    )


def _save(
    response: http.client.HTTPResponse, directory: Path | None, max_bytes: int, deadline: float
) -> Path:
    declared = response.getheader("Content-Length") or ""
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise _too_big(max_bytes)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller owns the file
        prefix="annuaire-", suffix=".download", dir=directory, delete=False
    )
    path = Path(handle.name)
    try:
        with handle:
            total = 0
            while chunk := response.read(_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise _too_big(max_bytes)
                if time.monotonic() > deadline:
                    raise DirectoryDownloadError(
                        "download too slow",
                        user_message="Téléchargement de l'annuaire abandonné : trop lent.",
                    )
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _too_big(limit: int) -> DirectoryDownloadError:
    return DirectoryDownloadError(
        f"body larger than {limit} bytes",
        user_message=f"Téléchargement refusé : fichier de plus de {limit // 1_000_000} Mo.",
    )


def _http_error(url: str, status: int) -> DirectoryDownloadError:
    host = urllib.parse.urlsplit(url).hostname
    return DirectoryDownloadError(
        f"HTTP {status} from {host}",
        user_message=f"Le serveur {host} a répondu par une erreur (HTTP {status}).",
    )
