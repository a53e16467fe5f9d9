"""Dovecot instances for the lab, run in the foreground as a child of the test process.

Two kinds:

- ``mtls``: an MSSanté-like operator. A client certificate from the lab's IGC-Santé-shaped
  authorities is required (CRLs checked), and the only login is SASL EXTERNAL, the username
  being the certificate's ``serialNumber`` (the card's national id, or the mailbox id of an
  organisation certificate). An LMTP socket takes deliveries for the mailbox addresses.
- ``password``: a generic mail provider with PLAIN/LOGIN after STARTTLS, for the non-MSSanté
  mailboxes a doctor also keeps.
- ``psc``: an operator of the API LPS: SASL XOAUTH2 and OAUTHBEARER carrying a Pro Santé
  Connect access token, checked by Dovecot's ``oauth2`` passdb through the lab provider's
  introspection (``oauth2_introspection_url``, its credentials in the URL: Dovecot sends
  them as HTTP Basic). The token's ``email`` claim must be the SASL user (the mailbox). A
  refused token gets the JSON challenge ``{"status":"401","schemes":"bearer","scope":"mail"}``
  then ``NO``. No failure delay nor anvil back-off, so that refusals stay fast in tests.

Both have a STARTTLS listener (the 143 kind) and an implicit-TLS one (the 993 kind).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tests.lab.ports import free_ports, wait_listening

Mode = Literal["mtls", "password", "psc"]
_START_TIMEOUT = 15.0


@dataclass(frozen=True)
class MailAccount:
    """A lab mailbox. ``login`` is the certificate identity (mtls) or the user name."""

    login: str
    address: str
    password: str | None = None


@dataclass
class Dovecot:
    base: Path
    mode: Mode
    server_chain: Path
    server_key: Path
    client_ca: Path | None = None  # authorities + CRLs, for mtls
    accounts: list[MailAccount] = field(default_factory=list)
    oauth2_introspection_url: str | None = None  # psc: http://id:secret@host/...introspect
    imap_port: int = 0  # STARTTLS
    imaps_port: int = 0  # implicit TLS
    _process: subprocess.Popen[bytes] | None = None

    @property
    def lmtp_socket(self) -> Path:
        return self.base / "run" / "lmtp"

    @property
    def log_file(self) -> Path:
        return self.base / "dovecot.log"

    @property
    def oauth2_file(self) -> Path:
        return self.base / "dovecot-oauth2.conf.ext"

    @property
    def users_file(self) -> Path:
        return self.base / "users"

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    # -- accounts -------------------------------------------------------------------------

    def _mail_owner(self) -> tuple[int, int]:
        if os.geteuid() == 0:  # Dovecot never gives mail access to root
            nobody = pwd.getpwnam("nobody")
            return nobody.pw_uid, nobody.pw_gid
        return os.getuid(), os.getgid()

    def home(self, account: MailAccount) -> Path:
        return self.base / "mail" / account.address

    def _write_users(self) -> None:
        uid, gid = self._mail_owner()
        lines = []
        for account in self.accounts:
            home = self.home(account)
            home.mkdir(parents=True, exist_ok=True)
            os.chown(home, uid, gid)
            password = f"{{PLAIN}}{account.password}" if account.password else ""
            # The login (certificate identity) and the address share one home: the way an
            # operator maps a card's national id to the mailboxes it may open.
            names = dict.fromkeys([account.login.lower(), account.address.lower()])
            lines += [f"{name}:{password}:{uid}:{gid}::{home}::" for name in names]
        tmp = self.users_file.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.chmod(0o644)  # read by Dovecot's unprivileged auth process, whatever our umask
        tmp.replace(self.users_file)

    # -- configuration --------------------------------------------------------------------

    def _config(self) -> str:
        uid, _gid = self._mail_owner()
        common = f"""
instance_name = caducee-lab-{self.base.name}
base_dir = {self.base}/run
state_dir = {self.base}/state
log_path = {self.log_file}
protocols = imap lmtp
listen = 127.0.0.1
ssl = required
ssl_cert = <{self.server_chain}
ssl_key = <{self.server_key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_verbose = yes
auth_username_format = %Lu
first_valid_uid = {min(uid, 100)}
mail_location = maildir:~/Maildir
mail_fsync = never
# IDLE reports changes made by other processes (LMTP delivery) after this long (default 30 s)
mailbox_idle_check_interval = 1 secs
{_clock_environment()}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
userdb {{
  driver = passwd-file
  args = {self.users_file}
}}
"""
        if os.geteuid() != 0:
            user = pwd.getpwuid(os.getuid()).pw_name
            common += f"""
default_login_user = {user}
default_internal_user = {user}
service imap-login {{
  chroot =
}}
"""
        if self.mode == "mtls":
            assert self.client_ca is not None
            return (
                common
                + f"""
ssl_ca = <{self.client_ca}
ssl_verify_client_cert = yes
ssl_require_crl = yes
auth_ssl_require_client_cert = yes
auth_ssl_username_from_cert = yes
ssl_cert_username_field = serialNumber
auth_mechanisms = external
passdb {{
  driver = static
  args = nopassword=y
}}
"""
            )
        if self.mode == "psc":
            return common + self._psc_config()
        return (
            common
            + f"""
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = {self.users_file}
}}
"""
        )

    def _psc_config(self) -> str:
        if not self.oauth2_introspection_url:
            raise RuntimeError("a psc Dovecot needs the provider's introspection URL")
        self.oauth2_file.write_text(
            f"""introspection_mode = post
