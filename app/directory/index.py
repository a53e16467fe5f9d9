"""The offline MSSanté directory: an SQLite file of its own (``directory.sqlite3``) with an
FTS5 index, built from the extraction file and replaced whole.

Import (``build_index``): rows go into a new file next to the current one
(``directory.sqlite3.building``), which is committed, fsynced and renamed over the current
one (``os.replace``, atomic), then the directory entry is fsynced. A failed, refused or
killed import leaves the current index untouched; a leftover ``.building`` file is removed
by the next import (one import at a time per profile is assumed).

Refused unless ``force``: a file whose last line is cut, and a file with fewer than half
the entries of the current index (a truncated download, a wrong file).

Search (``DirectoryIndex.search``): every word must match the beginning of a word of the
name, first name, profession, specialty, organisation, service, city, postcode,
department, street or mail address, in any order, ignoring case and accents (FTS5
``unicode61 remove_diacritics 2``, as the mail store). Ranking: an exact name (last name,
first + last name in any order, or organisation name) first, then bm25 weighted towards
names, then alphabetical.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.core.private import fsync_file, private_database
from app.directory.errors import DirectoryFileError, DirectoryMissingError
from app.directory.extraction import Entry, Extraction, Rows, city_of, normalise

FILE_NAME = "directory.sqlite3"
SCHEMA_VERSION = "1"
_BATCH = 5000
_WORD = re.compile(r"\w+", re.UNICODE)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    bal_type TEXT NOT NULL, address TEXT NOT NULL, id_pp_type TEXT, id_pp TEXT, id_nat TEXT,
    structure_id_type TEXT, structure_id TEXT, service TEXT, civility TEXT,
    last_name TEXT, first_name TEXT, category_code TEXT, category TEXT,
    profession_code TEXT, profession TEXT, specialty_code TEXT, specialty TEXT,
    dematerialisation TEXT, organisation TEXT, trade_name TEXT,
    l2_location TEXT, l3_distribution TEXT, street_number TEXT,
    street_number_complement TEXT, street_type TEXT, street_name TEXT, l5_place TEXT,
    l6_city_line TEXT, postcode TEXT, department TEXT, country TEXT
);
-- exact names: normalised words, sorted: last name, first + last name, organisation
CREATE TABLE names (key TEXT NOT NULL, entry INTEGER NOT NULL);
CREATE VIRTUAL TABLE search USING fts5 (
    name, profession, organisation, place, mail, tags,
    content = '', detail = column,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""
_INDEXES = """
CREATE INDEX entries_by_id_pp ON entries (id_pp);
CREATE INDEX entries_by_id_nat ON entries (id_nat);
CREATE INDEX entries_by_address ON entries (address COLLATE NOCASE);
CREATE INDEX names_by_key ON names (key);
"""
_ENTRY_FIELDS = Entry._fields
_WEIGHTS = "10.0, 2.0, 4.0, 1.0, 3.0, 0.0"  # name, profession, organisation, place, mail
# A query matching more rows than this ranks only the first CANDIDATES of them (file order)
# after the exact name matches: bm25 over 300,000 rows costs ~150 ms, over 1,000 < 1 ms.
CANDIDATES = 1000


@dataclass(frozen=True)
class ImportReport:
    entries: int
    lines: int
    malformed: int
    malformed_lines: list[int]
    duplicates: int
    header_warning: str | None
    previous_entries: int | None
    seconds: float
    source: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def french(self) -> str:
        lines = [
            f"Annuaire importé : {self.entries} adresses MSSanté "
            f"({self.lines} lignes lues en {self.seconds:.1f} s, fichier {self.source})."
        ]
        if self.malformed:
            shown = ", ".join(str(n) for n in self.malformed_lines)
            lines.append(f"{self.malformed} ligne(s) mal formée(s) ignorée(s) (lignes {shown}…).")
        if self.duplicates:
            lines.append(f"{self.duplicates} doublon(s) d'adresse ignoré(s).")
        if self.header_warning:
            lines.append(f"Attention : {self.header_warning}.")
        if self.previous_entries is not None:
            lines.append(f"L'index précédent comptait {self.previous_entries} adresses.")
        return "\n".join(lines)


@dataclass(frozen=True)
class Mailbox:
    """One result: the useful fields of an entry."""

    address: str
    bal_type: str
    display_name: str
    civility: str
    last_name: str
    first_name: str
    id_pp_type: str
    id_pp: str
    id_nat: str
    profession: str
    profession_code: str
    specialty: str
    category: str
    organisation: str
    service: str
    street: str
    postcode: str
    city: str
    department: str
    structure_id: str
    # Given by the FHIR API only (the mailbox's metadata); empty in the offline index
    description: str = ""
    responsible: str = ""
    phone: str = ""
    dematerialisation: str = ""  # "O" accepted, "N" refused

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def index_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


@functools.lru_cache(maxsize=65536)  # names, cities and labels repeat a lot
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(normalise(text)))


@functools.lru_cache(maxsize=65536)
def _key(text: str) -> str:
    return " ".join(sorted(_words(text)))


@functools.lru_cache(maxsize=4096)
def _tag(value: str) -> str:
    return normalise(value).replace(" ", "")


def _names(entry: Entry) -> set[str]:
    keys = {_key(entry.last_name), _key(f"{entry.first_name} {entry.last_name}")}
    keys.update(_key(o) for o in (entry.organisation, entry.trade_name, entry.service) if o)
    keys.discard("")
    return keys


# The search rows, made by SQLite from the entries once they are all in: no Python string
# work and no parameter binding per row (measured: 600k rows import 15-25 % faster than
# building the tuples in Python). Empty fields only add spaces, which the tokenizer skips;
# tags are codes (ASCII), lowercased like ``_tag`` and the tokenizer would.
_FILL_SEARCH = """
INSERT INTO search (rowid, name, profession, organisation, place, mail, tags)
SELECT id,
    last_name || ' ' || first_name,
    profession || ' ' || specialty,
    organisation || ' ' || trade_name || ' ' || service,
    street_type || ' ' || street_name || ' ' || l2_location || ' ' || l3_distribution || ' '
        || l5_place || ' ' || l6_city_line || ' ' || department,
    address,
    't' || bal_type || ' d' || lower(replace(department, ' ', ''))
        || ' p' || lower(replace(profession_code, ' ', ''))
