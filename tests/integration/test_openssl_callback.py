"""The external-key callback: a misbehaving signer fails the handshake, never the process."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives import serialization

from app.transport import openssl
from tests.lab.build import LabPki

pytestmark = pytest.mark.lab
PKCS1, NONE = openssl.RSA_PKCS1_PADDING, openssl.RSA_NO_PADDING


def raw_signer(lab_pki: LabPki) -> Callable[[bytes, int], bytes]:
    """What a card does, in software: the RSA private operation on a padded block."""
    numbers = lab_pki.organisation.key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    size = (n.bit_length() + 7) // 8

    def sign(data: bytes, padding: int) -> bytes:
        if padding == PKCS1:  # EMSA-PKCS1-v1_5 around the DigestInfo
            data = b"\x00\x01" + b"\xff" * (size - len(data) - 3) + b"\x00" + data
        return pow(int.from_bytes(data, "big"), d, n).to_bytes(size, "big")

    return sign


@contextmanager
def server_requiring_a_client_certificate(lab_pki: LabPki) -> Iterator[int]:
    chain, key = lab_pki.write_issued("server", lab_pki.server)
    context = ssl.create_default_context(
        ssl.Purpose.CLIENT_AUTH, cafile=str(lab_pki.files.ca_bundle)
    )
    context.load_cert_chain(str(chain), str(key))
    context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                connection.settimeout(5)
                with context.wrap_socket(connection, server_side=True) as tls:
                    subject = dict(rdn[0] for rdn in tls.getpeercert()["subject"])
                    tls.sendall(b"hello " + subject["serialNumber"].encode())
            except OSError:
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def client(
    lab_pki: LabPki, signer: Callable[[bytes, int], bytes], version: ssl.TLSVersion
) -> ssl.SSLContext:
    context = lab_pki.client_context()
    context.maximum_version = version
    certificate = lab_pki.organisation.certificate
    openssl.use_certificate_der(context, certificate.public_bytes(serialization.Encoding.DER))
    numbers = certificate.public_key().public_numbers()  # type: ignore[union-attr]
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    openssl.attach_external_rsa_key(context, n, numbers.e.to_bytes(3, "big"), signer)
    return context


def handshake(context: ssl.SSLContext, port: int) -> bytes:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.recv(100)


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_a_correct_signer_authenticates(lab_pki: LabPki, version: ssl.TLSVersion) -> None:
    with server_requiring_a_client_certificate(lab_pki) as port:
        greeting = handshake(client(lab_pki, raw_signer(lab_pki), version), port)
        assert greeting == b"hello ORG-10B0000001-SECRETARIAT"  # the server saw our cert


@pytest.mark.parametrize(
    "bad",
    [
        lambda good: good + b"\x00" * 64,  # too long: would overflow OpenSSL's buffer
        lambda good: b"\x01" * 1_000_000,
        lambda good: None,
        lambda good: 1 / 0,
    ],
)
def test_a_misbehaving_signer_fails_the_handshake_cleanly(
    lab_pki: LabPki, bad: Callable[[bytes], object]
) -> None:
    good = raw_signer(lab_pki)

    def signer(data: bytes, padding: int) -> bytes:
        return bad(good(data, padding))  # type: ignore[return-value]

    with server_requiring_a_client_certificate(lab_pki) as port:
        for _ in range(3):  # and again: nothing was corrupted
            with pytest.raises((ssl.SSLError, ConnectionError)):
                handshake(client(lab_pki, signer, ssl.TLSVersion.TLSv1_2), port)
        assert handshake(client(lab_pki, good, ssl.TLSVersion.TLSv1_2), port).startswith(b"hello")
