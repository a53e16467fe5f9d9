from __future__ import annotations

import dataclasses
import datetime as dt
import json
import warnings
from collections.abc import Sequence

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cps.identity import (  # the DER reader is private
    PROFESSION_LABELS,
    CertificateRole,
    _der_names,
    _from_name,
    _rfc4514,
    certificate_role,
    parse_holder,
    pick_authentication_certificate,
)
from app.sandbox.pki import CardHolder, CardKeyUse, TestPki

# One key signs every hand-made certificate: Ed25519 keeps the suite fast.
_KEY = ed25519.Ed25519PrivateKey.generate()
_ISSUER = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST AC IGC-SANTE FORT PERSONNES")])
_NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def A(
    oid: x509.ObjectIdentifier, value: str, _type: _ASN1Type | None = None
) -> x509.NameAttribute[str]:
    """A name attribute, even one cryptography would not build (empty or long CN...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.NameAttribute(oid, value, _type, _validate=False)


CN = NameOID.COMMON_NAME
SN = NameOID.SURNAME
GN = NameOID.GIVEN_NAME
SERIAL = NameOID.SERIAL_NUMBER
TITLE = NameOID.TITLE
O = NameOID.ORGANIZATION_NAME  # noqa: E741
OU = NameOID.ORGANIZATIONAL_UNIT_NAME
BMP = _ASN1Type.BMPString


def _usage(
    *,
    signature: bool = False,
    commitment: bool = False,
    encipher: bool = False,
    cert_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature,
        content_commitment=commitment,
        key_encipherment=encipher,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(
    subject: x509.Name | Sequence[x509.NameAttribute[str]] = (),
    *,
    usage: x509.KeyUsage | None = None,
    purposes: Sequence[x509.ObjectIdentifier] = (),
    ca: bool = False,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    issuer: x509.Name = _ISSUER,
) -> x509.Certificate:
    name = subject if isinstance(subject, x509.Name) else x509.Name(list(subject))
    start = not_before or _NOW - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(_KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(not_after or start + dt.timedelta(days=365))
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    if purposes:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(purposes)), critical=False)
    return builder.sign(_KEY, None)


def _auth(
    *, not_before: dt.datetime | None = None, not_after: dt.datetime | None = None
) -> x509.Certificate:
    return _certificate(
        [A(CN, "810001234567/Alice MARTIN")],
        usage=_usage(signature=True, encipher=True),
        purposes=[ExtendedKeyUsageOID.CLIENT_AUTH],
        not_before=not_before,
        not_after=not_after,
    )


def _sign() -> x509.Certificate:
    return _certificate([A(CN, "810001234567/Alice MARTIN")], usage=_usage(commitment=True))


# -- the sandbox PKI's card certificates ------------------------------------------------------


@pytest.fixture(scope="module")
def card() -> tuple[x509.Certificate, x509.Certificate]:
    """(authentication, signature) certificates of a test card."""
    pki = TestPki()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    holder = CardHolder(
        rpps="10001234567", surname="MARTIN", given_name="Alice", profession="Médecin"
    )
    return (
        pki.card_certificate(key, holder, CardKeyUse.AUTHENTICATION),
        pki.card_certificate(key, holder, CardKeyUse.SIGNATURE),
    )


def test_card_certificates_roles_and_pick(card: tuple[x509.Certificate, ...]) -> None:
    auth, sign = card
    assert certificate_role(auth) is CertificateRole.AUTHENTICATION
    assert certificate_role(sign) is CertificateRole.SIGNATURE
    assert pick_authentication_certificate([sign, auth]) is auth
    assert pick_authentication_certificate([sign]) is None


def test_card_certificate_holder(card: tuple[x509.Certificate, ...]) -> None:
    auth, _sign = card
    holder = parse_holder(auth)
    assert holder.id_nat == "810001234567"
    assert holder.id_type == "RPPS"
    assert holder.rpps == "10001234567"
    assert holder.adeli is None
    assert (holder.surname, holder.given_name) == ("MARTIN", "Alice")
    assert (holder.profession, holder.profession_code) == ("Médecin", "10")
    assert holder.organisation == "CABINET MEDICAL TEST"
    assert holder.structure_id == "10B0000001"
    assert holder.issuer == "TEST AC IGC-SANTE FORT PERSONNES"
    assert holder.raw_subject == auth.subject.rfc4514_string()
    assert holder.display_name == "Alice MARTIN"
    assert holder.not_before == auth.not_valid_before_utc
    assert holder.not_after == auth.not_valid_after_utc
    assert holder.not_before.utcoffset() == dt.timedelta(0)
    assert int(holder.serial, 16) == auth.serial_number
    assert holder.serial == holder.serial.upper() and len(holder.serial) % 2 == 0


def test_to_json_is_serialisable(card: tuple[x509.Certificate, ...]) -> None:
    holder = parse_holder(card[0])
    data = holder.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["not_after"] == holder.not_after.isoformat()
    assert dt.datetime.fromisoformat(str(data["not_before"])) == holder.not_before
    assert data["display_name"] == "Alice MARTIN"
    assert data["rpps"] == "10001234567"


# -- subject forms ----------------------------------------------------------------------------


SUBJECT_FORMS: list[tuple[str, list[x509.NameAttribute[str]], dict[str, str | None]]] = [
    (
        "serialNumber, SN and GN",
        [A(SERIAL, "810001234567"), A(SN, "MARTIN"), A(GN, "Alice"), A(CN, "Alice MARTIN")],
        {"id_nat": "810001234567", "id_type": "RPPS", "surname": "MARTIN", "given_name": "Alice"},
    ),
    (
        "id and name in the CN",
        [A(CN, "810001234567/Alice MARTIN")],
        {
            "id_nat": "810001234567",
            "rpps": "10001234567",
            "surname": "MARTIN",
            "given_name": "Alice",
            "display_name": "Alice MARTIN",
        },
    ),
    (
        "id and card type in the CN",
        [A(CN, "899700042424/CPS")],
        {
            "id_nat": "899700042424",
            "rpps": "99700042424",
            "surname": None,
            "given_name": None,
            "display_name": "899700042424/CPS",
        },
    ),
    (
        "card type in the CN, names in SN / GN",
        [A(CN, "899700042424/CPS"), A(GN, "Jean"), A(SN, "DUPONT")],
        {"rpps": "99700042424", "display_name": "Jean DUPONT"},
    ),
    (
        "id at the end of the CN",
        [A(CN, "Alice MARTIN/810001234567")],
        {"id_nat": "810001234567", "surname": "MARTIN", "given_name": "Alice"},
    ),
    (
        "CN made only of the id",
        [A(CN, "810001234567")],
        {"id_nat": "810001234567", "id_type": "RPPS", "surname": None, "given_name": None},
    ),
    (
        "surname first",
        [A(CN, "MARTIN Alice")],
        {"id_nat": None, "id_type": None, "surname": "MARTIN", "given_name": "Alice"},
    ),
    (
        "compound names",
        [A(CN, "810001234567/Jean-Pierre DE LA FONTAINE")],
        {
            "surname": "DE LA FONTAINE",
            "given_name": "Jean-Pierre",
            "display_name": "Jean-Pierre DE LA FONTAINE",
        },
    ),
    (
        "compound names, surname first",
        [A(CN, "DE LA FONTAINE Jean-Pierre")],
        {"surname": "DE LA FONTAINE", "given_name": "Jean-Pierre"},
    ),
    (
        "ambiguous capitals",
        [A(CN, "ALICE MARTIN")],
        {"surname": None, "given_name": None, "display_name": "ALICE MARTIN"},
    ),
    (
        "surname only in SN, given name from the CN",
        [A(SN, "Martin-Durand"), A(CN, "Alice MARTIN-DURAND")],
        {"surname": "Martin-Durand", "given_name": "Alice", "display_name": "Alice MARTIN-DURAND"},
    ),
    (
        "given name only in GN, surname from the CN",
        [A(GN, "Alice"), A(CN, "810001234567/Alice Martin")],
        {"surname": "Martin", "given_name": "Alice", "display_name": "Alice MARTIN"},
    ),
    (
        "ADELI",
        [A(CN, "0751234567/Paul DURAND")],
        {"id_nat": "0751234567", "id_type": "ADELI", "adeli": "751234567", "rpps": None},
    ),
    (
        "ADELI with a letter, in serialNumber",
        [A(SERIAL, "0B12345678"), A(CN, "Paul DURAND")],
        {"id_nat": "0B12345678", "id_type": "ADELI", "adeli": "B12345678"},
    ),
    (
        "structure (FINESS)",
        [A(SERIAL, "3750100012"), A(CN, "CENTRE HOSPITALIER TEST")],
        {"id_nat": "3750100012", "id_type": "AUTRE", "rpps": None, "adeli": None},
    ),
    (
        "structure staff",
        [A(CN, "3750100012/00042/Jean DUPONT")],
        {"id_nat": "3750100012/00042", "id_type": "AUTRE", "surname": "DUPONT"},
    ),
    (
        "RPPS with a wrong length is no RPPS",
        [A(SERIAL, "81000123456")],
        {"id_nat": "81000123456", "id_type": "AUTRE", "rpps": None},
    ),
    (
        "profession label",
        [A(TITLE, "Médecin")],
        {"profession": "Médecin", "profession_code": "10"},
    ),
    (
        "profession code",
        [A(TITLE, "60")],
        {"profession": "Infirmier", "profession_code": "60"},
    ),
    (
        "profession label and code",
        [A(TITLE, "Pharmacien (21)")],
        {"profession": "Pharmacien", "profession_code": "21"},
    ),
    (
        "profession code and label",
        [A(TITLE, "40 - Chirurgien-dentiste")],
        {"profession": "Chirurgien-dentiste", "profession_code": "40"},
    ),
    (
        "feminine profession label, without accents",
        [A(TITLE, "infirmiere")],
        {"profession": "infirmiere", "profession_code": "60"},
    ),
    (
        "unknown profession code",
        [A(TITLE, "99")],
        {"profession": None, "profession_code": "99"},
    ),
    (
        "unknown profession label",
        [A(TITLE, "Chaman")],
        {"profession": "Chaman", "profession_code": None},
    ),
    (
        "organisation and structure id",
        [A(O, "CABINET DU DR MARTIN"), A(OU, "10B0201234")],
        {"organisation": "CABINET DU DR MARTIN", "structure_id": "10B0201234"},
    ),
    (
        "organisation only in OU",
        [A(OU, "499700012345008"), A(OU, "Cabinet Martin")],
        {"organisation": "Cabinet Martin", "structure_id": "499700012345008"},
    ),
    (
        "repeated and empty values",
        [A(CN, ""), A(CN, "810001234567/Alice MARTIN"), A(SN, " "), A(TITLE, ""), A(TITLE, "10")],
        {"id_nat": "810001234567", "surname": "MARTIN", "profession_code": "10"},
    ),
    (
        "stray spaces",
        [A(SERIAL, " 810001234567 "), A(CN, "  Alice   MARTIN "), A(O, "  CABINET  ")],
        {"id_nat": "810001234567", "display_name": "Alice MARTIN", "organisation": "CABINET"},
    ),
    (
        "BMPString values",
        [A(CN, "810001234567/Hélène ÉTIENNE", _type=BMP), A(TITLE, "Sage-femme", _type=BMP)],
        {"surname": "ÉTIENNE", "given_name": "Hélène", "profession_code": "50"},
    ),
    (
        "UTF-8 decoded as Latin-1",
        [A(CN, "HÃ©lÃ¨ne Ã‰TIENNE"), A(TITLE, "MÃ©decin")],
        {"surname": "ÉTIENNE", "given_name": "Hélène", "profession": "Médecin"},
    ),
    (
        "civility and initial",
        [A(CN, "Dr J. MARTIN")],
        {"surname": "MARTIN", "given_name": "J.", "display_name": "J. MARTIN"},
    ),
    (
        "nothing but a country",
        [A(NameOID.COUNTRY_NAME, "FR")],
        {"id_nat": None, "surname": None, "profession": None, "display_name": "C=FR"},
    ),
]


@pytest.mark.filterwarnings("ignore:Attribute's length")
@pytest.mark.parametrize(
    ("attributes", "expected"),
    [pytest.param(attrs, expected, id=label) for label, attrs, expected in SUBJECT_FORMS],
)
def test_subject_forms(
    attributes: list[x509.NameAttribute[str]], expected: dict[str, str | None]
) -> None:
    cert = _certificate(attributes)
    holder = parse_holder(cert)
    data = holder.to_json()
    assert {key: data[key] for key in expected} == expected
    assert holder.raw_subject == cert.subject.rfc4514_string()


def test_subject_attribute_order_does_not_matter() -> None:
    attributes = [
        A(NameOID.COUNTRY_NAME, "FR"),
        A(O, "CABINET MEDICAL"),
        A(TITLE, "10"),
        A(SN, "MARTIN"),
        A(GN, "Alice"),
        A(SERIAL, "810001234567"),
        A(CN, "810001234567/Alice MARTIN"),
    ]
    forward = parse_holder(_certificate(attributes)).to_json()
    backward = parse_holder(_certificate(attributes[::-1])).to_json()
    for data in (forward, backward):
        del data["raw_subject"], data["not_before"], data["not_after"], data["serial"]
    assert forward == backward


def test_multi_valued_rdn() -> None:
    subject = x509.Name(
        [
            x509.RelativeDistinguishedName([A(SN, "MARTIN"), A(GN, "Alice")]),
            x509.RelativeDistinguishedName([A(SERIAL, "810001234567")]),
        ]
    )
    holder = parse_holder(_certificate(subject))
    assert (holder.display_name, holder.rpps) == ("Alice MARTIN", "10001234567")


def test_issuer_without_common_name() -> None:
    issuer = x509.Name([A(O, "AC TEST"), A(NameOID.COUNTRY_NAME, "FR")])
    holder = parse_holder(_certificate([A(CN, "x")], issuer=issuer))
    assert holder.issuer == "C=FR,O=AC TEST"


def test_empty_subject() -> None:
    holder = parse_holder(_certificate())
    assert holder.raw_subject == ""
    assert holder.display_name == ""
    assert holder.id_nat is None and holder.surname is None and holder.organisation is None


def _latin1_t61_certificate() -> x509.Certificate:
    """An older-style certificate: Latin-1 bytes in T61Strings, which cryptography refuses."""
    t61 = _ASN1Type.T61String
    cert = _certificate(
        [
            A(SERIAL, "810001234567"),
            A(GN, "HxlxneQQ", _type=t61),
            A(SN, "xTIENNEQ", _type=t61),
            A(TITLE, "MxdecinQ", _type=t61),
        ]
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    for placeholder, latin1 in (
        (b"HxlxneQQ", "Hélène".encode("latin-1").ljust(8)),
        (b"xTIENNEQ", "ÉTIENNE".encode("latin-1").ljust(8)),
        (b"MxdecinQ", "Médecin".encode("latin-1").ljust(8)),
    ):
        assert der.count(placeholder) == 1
        der = der.replace(placeholder, latin1)  # same length: the DER stays well-formed
    return x509.load_der_x509_certificate(der)


def test_latin1_t61_strings_are_read_from_the_der() -> None:
    cert = _latin1_t61_certificate()
    with pytest.raises(ValueError, match="asn1"):
        _ = cert.subject  # what the fallback is for
    holder = parse_holder(cert)
    assert holder.rpps == "10001234567"
    assert (holder.given_name, holder.surname) == ("Hélène", "ÉTIENNE")
    assert (holder.profession, holder.profession_code) == ("Médecin", "10")
    assert holder.display_name == "Hélène ÉTIENNE"
    assert holder.issuer == "TEST AC IGC-SANTE FORT PERSONNES"
    assert holder.raw_subject == (
        "2.5.4.12=Médecin\\ ,2.5.4.4=ÉTIENNE\\ ,2.5.4.42=Hélène \\ ,2.5.4.5=810001234567"
    )


def test_profession_table_codes_resolve() -> None:
    for code, label in PROFESSION_LABELS.items():
        holder = parse_holder(_certificate([A(TITLE, code)]))
        assert (holder.profession, holder.profession_code) == (label, code)
        holder = parse_holder(_certificate([A(TITLE, label.upper())]))
        assert holder.profession_code == code


def test_display_name_fallbacks() -> None:
    base = parse_holder(_certificate([A(CN, "x")]))

    def display(**changes: str | None) -> str:
        return dataclasses.replace(base, **changes).display_name  # type: ignore[arg-type]

    assert display(surname="de la Fontaine", given_name="Jean") == "Jean DE LA FONTAINE"
    assert display(surname="Martin") == "MARTIN"
    assert display(given_name="Alice") == "Alice"
    assert display(common_name="810001234567/Alice Martin") == "Alice Martin"
    assert display(common_name="899700042424/CPS") == "899700042424/CPS"
    assert display(common_name=None, raw_subject="C=FR") == "C=FR"


# -- roles ------------------------------------------------------------------------------------


ROLE_CASES: list[tuple[str, x509.Certificate, CertificateRole]] = [
    (
        "clientAuth",
        _certificate(
            usage=_usage(signature=True, encipher=True),
            purposes=[ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION],
        ),
        CertificateRole.AUTHENTICATION,
    ),
    (
        "clientAuth without key usage",
        _certificate(purposes=[ExtendedKeyUsageOID.CLIENT_AUTH]),
        CertificateRole.AUTHENTICATION,
    ),
    (
        "clientAuth with both signature bits",
        _certificate(
            usage=_usage(signature=True, commitment=True),
            purposes=[ExtendedKeyUsageOID.CLIENT_AUTH],
        ),
        CertificateRole.AUTHENTICATION,
    ),
    (
        "clientAuth on a non-repudiation-only key",
        _certificate(usage=_usage(commitment=True), purposes=[ExtendedKeyUsageOID.CLIENT_AUTH]),
        CertificateRole.SIGNATURE,
    ),
    (
        "digitalSignature only",
        _certificate(usage=_usage(signature=True)),
        CertificateRole.AUTHENTICATION,
    ),
    (
        "digitalSignature, e-mail protection",
        _certificate(usage=_usage(signature=True), purposes=[ExtendedKeyUsageOID.EMAIL_PROTECTION]),
        CertificateRole.AUTHENTICATION,
    ),
    (
        "digitalSignature, code signing",
        _certificate(usage=_usage(signature=True), purposes=[ExtendedKeyUsageOID.CODE_SIGNING]),
        CertificateRole.OTHER,
    ),
    (
        "digitalSignature, time stamping",
        _certificate(usage=_usage(signature=True), purposes=[ExtendedKeyUsageOID.TIME_STAMPING]),
        CertificateRole.OTHER,
    ),
    ("nonRepudiation only", _certificate(usage=_usage(commitment=True)), CertificateRole.SIGNATURE),
    (
        "nonRepudiation and encipherment",
        _certificate(usage=_usage(commitment=True, encipher=True)),
        CertificateRole.SIGNATURE,
    ),
    (
        "both signature bits, no purpose",
        _certificate(usage=_usage(signature=True, commitment=True)),
        CertificateRole.OTHER,
    ),
    ("encipherment only", _certificate(usage=_usage(encipher=True)), CertificateRole.OTHER),
    ("no extension at all", _certificate(), CertificateRole.OTHER),
    (
        "CA",
        _certificate(usage=_usage(cert_sign=True), ca=True),
        CertificateRole.OTHER,
    ),
    (
        "CA with clientAuth",
        _certificate(
            usage=_usage(signature=True, cert_sign=True),
            purposes=[ExtendedKeyUsageOID.CLIENT_AUTH],
            ca=True,
        ),
        CertificateRole.OTHER,
    ),
]


@pytest.mark.parametrize(
    ("cert", "role"), [pytest.param(cert, role, id=label) for label, cert, role in ROLE_CASES]
)
def test_certificate_role(cert: x509.Certificate, role: CertificateRole) -> None:
    assert certificate_role(cert) is role


def test_pick_ignores_order_and_non_authentication_certificates() -> None:
    auth, sign = _auth(), _sign()
    ca = _certificate(usage=_usage(cert_sign=True), ca=True)
    assert pick_authentication_certificate([sign, ca, auth]) is auth
    assert pick_authentication_certificate(iter([auth, sign])) is auth
    assert pick_authentication_certificate([sign, ca]) is None
    assert pick_authentication_certificate([]) is None


def test_pick_prefers_the_valid_certificate_over_an_expired_one() -> None:
    expired = _auth(not_before=_NOW - dt.timedelta(days=800), not_after=_NOW - dt.timedelta(days=1))
    valid = _auth(not_before=_NOW - dt.timedelta(days=1), not_after=_NOW + dt.timedelta(days=30))
    assert pick_authentication_certificate([expired, _sign(), valid]) is valid
    assert pick_authentication_certificate([valid, expired]) is valid
    # with nothing valid, the expired one is still the authentication certificate
    assert pick_authentication_certificate([_sign(), expired]) is expired


def test_pick_prefers_valid_then_latest_not_after() -> None:
    older = _auth(not_before=_NOW - dt.timedelta(days=10), not_after=_NOW + dt.timedelta(days=5))
    newer = _auth(not_before=_NOW - dt.timedelta(days=1), not_after=_NOW + dt.timedelta(days=90))
    future = _auth(not_before=_NOW + dt.timedelta(days=5), not_after=_NOW + dt.timedelta(days=900))
    assert pick_authentication_certificate([older, newer]) is newer
    assert pick_authentication_certificate([future, older]) is older
    # a given moment (naive means UTC) decides what is valid
    later = (_NOW + dt.timedelta(days=6)).replace(tzinfo=None)
    assert pick_authentication_certificate([older, future, newer], now=later) is future
    assert pick_authentication_certificate([older, newer], now=_NOW + dt.timedelta(days=100)) is (
        newer
    )


# -- arbitrary subjects -----------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "810001234567",
        "0B12345678",
        "3750100012",
        "/",
        " ",
        "Alice",
        "MARTIN",
        "Jean-Pierre",
        "DE LA",
        "CPS",
        "Médecin (10)",
        "10",
        "Ã©",
        "\x00",
        "#",
        '+,;\\"<>',
        "Dr",
        "J.",
    ]
)
_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.lists(_FRAGMENTS, max_size=5).map("".join),
)
_PRINTABLE = st.text(
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"),
    max_size=20,
)
_OIDS = st.sampled_from([CN, SN, GN, SERIAL, TITLE, O, OU, NameOID.LOCALITY_NAME, NameOID.USER_ID])
_TYPES = st.sampled_from(
    [
        _ASN1Type.UTF8String,
        _ASN1Type.BMPString,
        _ASN1Type.UniversalString,
        _ASN1Type.T61String,
        _ASN1Type.IA5String,
    ]
)


@st.composite
def _attributes(draw: st.DrawFn) -> x509.NameAttribute[str]:
    if draw(st.integers(0, 9)) == 0:
        return A(NameOID.COUNTRY_NAME, draw(st.sampled_from(["FR", "fr", "  "])))
    oid = draw(_OIDS)
    if draw(st.booleans()):
        return A(oid, draw(_PRINTABLE), _type=_ASN1Type.PrintableString)
    return A(oid, draw(_TEXT), _type=draw(_TYPES))


_SUBJECTS = st.lists(
    st.lists(_attributes(), min_size=1, max_size=2, unique_by=lambda a: (a.oid, a.value)).map(
        x509.RelativeDistinguishedName
    ),
    max_size=8,
).map(x509.Name)


# -- certificates with names cryptography will not write ---------------------------------------
#
# cryptography >= 51 refuses to write an IA5String that is not ASCII (and to load one), but
# names with strings outside their declared encoding exist on older certificates and in the
# wild, and our reader must take whatever cryptography loads. Such a certificate is written
# with UTF8String placeholders, then its subject is re-encoded with the raw strings and
# spliced back: the signature no longer matches, which nothing here checks (the TLS stack
# verifies certificates, not the reader).

_DER_SEQUENCE = 0x30
_DER_SET = 0x31
_DER_UTF8_STRING = 0x0C
_DER_IA5_STRING = 0x16

# placeholder text -> (DER tag, raw content) written in its place
_Rewrites = dict[str, tuple[int, bytes]]


def _der_element(data: bytes, offset: int) -> tuple[int, int]:
    """(start of content, end) of the DER element at ``offset`` (low tags, definite lengths)."""
    length, offset = data[offset + 1], offset + 2
    if length & 0x80:
        count = length & 0x7F
        length, offset = int.from_bytes(data[offset : offset + count], "big"), offset + count
    return offset, offset + length


def _der_children(data: bytes, start: int, end: int) -> list[bytes]:
    elements = []
    while start < end:
        stop = _der_element(data, start)[1]
        elements.append(data[start:stop])
        start = stop
    return elements


def _der_content(element: bytes) -> bytes:
    start, end = _der_element(element, 0)
    return element[start:end]


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _subject_index(fields: Sequence[bytes]) -> int:
    return 5 if fields[0][0] == 0xA0 else 4  # after the [0] version, if any


def _raw_certificate(subject: x509.Name, rewrites: _Rewrites) -> bytes:
    """The DER of ``subject``'s certificate, the values named in ``rewrites`` replaced."""
    der = _certificate(subject).public_bytes(serialization.Encoding.DER)
    tbs, algorithm, signature = _der_children(der, *_der_element(der, 0))
    fields = _der_children(tbs, *_der_element(tbs, 0))
    index = _subject_index(fields)
    sets = []
    for rdn in _der_children(fields[index], *_der_element(fields[index], 0)):
        sequences = []
        for attribute in _der_children(rdn, *_der_element(rdn, 0)):
            oid, value = _der_children(attribute, *_der_element(attribute, 0))
            text = _der_content(value).decode("utf-8", errors="replace")
            if value[0] == _DER_UTF8_STRING and text in rewrites:
                value = _der(*rewrites[text])
            sequences.append(_der(_DER_SEQUENCE, oid + value))
        sets.append(_der(_DER_SET, b"".join(sorted(sequences))))  # DER sorts a SET OF
    fields[index] = _der(_DER_SEQUENCE, b"".join(sets))
    tbs = _der(_DER_SEQUENCE, b"".join(fields))
    return _der(_DER_SEQUENCE, tbs + algorithm + signature)


