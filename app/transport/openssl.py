"""A narrow ctypes binding to the OpenSSL that Python's ``ssl`` module itself uses.

What the standard library does not offer and Caducée needs:

- a client key that lives on a smart card: an RSA key whose private operation calls back
  into Python (``attach_external_rsa_key``), installed on the ``SSL_CTX`` behind an
  ``ssl.SSLContext`` so that imapclient and aiosmtplib use it unchanged;
- a software key and certificate chain given as bytes (PKCS#12 content), never written to
  disk (``use_private_key_der``, ``use_certificate_der``, ``add_chain_certificate_der``);
- restricting the client signature algorithms (cards that only do PKCS#1 v1.5);
- the verified server chain of a connection on Python < 3.13 (``verified_chain``), for
  revocation checks.

It must be the very same libssl/libcrypto as ``_ssl``: a pointer from another copy would be
undefined behaviour. On Linux and macOS the symbols are looked up through a handle on the
``_ssl`` extension itself (``dlsym`` searches its dependencies); on Windows in the DLLs next
to ``_ssl.pyd`` (where a frozen bundle puts them too). Every pointer taken from a Python object is
checked against what Python reports before it is used.
"""

from __future__ import annotations

import _ssl
import ctypes
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

c_void_p = ctypes.c_void_p
c_char_p = ctypes.c_char_p
c_int = ctypes.c_int
c_long = ctypes.c_long

RSA_PKCS1_PADDING = 1
RSA_NO_PADDING = 3
_RSA_FLAG_EXT_PKEY = 0x0020
_EVP_PKEY_RSA = 6
_SSL_CTRL_SET_CLIENT_SIGALGS_LIST = 102
_SSL_CTRL_CHAIN_CERT = 89

# int priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa, int padding)
_PRIV_ENC = ctypes.CFUNCTYPE(c_int, c_int, c_void_p, c_void_p, c_void_p, c_int)

RawSigner = Callable[[bytes, int], bytes]
"""(data, OpenSSL padding) -> signature. PKCS#1: data is a DigestInfo; none: a padded block."""


class OpenSslUnavailable(RuntimeError):
    """This Python's OpenSSL cannot be reached through ctypes (layout or library not found)."""


def _candidate_libraries() -> list[tuple[ctypes.CDLL, ctypes.CDLL]]:
    if sys.platform == "win32":
        # python.org's DLLs folder, and a frozen bundle alike, hold the DLLs beside _ssl.pyd.
        folder = Path(_ssl.__file__).parent
        crypto = sorted(folder.glob("libcrypto-3*.dll"))
        libssl = sorted(folder.glob("libssl-3*.dll"))
        if crypto and libssl:
            return [(ctypes.CDLL(str(crypto[0])), ctypes.CDLL(str(libssl[0])))]
        return []
    # The handle of _ssl itself: dlsym searches the libraries it was linked against, wherever
    # the loader found them (the system's, or those of a frozen bundle).
    handle = ctypes.CDLL(_ssl.__file__)
    return [(handle, handle)]


