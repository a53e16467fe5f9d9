"""The embedded sandbox operator of ``caducee demo``: an MSSanté-like operator on loopback.

Everything lives below one directory of the demo profile (``<profile>/demo/``):

- ``pki/``: a throwaway PKI shaped like IGC-Santé (``TestPki`` labelled DEMO), made anew at
  every start: its CRLs are served over HTTP on loopback, and the CRL distribution points of
  its certificates name that server's port of the day. ``racine.pem`` is the demo account's
  only trust anchor.
- ``carte-demo.p12``: the demo card, a software certificate (PKCS#12) of the demo identity
  "Dr Démo CADUCÉE", issued like a CPS authentication certificate; its passphrase is
  ``DEMO_PASSPHRASE``, which is not a secret (it only opens this sandbox).
- ``boites/``: the operator's mailboxes (a Maildir tree served by pymap), kept between runs;
  filled with the sample mail the first time, dated by the operator's clock (``now``).

IMAP (implicit TLS, client certificate required, SASL EXTERNAL) and SMTP submission (implicit
TLS, client certificate required, sender checked against the certificate) listen on
127.0.0.1 with ports chosen by the system.

The operator also speaks the API LPS: a Pro Santé Connect-like provider (``app.sandbox.psc``,
issuer ``OperatorEndpoints.psc_issuer``, public client ``DEMO_PSC_CLIENT``) knows the demo
identity, and a second IMAP and SMTP listener each (TLS without client certificate,
``psc_imap_url``/``psc_smtp_url``) take its tokens by XOAUTH2 or OAUTHBEARER. Its pages
offer the demo national id already typed: the sign-in page ("Carte CPS", "e-CPS") and the
"e-CPS de démonstration" page (``ISSUER/device``; ``?national_id=`` for a CIBA request),
which approves the QR code and CIBA flows: anyone can try them. ``psc.json`` in the
demo folder says all that to a client being set up. Mail submitted to a sandbox mailbox is delivered
into it: the demo's own, or one of the demo colleagues' or of the sample mail's
correspondents and patients (``colleagues.py``: hosted here, read by ``caducee demo
--colleague``); other recipients are refused (there is no outside
world in the sandbox). A colleague reads what they receive and answers now and then
(``colleague_replies.py``): a read receipt when asked, a reply into the demo mailbox after
``reply_after`` seconds (default: 20 to 60); answers still due when the operator stops are
dropped.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import logging
import os
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from app.sandbox import colleague_replies
from app.sandbox.colleagues import Colleague, colleague, hosted_addresses, hosted_mailboxes
from app.sandbox.imap import SandboxImapServer
from app.sandbox.pki import CardHolder, CardKeyUse, Issued, TestPki, new_rsa_key
from app.sandbox.psc import PscClient, PscProvider, PscUser
from app.sandbox.samples import paris_now, sample_mail
from app.sandbox.submission import DeliveryError, SubmissionServer, server_tls_context
from app.sandbox.submission_oauth import BearerSubmissionServer

log = logging.getLogger(__name__)

DEMO_ADDRESS = "docteur.demo@medecin.mssante.test"
DEMO_PASSPHRASE = "demo"  # not a secret: opens the demo card of the sandbox, nothing else
DEMO_HOLDER = CardHolder(
    rpps="10000000000",
    surname="CADUCÉE",
    given_name="Démo",
    profession="MEDECIN",
    structure="CABINET DE DEMONSTRATION CADUCEE",
    structure_id="10B0000000",
)
DEMO_LABEL = "Dr Démo CADUCÉE — carte de démonstration"
DEMO_PSC_LABEL = "Dr Démo CADUCÉE — Pro Santé Connect de démonstration"
# The application as registered with the demo's PSC: public client, loopback redirects.
DEMO_PSC_CLIENT = PscClient(
    "caducee", ("http://127.0.0.1/", "http://127.0.0.1/callback"), ("openid", "scope_all")
)


@dataclass(frozen=True)
class DemoFiles:
    """Where the demo keeps its files, below ``<profile>/demo``."""

    directory: Path

    @property
    def pki(self) -> Path:
        return self.directory / "pki"

    @property
    def trust(self) -> Path:
        return self.pki / "racine.pem"

    @property
    def pkcs12(self) -> Path:
        return self.directory / "carte-demo.p12"

    @property
    def mailboxes(self) -> Path:
        return self.directory / "boites"

    @property
    def psc(self) -> Path:
        """This run's Pro Santé Connect settings (JSON, no secret): issuer, client id…"""
        return self.directory / "psc.json"


