"""Connecting an account: trust policy, client credential, login — asking secrets once.

An ``AccountSession`` lives as long as a command (or, in the app, a card session): the card
PIN is asked once and the card key serves every connection; passwords and PKCS#12
passphrases come from the caller (environment, keyring, prompt).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.audit import Action, AuditTrail
from app.core.errors import AuthenticationError, CaduceeError, Scope
from app.core.keychain import password_key, pkcs12_key, set_secret
from app.core.settings import lock_minutes_for
from app.directory import trusted
from app.directory.errors import TrustedListError
from app.psc.errors import PscConfigurationError
from app.store.db import Account, Store
from app.transport import imap, sasl
from app.transport.credentials import CardCredential, ClientCredential, Pkcs12Credential
from app.transport.endpoints import Endpoint
from app.transport.tls import TrustPolicy

if TYPE_CHECKING:  # loaded when a card or PSC account uses them (a sync starts faster)
    from app.cps.card import PinProvider
    from app.cps.keeper import CardKeeper, CardState
    from app.psc.keeper import TokenKeeper
    from app.transport import smtp

SecretProvider = Callable[[str], str | None]
PscSignIn = Callable[[Account], "TokenKeeper"]  # signs in to PSC for the account (may block)

log = logging.getLogger(__name__)


def is_mssante(auth: str, hosts: Iterable[str], cache_dir: Path | None) -> bool:
    """Card and PKCS#12 accounts are MSSanté; a password account is when one of its hosts
    is (``.mssante.fr`` or the cached liste blanche in ``cache_dir``): issue 17, item 5."""
    if auth != "password":
        return True
    names = [h for h in hosts if h]
    listed = None
    if cache_dir is not None and not any(trusted.is_mssante_host(h) for h in names):
        try:
            listed = trusted.load(cache_dir)
        except (OSError, TrustedListError) as error:  # unreadable: the suffix rule alone
            log.warning("liste blanche unreadable, MSSanté hosts by suffix only: %s", error)
    found = any(trusted.is_mssante_host(h, listed) for h in names)
    if found:
        log.info("password account on an MSSanté host (%s): IGC-Santé policy", ", ".join(names))
    return found


def _hosts(account: Account) -> list[str]:
    hosts = [Endpoint.parse(account.imap_url).host]
    if account.smtp_url:
        hosts.append(Endpoint.parse(account.smtp_url).host)
    return hosts


def account_is_mssante(account: Account, cache_dir: Path | None) -> bool:
    return is_mssante(account.auth, _hosts(account), cache_dir)


def mssante_domains(accounts: Iterable[Account], cache_dir: Path | None) -> frozenset[str]:
    """The domains of her MSSanté accounts' addresses: MSSanté whatever the liste blanche
    cached here says (``trusted.outside_trust_space``'s ``own_domains``)."""
    return frozenset(
        a.address.rpartition("@")[2].lower()
        for a in accounts
        if "@" in a.address and account_is_mssante(a, cache_dir)
    )


def session_lock_minutes(minutes: int, accounts: Iterable[Account], cache_dir: Path) -> int:
    """The inactivity lock of a profile: capped at 120 minutes with an MSSanté account."""
    accounts = list(accounts)
    # Card and PKCS#12 accounts answer without the liste blanche; the password accounts'
    # hosts are judged together, so it is read (~5 MB) once at most, not once per account.
    mssante = any(a.auth != "password" for a in accounts) or is_mssante(
        "password", [h for a in accounts for h in _hosts(a)], cache_dir
    )
    return lock_minutes_for(minutes, mssante)


def trust_policy(
    auth: str, hosts: Iterable[str], cache_dir: Path | None, crl_dir: Path, trust: Path | None
) -> TrustPolicy:
    """The policy of an account: MSSanté (IGC-Santé, CRL, ECO.1.1.3) for any MSSanté host."""
    if is_mssante(auth, hosts, cache_dir):
        return TrustPolicy.for_mssante(crl_dir, trust)
    return TrustPolicy.for_generic(trust)


@dataclass
class AccountSession:
    account: Account
    cache_dir: Path
    ask_pin: PinProvider
    ask_secret: SecretProvider
    settings_module: str | None = None
    timeout: float = 30.0
    on_card_state: Callable[[CardState], None] | None = None  # the reader watched if given
    _policy: TrustPolicy | None = None
    _credential: ClientCredential | None = None
    _password: str | None = field(default=None, repr=False)
    _passphrase: str | None = field(default=None, repr=False)
    _keeper: CardKeeper | None = field(default=None, repr=False)
    audit: AuditTrail | None = None  # the profile's trail: each sign-in and its result
    psc_sign_in: PscSignIn | None = None  # auth 'psc': how to sign in when first needed
    _psc: TokenKeeper | None = field(default=None, repr=False)
    _psc_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def policy(self) -> TrustPolicy:
        if self._policy is None:
            account = self.account
            trust = Path(account.trust) if account.trust else None
            crl_dir = self.cache_dir / "crl"
            if account_is_mssante(account, self.cache_dir):
                self._policy = TrustPolicy.for_mssante(crl_dir, trust)
            else:
                self._policy = TrustPolicy.for_generic(trust)
        return self._policy

    def credential(self) -> ClientCredential | None:
        account = self.account
        keeper = self._keeper
        if keeper is not None:  # a card account (its module loaded)
            from app.cps.keeper import CardState

            if keeper.state is CardState.LOCKED:
                keeper.unlock(self.ask_pin)  # the card is back: its PIN again, same accounts
        if account.auth in ("password", "psc") or self._credential is not None:
            return self._credential
        if account.auth == "card":
            from app.cps.card import CardModule
            from app.cps.keeper import CardKeeper
            from app.cps.modules import find_module

            choice = find_module(account.module, self.settings_module)
            self._keeper = CardKeeper(CardModule(choice.path))
            self._keeper.unlock(self.ask_pin)
            if self.on_card_state is not None:  # the window shows removal as it happens
                self.watch_card(self.on_card_state)
            self._credential = CardCredential(self._keeper.session)
        else:
            path = Path(account.pkcs12 or "")
            passphrase = self.ask_secret(f"Phrase secrète de {path.name} : ")
            self._credential = Pkcs12Credential.load(path, passphrase)
            self._passphrase = passphrase
        return self._credential

    def password(self) -> str:
        if self._password is None:
            login = self.account.username or self.account.address
            self._password = self.ask_secret(f"Mot de passe de {login} : ")
            if not self._password:
                raise AuthenticationError(
                    "no password",
                    user_message="Aucun mot de passe fourni (CADUCEE_PASSWORD ou saisie).",
                )
        return self._password

    # -- Pro Santé Connect ---------------------------------------------------------------

    def psc(self) -> TokenKeeper:
        """The account's PSC tokens, signing in the first time (``psc_sign_in``); once the
        session ended (refresh refused, lock) its error until ``adopt_psc`` gives new ones."""
        with self._psc_lock:  # IDLE and the sync may connect at once: one sign-in
            if self._psc is None:
                if self.psc_sign_in is None:
                    raise PscConfigurationError("no way to sign in to PSC given")
                try:
                    keeper = self.psc_sign_in(self.account)
                except BaseException as error:
                    self._audit_sign_in("Pro Santé Connect", f"erreur {type(error).__name__}")
                    raise
                self.adopt_psc(keeper)
                self._audit_sign_in("Pro Santé Connect", "ok")
            return self._psc  # type: ignore[return-value]  # set by adopt_psc

    def adopt_psc(self, keeper: TokenKeeper) -> None:
        """Use tokens she just got (the wizard's or the lock screen's sign-in)."""
        self._psc = keeper
        identity = keeper.identity
        if self.audit is not None and identity is not None and identity.national_id:
            self.audit.remember(self.account.address, identity.national_id)

    def forget_tokens(self) -> None:
        """Locking: the PSC tokens are dropped; the next connection needs a new sign-in."""
        if self._psc is not None:
            self._psc.forget()

    def bearer_login(self) -> smtp.BearerLogin | None:
        """The SMTP login of a PSC account (None for the others)."""
        if self.account.auth != "psc":
            return None
        from app.transport import smtp

        return smtp.BearerLogin(self.account.username or self.account.address, self.psc())

    def _imap_bearer(self) -> imap.ImapConnection:
        """Connect and sign in with the PSC token; a refused token is dropped and the login
        tried once more with a fresh one (never a password)."""
        keeper = self.psc()
        user = self.account.username or self.account.address
        token = keeper.access_token()
        for attempt in (1, 2):
            connection = imap.connect(
                Endpoint.parse(self.account.imap_url), self.policy(), None, timeout=self.timeout
            )
            try:
                mechanism = connection.authenticate_bearer(user, token)
            except sasl.BearerRefusedError as error:
                connection.close()
                self._audit_sign_in("IMAP AUTHENTICATE (jeton PSC)", "refusé")
                if attempt == 2:
                    raise
                log.info("PSC token refused by IMAP (%s): one retry with a fresh one", error)
                token = keeper.renew()
                continue
            except BaseException:
                connection.close()
                raise
            self._audit_sign_in(f"IMAP AUTHENTICATE {mechanism}", "ok")
            return connection
        raise AssertionError("unreachable")  # pragma: no cover

    def imap(self) -> imap.ImapConnection:
        """A new authenticated IMAP connection."""
        if self.account.auth == "psc":
            try:
                return self._imap_bearer()
            except BaseException as error:
                if not isinstance(error, sasl.BearerRefusedError):
                    self._audit_sign_in(
                        "IMAP AUTHENTICATE (jeton PSC)", f"erreur {type(error).__name__}"
                    )
                raise
        request = "IMAP LOGIN" if self.account.auth == "password" else "IMAP AUTHENTICATE EXTERNAL"
        try:
            credential = self.credential()
            connection = imap.connect(
                Endpoint.parse(self.account.imap_url),
                self.policy(),
                credential,
                timeout=self.timeout,
            )
        except BaseException as error:
            self._audit_sign_in(request, f"erreur {type(error).__name__}")
            raise
        try:
            if self.account.auth == "password":
                connection.authenticate_password(
                    self.account.username or self.account.address, self.password()
                )
            else:
                connection.authenticate_external()
        except BaseException as error:
            connection.close()
            self._audit_sign_in(request, f"erreur {type(error).__name__}")
            raise
        if self.audit is not None and credential is not None:
            from app.cps.identity import parse_holder  # a certificate's holder: card, PKCS#12

            with contextlib.suppress(ValueError):  # an odd subject: no national id, that's all
                national_id = parse_holder(credential.certificate).id_nat
                if national_id:
                    self.audit.remember(self.account.address, national_id)
        self._audit_sign_in(request, "ok")
        return connection

    def _audit_sign_in(self, request: str, result: str) -> None:
        if self.audit is not None:
            self.audit.record(
                Action.SIGN_IN, account=self.account.address, request=request, result=result
            )

    def adopt_card(self, keeper: CardKeeper) -> None:
        """Use a card already unlocked (the first-run wizard asked the PIN): no second PIN."""
        self._keeper = keeper
        self._credential = CardCredential(keeper.session)

    def watch_card(self, listener: Callable[[CardState], None]) -> None:
        """Watch the reader of a card account (the window locks on removal); no-op else."""
        self.on_card_state = listener
        if self._keeper is not None:
            self._keeper.subscribe(listener)
            self._keeper.start()

    def close(self) -> None:
        if self._keeper is not None:
            self._keeper.stop()
        if self._psc is not None:  # tokens never outlive the session (lock, exit)
            self._psc.forget()

    def keep_fresh(self) -> None:
        """A long-running session (``sync --watch``, the window): refresh the PSC tokens in
        the background before they expire, so that PSC's own session stays open while
        IDLE waits; no-op for other accounts or before the first sign-in."""
        if self._psc is not None:
            self._psc.start()

    def remember_secret(self) -> bool:
        """Keep the password or passphrase that just worked in the OS keyring (never a PIN),
        so that the next start does not ask it; False when there is no keyring."""
        if self.account.auth == "password" and self._password:
            return set_secret(password_key(self.account.address), self._password)
        if self.account.auth == "pkcs12" and self.account.pkcs12 and self._passphrase:
            path = str(Path(self.account.pkcs12).resolve())
            return set_secret(pkcs12_key(path), self._passphrase)
        return False


# -- adding an account (``caducee account add`` and the first-run wizard) -----------------


class AccountExistsError(CaduceeError, ValueError):
    scope = Scope.ACCOUNT
    default_message = "Ce compte existe déjà."


def new_account(
    address: str,
    auth: str,
    imap_url: str,
    smtp_url: str | None,
    *,
    username: str | None = None,
    module: str | None = None,
    pkcs12: Path | None = None,
    trust: Path | None = None,
    source: str = "saisie",
    psc_issuer: str | None = None,
    psc_client_id: str | None = None,
) -> Account:
    """The account as it will be stored (files as absolute paths), not stored yet."""
    return Account(
        0,
        address,
        auth,
        imap_url,
        smtp_url,
        username or None,
        module or None,
        str(pkcs12.resolve()) if pkcs12 else None,
        str(trust.resolve()) if trust else None,
        source,
        psc_issuer or None,
        psc_client_id or None,
    )


def ensure_new(store: Store, address: str) -> None:
    if store.account(address) is not None:
        raise AccountExistsError(
            f"account {address} exists", user_message=f"Le compte {address} existe déjà."
        )


def check_account(session: AccountSession) -> None:
    """Connect and log in once, as the account will (raises the French error if not)."""
    session.imap().close()


def save_account(store: Store, account: Account) -> Account:
    """Store the account whose fields were just checked."""
    ensure_new(store, account.address)
    return store.add_account(**account.to_json())
