"""Issue 17, item 5: a server offering only a suite outside ECO.1.1.3 is refused, in French.
Real TLS servers on loopback (a self-signed certificate given with --trust), no lab needed."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest

from app.core.errors import TlsError
from app.ops.accounts import AccountSession, new_account
from app.transport import imap
from app.transport.endpoints import Endpoint, Protocol, Security
from app.transport.tls import TrustPolicy
from tests.integration.test_diagnose_revocation import self_signed
from tests.lab.tlsserver import tls_server


def _negotiated(trust: Path, port: int, suite: str) -> str:
    context = ssl.create_default_context(cafile=str(trust))
    context.set_ciphers(suite + ":@SECLEVEL=0")
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        cipher = tls.cipher()
        assert cipher is not None
        return cipher[0]


@pytest.mark.parametrize(
    "suite",
    [
        "ECDHE-RSA-AES128-SHA",  # ECDHE but CBC with SHA-1: not listed
        "AES128-GCM-SHA256",  # GCM but no ECDHE (RSA key exchange): not listed
        "ECDHE-RSA-CHACHA20-POLY1305",  # ECDHE, AEAD, but not listed
    ],
)
def test_a_server_with_only_a_non_listed_suite_is_refused(tmp_path: Path, suite: str) -> None:
    server = self_signed("localhost")
    (tmp_path / "chain.pem").write_bytes(server.cert_pem())
    (tmp_path / "server.key").write_bytes(server.key_pem())
    trust = tmp_path / "chain.pem"
    endpoint_args = (Protocol.IMAP, Security.IMPLICIT, "localhost")
    with tls_server(
        tmp_path / "chain.pem",
        tmp_path / "server.key",
        maximum_version=ssl.TLSVersion.TLSv1_2,
        ciphers=suite + ":@SECLEVEL=0",
    ) as port:
        endpoint = Endpoint(*endpoint_args, port)
        # The server is up and negotiates the suite with a client that offers it.
        assert _negotiated(trust, port, suite) == suite
        with pytest.raises(TlsError) as refused:
            imap.connect(endpoint, TrustPolicy.for_mssante(tmp_path / "crl", trust), timeout=5)
    assert "aucun chiffrement autorisé en commun" in refused.value.user_message


def test_a_password_account_on_an_mssante_host_is_held_to_the_same_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole path of a password account: its host name is an MSSanté one (routed to
    loopback here), so the server offering only a CBC-SHA1 suite is refused before login."""
    host = "imap.medecin.mssante.fr"
    server = self_signed(host)
    (tmp_path / "chain.pem").write_bytes(server.cert_pem())
    (tmp_path / "server.key").write_bytes(server.key_pem())
    real_getaddrinfo = socket.getaddrinfo

    def loopback(name: object, *args: object, **kwargs: object) -> object:
        return real_getaddrinfo("127.0.0.1" if name == host else name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", loopback)
    with tls_server(
        tmp_path / "chain.pem",
        tmp_path / "server.key",
        maximum_version=ssl.TLSVersion.TLSv1_2,
        ciphers="ECDHE-RSA-AES128-SHA:@SECLEVEL=0",
    ) as port:
        account = new_account(
            "jean@exemple.fr",
            "password",
            f"imaps://{host}:{port}",
            None,
            trust=tmp_path / "chain.pem",
        )
        session = AccountSession(account, tmp_path, lambda *_: None, lambda _prompt: "x")
        session.timeout = 5
        with pytest.raises(TlsError) as refused:
            session.imap()
    assert session.policy().mssante
    assert "aucun chiffrement autorisé en commun" in refused.value.user_message
