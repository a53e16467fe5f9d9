"""Hostile mail in the reader and in filing (issue 16, item 4): times, before and after.

The reader's work off the GUI thread (read, parse, bound, sanitise) and the GUI thread's
(Qt showing the result, laid out in full and painted) for HTML nested 20,000 / 50,000 /
200,000 levels deep and 24 nested tables; a 1 MB message with 10,000 parts in
``caducee file --auto`` (a process), in the "À classer" scan and in the reader; then the
largest markup of each kind that the bounds still render as HTML, to show that what they
let through is shown quickly.

Each figure comes from a child process, stopped after ``--timeout`` seconds (printed as
"> N s"). ``--before DIR`` also measures another checkout of the code, for instance the
commit before the bounds:

    git archive 3c5ed2d | (mkdir -p /tmp/before && tar -x -C /tmp/before)
    .venv/bin/python bench/hostile_mail.py --before /tmp/before [--timeout 120] [--json F]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "hostile_data.py"


def _data() -> ModuleType:
    """bench/hostile_data.py of this tree, whatever code tree is measured."""
    spec = importlib.util.spec_from_file_location("hostile_data", DATA)
    if spec is None or spec.loader is None:
        raise ImportError(DATA)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the messages ----------------------------------------------------------------------------

MESSAGES: dict[str, Callable[[ModuleType], bytes]] = {
    "HTML nested 20,000 deep": lambda d: d.html_message(d.nested_html(20_000), "x", "d20k"),
    "HTML nested 50,000 deep": lambda d: d.html_message(d.nested_html(50_000), "x", "d50k"),
    "HTML nested 200,000 deep": lambda d: d.html_message(d.nested_html(200_000), "x", "d200k"),
    "24 nested tables (1 KB)": lambda d: d.html_message(d.nested_tables(24), "x", "t24"),
    "plain text, one 1 MB word": lambda d: d.text_message(f"{d.FIRST_WORDS} " + "A" * 1_000_000),
    "10,000 parts (1.2 MB)": lambda d: d.many_parts_message(10_000),
}


# Within the bounds: markup of each kind, as large as the bounds still render as HTML
def _lists(n: int) -> str:
    return ("<ul><li>" * 128 + "x" + "</li></ul>" * 128) * n


def _tables(n: int) -> str:
    return ("<table><tr><td>" * 12 + "x" + "</td></tr></table>" * 12) * n


def _tables8(n: int) -> str:
    return ("<table><tr><td>a</td><td>" * 8 + "x" + "</td></tr></table>" * 8) * n


def _rows(n: int) -> str:
    cells = "".join(f"<td>{c}</td>" for c in ("Hémoglobine", "13,2", "g/dL", "12-16", "N"))
    return "<table border=1>" + f"<tr>{cells}</tr>" * n + "</table>"


def _text(n: int) -> str:
    return "<p>Le patient va bien, la créatinine est normale.</p>" * n


def _inline(n: int) -> str:
    return "<p>" + "<b>gras</b> " * n + "</p>"


def _words(n: int) -> str:
    return ("<p>" + "A" * 5000 + "</p>") * n


def _nbsp(n: int) -> str:
    return "<p>" + "a&nbsp;" * n + "</p>"


WITHIN: dict[str, Callable[[int], str]] = {
    "lists 256 deep, repeated": _lists,
    "12 nested tables, repeated": _tables,
    "8 nested tables of 2 cells, repeated": _tables8,
    "one table, rows of 5 cells": _rows,
    "paragraphs of text": _text,
    "inline elements in one paragraph": _inline,
    "5,000-character words": _words,
    "words joined by &nbsp;": _nbsp,
}


# -- child processes: one measure each, in the code tree given ------------------------------


class _Blobs:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def get(self, _digest: str) -> bytes:
        return self.raw


def _reader_work(raw: bytes) -> tuple[Callable[[Any], None], dict[str, Any]]:
    """The reader's work in the thread pool; returns how to show it, and what it found."""
    from app.ui import reader

    if hasattr(reader, "load"):  # after: bounded, one parse
        loaded = reader.load(_Blobs(raw), 1, "x")  # type: ignore[arg-type]
        found = {"shown": "HTML" if loaded.html else "text", "notice": loaded.too_complex}
        return (lambda widget: widget._loaded(loaded)), found
    # before: the reader's _Load.run of the earlier code
    from app.store.html_body import html_body
    from app.store.mime import parse_message
    from app.ui.html_view import sanitise

    parsed = parse_message(raw)
    markup = html_body(raw) if parsed.has_html else None
    clean = sanitise(markup) if markup else None
    found = {"shown": "HTML" if clean else "text", "notice": False}
    return (lambda widget: widget._loaded(1, raw, parsed, clean)), found


