"""Builders for the lab pieces, shared by the pytest fixtures and ``python -m tests.lab``."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from app.sandbox.bearer import jwks_checker
from app.sandbox.pki import CardHolder, CardKeyUse, Issued, PkiFiles, TestPki
from app.sandbox.psc import PscClient, PscProvider, PscUser
from app.sandbox.submission import SubmissionServer, server_tls_context
from app.sandbox.submission_oauth import BearerSubmissionServer
from tests.lab.cards import KeySlot, VirtualCard, create_card
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
DR_LEROY = CardHolder(
    rpps="10005555555", surname="LEROY", given_name="Chloé", profession="Infirmier"
)


# Pro Santé Connect (API LPS) operator of the lab: the same doctors, their mailboxes there.
PSC_MARTIN = PscUser(DR_MARTIN.id_nat, "Alice", "MARTIN", "alice.martin@api-lps.mssante.test")
PSC_DUPONT = PscUser(DR_DUPONT.id_nat, "Bruno", "DUPONT", "bruno.dupont@api-lps.mssante.test")
PSC_USERS = (PSC_MARTIN, PSC_DUPONT)
# The application as registered with the provider: a public client, loopback redirects.
PSC_CLIENT = PscClient(
    "caducee", ("http://127.0.0.1/", "http://127.0.0.1/callback"), ("openid", "scope_all")
)


@dataclass(frozen=True)
class CardSpec:
    holder: CardHolder
    token_label: str
    pkcs1_only: bool
    keys: dict[CardKeyUse, KeySlot]
    pin_pad: bool = False


CARDS = {
    # Everything SoftHSM2 does, RSA-PSS and raw RSA included: a CPS4-like card.
    "full": CardSpec(
        DR_MARTIN,
        "CPS MARTIN",
        pkcs1_only=False,
        keys={
            CardKeyUse.SIGNATURE: KeySlot(b"\x00\x10", "Signature"),
            CardKeyUse.AUTHENTICATION: KeySlot(b"\x00\x20", "Authentification"),
        },
    ),
    # A "CPS3-like" card: PKCS#1 v1.5 signatures only.
    "cps3": CardSpec(
        DR_DUPONT,
        "CPS DUPONT",
        pkcs1_only=True,
        keys={
            CardKeyUse.SIGNATURE: KeySlot(b"\xe8\x28\x10", "CPS_SIG"),
            CardKeyUse.AUTHENTICATION: KeySlot(b"\xe8\x28\x20", "CPS_AUTH"),
        },
    ),
    # A full card in a reader with a PIN pad (protected authentication path).
    "pinpad": CardSpec(
        DR_LEROY,
        "CPS LEROY",
        pkcs1_only=False,
        keys={
            CardKeyUse.SIGNATURE: KeySlot(b"\x01\x51", "Cle de signature"),
            CardKeyUse.AUTHENTICATION: KeySlot(b"\x01\x52", "Cle d'authentification"),
        },
        pin_pad=True,
    ),
}


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
            name = f"client-{client.certificate.serial_number:x}"
            chain, key = self.write_issued(name, client)
            context.load_cert_chain(str(chain), str(key))
        return context


@dataclass
class LabAccounts:
    martin: MailAccount  # full card
    dupont: MailAccount  # CPS3-like card
    organisation: MailAccount  # PKCS#12 software certificate
    generic: MailAccount  # password, generic provider
    generic_accented: MailAccount  # a password with accents (AUTHENTICATE PLAIN, UTF-8)
    sync: MailAccount  # a mailbox only the sync tests touch
    crash: MailAccount  # a mailbox only the kill -9 tests touch
    big: MailAccount  # a 20,000-message folder, written straight into its Maildir

    @property
    def mssante(self) -> list[MailAccount]:
        return [self.martin, self.dupont, self.organisation]


def build_pki(directory: Path, crl_base_url: str) -> LabPki:
    """The PKI; CRLs are written below ``directory/crl`` (serve ``directory`` at the base)."""
    pki = TestPki(crl_base_url)
    server = pki.server(LOOPBACK_NAMES)
    expired = pki.expired_server(LOOPBACK_NAMES)
    revoked = pki.revoked_server(LOOPBACK_NAMES)
    organisation = pki.organisation_client(
        "ORG-10B0000001-SECRETARIAT", "CABINET MEDICAL TEST", "SECRETARIAT CABINET TEST"
    )
    public_ca = TestPki(label="PUBLIC MAIL PROVIDER TEST")
    files = pki.write(directory)  # after the revocation, so that the CRL lists it
    return LabPki(
        pki, directory, files, crl_base_url, server, expired, revoked, organisation, public_ca
    )


def build_card(lab_dir: Path, lab_pki: LabPki, name: str) -> VirtualCard:
    spec = CARDS[name]
    return create_card(
        lab_dir / "cards",
        name,
        holder=spec.holder,
        pki=lab_pki.pki,
        token_label=spec.token_label,
        keys=spec.keys,
        pkcs1_only=spec.pkcs1_only,
        pin_pad=spec.pin_pad,
    )


def lab_accounts() -> LabAccounts:
    return LabAccounts(
        martin=MailAccount(DR_MARTIN.id_nat, "alice.martin@medecin.mssante.test"),
        dupont=MailAccount(DR_DUPONT.id_nat, "bruno.dupont@medecin.mssante.test"),
        organisation=MailAccount(
            "ORG-10B0000001-SECRETARIAT", "secretariat@cabinet-test.mssante.test"
        ),
        generic=MailAccount("camille", "camille@mail.example.test", password="Motdepasse-2026"),
        generic_accented=MailAccount(
            "elise", "elise@mail.example.test", password="Mot-de-passe-éè"
        ),
        sync=MailAccount("sync", "sync@mail.example.test", password="Synchro-2026"),
        crash=MailAccount("crash", "crash@mail.example.test", password="Crash-2026"),
        big=MailAccount("big", "big@mail.example.test", password="Big-2026"),
    )


def mss_dovecot(lab_dir: Path, lab_pki: LabPki, accounts: LabAccounts) -> Dovecot:
    """The MSSanté-like operator (not started): client certificate required, SASL EXTERNAL."""
    chain, key = lab_pki.write_issued("server", lab_pki.server)
    return Dovecot(
        lab_dir / "dovecot-mss",
        "mtls",
        chain,
        key,
        lab_pki.files.ca_with_crls,
        list(accounts.mssante),
    )


def password_dovecot(lab_dir: Path, lab_pki: LabPki, accounts: LabAccounts) -> Dovecot:
    """A generic provider (not started) with password login, under an unrelated CA."""
    issued = lab_pki.public_ca.server(LOOPBACK_NAMES, operator="PUBLIC MAIL PROVIDER TEST")
    chain, key = lab_pki.write_issued("public-server", issued, lab_pki.public_ca)
    return Dovecot(
        lab_dir / "dovecot-password",
        "password",
        chain,
        key,
        accounts=[
            accounts.generic,
            accounts.generic_accented,
            accounts.sync,
            accounts.crash,
            accounts.big,
        ],
    )


def psc_provider() -> PscProvider:
    """The lab's PSC-like provider (not started), real clock, PSC's lifetimes, CIBA offered
    (build a ``PscProvider`` without ``ciba=True`` to test a provider that has none)."""
    return PscProvider(users=PSC_USERS, clients=[PSC_CLIENT], ciba=True)


def psc_dovecot(
    lab_dir: Path, lab_pki: LabPki, provider: PscProvider, name: str = "dovecot-psc"
) -> Dovecot:
    """An API LPS operator (not started): XOAUTH2/OAUTHBEARER, tokens introspected at
    ``provider`` (any one: e.g. a test's own, with a ``SteppingClock`` or short lifetimes;
    then give another ``name``, the directory below ``lab_dir``)."""
    chain, key = lab_pki.write_issued("server", lab_pki.server)
    client_id, secret = provider.introspection_credentials
    introspect = provider.metadata()["introspection_endpoint"]
    scheme, rest = introspect.split("://", 1)
    return Dovecot(
        lab_dir / name,
        "psc",
        chain,
        key,
        accounts=[MailAccount(u.national_id, u.address) for u in PSC_USERS],
        oauth2_introspection_url=f"{scheme}://{client_id}:{secret}@{rest}",
    )


def psc_submission_server(
    lab_pki: LabPki, dovecot: Dovecot, provider: PscProvider
) -> BearerSubmissionServer:
    """The API LPS operator's submission (not started): PSC tokens checked locally against
    the provider's JWKS (issuer, audience, expiry, signature), delivering into ``dovecot``."""
    chain, key = lab_pki.write_issued("server", lab_pki.server)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(chain, key)
    check = jwks_checker(
        provider.issuer,
        provider.metadata()["jwks_uri"],
        provider.realm.audiences,
        provider.realm.clock,
    )

    def may_send(mailbox: str, sender: str) -> bool:
        return mailbox.lower() == sender.lower()

    return BearerSubmissionServer(tls, may_send, lmtp_deliverer(dovecot.lmtp_socket), check)


