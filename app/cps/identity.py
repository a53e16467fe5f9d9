"""Which certificate of a CPS card authenticates, and whom the card belongs to.

A personal CPS card holds two key pairs, each with its certificate: one for authentication
(TLS client authentication) and one for signature (non-repudiation). The ``CKA_ID`` / label
conventions seen on cards (last byte 0x20 authentication, 0x10 signature) are not reliable,
so the role is decided here from the certificate's key usage and extended key usage only.

``parse_holder`` reads the health professional's identity from the certificate subject. It
accepts every subject shape seen on IGC-Santé and older IGC-CPS2ter certificates (national
id in ``serialNumber`` or at the start of the CN, names in SN / GN or only in the CN,
profession as a label or a numeric code...) and never raises on a well-formed certificate:
what cannot be read is left as ``None``, and the raw subject is always kept.

Plain Python and ``cryptography`` only: no Qt, no PKCS#11.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import Enum
from typing import Literal, NamedTuple, TypeVar

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "PROFESSION_LABELS",
    "CertificateRole",
    "Holder",
    "IdType",
    "certificate_role",
    "parse_holder",
    "pick_authentication_certificate",
]

# -- certificate role --------------------------------------------------------------------------


class CertificateRole(Enum):
    AUTHENTICATION = "authentication"  # TLS client authentication
    SIGNATURE = "signature"  # document signature (non-repudiation)
    OTHER = "other"  # CA certificates, encipherment-only, no usable key usage...


# Purposes that, alone, mark a certificate as meant for something other than authenticating
# its holder.
_NON_CLIENT_PURPOSES = frozenset(
    {
        ExtendedKeyUsageOID.CODE_SIGNING,
        ExtendedKeyUsageOID.TIME_STAMPING,
        ExtendedKeyUsageOID.OCSP_SIGNING,
        ExtendedKeyUsageOID.SERVER_AUTH,
    }
)

_E = TypeVar("_E", bound=x509.ExtensionType)


def _extension(extensions: x509.Extensions, kind: type[_E]) -> _E | None:
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def certificate_role(cert: x509.Certificate) -> CertificateRole:
    """Classify a certificate from its key usage and extended key usage only.

    - a CA certificate (basicConstraints CA, or keyCertSign / cRLSign) is OTHER;
    - extendedKeyUsage clientAuth is AUTHENTICATION, unless a key usage is present that
      forbids signing with the key (TLS client authentication signs the handshake);
    - keyUsage contentCommitment (nonRepudiation) without digitalSignature is SIGNATURE;
    - keyUsage digitalSignature without contentCommitment is AUTHENTICATION, unless an
      extendedKeyUsage restricts the key to code signing, time stamping, OCSP signing or
      server authentication;
    - anything else is OTHER.
    """
    try:
        extensions = cert.extensions
    except ValueError:  # duplicate or unparsable extension: nothing can be trusted
        return CertificateRole.OTHER
    constraints = _extension(extensions, x509.BasicConstraints)
    usage = _extension(extensions, x509.KeyUsage)
    extended = _extension(extensions, x509.ExtendedKeyUsage)

    if constraints is not None and constraints.ca:
        return CertificateRole.OTHER
    if usage is not None and (usage.key_cert_sign or usage.crl_sign):
        return CertificateRole.OTHER

    purposes = set(extended) if extended is not None else None
    can_sign = usage is None or usage.digital_signature or usage.key_agreement
    if purposes is not None and ExtendedKeyUsageOID.CLIENT_AUTH in purposes and can_sign:
        return CertificateRole.AUTHENTICATION
    if usage is None:
        return CertificateRole.OTHER
    if usage.content_commitment and not usage.digital_signature:
        return CertificateRole.SIGNATURE
    meant_for_other_things = (
        purposes is not None
        and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in purposes
        and purposes <= _NON_CLIENT_PURPOSES
    )
    if usage.digital_signature and not usage.content_commitment and not meant_for_other_things:
        return CertificateRole.AUTHENTICATION
    return CertificateRole.OTHER


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def pick_authentication_certificate(
    certs: Iterable[x509.Certificate], now: datetime | None = None
) -> x509.Certificate | None:
    """The authentication certificate among ``certs`` (e.g. every certificate of a card).

    Currently valid certificates come before the others (expired or not yet valid), then the
    latest ``notAfter`` wins; on a full tie the first one given is kept. ``now`` defaults to
    the current time; a naive ``now`` is taken as UTC. None when no certificate is an
    authentication one.
    """
    moment = _as_utc(now) if now is not None else datetime.now(UTC)
    candidates = [c for c in certs if certificate_role(c) is CertificateRole.AUTHENTICATION]
    if not candidates:
        return None

    def rank(cert: x509.Certificate) -> tuple[bool, datetime]:
        not_after = cert.not_valid_after_utc
        return (cert.not_valid_before_utc <= moment <= not_after, not_after)

    return max(candidates, key=rank)


# -- profession codes --------------------------------------------------------------------------

# CPS profession codes (nomenclature of health professions) -> label. User-visible data.
PROFESSION_LABELS: dict[str, str] = {
    "10": "Médecin",
    "21": "Pharmacien",
    "26": "Audioprothésiste",
    "28": "Opticien-lunetier",
    "40": "Chirurgien-dentiste",
    "50": "Sage-femme",
    "60": "Infirmier",
    "70": "Masseur-kinésithérapeute",
    "80": "Pédicure-podologue",
    "81": "Orthoprothésiste",
    "82": "Podo-orthésiste",
    "83": "Orthopédiste-orthésiste",
    "84": "Oculariste",
    "85": "Épithésiste",
    "86": "Technicien de laboratoire médical",
    "91": "Orthophoniste",
    "92": "Orthoptiste",
    "94": "Ergothérapeute",
    "95": "Diététicien",
    "96": "Psychomotricien",
    "98": "Manipulateur ERM",
}

# Other spellings met in titles (feminine forms, short forms), recognised for the code only.
_PROFESSION_ALIASES: dict[str, str] = {
    "Pharmacienne": "21",
    "Opticienne-lunetière": "28",
    "Opticien": "28",
    "Opticienne": "28",
    "Chirurgienne-dentiste": "40",
    "Dentiste": "40",
    "Maïeuticien": "50",
    "Infirmière": "60",
    "Masseuse-kinésithérapeute": "70",
    "Kinésithérapeute": "70",
    "Technicienne de laboratoire médical": "86",
    "Diététicienne": "95",
    "Psychomotricienne": "96",
    "Manipulatrice ERM": "98",
    "Manipulateur d'électroradiologie médicale": "98",
    "Manipulatrice d'électroradiologie médicale": "98",
}


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key for comparing labels."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


_CODE_BY_LABEL: dict[str, str] = {
    **{_fold(label): code for code, label in PROFESSION_LABELS.items()},
    **{_fold(label): code for label, code in _PROFESSION_ALIASES.items()},
}

_CODE_ONLY = re.compile(r"(\d{1,3})")
_LABEL_THEN_BRACKETED_CODE = re.compile(r"(.*?)\s*[(\[]\s*(\d{1,3})\s*[)\]]")
_CODE_THEN_LABEL = re.compile(r"(\d{1,3})\s*[-–—:/)]?\s*(\D.*)")
_LABEL_THEN_CODE = re.compile(r"(.*?\D)\s*[-–—:/]\s*(\d{1,3})")


def _profession(title: str) -> tuple[str | None, str | None]:
    """(label, code) from a title: "Médecin", "10", "Médecin (10)", "10 - Médecin"..."""
    label: str | None
    code: str | None
    if match := _CODE_ONLY.fullmatch(title):
        label, code = None, match[1]
    elif match := _LABEL_THEN_BRACKETED_CODE.fullmatch(title):
        label, code = match[1], match[2]
    elif match := _CODE_THEN_LABEL.fullmatch(title):
        code, label = match[1], match[2]
    elif match := _LABEL_THEN_CODE.fullmatch(title):
        label, code = match[1], match[2]
    else:
        label, code = title, None
    if label is not None:
        label = label.strip(" -–—:/()[]") or None
    if label is not None and not any(c.isalpha() for c in label):
        label = None
    if code is not None:
        code = str(int(code))
    elif label is not None:
        code = _CODE_BY_LABEL.get(_fold(label))
    if label is None and code is not None:
        label = PROFESSION_LABELS.get(code)
    return label, code


# -- subject values ----------------------------------------------------------------------------


class _Attribute(NamedTuple):
    oid: str  # dotted
    value: str  # text, or the hexadecimal DER of a non-string value
    text: bool


_Rdn = list[_Attribute]


class _Name(NamedTuple):
    rdns: list[_Rdn]
    rfc4514: str


_CN = NameOID.COMMON_NAME.dotted_string
_SN = NameOID.SURNAME.dotted_string
_GN = NameOID.GIVEN_NAME.dotted_string
_SERIAL = NameOID.SERIAL_NUMBER.dotted_string
_TITLE = NameOID.TITLE.dotted_string
_O = NameOID.ORGANIZATION_NAME.dotted_string
_OU = NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string


def _repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Latin-1 / Windows-1252 ("MÃ©decin")."""
    if text.isascii():
        return text
    for codec in ("latin-1", "cp1252"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


def _clean(value: str) -> str | None:
    """Normalised text of a subject value, None when nothing readable is left."""
    text = unicodedata.normalize("NFC", _repair_mojibake(value))
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in text)
    text = " ".join(text.split())
    return text or None


