"""Session-wide pytest fixtures of the test lab (registered by tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from app.sandbox.pki import CardHolder, CardKeyUse, Issued, PkiFiles, TestPki
from app.sandbox.submission import Endpoints, SubmissionServer, server_tls_context
from tests.lab.availability import require_program, unavailable
from tests.lab.cards import KeySlot, VirtualCard, create_card, find_softhsm_module
from tests.lab.crlserver import CrlServer
from tests.lab.dovecot import Dovecot, MailAccount
from tests.lab.smtp import lmtp_deliverer, sender_policy

LOOPBACK_NAMES = ("localhost", "127.0.0.1")
P12_PASSPHRASE = "lab-p12-passphrase"

DR_MARTIN = CardHolder(
    rpps="10001234567", surname="MARTIN", given_name="Alice", profession="Médecin"
)
DR_DUPONT = CardHolder(
    rpps="10009876543",
    surname="DUPONT",
    given_name="Bruno",
    profession="Médecin",
    structure="CENTRE DE SANTE TEST",
    structure_id="10B0000002",
)


@dataclass
class LabPki:
    """The lab's PKI, its files and the certificates the lab servers and clients use."""

    pki: TestPki
    directory: Path
    files: PkiFiles
    crl_base_url: str
    server: Issued  # valid for localhost and 127.0.0.1
    expired_server: Issued
    revoked_server: Issued
    organisation: Issued  # software certificate of an organisation mailbox
    public_ca: TestPki  # an unrelated CA, as a generic mail provider would use

    def write_issued(
        self, name: str, issued: Issued, pki: TestPki | None = None
    ) -> tuple[Path, Path]:
        """Write ``<name>.chain.pem`` (leaf + intermediate) and ``<name>.key``."""
        chain = self.directory / f"{name}.chain.pem"
        key = self.directory / f"{name}.key"
        if not chain.exists():
            chain.write_bytes((pki or self.pki).chain_pem(issued))
            key.write_bytes(issued.key_pem())
            key.chmod(0o600)
        return chain, key

    @property
    def organisation_p12(self) -> Path:
        path = self.directory / "organisation.p12"
        if not path.exists():
            chain = [self.pki.organisations.certificate]
            path.write_bytes(self.organisation.pkcs12(P12_PASSPHRASE.encode(), chain))
        return path

    def client_context(self, client: Issued | None = None) -> ssl.SSLContext:
        """A plain client context trusting the lab root, optionally with a software cert."""
        context = ssl.create_default_context(cafile=str(self.files.root))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if client is not None:
            chain, key = self.write_issued(_slug(client), client)
            context.load_cert_chain(str(chain), str(key))
        return context


def _slug(issued: Issued) -> str:
    return f"client-{issued.certificate.serial_number:x}"


@dataclass
class LabAccounts:
    martin: MailAccount  # full card
    dupont: MailAccount  # CPS3-like card
    organisation: MailAccount  # PKCS#12 software certificate
    generic: MailAccount  # password, generic provider

    @property
    def mssante(self) -> list[MailAccount]:
        return [self.martin, self.dupont, self.organisation]