def _hostile_ia5(attribute: x509.NameAttribute[str]) -> bool:
    return attribute._type == _ASN1Type.IA5String and not attribute.value.isascii()


def _hostile_bytes(text: str) -> bytes:
    """Latin-1 where it can be (an 8-bit string that is seldom valid UTF-8), else UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _text(value: bytes) -> str:
    """A DER string value as text: BMP and Universal strings by their encoding, 8-bit ones
    leniently."""
    codec = {0x1E: "utf-16-be", 0x1C: "utf-32-be"}.get(value[0])
    return _der_content(value).decode(codec) if codec else _lenient(_der_content(value))


def _lenient(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _certificate_with_raw_names(subject: x509.Name) -> tuple[x509.Certificate, x509.Name]:
    """``subject``'s certificate, its non-ASCII IA5Strings written as UTF8Strings of raw
    8-bit bytes, and the name the reader should give (cryptography's when it reads it, else
    the raw strings decoded leniently, each RDN in the certificate's order)."""
    rewrites: _Rewrites = {}
    placeholders: dict[tuple[int, int], str] = {}
    written = []
    for i, rdn in enumerate(subject.rdns):
        attributes = []
        for j, a in enumerate(rdn):
            if _hostile_ia5(a):
                placeholders[i, j] = f"placeholder {i}.{j}"
                rewrites[placeholders[i, j]] = (_DER_UTF8_STRING, _hostile_bytes(a.value))
                # explicitly UTF8String: some types (serialNumber) default to PrintableString,
                # which the rewrite would not find
                attributes.append(A(a.oid, placeholders[i, j], _ASN1Type.UTF8String))
            else:
                attributes.append(a)
        written.append(x509.RelativeDistinguishedName(attributes))
    cert = x509.load_der_x509_certificate(_raw_certificate(x509.Name(written), rewrites))
    try:
        return cert, cert.subject
    except ValueError:
        pass
    decoded = x509.Name(
        [
            x509.RelativeDistinguishedName(
                A(a.oid, _lenient(rewrites[placeholders[i, j]][1])) if (i, j) in placeholders else a
                for j, a in enumerate(rdn)
            )
            for i, rdn in enumerate(subject.rdns)
        ]
    )
    tbs = cert.tbs_certificate_bytes
    fields = _der_children(tbs, *_der_element(tbs, 0))
    name = fields[_subject_index(fields)]
    ordered = []
    for rdn, written_rdn in zip(
        decoded.rdns, _der_children(name, *_der_element(name, 0)), strict=True
    ):
        remaining = list(rdn)
        attributes = []
        for sequence in _der_children(written_rdn, *_der_element(written_rdn, 0)):
            oid, value = _der_children(sequence, *_der_element(sequence, 0))
            key = (_oid_text(_der_content(oid)), _text(value))
            match = next(a for a in remaining if (a.oid.dotted_string, a.value) == key)
            remaining.remove(match)
            attributes.append(match)
        ordered.append(x509.RelativeDistinguishedName(attributes))
    return cert, x509.Name(ordered)


def _oid_text(content: bytes) -> str:
    arcs, value = [], 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def test_cryptography_refuses_non_ascii_ia5_strings() -> None:
    """Why the helpers above exist; when this fails, cryptography takes such names again and
    the property tests below can write them directly."""
    subject = x509.Name([A(CN, "Théo MARTIN", _ASN1Type.IA5String)])
    with pytest.raises(ValueError, match="IA5String"):
        _certificate(subject)
    raw = "Théo MARTIN".encode()
    der = _raw_certificate(x509.Name([A(CN, "x")]), {"x": (_DER_IA5_STRING, raw)})
    with pytest.raises(ValueError, match="IA5String"):
        x509.load_der_x509_certificate(der)


def test_a_latin1_common_name_is_read_leniently() -> None:
    """Latin-1 bytes in a UTF8String, as some older certificates carry: cryptography loads
    the certificate but will not decode the name; the reader still finds the holder."""
    raw = "810001234567/Théo MARTIN".encode("latin-1")
    der = _raw_certificate(x509.Name([A(CN, "x")]), {"x": (_DER_UTF8_STRING, raw)})
    cert = x509.load_der_x509_certificate(der)
    with pytest.raises(ValueError):
        cert.subject  # noqa: B018 - cryptography's refusal is what sends us to the DER reader
    holder = parse_holder(cert)
    assert holder.rpps == "10001234567"
    assert holder.raw_subject == "CN=810001234567/Théo MARTIN"
    assert holder.display_name


@pytest.mark.filterwarnings("ignore:Attribute's length")
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SUBJECTS)
def test_parse_holder_never_raises(subject: x509.Name) -> None:
    cert, expected = _certificate_with_raw_names(subject)
    holder = parse_holder(cert)
    assert holder.raw_subject == expected.rfc4514_string()
    assert isinstance(holder.display_name, str)
    if holder.raw_subject:
        assert holder.display_name
    json.dumps(holder.to_json())
    if holder.id_type == "RPPS":
        assert holder.id_nat == f"8{holder.rpps}" and len(holder.rpps or "") == 11
    else:
        assert holder.rpps is None
    if holder.id_type == "ADELI":
        assert holder.id_nat == f"0{holder.adeli}"
    else:
        assert holder.adeli is None
    assert (holder.id_nat is None) == (holder.id_type is None)


@pytest.mark.filterwarnings("ignore:Attribute's length")
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SUBJECTS)
def test_der_reader_agrees_with_cryptography(subject: x509.Name) -> None:
    """The lenient DER reader (used when cryptography refuses a name) reads what it reads."""
    cert, expected = _certificate_with_raw_names(subject)
    issuer, parsed = _der_names(cert.tbs_certificate_bytes)
    assert parsed == _from_name(expected).rdns
    assert _rfc4514(parsed) == expected.rfc4514_string()
    assert _rfc4514(issuer) == cert.issuer.rfc4514_string()