def _values(rdns: Sequence[_Rdn], oid: str) -> list[str]:
    """Every readable value of ``oid``, in subject order."""
    values = (_clean(a.value) for rdn in rdns for a in rdn if a.oid == oid and a.text)
    return [v for v in values if v is not None]


# -- national identifier -----------------------------------------------------------------------

IdType = Literal["RPPS", "ADELI", "AUTRE"]

_ID_HEAD = re.compile(r"[0-9][0-9A-Z]{4,}")
_ID_TAIL = re.compile(r"[0-9A-Z]*[0-9][0-9A-Z]*")
_RPPS_ID = re.compile(r"8([0-9]{11})")
_ADELI_ID = re.compile(r"0([0-9A-Z]{8,10})")


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


def _as_id(text: str) -> str | None:
    """The identifier ``text`` holds, normalised, or None if it does not look like one.

    An identifier starts with a digit and is alphanumeric; structure staff ids may add
    "/"-separated parts ("3" + FINESS + "/" + internal id).
    """
    parts = [_compact(p) for p in text.split("/")]
    if not _ID_HEAD.fullmatch(parts[0]) or not all(_ID_TAIL.fullmatch(p) for p in parts[1:]):
        return None
    return "/".join(parts)


def _id_type(id_nat: str) -> tuple[IdType, str | None, str | None]:
    """(type, RPPS, ADELI) of a national identifier."""
    if match := _RPPS_ID.fullmatch(id_nat):
        return "RPPS", match[1], None
    if match := _ADELI_ID.fullmatch(id_nat):
        return "ADELI", None, match[1]
    return "AUTRE", None, None