@pytest.fixture(scope="session")
def lab_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: its parents are private to the user, and Dovecot reads mail as
    # an unprivileged user (nobody) when the tests run as root.
    base = Path(tempfile.mkdtemp(prefix="caducee-lab-"))
    base.chmod(0o711)
    yield base
    if os.environ.get("CADUCEE_LAB_KEEP"):  # for debugging: keep configs and server logs
        print(f"\nlab kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def lab_pki(lab_dir: Path) -> Iterator[LabPki]:
    directory = lab_dir / "pki"
    directory.mkdir()
    crl_server = CrlServer(directory)
    crl_server.start()
    try:
        pki = TestPki(crl_server.base_url)
        server = pki.server(LOOPBACK_NAMES)
        expired = pki.expired_server(LOOPBACK_NAMES)
        revoked = pki.revoked_server(LOOPBACK_NAMES)
        organisation = pki.organisation_client(
            "ORG-10B0000001-SECRETARIAT", "CABINET MEDICAL TEST", "SECRETARIAT CABINET TEST"
        )
        public_ca = TestPki(label="PUBLIC MAIL PROVIDER TEST")
        files = pki.write(directory)  # after the revocation, so that the CRL lists it
        yield LabPki(
            pki,
            directory,
            files,
            crl_server.base_url,
            server,
            expired,
            revoked,
            organisation,
            public_ca,
        )
    finally:
        crl_server.stop()


@pytest.fixture(scope="session")
def full_card(lab_dir: Path, lab_pki: LabPki) -> VirtualCard:
    """A card able to do everything SoftHSM2 does (RSA-PSS, raw RSA: a CPS4-like card)."""
    return _card(
        lab_dir,
        lab_pki,
        "full",
        DR_MARTIN,
        pkcs1_only=False,
        token_label="CPS MARTIN",
        keys={
            CardKeyUse.SIGNATURE: KeySlot(b"\x00\x10", "Signature"),
            CardKeyUse.AUTHENTICATION: KeySlot(b"\x00\x20", "Authentification"),
        },
    )


@pytest.fixture(scope="session")
def cps3_card(lab_dir: Path, lab_pki: LabPki) -> VirtualCard:
    """A "CPS3-like" card: PKCS#1 v1.5 signatures only (no RSA-PSS, no raw RSA)."""
    return _card(
        lab_dir,
        lab_pki,
        "cps3",
        DR_DUPONT,
        pkcs1_only=True,
        token_label="CPS DUPONT",
        keys={
            CardKeyUse.SIGNATURE: KeySlot(b"\xe8\x28\x10", "CPS_SIG"),
            CardKeyUse.AUTHENTICATION: KeySlot(b"\xe8\x28\x20", "CPS_AUTH"),
        },
    )


def _card(
    lab_dir: Path,
    lab_pki: LabPki,
    name: str,
    holder: CardHolder,
    *,
    pkcs1_only: bool,
    token_label: str,
    keys: dict[CardKeyUse, KeySlot],
) -> VirtualCard:
    require_program("softhsm2-util", "softhsm2")
    if find_softhsm_module() is None:
        unavailable("SoftHSM2 module not found (Debian package softhsm2)")
    return create_card(
        lab_dir / "cards",
        name,
        holder=holder,
        pki=lab_pki.pki,
        token_label=token_label,
        keys=keys,
        pkcs1_only=pkcs1_only,
    )


@pytest.fixture(scope="session")
def lab_accounts() -> LabAccounts:
    return LabAccounts(
        martin=MailAccount(DR_MARTIN.id_nat, "alice.martin@medecin.mssante.test"),
        dupont=MailAccount(DR_DUPONT.id_nat, "bruno.dupont@medecin.mssante.test"),
        organisation=MailAccount(
            "ORG-10B0000001-SECRETARIAT", "secretariat@cabinet-test.mssante.test"
        ),
        generic=MailAccount("camille", "camille@mail.example.test", password="Motdepasse-2026"),
    )


@pytest.fixture(scope="session")
def dovecot_mss(lab_dir: Path, lab_pki: LabPki, lab_accounts: LabAccounts) -> Iterator[Dovecot]:
    """The MSSanté-like operator: client certificate required, SASL EXTERNAL."""
    chain, key = lab_pki.write_issued("server", lab_pki.server)
    yield from _dovecot(
        Dovecot(
            lab_dir / "dovecot-mss",
            "mtls",
            chain,
            key,
            lab_pki.files.ca_with_crls,
            list(lab_accounts.mssante),
        )
    )


@pytest.fixture(scope="session")
def dovecot_password(
    lab_dir: Path, lab_pki: LabPki, lab_accounts: LabAccounts
) -> Iterator[Dovecot]:
    """A generic provider with password login, certified by an unrelated (non IGC-Santé) CA."""
    issued = lab_pki.public_ca.server(LOOPBACK_NAMES, operator="PUBLIC MAIL PROVIDER TEST")
    chain, key = lab_pki.write_issued("public-server", issued, lab_pki.public_ca)
    yield from _dovecot(
        Dovecot(
            lab_dir / "dovecot-password", "password", chain, key, accounts=[lab_accounts.generic]
        )
    )


def _dovecot(dovecot: Dovecot) -> Iterator[Dovecot]:
    require_program("dovecot", "dovecot-imapd")
    dovecot.base.mkdir(parents=True)
    dovecot.base.chmod(0o711)
    try:
        dovecot.start()
    except (RuntimeError, OSError) as error:
        unavailable(f"Dovecot: {error}")
    try:
        yield dovecot
    finally:
        dovecot.stop()


@pytest.fixture(scope="session")
def lab_smtp(
    lab_pki: LabPki, dovecot_mss: Dovecot, lab_accounts: LabAccounts
) -> Iterator[Endpoints]:
    """Submission with a required client certificate, delivering into ``dovecot_mss``."""
    chain, key = lab_pki.write_issued("server", lab_pki.server)
    tls = server_tls_context(str(chain), str(key), str(lab_pki.files.ca_with_crls))
    server = SubmissionServer(
        tls, sender_policy(lab_accounts.mssante), lmtp_deliverer(dovecot_mss.lmtp_socket)
    )
    with server as endpoints:
        yield endpoints


def lab_message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="lab.mssante.test")
    message.set_content(body)
    return message
