"""``diagnose``: every step from the card to the server, each with a French verdict.

What support asks a doctor to run. The steps stop at the first failure of a chain (no card,
no point asking the PIN; no TCP, no point trying TLS), and the report says which one failed
and why, in words a doctor can act on.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from cryptography import x509

from app.core.errors import (
    AuthenticationError,
    CaduceeError,
    CertificateExpiredError,
    CertificateRevokedError,
    CertificateUntrustedError,
    HostnameMismatchError,
    NoAuthenticationCertificateError,
    RevocationUnknownError,
)
from app.cps.card import CardInfo, CardModule, CardSession, PinProvider
from app.cps.identity import parse_holder
from app.cps.modules import find_module
from app.ops.accounts import trust_policy
from app.psc.client import PscClient
from app.psc.keeper import TokenKeeper
from app.psc.signin import SignInMethod
from app.transport import imap, sasl, smtp
from app.transport.credentials import CardCredential, ClientCredential, Pkcs12Credential
from app.transport.endpoints import Endpoint
from app.transport.tls import Revocation, TrustPolicy, classify

SecretProvider = Callable[[str], str | None]
"""(French prompt) -> secret, or None when none is available."""


class AuthMode(Enum):
    CARD = "card"
    PKCS12 = "pkcs12"
    PASSWORD = "password"  # noqa: S105 - the name of a mode, not a secret
    PSC = "psc"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    ok: bool
    detail: str = ""
    error: CaduceeError | None = None

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "step": self.key,
            "title": self.title,
            "ok": self.ok,
            "detail": self.detail,
        }
        if self.error is not None:
            result["error"] = {
                "class": type(self.error).__name__,
                "message": self.error.user_message,
            }
        return result


@dataclass
class Report:
    steps: list[Step] = field(default_factory=list)
    # with ``keep_psc``: the sign-in of the test, in memory, for the caller to go on with
    psc_keeper: TokenKeeper | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "steps": [step.to_json() for step in self.steps]}


@dataclass
class DiagnoseRequest:
    imap: Endpoint
    auth: AuthMode
    cache_dir: Path
    smtp: Endpoint | None = None
    module: str | None = None
    settings_module: str | None = None
    pkcs12: Path | None = None
    username: str | None = None
    trust: Path | None = None
    ask_pin: PinProvider | None = None
    ask_secret: SecretProvider | None = None
    timeout: float = 20.0
    card_session: CardSession | None = None  # a card already unlocked (the wizard): no PIN
    address: str | None = None  # the mailbox (SASL user of a PSC login)
    psc_client: PscClient | None = None  # auth PSC: the provider, and how to sign in
    psc_method: SignInMethod | None = None
    say: Callable[[str], None] | None = None  # what the sign-in shows her (URL, user code)
    psc_keeper: TokenKeeper | None = None  # signed in already (an earlier test): reused
    keep_psc: bool = False  # the sign-in goes to Report.psc_keeper instead of being forgotten


class _Failed(Exception):
    """Stops the current chain of steps (the failure is already recorded)."""


def _date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%d/%m/%Y")


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


class _Run:
    def __init__(self, request: DiagnoseRequest, on_step: Callable[[Step], None] | None) -> None:
        self.request = request
        self.report = Report()
        self.on_step = on_step

    def record(
        self, key: str, title: str, ok: bool, detail: str = "", error: CaduceeError | None = None
    ) -> None:
        step = Step(key, title, ok, detail, error)
        self.report.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)

    def missing(self, key: str, title: str, message: str) -> _Failed:
        """A step that cannot run for want of an input from the user."""
        return self.fail(key, title, AuthenticationError("missing input", user_message=message))

    def secret(self, prompt: str) -> str | None:
        ask = self.request.ask_secret
        return ask(prompt) if ask is not None else None

    def fail(self, key: str, title: str, error: CaduceeError) -> _Failed:
        self.record(key, title, False, error.user_message, error)
        return _Failed(key)

    # -- credentials ---------------------------------------------------------------------

    def credential(self) -> tuple[ClientCredential | None, str | None]:
        """The client credential, and the password for password accounts."""
        request = self.request
        if request.auth is AuthMode.PSC:
            self.keeper = self.psc()
            return None, None
        if request.auth is AuthMode.CARD:
            return self.card(), None
        if request.auth is AuthMode.PKCS12:
            return self.pkcs12(), None
        title = "Identifiant et mot de passe"
        if not request.username:
            raise self.missing("password", title, "Indiquez l'identifiant (--username).")
        password = self.secret(f"Mot de passe de {request.username} : ")
        if not password:
            raise self.missing(
                "password", title, "Aucun mot de passe fourni (CADUCEE_PASSWORD ou saisie)."
            )
        self.record("password", title, True, f"identifiant {request.username}")
        return None, password

    def psc(self) -> TokenKeeper:
        """Discovery, then the sign-in, then what the tokens say (never the tokens)."""
        request = self.request
        client, method = request.psc_client, request.psc_method or SignInMethod()
        title = "Fournisseur Pro Santé Connect (découverte)"
        if client is None or not request.address:
            raise self.missing(
                "psc_discovery",
                title,
                "Indiquez le fournisseur, l'identifiant client et l'adresse (--psc-issuer, "
                "--psc-client-id, --address).",
            )
        try:
            metadata = client.metadata()
        except CaduceeError as error:
            raise self.fail("psc_discovery", title, error) from error
        ways = ["navigateur (code + PKCE)"]
        ways.append("code QR (appareil)" if metadata.offers_device else "pas de code QR")
        ways.append("CIBA" if metadata.offers_ciba else "CIBA non proposé par ce fournisseur")
        self.record("psc_discovery", title, True, f"{metadata.issuer} ; {', '.join(ways)}")
        title = f"Connexion Pro Santé Connect ({method.label})"
        keeper = request.psc_keeper
        if keeper is not None and keeper.active:
            title = "Connexion Pro Santé Connect (déjà faite, gardée en mémoire)"
        else:
            try:
                keeper = method.sign_in(client, request.say or (lambda _text: None))
            except CaduceeError as error:
                raise self.fail("psc_sign_in", title, error) from error
        info = keeper.info
        identity = info.identity if info else None
        who = "identité non transmise"
        if identity is not None:
            name = identity.name or "nom non transmis"
            who = f"{name}, identifiant national {identity.national_id}"
        left = (info.expires_at - client.now()) if info else 0
        self.record(
            "psc_sign_in",
            title,
            True,
            f"{who} ; jeton valable encore {max(0, int(left))} s (gardé en mémoire seulement)",
        )
        return keeper

    def bearer_login(self, login: Callable[[str], str], title: str, key: str = "login") -> str:
        """One login with the token, then once more with a fresh one if refused."""
        keeper = self.keeper
        try:
            token = keeper.access_token()
            try:
                return login(token)
            except sasl.BearerRefusedError as error:
                detail = ", ".join(f"{k}={v}" for k, v in error.challenge.items()) or "refus"
                self.record(
                    f"{key}_retry",
                    title,
                    True,
                    f"premier jeton refusé ({detail}) : nouvel essai avec un jeton neuf",
                )
                return login(keeper.renew())
        except CaduceeError as error:
            raise self.fail(key, title, error) from error

    def card(self) -> CardCredential:
        request = self.request
        title = "Module de la carte (PKCS#11)"
        if request.card_session is not None:
            return self.unlocked_card(request.card_session)
        try:
            choice = find_module(request.module, request.settings_module)
            module = CardModule(choice.path)
            module.lib()
        except CaduceeError as error:
            raise self.fail("module", title, error) from error
        self.record("module", title, True, f"{choice.path} ({choice.source.value})")

        title = "Carte CPS"
        try:
            card = module.card()
        except CaduceeError as error:
            raise self.fail("card", title, error) from error
        self.check_card(card)

        title = "Code PIN"
        if request.ask_pin is None:
            raise self.missing("pin", title, "Aucun moyen de saisir le code PIN.")
        try:
            session = module.login(card, request.ask_pin)
        except CaduceeError as error:
            raise self.fail("pin", title, error) from error
        self.record("pin", title, True, "accepté")
        self.session: CardSession = session
        return CardCredential(lambda: session)

    def unlocked_card(self, session: CardSession) -> CardCredential:
        """The same steps for a card whose PIN was already accepted in this run of the app."""
        self.record("module", "Module de la carte (PKCS#11)", True, f"{session.module.path}")
        self.check_card(session.card)
        self.record("pin", "Code PIN", True, "déjà accepté")
        return CardCredential(lambda: session)

    def check_card(self, card: CardInfo) -> None:
        title = "Carte CPS"
        holder = card.holder
        if holder is None:
            raise self.fail("card", title, NoAuthenticationCertificateError("no holder"))
        now = datetime.now(UTC)
        validity = f"certificat d'authentification valable jusqu'au {_date(holder.not_after)}"
        if not holder.not_before <= now <= holder.not_after:
            raise self.fail(
                "card",
                title,
                CertificateExpiredError(
                    "card authentication certificate outside its validity",
                    user_message=f"Le certificat d'authentification de la carte n'est pas valide "
                    f"aujourd'hui (valable du {_date(holder.not_before)} au "
                    f"{_date(holder.not_after)}). Demandez le renouvellement de votre carte.",
                ),
            )
        self.record(
            "card", title, True, f"« {card.token_label} » — {_describe_holder(holder)} ; {validity}"
        )

    def pkcs12(self) -> Pkcs12Credential:
        request = self.request
        title = "Certificat logiciel (PKCS#12)"
        if request.pkcs12 is None:
            raise self.missing("pkcs12", title, "Indiquez le fichier du certificat (--pkcs12).")
        passphrase = self.secret(f"Phrase secrète de {request.pkcs12.name} : ")
        try:
            credential = Pkcs12Credential.load(request.pkcs12, passphrase)
        except CaduceeError as error:
            raise self.fail("pkcs12", title, error) from error
        certificate = credential.certificate
        self.record(
            "pkcs12",
            title,
            True,
            f"{_common_name(certificate.subject)}, valable jusqu'au "
            f"{_date(certificate.not_valid_after_utc)}",
        )
        return credential

    # -- servers --------------------------------------------------------------------------

    def tcp(self, endpoint: Endpoint) -> None:
        title = f"Connexion TCP à {endpoint.host}:{endpoint.port}"
        started = time.monotonic()
        try:
            with socket.create_connection(
                (endpoint.host, endpoint.port), timeout=self.request.timeout
            ):
                pass
        except OSError as error:
            raise self.fail("tcp", title, classify(error)) from error
        self.record("tcp", title, True, f"établie en {(time.monotonic() - started) * 1000:.0f} ms")

    def secured(self, endpoint: Endpoint, error: CaduceeError) -> _Failed:
        chain_errors = (
            CertificateUntrustedError,
            CertificateExpiredError,
            CertificateRevokedError,
            HostnameMismatchError,
            RevocationUnknownError,
        )
        if isinstance(error, chain_errors):
            return self.fail("server_certificate", "Certificat du serveur", error)
        return self.fail("tls", "Connexion sécurisée (TLS)", error)

    def report_tls(
        self,
        version: str,
        cipher: str,
        chain: list[x509.Certificate],
        policy: TrustPolicy,
        credential: ClientCredential | None,
    ) -> None:
        self.record("tls", "Connexion sécurisée (TLS)", True, f"{version}, {cipher}")
        leaf = chain[0] if chain else None
        if leaf is not None:
            revocation = _REVOCATION[policy.revocation(chain)]
            self.record(
                "server_certificate",
                "Certificat du serveur",
                True,
                f"{_common_name(leaf.subject)}, émis par "
                f"{_common_name(leaf.issuer)}, valable jusqu'au "
                f"{_date(leaf.not_valid_after_utc)} ; {revocation}",
            )
        if credential is not None:
            self.record(
                "client_certificate",
                "Certificat client présenté",
                True,
                f"{_describe_holder(parse_holder(credential.certificate))} "
                f"({'carte CPS' if credential.kind == 'carte' else 'certificat logiciel'})",
            )

    def imap(
        self, policy: TrustPolicy, credential: ClientCredential | None, password: str | None
    ) -> None:
        endpoint = self.request.imap
        self.record("endpoint", f"IMAP {endpoint}", True)
        self.tcp(endpoint)
        try:
            connection = imap.connect(endpoint, policy, credential, timeout=self.request.timeout)
        except CaduceeError as error:
            raise self.secured(endpoint, error) from error
        try:
            self.report_tls(
                connection.tls_version,
                connection.cipher,
                connection.server_chain,
                policy,
                credential,
            )
            if self.request.auth is AuthMode.PSC:
                title = "Authentification par jeton Pro Santé Connect"
                user = self.request.address or ""
                mechanism = self.bearer_login(
                    lambda token: connection.authenticate_bearer(user, token), title
                )
                title = f"Authentification {mechanism} (jeton Pro Santé Connect)"
            elif password is None:
                title = "Authentification SASL EXTERNAL"
                try:
                    connection.authenticate_external()
                except CaduceeError as error:
                    raise self.fail("login", title, error) from error
            else:
                title = "Connexion par mot de passe"
                try:
                    connection.authenticate_password(self.request.username or "", password)
                except CaduceeError as error:
                    raise self.fail("login", title, error) from error
            self.record("login", title, True, "acceptée")
        finally:
            connection.close()

    def smtp(
        self, endpoint: Endpoint, policy: TrustPolicy, credential: ClientCredential | None
    ) -> None:
        self.record("endpoint", f"SMTP {endpoint}", True)
        self.tcp(endpoint)
        try:
            probe = smtp.probe(endpoint, policy, credential, timeout=self.request.timeout)
        except CaduceeError as error:
            raise self.secured(endpoint, error) from error
        if self.request.auth is AuthMode.PSC:
            self.smtp_bearer(endpoint, policy)
        self.report_tls(probe.tls_version, probe.cipher, probe.server_chain, policy, credential)
        size = f" ; taille maximale {probe.max_size // (1024 * 1024)} Mo" if probe.max_size else ""
        self.record(
            "ehlo",
            "Réponse EHLO",
            True,
            f"extensions : {', '.join(sorted(probe.extensions)) or 'aucune'}{size}",
        )

    def smtp_bearer(self, endpoint: Endpoint, policy: TrustPolicy) -> None:
        title = "Authentification SMTP par jeton Pro Santé Connect"
        login = smtp.BearerLogin(self.request.address or "", self.keeper)

        def attempt(token: str) -> str:
            found = smtp.probe(endpoint, policy, None, timeout=self.request.timeout,
                               bearer=(login, token))  # fmt: skip
            return found.auth_mechanism or ""

        mechanism = self.bearer_login(attempt, title, "smtp_login")
        self.record(
            "smtp_login", f"Authentification SMTP {mechanism} (jeton Pro Santé Connect)", True,
            "acceptée",
        )  # fmt: skip


_REVOCATION = {
    Revocation.CHECKED: "non révoqué (liste de révocation vérifiée)",
    Revocation.UNCHECKABLE: "révocation non vérifiable (pas de liste de révocation : "
    "certificat autosigné, accepté parce qu'il est donné lui-même comme autorité de confiance)",
    Revocation.NOT_CHECKED: "révocation non vérifiée (compte non MSSanté)",
}


def _describe_holder(holder: Any) -> str:
    parts = [holder.display_name]
    if holder.profession:
        parts.append(holder.profession)
    if holder.rpps:
        parts.append(f"RPPS {holder.rpps}")
    elif holder.adeli:
        parts.append(f"ADELI {holder.adeli}")
    elif holder.id_nat:
        parts.append(f"identifiant {holder.id_nat}")
    return ", ".join(parts)


def diagnose(request: DiagnoseRequest, on_step: Callable[[Step], None] | None = None) -> Report:
    run = _Run(request, on_step)
    try:
        try:
            hosts = [request.imap.host] + ([request.smtp.host] if request.smtp else [])
            policy = trust_policy(  # the cache_dir asked for is the CRL one, in the profile's
                request.auth.value,
                hosts,
                request.cache_dir.parent,
                request.cache_dir,
                request.trust,
            )
        except CaduceeError as error:
            raise run.fail("trust", "Autorités de confiance", error) from error
        if policy.test_anchors:  # said, not hidden: never the setting of a production account
            run.record(
                "trust",
                "Autorités de confiance",
                True,
                f"IGC-Santé et autorités ajoutées par --trust ({request.trust}) : pour des "
                "tests seulement, non conforme MSSanté (seule l'IGC-Santé est admise)",
            )
        credential, password = run.credential()
    except _Failed:
        return run.report
    try:
        with suppress(_Failed):
            run.imap(policy, credential, password)
        if request.smtp is not None:
            with suppress(_Failed):
                run.smtp(request.smtp, policy, credential)
    finally:
        session = getattr(run, "session", None)
        if session is not None:
            session.close()
        keeper = getattr(run, "keeper", None)
        if keeper is not None and request.keep_psc:
            run.report.psc_keeper = keeper  # the caller's now (tokens in memory only)
        elif keeper is not None and keeper is not request.psc_keeper:
            keeper.forget()
    return run.report
