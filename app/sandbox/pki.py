"""A throwaway PKI shaped like IGC-Santé, for the sandbox operator and the test lab.

Shape (as in production, see ``shared/trust/README.md``):

- a root (``... AC RACINE IGC-SANTE ELEMENTAIRE``);
- an "organisations" intermediate that issues server certificates and the software
  certificates of organisation / application mailboxes;
- a "personnes" intermediate that issues the certificates of health professionals' cards
  (an authentication certificate and a separate signature certificate per card);
- a CRL per authority, published under ``crl_base_url`` and named in every certificate's
  CRL distribution point.

Every name says TEST: nothing here may be mistaken for the real IGC-Santé.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_BITS = 2048
_CA_VALIDITY = dt.timedelta(days=3650)
_LEAF_VALIDITY = dt.timedelta(days=3 * 365)
_CRL_VALIDITY = dt.timedelta(days=30)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


@dataclass(frozen=True)
class CardHolder:
    """A health professional as the card's certificates describe them."""

    rpps: str
    surname: str
    given_name: str
    profession: str
    structure: str = "CABINET MEDICAL TEST"
    structure_id: str = "10B0000001"

    @property
    def id_nat(self) -> str:
        """National identifier: "8" followed by the RPPS number."""
        return "8" + self.rpps


class CardKeyUse(Enum):
    """The two key pairs of a CPS card."""

    AUTHENTICATION = "auth"  # TLS client authentication
    SIGNATURE = "sign"  # document signature (non-repudiation)


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key (for keys that live in software)."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def pkcs12(self, passphrase: bytes, chain: Sequence[x509.Certificate] = ()) -> bytes:
        name = self.certificate.subject.rfc4514_string().encode()
        return pkcs12.serialize_key_and_certificates(
            name,
            self.key,
            self.certificate,
            list(chain) or None,
            serialization.BestAvailableEncryption(passphrase),
        )


@dataclass
class Authority:
    """A certification authority with its own revocation list."""

    slug: str
    issued: Issued
    crl_url: str | None
    revoked: dict[int, dt.datetime] = field(default_factory=dict)

    @property
    def certificate(self) -> x509.Certificate:
        return self.issued.certificate

    def revoke(self, certificate: x509.Certificate) -> None:
        if certificate.issuer != self.certificate.subject:
            raise ValueError("certificate was not issued by this authority")
        self.revoked[certificate.serial_number] = _now() - dt.timedelta(minutes=1)

    def crl(self) -> x509.CertificateRevocationList:
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + _CRL_VALIDITY)
            .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issued.key.public_key()),
                critical=False,
            )
        )
        for serial, when in sorted(self.revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self.issued.key, hashes.SHA256())

    def sign(
        self,
        subject: x509.Name,
        public_key: rsa.RSAPublicKey,
        extensions: Sequence[tuple[x509.ExtensionType, bool]],
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> x509.Certificate:
        start = not_before or _now() - dt.timedelta(days=1)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(not_after or start + _LEAF_VALIDITY)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issued.key.public_key()),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        if self.crl_url:
            builder = builder.add_extension(_crl_distribution(self.crl_url), critical=False)
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(self.issued.key, hashes.SHA256())


def _crl_distribution(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CADUCEE TEST"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "IGC-SANTE TEST"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_extensions(
    key: rsa.RSAPrivateKey, path_length: int | None
) -> list[tuple[x509.ExtensionType, bool]]:
    return [
        (x509.BasicConstraints(ca=True, path_length=path_length), True),
        (
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        ),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
    ]


def _key_usage(
    *, signature: bool = False, commitment: bool = False, encipher: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature,
        content_commitment=commitment,
        key_encipherment=encipher,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_extensions(
    usage: x509.KeyUsage, eku: Sequence[x509.ObjectIdentifier]
) -> list[tuple[x509.ExtensionType, bool]]:
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (usage, True),
    ]
    if eku:
        extensions.append((x509.ExtendedKeyUsage(list(eku)), False))
    return extensions


