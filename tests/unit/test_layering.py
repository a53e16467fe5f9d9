"""Only app/ui may import Qt: the engine must run headless, from the CLI and in tests."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
QT_MODULES = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "qtpy", "qtawesome")


def qt_imports(source: str) -> list[str]:
    """Qt modules imported anywhere in ``source`` (also inside functions)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in QT_MODULES]
    return found


def test_the_checker_sees_every_import_form() -> None:
    assert qt_imports("import PySide6.QtCore") == ["PySide6.QtCore"]
    assert qt_imports("def f():\n    from PySide6 import QtWidgets") == ["PySide6"]
    assert qt_imports("import importlib\nimportlib.import_module('shiboken6')") == ["shiboken6"]
    assert qt_imports("from . import PySide6\nimport json") == []


def test_no_qt_import_outside_app_ui() -> None:
    offenders = {
        str(path.relative_to(APP.parent)): imports
        for path in sorted(APP.rglob("*.py"))
        if "ui" not in path.relative_to(APP).parts[:1]
        and (imports := qt_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_command_line_runs_without_loading_qt() -> None:
    probe = (
        "import sys, app.cli.main as m; m.main(['info', '--json']); "
        f"loaded = [n for n in sys.modules if n.split('.')[0] in {QT_MODULES!r}]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, timeout=60)
