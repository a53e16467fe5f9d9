"""The operator's edition: the profile an installer embeds (app.core.edition), and its uses."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import __version__
from app.cli.main import main
from app.core import edition as edition_module
from app.core.edition import Edition, EditionError, find_edition, load_edition, parse_edition
from app.core.paths import Profile
from app.ops.discovery import operator_profiles
from app.transport.autoconfig import OperatorProfileError, discover
from app.transport.endpoints import Endpoint, Protocol, Security

EXAMPLE = Path(__file__).resolve().parents[2] / "packaging" / "operators" / "exemple-sante.toml"

MINIMAL = """\
schema = 1
[operator]
id = "op"
name = "Opérateur"
domains = ["op.fr"]
imap = "imaps://imap.op.fr:993"
"""


@pytest.fixture
def embedded() -> Iterator[list[Edition | None]]:
    """Stands for the edition the installer embeds; restores "read it again" afterwards."""
    saved = list(edition_module._embedded)
    edition_module._embedded[:] = [None]
    yield edition_module._embedded
    edition_module._embedded[:] = saved


def test_the_example_operator_is_a_valid_profile() -> None:
    edition = load_edition(EXAMPLE)
    assert edition.id == "exemple-sante"
    assert edition.name == "Exemple Santé"
    assert edition.title == "Caducée — édition Exemple Santé"
    assert edition.domains == ("exemple-sante.fr",)
    assert edition.imap == "imaps://imap.exemple-sante.fr:993"
    assert edition.primary_color == "#0b5ea8"
    assert edition.logo_path == EXAMPLE.parent / "exemple-sante.png"
    assert edition.logo_path.read_bytes().startswith(b"\x89PNG")


def test_a_source_checkout_has_no_embedded_edition() -> None:
    assert find_edition(Path(edition_module.__file__).parents[1] / "resources") is None


def test_an_embedded_edition_is_found_below_the_resources(tmp_path: Path) -> None:
    folder = tmp_path / "operator"
    folder.mkdir()
    (folder / "operator.toml").write_text(MINIMAL, encoding="utf-8")
    found = find_edition(tmp_path)
    assert found is not None
    assert (found.name, found.folder) == ("Opérateur", folder)


def test_a_broken_embedded_edition_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "operator").mkdir()
    (tmp_path / "operator" / "operator.toml").write_text("schema = 1\n[operator\n")
    assert find_edition(tmp_path) is None
    assert "embedded operator profile ignored" in caplog.text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"schema": 2}, "« schema = 1 » est attendu"),
        ({"extra": 1}, "clé(s) inconnue(s) : extra"),
        ({"operator.colour": "x"}, "[operator] : clé(s) inconnue(s) : colour"),
        ({"operator.id": "Op Santé"}, "« id » : lettres minuscules"),
        ({"operator.name": " "}, "« name » (texte) est obligatoire"),
        ({"operator.domains": []}, "« domains » (liste de domaines) est obligatoire"),
        ({"operator.imap": None}, "« imap » (texte) est obligatoire"),
        ({"operator.autoconfig_url": "http://op.fr/x"}, "« autoconfig_url » doit être"),
        ({"trust.anchors": "a.pem"}, "« anchors » doit être une liste"),
        ({"trust.anchors": ["../a.pem"]}, "chemin relatif au profil"),
        ({"trust.anchors": ["/etc/a.pem"]}, "chemin relatif au profil"),
        ({"branding.logo": "C:\\logo.png"}, "chemin relatif au profil"),
        ({"branding.primary_color": "blue"}, "couleur #rrvvbb"),
        ({"directory.extraction_url": "ftp://x"}, "« extraction_url » doit être"),
        ({"branding": "x"}, "[branding] doit être une table"),
    ],
)
def test_bad_profiles_get_a_french_error(change: dict[str, object], expected: str) -> None:
    data: dict[str, object] = {
        "schema": 1,
        "operator": {"id": "op", "name": "Op", "domains": ["op.fr"], "imap": "imaps://i.op.fr"},
        "trust": {},
        "branding": {},
        "directory": {},
    }
    for key, value in change.items():
        section, _, name = key.partition(".")
        if name:
            table = data[section]
            assert isinstance(table, dict)
            if value is None:
                del table[name]
            else:
                table[name] = value
        else:
            data[section] = value
    with pytest.raises(EditionError) as error:
        parse_edition(data, "op.toml")
    assert expected in str(error.value)
    assert str(error.value).startswith("op.toml")


def test_a_file_that_is_not_toml_gets_a_french_error(tmp_path: Path) -> None:
    path = tmp_path / "op.toml"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(EditionError, match="Profil d'opérateur illisible"):
        load_edition(path)


def test_the_edition_is_the_first_operator_profile(tmp_path: Path) -> None:
    profile = Profile.from_dir(tmp_path)
    (tmp_path / "operators.toml").write_text(
        '[[operator]]\nname = "Autre"\ndomains = ["exemple-sante.fr"]\n'
        'imap = "imap+starttls://autre.example:143"\n',
        encoding="utf-8",
    )
    first, second = operator_profiles(profile, load_edition(EXAMPLE))
    assert first.name == "Exemple Santé"
    assert second.name == "Autre"
    # The same domain in both: the first profile, the installer's, wins, without any lookup.
    found = discover(
        "dr.martin@medecin.exemple-sante.fr",
        profiles=[first, second],
        resolver=_NoLookup(),
        fetch=_NoLookup(),
    )
    assert found is not None
    assert found.imap == Endpoint(Protocol.IMAP, Security.IMPLICIT, "imap.exemple-sante.fr", 993)
    assert found.smtp == Endpoint(Protocol.SMTP, Security.IMPLICIT, "smtp.exemple-sante.fr", 465)
    assert found.source == "profil opérateur « Exemple Santé »"


def test_the_embedded_edition_is_used_by_default(
    tmp_path: Path, embedded: list[Edition | None]
) -> None:
    profile = Profile.from_dir(tmp_path)
    assert operator_profiles(profile) == []
    embedded[0] = load_edition(EXAMPLE)
    assert [found.name for found in operator_profiles(profile)] == ["Exemple Santé"]


def test_an_edition_with_a_bad_server_address_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = parse_edition(
        {
            "schema": 1,
            "operator": {"id": "op", "name": "Op", "domains": ["op.fr"], "imap": "ftp://x"},
        },
        "op.toml",
    )
    assert operator_profiles(Profile.from_dir(tmp_path), broken) == []
    assert "operator profile ignored" in caplog.text
    with pytest.raises(OperatorProfileError):
        from app.ops.discovery import edition_profile

        edition_profile(broken)


def test_version_names_the_edition(
    embedded: list[Edition | None], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    embedded[0] = load_edition(EXAMPLE)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"caducee {__version__} — édition Exemple Santé"
    assert main(["--profile-dir", str(tmp_path), "info"]) == 0
    assert "Édition : Exemple Santé" in capsys.readouterr().out


def test_embedded_edition_reads_the_installed_resources(
    embedded: list[Edition | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the installer does: the profile and its logo copied into app/resources/operator."""
    resources = tmp_path / "resources"
    (resources / "operator").mkdir(parents=True)
    shutil.copy(EXAMPLE, resources / "operator" / "operator.toml")
    shutil.copy(EXAMPLE.with_suffix(".png"), resources / "operator")
    monkeypatch.setattr(edition_module.resources, "files", lambda _package: resources)
    embedded.clear()
    found = edition_module.embedded_edition()
    assert found is not None
    assert found.logo_path == resources / "operator" / "exemple-sante.png"
    assert found.logo_path.is_file()
    assert edition_module.embedded_edition() is found  # read once


class _NoLookup:
    def srv(self, name: str) -> list[object]:
        raise AssertionError(f"unexpected DNS lookup {name}")

    def __call__(self, *args: object, **kwargs: object) -> bytes:
        raise AssertionError("unexpected autoconfig fetch")