def _san(hostnames: Sequence[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


class TestPki:
    """Root, "organisations" and "personnes" authorities, and what they issue."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(self, crl_base_url: str | None = None, label: str = "TEST") -> None:
        self.crl_base_url = crl_base_url.rstrip("/") if crl_base_url else None
        root_key = new_rsa_key()
        root_name = _ca_name(f"{label} AC RACINE IGC-SANTE ELEMENTAIRE")
        now = _now()
        root_cert = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + _CA_VALIDITY)
        )
        for extension, critical in _ca_extensions(root_key, None):
            root_cert = root_cert.add_extension(extension, critical=critical)
        self.root = Authority(
            "racine",
            Issued(root_cert.sign(root_key, hashes.SHA256()), root_key),
            self._crl_url("racine"),
        )
        self.organisations = self._intermediate(
            "organisations", f"{label} AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"
        )
        self.personnes = self._intermediate("personnes", f"{label} AC IGC-SANTE FORT PERSONNES")

    def _crl_url(self, slug: str) -> str | None:
        return f"{self.crl_base_url}/{slug}.crl" if self.crl_base_url else None

    def _intermediate(self, slug: str, common_name: str) -> Authority:
        key = new_rsa_key()
        certificate = self.root.sign(
            _ca_name(common_name),
            key.public_key(),
            [
                (ext, crit)
                for ext, crit in _ca_extensions(key, 0)
                if not isinstance(ext, x509.SubjectKeyIdentifier)
            ],
            not_after=_now() + _CA_VALIDITY - dt.timedelta(days=1),
        )
        return Authority(slug, Issued(certificate, key), self._crl_url(slug))

    @property
    def authorities(self) -> tuple[Authority, ...]:
        return (self.root, self.organisations, self.personnes)

    # -- what the authorities issue -------------------------------------------------------

    def server(
        self,
        hostnames: Sequence[str],
        *,
        operator: str = "OPERATEUR MSSANTE TEST",
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Issued:
        """A TLS server certificate from the "organisations" authority."""
        key = new_rsa_key()
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, operator),
                x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0]),
            ]
        )
        extensions = [
            *_leaf_extensions(
                _key_usage(signature=True, encipher=True), [ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            (_san(hostnames), False),
        ]
        certificate = self.organisations.sign(
            subject, key.public_key(), extensions, not_before=not_before, not_after=not_after
        )
        return Issued(certificate, key)

    def expired_server(self, hostnames: Sequence[str]) -> Issued:
        start = _now() - dt.timedelta(days=400)
        return self.server(hostnames, not_before=start, not_after=_now() - dt.timedelta(days=1))

    def revoked_server(self, hostnames: Sequence[str]) -> Issued:
        issued = self.server(hostnames)
        self.organisations.revoke(issued.certificate)
        return issued

    def organisation_client(
        self,
        mailbox_id: str,
        organisation: str,
        application: str,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Issued:
        """The software certificate of an organisation / application mailbox (PKCS#12)."""
        key = new_rsa_key()
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, mailbox_id),
                x509.NameAttribute(NameOID.COMMON_NAME, application),
            ]
        )
        extensions = _leaf_extensions(
            _key_usage(signature=True, encipher=True), [ExtendedKeyUsageOID.CLIENT_AUTH]
        )
        certificate = self.organisations.sign(
            subject, key.public_key(), extensions, not_before=not_before, not_after=not_after
        )
        return Issued(certificate, key)

    def card_certificate(
        self, public_key: rsa.RSAPublicKey, holder: CardHolder, use: CardKeyUse
    ) -> x509.Certificate:
        """A CPS card certificate for a key pair generated on the card.

        The holder is in the subject: serialNumber = national id ("8" + RPPS), surname, given
        name, title = profession, the structure in O / OU. The authentication certificate is
        for TLS client authentication; the signature one is for non-repudiation only.
        """
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, holder.structure),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, holder.structure_id),
                x509.NameAttribute(NameOID.TITLE, holder.profession),
                x509.NameAttribute(NameOID.SURNAME, holder.surname),
                x509.NameAttribute(NameOID.GIVEN_NAME, holder.given_name),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, holder.id_nat),
                x509.NameAttribute(
                    NameOID.COMMON_NAME, f"{holder.id_nat}/{holder.given_name} {holder.surname}"
                ),
            ]
        )
        if use is CardKeyUse.AUTHENTICATION:
            extensions = _leaf_extensions(
                _key_usage(signature=True, encipher=True),
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION],
            )
        else:
            extensions = _leaf_extensions(_key_usage(commitment=True), [])
        return self.personnes.sign(subject, public_key, extensions)

    # -- files ----------------------------------------------------------------------------

    def write(self, directory: Path) -> PkiFiles:
        """Write the trust anchors, chains and CRLs (DER and PEM) below ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        crl_dir = directory / "crl"
        crl_dir.mkdir(exist_ok=True)
        pem = serialization.Encoding.PEM
        for authority in self.authorities:
            (directory / f"{authority.slug}.pem").write_bytes(
                authority.certificate.public_bytes(pem)
            )
        self.write_crls(crl_dir)
        root = directory / "racine.pem"
        ca_bundle = directory / "ca-all.pem"
        ca_bundle.write_bytes(b"".join(a.certificate.public_bytes(pem) for a in self.authorities))
        ca_with_crls = directory / "ca-all+crl.pem"
        ca_with_crls.write_bytes(
            ca_bundle.read_bytes()
            + b"".join((crl_dir / f"{a.slug}.crl.pem").read_bytes() for a in self.authorities)
        )
        return PkiFiles(root=root, ca_bundle=ca_bundle, ca_with_crls=ca_with_crls, crl_dir=crl_dir)

    def write_crls(self, crl_dir: Path) -> None:
        """(Re)publish every authority's CRL, as DER ``<slug>.crl`` and PEM ``<slug>.crl.pem``."""
        for authority in self.authorities:
            crl = authority.crl()
            (crl_dir / f"{authority.slug}.crl").write_bytes(
                crl.public_bytes(serialization.Encoding.DER)
            )
            (crl_dir / f"{authority.slug}.crl.pem").write_bytes(
                crl.public_bytes(serialization.Encoding.PEM)
            )

    def chain_pem(self, issued: Issued | x509.Certificate) -> bytes:
        """Leaf followed by its intermediate (what a server or client presents)."""
        certificate = issued.certificate if isinstance(issued, Issued) else issued
        intermediate = next(
            a for a in self.authorities if a.certificate.subject == certificate.issuer
        )
        return b"".join(
            c.public_bytes(serialization.Encoding.PEM)
            for c in (certificate, intermediate.certificate)
        )


@dataclass(frozen=True)
class PkiFiles:
    root: Path  # the trust anchor a client is given
    ca_bundle: Path  # root + intermediates
    ca_with_crls: Path  # root + intermediates + every CRL (what Dovecot's ssl_ca wants)
    crl_dir: Path