def _split_common_name(common_name: str) -> tuple[str | None, str | None]:
    """(identifier, name part) of a CN: "810001234567/Alice MARTIN", "810001234567"...

    The identifier comes first; a lone one at the end ("Alice MARTIN/810001234567") is
    accepted too.
    """
    parts = common_name.split("/")
    head = _as_id(parts[0])
    if head is None:
        tail = _as_id(parts[-1]) if len(parts) > 1 else None
        if tail is None:
            return None, common_name
        return tail, " ".join("/".join(parts[:-1]).split()) or None
    count = 1
    if _id_type(head)[0] == "AUTRE":  # structure staff: "3" + FINESS + "/" + internal id
        while count < len(parts) and _ID_TAIL.fullmatch(_compact(parts[count])):
            count += 1
    identifier = "/".join([head, *(_compact(p) for p in parts[1:count])])
    rest = " ".join("/".join(parts[count:]).split())
    return identifier, rest or None


# Name parts of a CN that say what the card is, not who holds it ("899700042424/CPS").
_CARD_MARKERS = frozenset({"CPS", "CPE", "CPA", "CPF", "CDE", "CDA", "CPX", "CPS3", "CPS4"})
_CIVILITIES = frozenset({"dr", "pr", "docteur", "professeur", "m", "mr", "mme", "mlle"})
_INITIAL = re.compile(r"\w\.")


def _person_name(common_name: str | None) -> str | None:
    """The holder's name in a CN, None when the CN names no person."""
    if common_name is None:
        return None
    _identifier, name = _split_common_name(common_name)
    if name is None or name.upper().replace(" ", "") in _CARD_MARKERS:
        return None
    return name