@dataclass
class _OpenSsl:
    crypto: ctypes.CDLL
    ssl: ctypes.CDLL
    lock: threading.Lock = field(default_factory=threading.Lock)

    def declare(self) -> None:
        crypto_functions: list[tuple[str, Any, list[Any]]] = [
            ("ERR_get_error", ctypes.c_ulong, []),
            ("ERR_error_string_n", None, [ctypes.c_ulong, c_char_p, ctypes.c_size_t]),
            ("RSA_new", c_void_p, []),
            ("RSA_free", None, [c_void_p]),
            ("BN_bin2bn", c_void_p, [c_char_p, c_int, c_void_p]),
            ("BN_free", None, [c_void_p]),
            ("RSA_set0_key", c_int, [c_void_p, c_void_p, c_void_p, c_void_p]),
            ("RSA_PKCS1_OpenSSL", c_void_p, []),
            ("RSA_meth_dup", c_void_p, [c_void_p]),
            ("RSA_meth_set1_name", c_int, [c_void_p, c_char_p]),
            ("RSA_meth_set_priv_enc", c_int, [c_void_p, _PRIV_ENC]),
            ("RSA_set_method", c_int, [c_void_p, c_void_p]),
            ("RSA_set_flags", None, [c_void_p, c_int]),
            ("EVP_PKEY_new", c_void_p, []),
            ("EVP_PKEY_assign", c_int, [c_void_p, c_int, c_void_p]),
            ("EVP_PKEY_free", None, [c_void_p]),
            ("d2i_X509", c_void_p, [c_void_p, ctypes.POINTER(c_char_p), c_long]),
            ("i2d_X509", c_int, [c_void_p, ctypes.POINTER(c_void_p)]),
            ("X509_free", None, [c_void_p]),
            ("d2i_AutoPrivateKey", c_void_p, [c_void_p, ctypes.POINTER(c_char_p), c_long]),
            ("OPENSSL_sk_num", c_int, [c_void_p]),
            ("OPENSSL_sk_value", c_void_p, [c_void_p, c_int]),
            ("CRYPTO_free", None, [c_void_p, c_char_p, c_int]),
        ]
        ssl_functions: list[tuple[str, Any, list[Any]]] = [
            ("SSL_CTX_get_options", ctypes.c_uint64, [c_void_p]),
            ("SSL_CTX_use_certificate", c_int, [c_void_p, c_void_p]),
            ("SSL_CTX_use_PrivateKey", c_int, [c_void_p, c_void_p]),
            ("SSL_CTX_check_private_key", c_int, [c_void_p]),
            ("SSL_CTX_ctrl", c_long, [c_void_p, c_int, c_long, c_void_p]),
            ("SSL_get_SSL_CTX", c_void_p, [c_void_p]),
            ("SSL_get0_verified_chain", c_void_p, [c_void_p]),
        ]
        for library, functions in ((self.crypto, crypto_functions), (self.ssl, ssl_functions)):
            for name, restype, argtypes in functions:
                function = getattr(library, name)
                function.restype = restype
                function.argtypes = argtypes

    def errors(self) -> str:
        messages = []
        while code := self.crypto.ERR_get_error():
            buffer = ctypes.create_string_buffer(256)
            self.crypto.ERR_error_string_n(code, buffer, len(buffer))
            messages.append(buffer.value.decode(errors="replace"))
        return "; ".join(messages) or "unknown OpenSSL error"


_library: _OpenSsl | None = None
_library_lock = threading.Lock()


def _openssl() -> _OpenSsl:
    global _library
    with _library_lock:
        if _library is None:
            problems = []
            for crypto, libssl in _candidate_libraries():
                candidate = _OpenSsl(crypto, libssl)
                try:
                    candidate.declare()
                except AttributeError as error:  # a symbol is missing: not this library
                    problems.append(str(error))
                    continue
                _library = candidate
                break
            else:
                raise OpenSslUnavailable(
                    "OpenSSL of the ssl module not found: "
                    + "; ".join(problems or ["no candidate library"])
                )
        return _library


def _pointer_after_head(obj: object) -> int:
    """The first pointer field after PyObject_HEAD of a C-level object."""
    value = c_void_p.from_address(id(obj) + object.__basicsize__).value
    if not value:
        raise OpenSslUnavailable("null pointer in ssl object")
    return value


def ssl_ctx_pointer(context: ssl.SSLContext) -> int:
    """``SSL_CTX*`` behind a Python SSLContext, checked against its options."""
    lib = _openssl()
    pointer = _pointer_after_head(context)
    if lib.ssl.SSL_CTX_get_options(pointer) != context.options:
        raise OpenSslUnavailable("unexpected ssl.SSLContext layout")
    return pointer