def _show(how: Callable[[Any], None]) -> float:
    """Seconds of GUI-thread work to show it: the reader's slot, the full layout, a paint."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.ui.reader import Reader

    app = QApplication.instance() or QApplication([])
    widget = Reader(None, Path(tempfile.gettempdir()))  # type: ignore[arg-type]
    widget.resize(900, 700)
    widget.show()
    app.processEvents()
    widget.current = 1
    started = time.perf_counter()
    how(widget)
    app.processEvents()
    widget.body.document().size()  # the whole layout, not only what is visible
    widget.grab()
    return time.perf_counter() - started


def child_reader(name: str) -> dict[str, Any]:
    raw = MESSAGES[name](_data())
    started = time.perf_counter()
    _how, found = _reader_work(raw)
    return {"seconds": time.perf_counter() - started, **found}


def child_render(name: str) -> dict[str, Any]:
    how, found = _reader_work(MESSAGES[name](_data()))
    return {"seconds": _show(how), **found}


def child_within(kind: str) -> dict[str, Any]:
    """The largest n whose markup the bounds render as HTML (doubling, then bisection)."""
    from app.store.html_body import readable_html

    make = WITHIN[kind]
    low, high = 0, 1
    while readable_html(make(high)) is not None:
        low, high = high, high * 2
    while high - low > max(1, low // 100):
        middle = (low + high) // 2
        low, high = (middle, high) if readable_html(make(middle)) is not None else (low, middle)
    raw = _data().html_message(make(low), "x", "within")
    started = time.perf_counter()
    how, found = _reader_work(raw)
    pool = time.perf_counter() - started
    return {"n": low, "chars": len(make(low)), "pool": pool, "seconds": _show(how), **found}


def child_file(workdir: str) -> dict[str, Any]:
    """``caducee file --auto`` on the 10,000-part message, a process of the code measured."""
    from app.store.db import Store

    profile, root = Path(workdir) / "profile", Path(workdir) / "Patients"
    root.mkdir()
    store = Store.open(profile)
    _data().put_message(store, _data().many_parts_message(10_000))
    store.close()
    command = [sys.executable, "-m", "app", "--profile-dir", str(profile), "file",
               "--patients-dir", str(root), "--message-id", "many-parts@labo-biotest.test",
               "--auto", "--json"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    result = json.loads(done.stdout)
    return {"seconds": seconds, "status": result["status"], "documents": len(result["documents"])}


def child_scan(workdir: str) -> dict[str, Any]:
    """The "À classer" scan (the window's, in its pool thread) with the message to file."""
    from app.filing.pending import pending_documents
    from app.filing.service import Filing
    from app.store.db import Store

    data, root = Path(workdir) / "data", Path(workdir) / "Patients"
    root.mkdir()
    store = Store.open(data)
    _data().put_message(store, _data().many_parts_message(10_000))
    store.close()
    started = time.perf_counter()
    store = Store.open(data)  # as app/ui/filing_queue.py's _scan does
    filing = Filing.open(data, root, store)
    found = pending_documents(store, filing)
    filing.close()
    store.close()
    return {"seconds": time.perf_counter() - started, "documents": len(found)}


CHILDREN: dict[str, Callable[[str], dict[str, Any]]] = {
    "reader": child_reader,
    "render": child_render,
    "within": child_within,
    "file": child_file,
    "scan": child_scan,
}


# -- the parent -------------------------------------------------------------------------------


def measure(code: Path, kind: str, argument: str, timeout: float) -> dict[str, Any]:
    """One child process running ``kind`` with the code in ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code), "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryDirectory(prefix="caducee-hostile-") as workdir:
        if kind in ("file", "scan"):
            argument = workdir
        command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, argument]
        try:
            done = subprocess.run(  # noqa: S603 - this script
                command, cwd=code, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return {"timeout": timeout}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def seconds(result: dict[str, Any] | None, key: str = "seconds") -> str:
    if result is None:
        return ""
    if "timeout" in result:
        return f"> {result['timeout']:.0f}"
    if "error" in result:
        return f"error: {result['error']}"
    return f"{result[key]:.2f}"


def shown(result: dict[str, Any] | None) -> str:
    if not result or "shown" not in result:
        return ""
    return result["shown"] + (" + notice" if result.get("notice") else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout of the code, measured too")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per measure")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--only", action="append", help="only the messages whose name has this text"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, argument = args.child
        sys.path.insert(0, str(Path.cwd()))  # the code measured (cwd), before this tree
        print(json.dumps(CHILDREN[kind](argument)))
        return 0
    trees = {"after": ROOT}
    if args.before:
        trees = {"before": args.before.resolve(), **trees}
    for tree in trees.values():  # an installed Caducée runs from bytecode (bench/caducee.py)
        compileall.compile_dir(tree / "app", quiet=1)
    figures: dict[str, dict[str, dict[str, Any]]] = {}

    def run(row: str, kind: str, argument: str) -> dict[str, dict[str, Any]]:
        results = {
            name: measure(tree, kind, argument, args.timeout) for name, tree in trees.items()
        }
        figures[row] = results
        print(f"  {row}: " + ", ".join(f"{n} {seconds(r)}" for n, r in results.items()),
              file=sys.stderr)  # fmt: skip
        return results

    names = list(trees)

    def row(*cells: str) -> None:
        print("| " + " | ".join(cells) + " |")

    print(f"Hostile mail (per measure: a child process, stopped after {args.timeout:.0f} s)\n")
    row("message", *(f"reader, pool s ({n})" for n in names),
        *(f"GUI thread s ({n})" for n in names), "shown (after)")  # fmt: skip
    print("|---|" + "---:|" * (2 * len(names)) + "---|")
    for name in MESSAGES:
        if args.only and not any(part in name for part in args.only):
            continue
        pool = run(f"{name}: reader", "reader", name)
        gui = run(f"{name}: GUI", "render", name)
        row(name, *(seconds(pool[n]) for n in names), *(seconds(gui[n]) for n in names),
            shown(pool["after"]))  # fmt: skip

    if args.only:
        return 0
    print()
    row("10,000 parts (1.2 MB)", *(f"{n} s" for n in names), "detail")
    print("|---|" + "---:|" * len(names) + "---|")
    filed = run("caducee file --auto", "file", "")
    done = filed["after"]
    row("`caducee file --auto` (a process)", *(seconds(filed[n]) for n in names),
        f"{done.get('documents', '?')} documents, {done.get('status', '?')}")  # fmt: skip
    scanned = run("À classer scan", "scan", "")
    row('"À classer" scan', *(seconds(scanned[n]) for n in names),
        f"{scanned['after'].get('documents', '?')} documents listed")  # fmt: skip

    print("\nWithin the bounds (after): the largest markup of each kind still shown as HTML")
    print("| markup | n | characters | reader, pool s | GUI thread s |")
    print("|---|---:|---:|---:|---:|")
    for kind in WITHIN:
        result = measure(ROOT, "within", kind, args.timeout)
        figures[f"within: {kind}"] = {"after": result}
        if "n" in result:
            row(kind, f"{result['n']:,}", f"{result['chars']:,}", f"{result['pool']:.2f}",
                f"{result['seconds']:.2f}")  # fmt: skip
        else:
            row(kind, "", "", seconds(result), "")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
