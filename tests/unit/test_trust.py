"""The shipped IGC-Santé trust anchors and trust-file loading."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from app.sandbox.pki import TestPki
from app.transport.trust import fingerprint, load_trust_file, shipped_trust_anchors

ROOT_FILE = "ACR-EL_AC-RACINE-IGC-SANTE-ELEMENTAIRE.pem"
INTERMEDIATE_FILE = "ACI-EL-ORG_AC-IGC-SANTE-ELEMENTAIRE-ORGANISATIONS.pem"

# From shared/trust/README.md (and app/resources/trust/README.md): change only after
# checking the official IGC-Santé chain.
EXPECTED_FINGERPRINTS = {
    "AC RACINE IGC-SANTE ELEMENTAIRE": (
        "2D:9E:22:CA:19:F7:77:C6:B7:45:25:7C:72:3E:CB:8D:"
        "F3:C3:5F:A6:F1:F6:EC:36:B8:36:00:C9:73:46:96:7F"
    ),
    "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS": (
        "D8:34:EE:5B:40:68:6B:73:57:3F:60:54:7B:F6:05:2C:"
        "6D:40:4D:94:2A:56:65:CD:B2:C0:B9:13:7B:5D:27:B2"
    ),
}

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _common_name(cert: x509.Certificate) -> str:
    value = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert isinstance(value, str)
    return value


def test_shipped_anchors_load_with_the_expected_fingerprints() -> None:
    anchors = shipped_trust_anchors()
    assert {_common_name(c): fingerprint(c) for c in anchors} == EXPECTED_FINGERPRINTS


def test_the_intermediate_is_signed_by_the_root() -> None:
    by_name = {_common_name(c): c for c in shipped_trust_anchors()}
    root = by_name["AC RACINE IGC-SANTE ELEMENTAIRE"]
    intermediate = by_name["AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"]
    root.verify_directly_issued_by(root)  # self-signed
    intermediate.verify_directly_issued_by(root)
    assert intermediate.subject != root.subject


def test_the_anchors_are_package_data() -> None:
    names = {entry.name for entry in resources.files("app.resources.trust").iterdir()}
    assert {ROOT_FILE, INTERMEDIATE_FILE, "README.md"} <= names
    package_data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    assert "resources/**/*" in package_data["app"]


def test_fingerprint_format() -> None:
    root = shipped_trust_anchors()[-1]
    text = fingerprint(root)
    parts = text.split(":")
    assert len(parts) == 32
    assert all(len(p) == 2 and p == p.upper() for p in parts)


def test_load_trust_file_reads_one_or_many_pem_certificates(tmp_path: Path) -> None:
    pki = TestPki()
    pem = serialization.Encoding.PEM
    single = tmp_path / "root.pem"
    single.write_bytes(pki.root.certificate.public_bytes(pem))
    assert load_trust_file(single) == [pki.root.certificate]

    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(
        b"some comment\n"
        + pki.root.certificate.public_bytes(pem)
        + pki.organisations.certificate.public_bytes(pem)
    )
    assert load_trust_file(bundle) == [pki.root.certificate, pki.organisations.certificate]

    der = tmp_path / "root.cer"
    der.write_bytes(pki.root.certificate.public_bytes(serialization.Encoding.DER))
    assert load_trust_file(der) == [pki.root.certificate]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a certificate\n",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ],
)
def test_load_trust_file_refuses_a_file_without_certificate(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "nothing.pem"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"nothing\.pem"):
        load_trust_file(path)