def use_certificate_der(context: ssl.SSLContext, der: bytes) -> None:
    lib = _openssl()
    pointer = ssl_ctx_pointer(context)
    x509 = _d2i_x509(lib, der)
    try:
        if lib.ssl.SSL_CTX_use_certificate(pointer, x509) != 1:
            raise ssl.SSLError(f"client certificate refused by OpenSSL: {lib.errors()}")
    finally:
        lib.crypto.X509_free(x509)


def add_chain_certificate_der(context: ssl.SSLContext, der: bytes) -> None:
    """Add an intermediate certificate sent after the client certificate."""
    lib = _openssl()
    pointer = ssl_ctx_pointer(context)
    x509 = _d2i_x509(lib, der)
    # SSL_CTX_add1_chain_cert: takes its own reference
    if lib.ssl.SSL_CTX_ctrl(pointer, _SSL_CTRL_CHAIN_CERT, 1, x509) != 1:
        lib.crypto.X509_free(x509)
        raise ssl.SSLError(f"chain certificate refused by OpenSSL: {lib.errors()}")
    lib.crypto.X509_free(x509)


def use_private_key_der(context: ssl.SSLContext, der: bytes) -> None:
    """Install a software private key (PKCS#8 or traditional DER) from memory."""
    lib = _openssl()
    pointer = ssl_ctx_pointer(context)
    buffer = c_char_p(der)
    pkey = lib.crypto.d2i_AutoPrivateKey(None, ctypes.byref(buffer), len(der))
    if not pkey:
        raise ssl.SSLError(f"private key not understood by OpenSSL: {lib.errors()}")
    try:
        _use_and_check(lib, pointer, pkey)
    finally:
        lib.crypto.EVP_PKEY_free(pkey)


def attach_external_rsa_key(
    context: ssl.SSLContext, modulus: bytes, exponent: bytes, signer: RawSigner
) -> None:
    """Install an RSA key whose private operation is ``signer`` (the card).

    The certificate must be installed first (``use_certificate_der``). The callback, the
    signer and the RSA method are pinned on the context object before OpenSSL can call
    them, and stay for the context's life (one small RSA_METHOD per context is never freed:
    the key, shared with the SSL_CTX, may use it until the very end).
    """
    lib = _openssl()
    pointer = ssl_ctx_pointer(context)
    size = len(modulus.lstrip(b"\0"))  # RSA_size(): OpenSSL's output buffer holds this much

    def private_encrypt(length: int, source: int, target: int, _rsa: int, padding: int) -> int:
        try:
            signature = signer(ctypes.string_at(source, length), padding)
            if not isinstance(signature, bytes) or not 0 < len(signature) <= size:
                return -1  # never write past OpenSSL's buffer
            ctypes.memmove(target, signature.rjust(size, b"\0"), size)  # leading zeros kept
            return size
        except BaseException:  # noqa: BLE001 - nothing may propagate into OpenSSL's C code
            return -1

    callback = _PRIV_ENC(private_encrypt)
    method = lib.crypto.RSA_meth_dup(lib.crypto.RSA_PKCS1_OpenSSL())
    if not method:
        raise ssl.SSLError(f"cannot create an RSA method: {lib.errors()}")
    keep: list[object] = context.__dict__.setdefault("_caducee_keep_alive", [])
    keep += [callback, method, signer]
    if (
        lib.crypto.RSA_meth_set1_name(method, b"caducee card key") != 1
        or lib.crypto.RSA_meth_set_priv_enc(method, callback) != 1
    ):
        raise ssl.SSLError(f"cannot set up the RSA method: {lib.errors()}")
    rsa = lib.crypto.RSA_new()
    n = lib.crypto.BN_bin2bn(modulus, len(modulus), None)
    e = lib.crypto.BN_bin2bn(exponent, len(exponent), None)
    if not (rsa and n and e and lib.crypto.RSA_set0_key(rsa, n, e, None) == 1):
        for number in (n, e):
            if number:
                lib.crypto.BN_free(number)
        if rsa:
            lib.crypto.RSA_free(rsa)
        raise ssl.SSLError(f"cannot build the card's public key: {lib.errors()}")
    lib.crypto.RSA_set_method(rsa, method)
    lib.crypto.RSA_set_flags(rsa, _RSA_FLAG_EXT_PKEY)
    pkey = lib.crypto.EVP_PKEY_new()
    if not pkey or lib.crypto.EVP_PKEY_assign(pkey, _EVP_PKEY_RSA, rsa) != 1:
        lib.crypto.RSA_free(rsa)
        if pkey:
            lib.crypto.EVP_PKEY_free(pkey)
        raise ssl.SSLError(f"cannot wrap the card's key: {lib.errors()}")
    try:  # pkey now owns rsa
        _use_and_check(lib, pointer, pkey)
    finally:
        lib.crypto.EVP_PKEY_free(pkey)  # the SSL_CTX holds its own reference