def _is_surname_token(token: str) -> bool:
    """Surnames are written in capitals on CPS certificates; initials ("J.") are given names."""
    if _INITIAL.fullmatch(token):
        return False
    return token == token.upper() and token != token.lower()


def _name_tokens(name: str) -> list[str]:
    tokens = name.split()
    while len(tokens) > 1 and _fold(tokens[0]) in _CIVILITIES:
        tokens = tokens[1:]
    return tokens


def _split_person_name(name: str | None) -> tuple[str | None, str | None]:
    """(surname, given name) from "Alice MARTIN", "MARTIN Alice", "Jean-Pierre DE LA FONTAINE".

    The words in capitals form the surname and must be together at the start or the end;
    anything ambiguous ("ALICE MARTIN", "Alice Martin") gives (None, None).
    """
    if name is None:
        return None, None
    tokens = _name_tokens(name)
    flags = [_is_surname_token(t) for t in tokens]
    if len(tokens) == 1 and flags[0]:
        return tokens[0], None
    if all(flags) or not any(flags):
        return None, None
    first = flags.index(True)
    last = len(flags) - 1 - flags[::-1].index(True)
    if not all(flags[first : last + 1]) or (first != 0 and last != len(flags) - 1):
        return None, None
    surname = " ".join(tokens[first : last + 1])
    given = " ".join(tokens[:first] + tokens[last + 1 :])
    return surname, given


def _remainder(name: str | None, known: str) -> str | None:
    """``name`` without ``known`` at its start or end: the given name once the surname is
    known, or the reverse."""
    if name is None:
        return None
    tokens = _name_tokens(name)
    wanted = [_fold(t) for t in known.split()]
    folded = [_fold(t) for t in tokens]
    size = len(wanted)
    if size == 0 or size >= len(tokens):
        return None
    if folded[:size] == wanted:
        return " ".join(tokens[size:])
    if folded[-size:] == wanted:
        return " ".join(tokens[:-size])
    return None


# -- holder ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """The holder of a CPS card (or of any client certificate), as its certificate says."""

    id_nat: str | None  # national identifier: "8" + RPPS, "0" + ADELI, structure ids...
    id_type: IdType | None
    rpps: str | None  # 11 digits, when id_nat is "8" + RPPS
    adeli: str | None  # when id_nat is "0" + ADELI
    surname: str | None
    given_name: str | None
    profession: str | None  # label, e.g. "Médecin"
    profession_code: str | None  # CPS profession code, e.g. "10"
    organisation: str | None
    raw_subject: str  # RFC 4514
    issuer: str  # the issuer's CN, else its RFC 4514 string
    not_before: datetime  # aware, UTC
    not_after: datetime  # aware, UTC
    serial: str  # upper-case hexadecimal
    structure_id: str | None = None  # an OU that holds an identifier (structure id)
    common_name: str | None = None

    @property
    def display_name(self) -> str:
        """Given name then surname in capitals ("Alice MARTIN").

        Falls back to the name in the CN, then the CN, then the raw subject.
        """
        surname = self.surname.upper() if self.surname else None
        if surname and self.given_name:
            return f"{self.given_name} {surname}"
        if surname or self.given_name:
            return surname or self.given_name or ""
        return _person_name(self.common_name) or self.common_name or self.raw_subject

    def to_json(self) -> dict[str, str | None]:
        """Every field as JSON-serialisable values (dates in ISO 8601), plus display_name."""
        result: dict[str, str | None] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            result[field.name] = value.isoformat() if isinstance(value, datetime) else value
        result["display_name"] = self.display_name
        return result


