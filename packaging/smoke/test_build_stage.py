"""packaging/build.py without PyInstaller: the checks on a profile and what it stages."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.core.edition import find_edition, load_edition
from app.transport.trust import load_trust_file

_spec = importlib.util.spec_from_file_location(
    "caducee_build", Path(__file__).resolve().parents[1] / "build.py"
)
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)  # packaging/build.py ("build" is also on PyPI)
_spec.loader.exec_module(build)

EXAMPLE = Path(__file__).resolve().parents[1] / "operators" / "exemple-sante.toml"


def _certificate_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC TEST OPERATEUR")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _operator(tmp_path: Path, anchor: bytes) -> Path:
    folder = tmp_path / "op"
    (folder / "trust").mkdir(parents=True)
    shutil.copy(EXAMPLE.with_suffix(".png"), folder / "exemple-sante.png")
    (folder / "trust" / "ac-op.pem").write_bytes(anchor)
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "anchors = []", 'anchors = ["trust/ac-op.pem"]'
    )
    (folder / "op.toml").write_text(text, encoding="utf-8")
    return folder / "op.toml"


def test_the_stage_holds_what_the_app_reads(tmp_path: Path) -> None:
    profile = _operator(tmp_path, _certificate_pem())
    edition = load_edition(profile)
    build.check(edition)
    stage = tmp_path / "stage"
    build.stage(profile, edition, stage)
    embedded = find_edition(stage)  # as the app finds it below app/resources
    assert embedded is not None
    assert embedded.name == "Exemple Santé"
    assert embedded.logo_path is not None and embedded.logo_path.is_file()
    (anchor,) = sorted((stage / "trust").glob("*.pem"))
    assert anchor.name == "operateur-exemple-sante-1-ac-op.pem"  # beside the IGC-Santé ones
    assert load_trust_file(anchor)[0].subject.rfc4514_string() == "CN=AC TEST OPERATEUR"


def test_a_profile_with_an_unusable_anchor_or_logo_is_refused(tmp_path: Path) -> None:
    edition = load_edition(_operator(tmp_path, b"not a certificate"))
    with pytest.raises(build.BuildError, match="Ancre de confiance inutilisable"):
        build.check(edition)
    (tmp_path / "op" / "exemple-sante.png").unlink()
    with pytest.raises(build.BuildError, match="Logo introuvable"):
        build.check(edition)


def test_a_bad_server_address_is_refused_before_building(tmp_path: Path) -> None:
    path = tmp_path / "op.toml"
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("imaps://", "ftp://"), encoding="utf-8"
    )
    with pytest.raises(build.BuildError):
        build.check(load_edition(path))
    assert build.main(["--operator", str(tmp_path / "absent.toml")]) == 1


def test_installer_defines(tmp_path: Path) -> None:
    target = tmp_path / "caducee-edition.iss"
    build.write_installer_defines(load_edition(EXAMPLE), target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf#define AppVersion ")
    assert '#define AppTitle "Caducée — édition Exemple Santé"\r\n' in data.decode("utf-8")
    assert b"\r\r" not in data