def restrict_client_signature_algorithms(context: ssl.SSLContext, algorithms: str) -> None:
    """e.g. ``RSA+SHA256:RSA+SHA384:RSA+SHA512`` for a card limited to PKCS#1 v1.5."""
    lib = _openssl()
    pointer = ssl_ctx_pointer(context)
    if (
        lib.ssl.SSL_CTX_ctrl(
            pointer, _SSL_CTRL_SET_CLIENT_SIGALGS_LIST, 0, c_char_p(algorithms.encode())
        )
        != 1
    ):
        raise ssl.SSLError(f"signature algorithms refused: {lib.errors()}")


def verified_chain(connection: ssl.SSLSocket | ssl.SSLObject) -> list[bytes]:
    """DER certificates of the verified server chain, leaf first (root last)."""
    native = getattr(connection, "get_verified_chain", None)  # Python >= 3.13
    if native is not None:
        return [bytes(der) if isinstance(der, bytes) else der.public_bytes() for der in native()]
    lib = _openssl()
    inner = connection._sslobj  # type: ignore[union-attr]
    if inner is None:
        raise OpenSslUnavailable("connection is closed")
    # _ssl._SSLSocket: PyObject_HEAD, PyObject *Socket, SSL *ssl
    ssl_pointer = c_void_p.from_address(
        id(inner) + object.__basicsize__ + ctypes.sizeof(c_void_p)
    ).value
    if not ssl_pointer or lib.ssl.SSL_get_SSL_CTX(ssl_pointer) != ssl_ctx_pointer(
        connection.context
    ):
        raise OpenSslUnavailable("unexpected ssl socket layout")
    stack = lib.ssl.SSL_get0_verified_chain(ssl_pointer)
    if not stack:
        return []
    chain = []
    for index in range(lib.crypto.OPENSSL_sk_num(stack)):
        certificate = lib.crypto.OPENSSL_sk_value(stack, index)
        out = c_void_p()
        size = lib.crypto.i2d_X509(certificate, ctypes.byref(out))
        if size <= 0:
            raise ssl.SSLError(f"cannot encode a chain certificate: {lib.errors()}")
        chain.append(ctypes.string_at(out, size))
        lib.crypto.CRYPTO_free(out, None, 0)
    return chain


def _d2i_x509(lib: _OpenSsl, der: bytes) -> int:
    buffer = c_char_p(der)
    x509: int | None = lib.crypto.d2i_X509(None, ctypes.byref(buffer), len(der))
    if not x509:
        raise ssl.SSLError(f"certificate not understood by OpenSSL: {lib.errors()}")
    return x509


def _use_and_check(lib: _OpenSsl, pointer: int, pkey: int) -> None:
    if lib.ssl.SSL_CTX_use_PrivateKey(pointer, pkey) != 1:
        raise ssl.SSLError(f"private key refused by OpenSSL: {lib.errors()}")
    if lib.ssl.SSL_CTX_check_private_key(pointer) != 1:
        raise ssl.SSLError(f"private key does not match the certificate: {lib.errors()}")