def submission_server(lab_pki: LabPki, dovecot: Dovecot, accounts: LabAccounts) -> SubmissionServer:
    """Submission (not started) with a required client certificate, delivering into Dovecot."""
    chain, key = lab_pki.write_issued("server", lab_pki.server)
    tls = server_tls_context(str(chain), str(key), str(lab_pki.files.ca_with_crls))
    return SubmissionServer(
        tls, sender_policy(accounts.mssante), lmtp_deliverer(dovecot.lmtp_socket)
    )


def password_submission_server(
    lab_pki: LabPki, dovecot: Dovecot, accounts: LabAccounts
) -> SubmissionServer:
    """An ordinary provider's submission (not started): SMTP AUTH with the mailbox passwords
    of ``dovecot``, no client certificate, delivering into it."""
    issued = lab_pki.public_ca.server(LOOPBACK_NAMES, operator="PUBLIC MAIL PROVIDER TEST")
    chain, key = lab_pki.write_issued("public-submission", issued, lab_pki.public_ca)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(chain, key)
    return SubmissionServer(
        tls,
        sender_policy(dovecot.accounts),
        lmtp_deliverer(dovecot.lmtp_socket),
        passwords={a.login: a.password or "" for a in dovecot.accounts},
    )


def lab_message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="lab.mssante.test")
    message.set_content(body)
    return message