FROM entries
"""


def build_index(
    source: Path,
    data_dir: Path,
    *,
    force: bool = False,
    meta: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Build a new index from ``source`` and put it in place of the current one."""
    started = time.monotonic()
    target = index_path(data_dir)
    building = target.with_name(FILE_NAME + ".building")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for leftover in (building, building.with_name(building.name + "-journal")):
        leftover.unlink(missing_ok=True)  # a killed import's file
    previous = _count_entries(target)
    private_database(building)
    db = sqlite3.connect(building, isolation_level=None)
    try:
        db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
            "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;"
        )
        db.executescript(_SCHEMA)
        # Bulk load: no incremental merging of FTS segments, one 'optimize' at the end.
        db.execute("INSERT INTO search (search, rank) VALUES ('automerge', 0)")
        db.execute("INSERT INTO search (search, rank) VALUES ('crisismerge', 64)")
        db.execute("BEGIN")
        with Extraction(source) as extraction:
            count = _fill(db, extraction.entries(), progress)
            rows = extraction.rows
            member = extraction.member_name
        _check(rows, count, previous, force)
        db.execute(_FILL_SEARCH)
        for statement in filter(str.strip, _INDEXES.split(";")):
            db.execute(statement)
        db.execute("INSERT INTO search (search) VALUES ('optimize')")
        facts = {
            "schema": SCHEMA_VERSION,
            "source_name": member,
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "entries": str(count),
            "malformed": str(rows.malformed),
            "duplicates": str(rows.duplicates),
            **(meta or {}),
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", facts.items())
        db.execute("COMMIT")
        db.close()
        fsync_file(building)
        building.replace(target)
        _fsync_dir(data_dir)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.close()
        building.unlink(missing_ok=True)
        raise
    return ImportReport(
        entries=count,
        lines=rows.lines,
        malformed=rows.malformed,
        malformed_lines=rows.malformed_lines,
        duplicates=rows.duplicates,
        header_warning=rows.header_warning,
        previous_entries=previous,
        seconds=time.monotonic() - started,
        source=member,
    )


def _fill(
    db: sqlite3.Connection, entries: Iterator[Entry], progress: Callable[[int], None] | None
) -> int:
    """Insert ``entries`` and their exact names, in batches, in this thread.

    A writer thread overlapping SQLite with the parsing was tried and removed: SQLite
    releases the GIL for each row's step and must take it back to bind the next row,
    waiting for the parsing thread's switch interval; measured on 600k rows, one thread
    imports 15 % faster (4 interleaved pairs, all in favour)."""
    placeholders = ", ".join("?" * len(_ENTRY_FIELDS))
    insert_entry = f"INSERT INTO entries VALUES (NULL, {placeholders})"  # noqa: S608

    def write(batch: _Batch) -> None:
        db.executemany(insert_entry, batch.entries)
        db.executemany("INSERT INTO names VALUES (?, ?)", batch.names)

    count = 0
    batch = _Batch()
    for entry in entries:
        count += 1
        batch.entries.append(entry)
        batch.names.extend((k, count) for k in _names(entry))
        if len(batch.entries) >= _BATCH:
            write(batch)
            batch = _Batch()
            if progress is not None:
                progress(count)
    if batch.entries:
        write(batch)
    return count


@dataclass
class _Batch:
    entries: list[Entry] = field(default_factory=list)
    names: list[tuple[str, int]] = field(default_factory=list)


def _check(rows: Rows, count: int, previous: int | None, force: bool) -> None:
    if force:
        return
    if rows.truncated:
        raise DirectoryFileError(
            "last line incomplete",
            user_message="Fichier d'annuaire refusé : sa dernière ligne est incomplète "
            "(fichier tronqué ?). L'annuaire actuel est conservé ; relancez avec --force "
            "pour l'importer quand même.",
        )
    if count == 0:
        raise DirectoryFileError(
            "no entries",
            user_message="Fichier d'annuaire refusé : aucune adresse MSSanté valide trouvée.",
        )
    if previous is not None and count * 2 < previous:
        raise DirectoryFileError(
            f"{count} entries against {previous}",
            user_message=f"Fichier d'annuaire refusé : {count} adresses seulement, contre "
            f"{previous} dans l'annuaire actuel (fichier tronqué ?). L'annuaire actuel est "
            "conservé ; relancez avec --force pour l'importer quand même.",
        )


def _count_entries(path: Path) -> int | None:
    if not path.exists():
        return None
    try:
        with contextlib.closing(_connect_ro(path)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'entries'").fetchone()
    except sqlite3.Error:
        return None  # a damaged index: any new one is better
    return int(row[0]) if row else None


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return  # Windows has no directory fsync; MoveFileEx is durable enough there
    fsync_file(directory)


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def fts_query(text: str) -> str | None:
    """User words -> an FTS5 query: every word must match, each as a prefix."""
    words = _WORD.findall(text)
    return " ".join(f'"{word}"*' for word in words) if words else None


_RESULT_COLUMNS = (
    "address, bal_type, civility, last_name, first_name, id_pp_type, id_pp, id_nat, "
    "profession, profession_code, specialty, category, organisation, trade_name, service, "
    "street_number, street_number_complement, street_type, street_name, postcode, "
    "l6_city_line, department, structure_id"
)


class DirectoryIndex:
    """Read-only access to the installed index (one per thread, like sqlite3)."""

    def __init__(self, data_dir: Path) -> None:
        path = index_path(data_dir)
        if not path.exists():
            raise DirectoryMissingError(f"{path} missing")
        try:
            self._db = _connect_ro(path)
            self.meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as error:
            raise DirectoryMissingError(
                f"{path}: {error}",
                user_message="L'annuaire hors ligne est illisible. Réimportez-le avec "
                "« caducee directory update --force ».",
            ) from error

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> DirectoryIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def entry_count(self) -> int:
        return int(self.meta.get("entries", "0"))

    def search(
        self,
        text: str,
        *,
        profession: str | None = None,
        department: str | None = None,
        bal_type: str | None = None,
        limit: int | None = 50,
    ) -> list[Mailbox]:
        """Exact name matches first, then the others by bm25 (see the module docstring)."""
        words = _WORD.findall(text)
        filters: list[str] = []  # FTS5 terms: filters are part of the full-text query
        if profession:
            if profession.strip().isdigit():
                filters.append(f'tags : "p{_tag(profession)}"')
            else:
                filters += [f'profession : "{w}"*' for w in _WORD.findall(profession)]
        if department:
            code = _tag(department.strip())
            filters.append(f'tags : "d{code.zfill(2) if code.isdigit() else code}"')
        if bal_type:
            filters.append(f'tags : "t{_tag(bal_type)}"')
        if not words and not filters:
            return []
        # Whole words first: FTS5 streams a term's rows and stops at LIMIT, whereas a prefix
        # query merges every matching term's full list first (~100 ms for "medecin"*).
        whole = " AND ".join([*(f'"{w}"' for w in words), *filters])
        match = " AND ".join([*(f'"{w}"*' for w in words), *filters])
        found: list[Mailbox] = []
        seen: set[str] = set()
        if words:
            has_filters = bool(filters)
            exact = self._db.execute(
                # file order (the key's index), so that a frequent name stops at ``limit``
                f"SELECT {_RESULT_COLUMNS} FROM names n JOIN entries e ON e.id = n.entry "  # noqa: S608
                "WHERE n.key = ? LIMIT ?",
                [_key(text), -1 if limit is None or has_filters else limit],
            )
            for row in exact:
                mailbox = _mailbox(row)
                if mailbox.address in seen or (
                    has_filters and not _passes(mailbox, profession, department, bal_type)
                ):
                    continue
                seen.add(mailbox.address)
                found.append(mailbox)
        if limit is not None and len(found) >= limit:
            return found[:limit]
        for query in (whole, match) if words else (match,):
            ranked = self._db.execute(
                f"SELECT {_RESULT_COLUMNS} FROM "  # noqa: S608
                f"(SELECT rowid AS id, bm25(search, {_WEIGHTS}) AS score FROM search "
                "WHERE search MATCH ? LIMIT ?) AS s JOIN entries e ON e.id = s.id "
                "ORDER BY s.score, e.last_name, e.first_name, e.address",
                [query, CANDIDATES],
            )
            for row in ranked:
                if row[0] in seen:
                    continue
                seen.add(row[0])
                found.append(_mailbox(row))
                if limit is not None and len(found) >= limit:
                    return found
        return found

    def whoami(self, rpps: str) -> list[Mailbox]:
        """The mailboxes of the person with this RPPS (11 digits) or national id (IDNPS,
        e.g. ``8`` + RPPS, or ``0`` + ADELI)."""
        value = rpps.strip()
        candidates = {value}
        if len(value) == 11 and value.isdigit():
            candidates.add("8" + value)
        if len(value) == 12 and value.startswith("8"):
            candidates.add(value[1:])
        marks = ", ".join("?" * len(candidates))
        sql = (
            f"SELECT {_RESULT_COLUMNS} FROM entries e "  # noqa: S608
            f"WHERE e.id_nat IN ({marks}) OR e.id_pp IN ({marks}) ORDER BY e.address"
        )
        rows = self._db.execute(sql, [*candidates, *candidates])
        return [_mailbox(row) for row in rows]

    def lookup(self, address: str) -> Mailbox | None:
        row = self._db.execute(
            f"SELECT {_RESULT_COLUMNS} FROM entries e "  # noqa: S608
            "WHERE e.address = ? COLLATE NOCASE",
            [address.strip()],
        ).fetchone()
        return _mailbox(row) if row else None


def _passes(
    mailbox: Mailbox, profession: str | None, department: str | None, bal_type: str | None
) -> bool:
    """The search filters, in Python, for the few exact-name rows."""
    if bal_type and mailbox.bal_type != bal_type.strip().upper():
        return False
    if department:
        code = department.strip().upper()
        if (code.zfill(2) if code.isdigit() else code) != mailbox.department.upper():
            return False
    if profession:
        if profession.strip().isdigit():
            return mailbox.profession_code == profession.strip()
        label = _words(f"{mailbox.profession} {mailbox.specialty} {mailbox.category}")
        return all(any(w.startswith(p) for w in label) for p in _words(profession))
    return True


def _mailbox(row: tuple[Any, ...]) -> Mailbox:
    (
        address, bal_type, civility, last_name, first_name, id_pp_type, id_pp, id_nat,
        profession, profession_code, specialty, category, organisation, trade_name, service,
        number, complement, street_type, street_name, postcode, city_line, department,
        structure_id,
    ) = row  # fmt: skip
    if last_name or first_name:
        display = " ".join(p for p in (first_name, last_name) if p)
    else:
        display = organisation or trade_name or service or address
    return Mailbox(
        address=address,
        bal_type=bal_type,
        display_name=display,
        civility=civility,
        last_name=last_name,
        first_name=first_name,
        id_pp_type=id_pp_type,
        id_pp=id_pp,
        id_nat=id_nat,
        profession=profession,
        profession_code=profession_code,
        specialty=specialty,
        category=category,
        organisation=organisation or trade_name,
        service=service,
        street=" ".join(p for p in (number, complement, street_type, street_name) if p),
        postcode=postcode,
        city=city_of(city_line),
        department=department,
        structure_id=structure_id,
    )