@dataclass(frozen=True)
class OperatorEndpoints:
    imap_url: str
    smtp_url: str
    crl_url: str
    psc_issuer: str = ""  # the API LPS side: PSC provider, and servers taking its tokens
    psc_client_id: str = ""
    psc_imap_url: str = ""
    psc_smtp_url: str = ""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("CRL server: " + format, *args)


class SandboxOperator:
    """CRL server, IMAP (pymap) and SMTP submission (aiosmtpd) for the demo identity."""

    def __init__(
        self,
        directory: Path,
        address: str = DEMO_ADDRESS,
        now: Callable[[], dt.datetime] = paris_now,
        reply_after: float | None = None,
    ) -> None:
        self.files = DemoFiles(directory)
        self.reply_after = reply_after  # seconds before a colleague answers (None: 20-60)
        self._answers: list[threading.Timer] = []
        self._answers_lock = threading.Lock()
        self.address = address.lower()
        self._now = now  # dates the sample mail (certificates and TLS keep the real time)
        self.holder = DEMO_HOLDER
        self._crl: http.server.ThreadingHTTPServer | None = None
        self._imap: SandboxImapServer | None = None
        self._smtp: SubmissionServer | None = None
        self._psc: PscProvider | None = None
        self._psc_smtp: BearerSubmissionServer | None = None
        self.endpoints: OperatorEndpoints | None = None

    # -- starting and stopping ------------------------------------------------------------

    def start(self) -> OperatorEndpoints:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> OperatorEndpoints:
        files = self.files
        files.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        crl_dir = files.pki / "crl"
        crl_dir.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_QuietHandler, directory=str(crl_dir))
        self._crl = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._crl.daemon_threads = True
        crl_base = f"http://127.0.0.1:{self._crl.server_address[1]}"
        threading.Thread(target=self._crl.serve_forever, name="sandbox-crl", daemon=True).start()

        pki = TestPki(crl_base_url=crl_base, label="DEMO")
        written = pki.write(files.pki)
        server = pki.server(["127.0.0.1", "localhost"], operator="OPERATEUR MSSANTE DEMO")
        chain_file, key_file = files.pki / "serveur.pem", files.pki / "serveur.key"
        _write_private(chain_file, pki.chain_pem(server))
        _write_private(key_file, server.key_pem())
        self._write_card(pki, new_rsa_key())
        tls = server_tls_context(str(chain_file), str(key_file), str(written.ca_with_crls))

        self._psc = PscProvider(
            users=[
                PscUser(
                    self.holder.id_nat, self.holder.given_name, self.holder.surname, self.address
                )
            ],
            clients=[DEMO_PSC_CLIENT],
            ciba=True,  # all three ways to sign in can be tried
            prefill_national_id=self.holder.id_nat,  # its pages: approve in one click
        ).start()
        bearer_tls = _tls_without_client_certificate(chain_file, key_file)
        first_run = not files.mailboxes.exists()
        self._imap = SandboxImapServer(
            files.mailboxes,
            tls,
            {self.holder.id_nat: self.address, **hosted_mailboxes()},
            bearer=self._psc.accepts,
            bearer_tls=bearer_tls,
        )
        imap = self._imap.start()
        if first_run:
            self._imap.create_folders(self.address, ("Sent", "Trash"))
            for sample in sample_mail(self.address, self._now()):
                self._imap.deliver(
                    self.address,
                    sample.raw,
                    folder=sample.folder,
                    flags=sample.flags,
                    when=sample.when,
                )
        self._smtp = SubmissionServer(
            tls, self._may_send_as, self._deliver, hostname="smtp.demo.mssante.test"
        )
        smtp = self._smtp.start()
        self._psc_smtp = BearerSubmissionServer(
            bearer_tls,
            self._may_send_as_mailbox,
            self._deliver,
            self._psc.accepts,
            hostname="smtp.demo.mssante.test",
        )
        psc_smtp = self._psc_smtp.start()
        self.endpoints = OperatorEndpoints(
            imap_url=f"imaps://127.0.0.1:{imap.port}",
            smtp_url=f"smtps://127.0.0.1:{smtp.implicit_tls_port}",
            crl_url=crl_base,
            psc_issuer=self._psc.issuer,
            psc_client_id=DEMO_PSC_CLIENT.client_id,
            psc_imap_url=f"imaps://127.0.0.1:{self._imap.bearer_port}",
            psc_smtp_url=f"smtps://127.0.0.1:{psc_smtp.implicit_tls_port}",
        )
        self._write_psc_settings(self.endpoints)
        return self.endpoints

    def _write_psc_settings(self, endpoints: OperatorEndpoints) -> None:
        settings = {
            "issuer": endpoints.psc_issuer,
            "client_id": endpoints.psc_client_id,
            "scopes": list(DEMO_PSC_CLIENT.scopes),
            "redirect_uris": list(DEMO_PSC_CLIENT.redirect_uris),
            "national_id": self.holder.id_nat,
            "address": self.address,
            "imap_url": endpoints.psc_imap_url,
            "smtp_url": endpoints.psc_smtp_url,
            "ecps_page": f"{endpoints.psc_issuer}/device",
            "trust": str(self.files.trust),
        }
        text = json.dumps(settings, ensure_ascii=False, indent=2) + "\n"
        _write_private(self.files.psc, text.encode())

    def _write_card(self, pki: TestPki, key: RSAPrivateKey) -> None:
        certificate = pki.card_certificate(key.public_key(), self.holder, CardKeyUse.AUTHENTICATION)
        p12 = Issued(certificate, key).pkcs12(
            DEMO_PASSPHRASE.encode(), chain=[pki.personnes.certificate]
        )
        _write_private(self.files.pkcs12, p12)

    def stop(self) -> None:
        with self._answers_lock:
            for timer in self._answers:
                timer.cancel()
            self._answers.clear()
        for server in (self._psc_smtp, self._smtp, self._imap, self._psc):
            if server is not None:
                try:
                    server.stop()
                except Exception:
                    log.exception("sandbox server did not stop cleanly")
        self._smtp = self._imap = self._psc_smtp = None
        self._psc = None
        if self._crl is not None:
            self._crl.shutdown()
            self._crl.server_close()
            self._crl = None

    def __enter__(self) -> OperatorEndpoints:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- mail -----------------------------------------------------------------------------

    def _may_send_as(self, identity: str, sender: str) -> bool:
        return identity == self.holder.id_nat and sender.lower() == self.address

    def _may_send_as_mailbox(self, mailbox: str, sender: str) -> bool:
        """A PSC token opens one mailbox (checked at AUTH): send as that one only."""
        return mailbox.lower() == sender.lower() == self.address

    def _deliver(self, sender: str, recipients: list[str], message: bytes) -> None:
        hosted = {self.address, *hosted_addresses()}
        unknown = [r for r in recipients if r.lower() not in hosted]
        if unknown:
            raise DeliveryError(
                f"550 5.1.1 <{unknown[0]}>: unknown in the demo sandbox "
                f"(only <{self.address}> and the demo colleagues exist)"
            )
        if self._imap is None:
            raise DeliveryError("451 4.3.0 Sandbox mailbox not available")
        for recipient in dict.fromkeys(r.lower() for r in recipients):
            self._imap.deliver(recipient, message)
            found = colleague(recipient)
            if found is not None and sender.lower() == self.address:
                for answer in colleague_replies.planned(found, message, self.reply_after):
                    self._answer_later(answer, found, message)

    def _answer_later(
        self, answer: colleague_replies.Answer, found: Colleague, message: bytes
    ) -> None:
        def send() -> None:
            imap = self._imap
            if imap is None:
                return  # stopped meanwhile
            try:
                raw = colleague_replies.build(answer.kind, found, message, self._now())
                imap.deliver(self.address, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            except Exception:
                log.exception("a demo colleague's %s was not delivered", answer.kind)
            with self._answers_lock:
                if timer in self._answers:
                    self._answers.remove(timer)

        timer = threading.Timer(answer.delay, send)
        timer.daemon = True
        with self._answers_lock:
            self._answers.append(timer)
        timer.start()


def _tls_without_client_certificate(chain: Path, key: Path) -> ssl.SSLContext:
    """The API LPS listeners: TLS ≥ 1.2 with the operator's certificate; the client proves
    who she is by her PSC token, not by a certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(chain), str(key))
    return context


def _write_private(path: Path, data: bytes) -> None:
    """A key or a PKCS#12 file, readable by the user only (written anew at every start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
