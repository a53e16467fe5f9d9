"""Reading the public ``Extraction_Correspondance_MSSante`` file (notes §6.3).

The file is UTF-8, ``|``-separated, one header line, 31 columns in a published order. It
comes as a ZIP holding one ``Extraction_Correspondance_MSSante_AAAAMMJJhhmm.txt`` (the ANS
service) or as the bare text (the data.gouv.fr mirror). Rules:

- columns are taken **by position**; the header is only a hint (its names vary, e.g. the
  ``… structure BAL`` suffixes some readers expect): a header whose names differ is reported,
  not obeyed;
- a trailing ``|`` (a 32nd, empty field) is tolerated;
- a row without exactly 31 fields, without a usable address, with an unknown BAL type or
  that is not UTF-8 is skipped and counted;
- an address seen again (case-insensitive) is a duplicate: the first row wins, the others
  are counted;
- a last line without its newline means the file was cut: ``Rows.truncated``.

ZIP archives are read in memory-bounded streaming from the one expected member, never
extracted to disk under a name from the archive; size, ratio and entry limits guard
against ZIP bombs.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

from app.core.ziplimits import BoundedReader, TooBig, ratio_exceeded
from app.directory.errors import DirectoryFileError

COLUMNS = (
    "Type de BAL",
    "Adresse BAL",
    "Type Identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Type identifiant structure",
    "Identification Structure",
    "Service de rattachement",
    "Civilité d'exercice",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Catégorie profession",
    "Libellé de catégorie profession",
    "Code Profession",
    "Libellé Profession",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Dématérialisation",
    "Raison Sociale structure BAL",
    "Enseigne commerciale structure BAL",
    "L2COMPLEMENTLOCALISATION",
    "L3COMPLEMENTDISTRIBUTION",
    "L4NUMEROVOIE",
    "L4COMPLEMENTNUMEROVOIE",
    "NL4TYPEVOIE",
    "L4LIBELLEVOIE",
    "L5LIEUDITMENTION",
    "L6LIGNEACHEMINEMENT",
    "Code postal",
    "Département",
    "Pays",
)
FIELD_COUNT = len(COLUMNS)  # 31
BAL_TYPES = frozenset({"PER", "ORG", "APP", "CAB"})  # the file has PER/ORG; the IG more

# ZIP bomb guards: the real archive is ~20 MB holding ~89 MB of text (2026).
MAX_ZIP_BYTES = 300 * 1024 * 1024
MAX_TEXT_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 50  # uncompressed / compressed, for the member
MAX_ZIP_ENTRIES = 16
MAX_LINE_BYTES = 64 * 1024
_MEMBER = re.compile(r"Extraction_Correspondance_MSSante[\w.-]*\.txt", re.IGNORECASE)
_ADDRESS = re.compile(r"[^@\s|]+@[^@\s|]+\.[^@\s|]+")


class Entry(NamedTuple):
    """One mailbox of the file, its 31 fields by name (empty strings when absent); a tuple,
    so that rows go to SQLite as they are."""

    bal_type: str
    address: str
    id_pp_type: str
    id_pp: str
    id_nat: str
    structure_id_type: str
    structure_id: str
    service: str
    civility: str
    last_name: str
    first_name: str
    category_code: str
    category: str
    profession_code: str
    profession: str
    specialty_code: str
    specialty: str
    dematerialisation: str
    organisation: str
    trade_name: str
    l2_location: str
    l3_distribution: str
    street_number: str
    street_number_complement: str
    street_type: str
    street_name: str
    l5_place: str
    l6_city_line: str
    postcode: str
    department: str
    country: str

    @property
    def street(self) -> str:
        parts = (self.street_number, self.street_number_complement, self.street_type)
        return " ".join(p for p in (*parts, self.street_name) if p)

    @property
    def city(self) -> str:
        return city_of(self.l6_city_line)

    @property
    def display_name(self) -> str:
        if self.last_name or self.first_name:
            return " ".join(p for p in (self.first_name, self.last_name) if p)
        return self.organisation or self.trade_name or self.service or self.address


@dataclass
class Rows:
    """What reading a file found, filled in while iterating ``Extraction.entries``."""

    lines: int = 0
    header: bool = False
    header_warning: str | None = None
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)  # first few, for the report
    duplicates: int = 0
    truncated: bool = False


def city_of(l6_line: str) -> str:
    """The city from the L6 address line ("75011 PARIS" -> "PARIS")."""
    line = l6_line.strip()
    head, _, rest = line.partition(" ")
    return rest.strip() if head.isdigit() and rest else line


def normalise(text: str) -> str:
    """Lowercase, accents removed: the same folding as FTS5 ``remove_diacritics 2``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _header_key(name: str) -> str:
    key = normalise(name).strip()
    return key.removesuffix(" structure bal").replace("'", " ").replace("’", " ")


_EXPECTED_HEADER = [_header_key(c) for c in COLUMNS]