introspection_url = {self.oauth2_introspection_url}
force_introspection = yes
username_attribute = email
active_attribute = active
active_value = true
timeout_msecs = 5000
"""
        )
        self.oauth2_file.chmod(0o644)  # read by the unprivileged auth process
        return f"""
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0 secs
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {self.oauth2_file}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.base.chmod(0o711)  # mail is read by an unprivileged user when run as root
        for directory in ("run", "state", "mail"):
            (self.base / directory).mkdir(parents=True, exist_ok=True)
        # Explicit: an in-process caducee main() leaves this process's umask at 077.
        (self.base / "mail").chmod(0o711)
        self._write_users()
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        for _attempt in range(3):  # a port picked in advance may be taken meanwhile
            self.imap_port, self.imaps_port = free_ports(2)
            config = self.base / "dovecot.conf"
            config.write_text(self._config())
            self._process = subprocess.Popen(
                [binary, "-F", "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=(self.base / "dovecot.stderr").open("ab"),
            )
            if self._ready():
                return
            self.stop()
        raise RuntimeError(f"Dovecot did not start:\n{self._diagnostics()}")

    def _ready(self) -> bool:
        deadline = time.monotonic() + _START_TIMEOUT
        for port in (self.imap_port, self.imaps_port):
            remaining = deadline - time.monotonic()
            if not wait_listening(port, max(remaining, 0.1)) or self._exited():
                return False
        while not self.lmtp_socket.exists():
            if time.monotonic() > deadline or self._exited():
                return False
            time.sleep(0.05)
        return True

    def _exited(self) -> bool:
        return self._process is None or self._process.poll() is not None

    def _diagnostics(self) -> str:
        stderr = self.base / "dovecot.stderr"
        return (stderr.read_text(errors="replace") if stderr.exists() else "") + self.log()[-4000:]

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None


def fill_maildir(
    dovecot: Dovecot, account: MailAccount, numbers: range, *, fresh: bool = True
) -> None:
    """Small messages written straight into the account's Maildir, as a delivery agent
    would (an APPEND per message would take minutes); every fifth one unread. ``fresh``:
    the Maildir emptied first, Dovecot's index too (a new UIDVALIDITY); else added to it."""
    maildir = dovecot.home(account) / "Maildir"
    if fresh:
        shutil.rmtree(maildir, ignore_errors=True)
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    stamp = int(time.time())
    for number in numbers:
        raw = (
            f"From: labo{number % 37}@biolab.mssante.test\r\nTo: {account.address}\r\n"
            f"Subject: Bilan {number}\r\nMessage-ID: <big-{number}@lab.test>\r\n"
            f"Date: Mon, 16 Nov 2026 09:00:00 +0100\r\n\r\nRésultat {number}.\r\n"
        )
        name = f"{stamp}.{number}.lab:2,{'S' if number % 5 else ''}"
        (maildir / "cur" / name).write_bytes(raw.encode())
    owner = dovecot.home(account).stat()
    for path in [maildir, *maildir.rglob("*")]:
        os.chown(path, owner.st_uid, owner.st_gid)


def _clock_environment() -> str:
    """Dovecot clears its children's environment; under libfaketime (scripts/check-shifted:
    the suite a year ahead or back) its login and mail processes must keep the tests' clock,
    else they judge the lab's fresh certificates by another date."""
    names = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")
    values = {n: os.environ[n] for n in names if n in os.environ}
    if "FAKETIME" not in values:
        return ""
    preload = values.get("LD_PRELOAD", "")
    if "$LIB" in preload:  # the dynamic loader's token: Dovecot would read it as a variable
        found = [
            preload.replace("$LIB", lib)
            for lib in ("lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu", "lib64", "lib")
            if Path(preload.replace("$LIB", lib)).exists()
        ]
        values["LD_PRELOAD"] = found[0] if found else preload
    return "import_environment = $import_environment " + " ".join(
        f"{name}={value}" for name, value in values.items()
    )