def parse_holder(cert: x509.Certificate) -> Holder:
    """Read the holder's identity from a certificate; never raises on a well-formed one."""
    subject, issuer = _names(cert)
    rdns = subject.rdns if subject is not None else []
    common_names = _values(rdns, _CN)

    id_nat = _national_id(rdns, common_names)
    id_type: IdType | None = None
    rpps = adeli = None
    if id_nat is not None:
        id_type, rpps, adeli = _id_type(id_nat)

    surname, given_name = _names_of_person(rdns, common_names)

    profession = profession_code = None
    for title in _values(rdns, _TITLE):
        profession, profession_code = _profession(title)
        if profession is not None or profession_code is not None:
            break

    units = _values(rdns, _OU)
    structure_ids = [i for i in map(_as_id, units) if i is not None]
    organisations = _values(rdns, _O) or [u for u in units if _as_id(u) is None]

    return Holder(
        id_nat=id_nat,
        id_type=id_type,
        rpps=rpps,
        adeli=adeli,
        surname=surname,
        given_name=given_name,
        profession=profession,
        profession_code=profession_code,
        organisation=organisations[0] if organisations else None,
        raw_subject=subject.rfc4514 if subject is not None else "",
        issuer=_issuer_text(issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=_serial_hex(cert.serial_number),
        structure_id=structure_ids[0] if structure_ids else None,
        common_name=common_names[0] if common_names else None,
    )


def _issuer_text(issuer: _Name | None) -> str:
    if issuer is None:
        return ""
    common_names = _values(issuer.rdns, _CN)
    return common_names[0] if common_names else issuer.rfc4514


def _national_id(rdns: Sequence[_Rdn], common_names: Sequence[str]) -> str | None:
    """serialNumber if it looks like an id, else the CN's id, else any serialNumber."""
    serials = _values(rdns, _SERIAL)
    for serial in serials:
        if (identifier := _as_id(serial)) is not None:
            return identifier
    for common_name in common_names:
        identifier, _name = _split_common_name(common_name)
        if identifier is not None:
            return identifier
    return serials[0] if serials else None


def _names_of_person(
    rdns: Sequence[_Rdn], common_names: Sequence[str]
) -> tuple[str | None, str | None]:
    """(surname, given name): SN / GN first, completed from the CN."""
    surnames = _values(rdns, _SN)
    given_names = _values(rdns, _GN)
    surname = surnames[0] if surnames else None
    given_name = given_names[0] if given_names else None
    if surname is not None and given_name is not None:
        return surname, given_name
    person = next((n for n in map(_person_name, common_names) if n is not None), None)
    if given_name is None:
        if surname is None:
            return _split_person_name(person)
        return surname, _remainder(person, surname)
    return _remainder(person, given_name), given_name


def _serial_hex(serial: int) -> str:
    sign = "-" if serial < 0 else ""
    digits = f"{abs(serial):X}"
    if len(digits) % 2:
        digits = "0" + digits
    return sign + digits


# -- names, from cryptography or straight from the DER -----------------------------------------


def _from_name(name: x509.Name) -> _Name:
    rdns = [
        [
            _Attribute(a.oid.dotted_string, a.value, True)
            if isinstance(a.value, str)
            else _Attribute(a.oid.dotted_string, a.value.hex(), False)
            for a in rdn
        ]
        for rdn in name.rdns
    ]
    return _Name(rdns, name.rfc4514_string())


def _read_name(read: Callable[[], x509.Name]) -> _Name | None:
    try:
        return _from_name(read())
    except ValueError:
        return None


def _names(cert: x509.Certificate) -> tuple[_Name | None, _Name | None]:
    """(subject, issuer); None for a name that cannot be read at all.

    ``cryptography`` refuses names with strings that are not valid in their declared
    encoding (e.g. Latin-1 bytes in a T61String, as on older certificates); those are then
    read from the DER with lenient decoding.
    """
    subject = _read_name(lambda: cert.subject)
    issuer = _read_name(lambda: cert.issuer)
    if subject is None or issuer is None:
        try:
            der_issuer, der_subject = _der_names(cert.tbs_certificate_bytes)
        except (ValueError, IndexError):
            return subject, issuer
        subject = subject or _Name(der_subject, _rfc4514(der_subject))
        issuer = issuer or _Name(der_issuer, _rfc4514(der_issuer))
    return subject, issuer


_RFC4514_NAMES = {
    NameOID.COMMON_NAME.dotted_string: "CN",
    NameOID.LOCALITY_NAME.dotted_string: "L",
    NameOID.STATE_OR_PROVINCE_NAME.dotted_string: "ST",
    NameOID.ORGANIZATION_NAME.dotted_string: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string: "OU",
    NameOID.COUNTRY_NAME.dotted_string: "C",
    NameOID.STREET_ADDRESS.dotted_string: "STREET",
    NameOID.DOMAIN_COMPONENT.dotted_string: "DC",
    NameOID.USER_ID.dotted_string: "UID",
}


def _escape_rfc4514(value: str) -> str:
    escaped = "".join("\\" + c if c in '\\"+,;<>' else "\\00" if c == "\0" else c for c in value)
    if escaped.startswith(("#", " ")):
        escaped = "\\" + escaped
    if escaped.endswith(" ") and not escaped.endswith("\\ "):
        escaped = escaped[:-1] + "\\ "
    return escaped


def _rfc4514(rdns: Sequence[_Rdn]) -> str:
    """RFC 4514 string (last RDN first), as ``x509.Name.rfc4514_string`` writes it."""
    return ",".join(
        "+".join(
            f"{_RFC4514_NAMES.get(a.oid, a.oid)}="
            + (_escape_rfc4514(a.value) if a.text else "#" + a.value)
            for a in rdn
        )
        for rdn in reversed(rdns)
    )


_SEQUENCE = 0x30
_SET = 0x31
_OID = 0x06
_UTF8_STRING = 0x0C
_BMP_STRING = 0x1E
_UNIVERSAL_STRING = 0x1C
# NumericString, PrintableString, T61String, VideotexString, IA5String, GraphicString,
# VisibleString, GeneralString: 8-bit strings, read as UTF-8 when they are, else Latin-1.
_BYTE_STRINGS = frozenset({_UTF8_STRING, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1A, 0x1B})


def _tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of content, end) of the DER element at ``offset``."""
    tag = data[offset]
    offset += 1
    if tag & 0x1F == 0x1F:  # high tag number: skip its continuation bytes
        while data[offset] & 0x80:
            offset += 1
        offset += 1
    length = data[offset]
    offset += 1
    if length & 0x80:
        count = length & 0x7F
        if count == 0:
            raise ValueError("indefinite length in DER")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    end = offset + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, offset, end


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    elements = []
    while start < end:
        element = _tlv(data, start)
        elements.append(element)
        start = element[2]
    return elements


def _der_oid(content: bytes) -> str:
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        raise ValueError("empty OID")
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def _der_value(oid: str, tag: int, content: bytes, der: bytes) -> _Attribute:
    if tag == _BMP_STRING:
        return _Attribute(oid, content.decode("utf-16-be", errors="replace"), True)
    if tag == _UNIVERSAL_STRING:
        return _Attribute(oid, content.decode("utf-32-be", errors="replace"), True)
    if tag in _BYTE_STRINGS:
        try:
            return _Attribute(oid, content.decode("utf-8"), True)
        except UnicodeDecodeError:
            return _Attribute(oid, content.decode("latin-1"), True)
    return _Attribute(oid, der.hex(), False)


def _der_name(data: bytes, start: int, end: int) -> list[_Rdn]:
    rdns: list[_Rdn] = []
    for set_tag, set_start, set_end in _children(data, start, end):
        if set_tag != _SET:
            raise ValueError("RDN is not a SET")
        rdn: _Rdn = []
        for seq_tag, seq_start, seq_end in _children(data, set_start, set_end):
            if seq_tag != _SEQUENCE:
                raise ValueError("attribute is not a SEQUENCE")
            (oid_tag, oid_start, oid_end), (value_tag, value_start, value_end) = _children(
                data, seq_start, seq_end
            )[:2]
            if oid_tag != _OID:
                raise ValueError("attribute type is not an OID")
            value_der = data[oid_end:value_end]  # the whole value TLV
            rdn.append(
                _der_value(
                    _der_oid(data[oid_start:oid_end]),
                    value_tag,
                    data[value_start:value_end],
                    value_der,
                )
            )
        rdns.append(rdn)
    return rdns


def _der_names(tbs: bytes) -> tuple[list[_Rdn], list[_Rdn]]:
    """(issuer, subject) read from the DER of a TBSCertificate, strings decoded leniently."""
    tag, start, end = _tlv(tbs, 0)
    if tag != _SEQUENCE:
        raise ValueError("TBSCertificate is not a SEQUENCE")
    elements = _children(tbs, start, end)
    if elements and elements[0][0] == 0xA0:  # [0] EXPLICIT version
        elements = elements[1:]
    # serialNumber, signature, issuer, validity, subject, ...
    issuer, subject = elements[2], elements[4]
    if issuer[0] != _SEQUENCE or subject[0] != _SEQUENCE:
        raise ValueError("name is not a SEQUENCE")
    return _der_name(tbs, issuer[1], issuer[2]), _der_name(tbs, subject[1], subject[2])