class Extraction:
    """An opened extraction file (ZIP or text); ``entries()`` streams its rows once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.member_name = path.name
        self.rows = Rows()
        self._zip: zipfile.ZipFile | None = None
        self._stream: IO[bytes] | None = None

    def __enter__(self) -> Extraction:
        try:
            self._stream = self._open()
        except OSError as error:
            raise DirectoryFileError(
                f"cannot open {self.path.name}: {error.strerror}",
                user_message=f"Impossible d'ouvrir le fichier {self.path} ({error.strerror}).",
            ) from error
        return self

    def __exit__(self, *_: object) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._zip is not None:
            self._zip.close()

    def _open(self) -> IO[bytes]:
        raw = self.path.open("rb")
        magic = raw.read(4)
        raw.seek(0)
        if magic != b"PK\x03\x04":
            return raw
        size = self.path.stat().st_size
        if size > MAX_ZIP_BYTES:
            raw.close()
            raise _refused(f"archive of {size} bytes", "archive trop volumineuse")
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, EOFError) as error:
            raw.close()
            raise _refused(f"bad zip: {error}", "archive ZIP illisible ou incomplète") from error
        self._zip = archive
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _refused(f"{len(infos)} zip entries", "archive avec trop de fichiers")
        members = [i for i in infos if not i.is_dir() and _MEMBER.fullmatch(i.filename)]
        if len(members) != 1:
            raise _refused(
                f"{len(members)} matching zip members",
                "l'archive ne contient pas un et un seul fichier "
                "Extraction_Correspondance_MSSante….txt",
            )
        member = members[0]
        if member.file_size > MAX_TEXT_BYTES or ratio_exceeded(
            member.file_size, member.compress_size, MAX_RATIO
        ):
            raise _refused(
                f"member {member.file_size} bytes from {member.compress_size}",
                "taille décompressée anormale (archive piégée ?)",
            )
        self.member_name = member.filename
        # Read from the archive in memory, never extracted under the archive's names; the
        # declared size bounds what zipfile returns, and BoundedReader checks it again.
        return io.BufferedReader(BoundedReader(archive.open(member), member.file_size), 1 << 20)

    def entries(self) -> Iterator[Entry]:
        """Valid, first-seen entries; counts go to ``self.rows``."""
        if self._stream is None:
            raise RuntimeError("use Extraction as a context manager")
        rows = self.rows
        seen: set[str] = set()
        first = True
        try:
            for line_bytes in _lines(self._stream):
                rows.lines += 1
                if line_bytes is None:  # longer than any real row
                    self._malformed(rows.lines)
                    continue
                if not line_bytes.endswith(b"\n"):
                    rows.truncated = True  # the last line was cut: never trust it
                    self._malformed(rows.lines)
                    break
                fields = _fields(line_bytes)
                if first:
                    first = False
                    if fields is not None and _looks_like_header(fields):
                        rows.header = True
                        rows.header_warning = _header_warning(fields)
                        continue
                if fields is None or not _valid(fields):
                    self._malformed(rows.lines)
                    continue
                key = fields[1].lower()
                if key in seen:
                    rows.duplicates += 1
                    continue
                seen.add(key)
                yield Entry._make(fields)
        except (zipfile.BadZipFile, EOFError, TooBig) as error:  # CRC, cut archive, bomb
            raise _refused(f"zip read: {error}", "archive corrompue ou incomplète") from error

    def _malformed(self, line: int) -> None:
        self.rows.malformed += 1
        if len(self.rows.malformed_lines) < 10:
            self.rows.malformed_lines.append(line)


def _lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """The lines of ``stream``, None for one longer than MAX_LINE_BYTES (memory bounded)."""
    while line := stream.readline(MAX_LINE_BYTES + 1):
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
            pass  # skip the rest of an overlong line
        yield None


def _fields(line_bytes: bytes) -> list[str] | None:
    try:
        line = line_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return None
    line = line.rstrip("\r\n").removeprefix("\ufeff")
    fields = line.split("|")
    if len(fields) == FIELD_COUNT + 1 and fields[-1] == "":
        fields.pop()  # a trailing separator
    if len(fields) != FIELD_COUNT:
        return None
    return [f.strip() for f in fields]


def _valid(fields: list[str]) -> bool:
    return fields[0] in BAL_TYPES and _ADDRESS.fullmatch(fields[1]) is not None


def _looks_like_header(fields: list[str]) -> bool:
    return _header_key(fields[1]) == "adresse bal" or _header_key(fields[0]) == "type de bal"


def _header_warning(fields: list[str]) -> str | None:
    differing = [i + 1 for i, name in enumerate(fields) if _header_key(name) != _EXPECTED_HEADER[i]]
    if not differing:
        return None
    shown = ", ".join(str(i) for i in differing[:5])
    return (
        f"en-tête inattendu (colonnes {shown}) : colonnes lues dans l'ordre publié, "
        "vérifiez le fichier"
    )


def _refused(detail: str, reason: str) -> DirectoryFileError:
    return DirectoryFileError(detail, user_message=f"Fichier d'annuaire refusé : {reason}.")
