"""The command line speaks French everywhere, and ``--profile-dir`` may follow any command."""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import re
from pathlib import Path

import pytest

from app.cli.main import build_parser, main
from app.cli.parser import MESSAGES, PLURAL_MESSAGES, CaduceeParser, command_parsers

# What argparse says in English (lower case); none may reach the user.
ENGLISH = (
    "usage:",
    "error:",
    "warning:",
    "unrecognized argument",
    "invalid choice",
    "choose from",
    "maybe you meant",
    "unknown parser",
    "the following arguments",
    "is required",
    "are required",
    "expected one",
    "expected at",
    "argument expected",
    "arguments expected",
    "expected 2",
    "invalid int",
    "int value",
    "ambiguous option",
    "could match",
    "not allowed with",
    "ignored explicit",
    "one of the arguments",
    "positional arguments",
    "show this help",
    "show program",
    "subcommands",
    "(default:",
    "deprecated",
)


def assert_french(text: str) -> None:
    lowered = text.lower()
    left = [fragment for fragment in ENGLISH if fragment in lowered]
    assert not left, f"English left in: {text!r}"
    # argparse's English "argument --limit: …" (French typography puts a space before ":").
    assert not re.search(r"argument \S+:", text), text


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_french(captured.err)
    return captured.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["info", "--bogus"], "caducee : erreur : arguments non reconnus : --bogus"),
        (["info", "--json", "en trop"], "arguments non reconnus : en trop"),
        (
            ["n-existe-pas"],
            "caducee : erreur : argument COMMANDE : choix invalide : 'n-existe-pas'",
        ),
        (["directory", "search", "x", "--type", "XYZ"], "argument --type : choix invalide : 'XYZ'"),
        (["card", "n-existe-pas"], "argument ACTION : choix invalide : 'n-existe-pas'"),
        (
            ["account", "remove"],
            "caducee account remove : erreur : "
            "les arguments suivants sont obligatoires : --address",
        ),
        (["directory"], "les arguments suivants sont obligatoires : ACTION"),
        (["--profile-dir"], "caducee : erreur : argument --profile-dir : une valeur attendue"),
        (["info", "--profile-dir"], "argument --profile-dir : une valeur attendue"),
        (
            ["directory", "search", "x", "--limit", "abc"],
            "argument --limit : valeur invalide (nombre entier attendu) : 'abc'",
        ),
        (["file", "--undo", "un"], "argument --undo : valeur invalide (nombre entier attendu)"),
        (["directory", "search", "x", "--pro", "y"], "option ambiguë : --pro peut désigner"),
        (
            ["mark", "1", "--read", "--unread"],
            "argument --unread : incompatible avec l'argument --read",
        ),
        (["patients", "import"], "l'un des arguments --csv --folders --export est obligatoire"),
        (
            ["info", "--json=oui"],
            "argument --json : cette option ne prend pas de valeur ('oui' donné)",
        ),
        (
            ["patients", "add", "--birth-date", "hier"],
            "argument --birth-date : date attendue au format AAAA-MM-JJ",
        ),
    ],
)
def test_usage_errors_are_in_french(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = usage_error(argv, capsys)
    assert expected in err
    assert err.startswith("Utilisation : caducee")


def test_choices_are_listed_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(["directory", "search", "x", "--type", "XYZ"], capsys)
    assert "(choisir parmi " in err and "PER" in err and "ORG" in err


def test_counted_values_are_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    # No caducee option takes several values yet: a parser of the same class shows them.
    parser = CaduceeParser(prog="essai")
    parser.add_argument("--noms", nargs="+")
    parser.add_argument("--paire", nargs=2)
    parser.add_argument("--une", nargs=1)
    parser.add_argument("--version", action="version", version="essai 1")
    assert re.search(r"--version\s+afficher la version et quitter", parser.format_help())
    for argv, expected in [
        (["--noms"], "essai : erreur : argument --noms : au moins une valeur attendue"),
        (["--paire", "a"], "argument --paire : 2 valeurs attendues"),
        (["--une"], "argument --une : 1 valeur attendue"),
    ]:
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(argv)
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert expected in err
        assert_french(err)


def test_every_help_is_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    for parser in command_parsers(build_parser()):
        text = parser.format_help()
        assert text.startswith(f"Utilisation : {parser.prog}"), text
        assert "afficher cette aide et quitter" in text
        assert "--profile-dir DIR" in text
        assert_french(text)
    with pytest.raises(SystemExit) as exit_:
        main(["directory", "search", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "arguments:" in out and "options:" in out and "{PER,ORG,APP,CAB}" in out
    assert_french(out)


def test_every_message_argparse_makes_has_a_french_wording() -> None:
    """argparse's message ids of the running Python: a new one fails here, not in front of
    a user."""
    missing = []
    for node in ast.walk(ast.parse(inspect.getsource(argparse))):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "ngettext")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            continue
        message = node.args[0].value
        known = set(PLURAL_MESSAGES) if node.func.id == "ngettext" else set(MESSAGES)
        if message not in known:
            missing.append(message)
    assert missing == []


# --profile-dir before and after the command.


def _info_profile(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    data: str = json.loads(capsys.readouterr().out)["profile"]["data"]
    return data


def test_profile_dir_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = tmp_path.resolve()  # as Profile resolves it
    before, after = tmp_path / "avant", tmp_path / "apres"
    assert _info_profile(["--profile-dir", str(before), "info", "--json"], capsys) == str(before)
    assert _info_profile(["info", "--profile-dir", str(after), "--json"], capsys) == str(after)
    assert _info_profile(["info", "--json", "--profile-dir", str(after)], capsys) == str(after)
    # Given in both places, the one after the command wins.
    both = ["--profile-dir", str(before), "info", "--json", "--profile-dir", str(after)]
    assert _info_profile(both, capsys) == str(after)


def test_profile_dir_after_the_command_wins_over_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path.resolve()  # as Profile resolves it
    monkeypatch.setenv("CADUCEE_PROFILE_DIR", str(tmp_path / "env"))
    assert _info_profile(["info", "--json"], capsys) == str(tmp_path / "env")
    chosen = tmp_path / "choisi"
    assert _info_profile(["info", "--json", "--profile-dir", str(chosen)], capsys) == str(chosen)


@pytest.mark.parametrize(
    "argv",
    [
        ["account", "list", "--profile-dir", "{dir}"],
        ["account", "--profile-dir", "{dir}", "list"],
        ["--profile-dir", "{other}", "account", "list", "--profile-dir", "{dir}"],
        ["--profile-dir", "{other}", "account", "--profile-dir", "{dir}", "list"],
    ],
)
def test_nested_command_writes_to_the_profile_dir_given_last(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chosen, other = tmp_path / "choisi", tmp_path / "autre"
    argv = [a.format(dir=chosen, other=other) for a in argv]
    assert main(argv) == 0
    assert "Aucun compte" in capsys.readouterr().out
    assert any(chosen.iterdir())  # the account store was created there
    assert not other.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--profile-dir", "X"],
        ["--profile-dir", "X", "demo"],
        ["card", "info", "--profile-dir", "X"],
        ["card", "--profile-dir", "X", "info"],
        ["directory", "search", "foo", "--profile-dir", "X"],
        [
            "--profile-dir",
            "Y",
            "directory",
            "--profile-dir",
            "Z",
            "search",
            "--profile-dir",
            "X",
            "a",
        ],
        ["patients", "import", "--folders", "--profile-dir", "X"],
    ],
)
def test_profile_dir_is_accepted_at_any_depth(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).profile_dir == "X"


def test_without_profile_dir_the_value_is_none() -> None:
    assert build_parser().parse_args(["card", "info"]).profile_dir is None
