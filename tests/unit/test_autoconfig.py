"""Server discovery: operator profiles, DNS SRV, autoconfiguration XML, hostile answers."""

from __future__ import annotations

import logging
import ssl
import threading
import time
import urllib.error
from collections.abc import Mapping, Sequence
from pathlib import Path

import dns.exception
import dns.resolver
import pytest

from app.transport.autoconfig import (
    MAX_AUTOCONFIG_BYTES,
    SOURCE_DNS,
    AddressError,
    MailAddress,
    OperatorProfile,
    OperatorProfileError,
    ServerSettings,
    SrvRecord,
    SystemResolver,
    choose_srv,
    discover,
    https_get,
    load_operator_profiles,
)
from app.transport.endpoints import Endpoint, Protocol, Security

ADDRESS = "jean.dupont@medecin.mssante.fr"
LOCAL = "jean.dupont"
DOMAIN = "medecin.mssante.fr"
FIRST_URL = f"https://autoconfig.{DOMAIN}/mail/config-v1.1.xml"
FIRST_URL_FETCHED = f"{FIRST_URL}?emailaddress=jean.dupont%40{DOMAIN}"
WELL_KNOWN_URL = f"https://{DOMAIN}/.well-known/autoconfig/mail/config-v1.1.xml"


class FakeResolver:
    def __init__(self, answers: Mapping[str, Sequence[SrvRecord]] = ()) -> None:
        self.answers = dict(answers)
        self.queries: list[str] = []
        self._lock = threading.Lock()

    def srv(self, name: str) -> list[SrvRecord]:
        with self._lock:
            self.queries.append(name)
        return list(self.answers.get(name, []))


class FakeFetch:
    """Answers from a table; an unknown URL fails like an unreachable server."""

    def __init__(self, answers: Mapping[str, bytes | Exception] = ()) -> None:
        self.answers = dict(answers)
        self.calls: list[tuple[str, float, ssl.SSLContext | None]] = []

    def __call__(self, url: str, timeout: float, ssl_context: ssl.SSLContext | None) -> bytes:
        self.calls.append((url, timeout, ssl_context))
        answer = self.answers.get(url, urllib.error.URLError(f"cannot reach {url}"))
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def urls(self) -> list[str]:
        return [url for url, _, _ in self.calls]


def srv(priority: int, weight: int, port: int, target: str) -> SrvRecord:
    return SrvRecord(priority, weight, port, target)


def client_config(*servers: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">'
        '<emailProvider id="mssante.fr"><domain>mssante.fr</domain>'
        + "".join(servers)
        + "</emailProvider></clientConfig>"
    ).encode()


def incoming(host: str, socket_type: str, port: str | None = "993", kind: str = "imap") -> str:
    port_element = "" if port is None else f"<port>{port}</port>"
    return (
        f'<incomingServer type="{kind}"><hostname>{host}</hostname>{port_element}'
        f"<socketType>{socket_type}</socketType><username>%EMAILADDRESS%</username>"
        "<authentication>password-cleartext</authentication></incomingServer>"
    )


def outgoing(host: str, socket_type: str, port: str | None = "465") -> str:
    port_element = "" if port is None else f"<port>{port}</port>"
    return (
        f'<outgoingServer type="smtp"><hostname>{host}</hostname>{port_element}'
        f"<socketType>{socket_type}</socketType></outgoingServer>"
    )


def run(
    resolver: FakeResolver | None = None,
    fetch: FakeFetch | None = None,
    *,
    address: str = ADDRESS,
    profiles: Sequence[OperatorProfile] = (),
) -> ServerSettings | None:
    return discover(
        address,
        profiles=profiles,
        resolver=resolver if resolver is not None else FakeResolver(),
        fetch=fetch if fetch is not None else FakeFetch(),
        timeout=2.0,
    )


def imaps(host: str, port: int = 993) -> Endpoint:
    return Endpoint(Protocol.IMAP, Security.IMPLICIT, host, port)


def smtps(host: str, port: int = 465) -> Endpoint:
    return Endpoint(Protocol.SMTP, Security.IMPLICIT, host, port)


# -- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "",
        "   ",
        "jean.dupont",
        "jean@@medecin.mssante.fr",
        "jean@dupont@medecin.mssante.fr",
        "@medecin.mssante.fr",
        "jean.dupont@",
        "jean dupont@medecin.mssante.fr",
        "jean\x00dupont@medecin.mssante.fr",
        "jean.dupont@medecin mssante.fr",
        "jean.dupont@medecin..mssante.fr",
        "jean.dupont@medecin.mssante.fr.",
        "jean.dupont@-medecin.mssante.fr",
        "jean.dupont@medecin_x.mssante.fr",
        "jean.dupont@[192.0.2.1]",
        "jean.dupont@" + "a" * 64 + ".fr",
        "jean.dupont@" + ".".join(["abcdefghi"] * 30),
    ],
)
def test_invalid_addresses_get_a_french_error_without_the_local_part(address: str) -> None:
    resolver, fetch = FakeResolver(), FakeFetch()
    with pytest.raises(ValueError, match="Adresse de messagerie invalide") as error:
        run(resolver, fetch, address=address)
    assert isinstance(error.value, AddressError)
    if "@" in address and address.split("@")[0].strip():
        assert address.split("@")[0].strip() not in str(error.value)
    assert resolver.queries == []
    assert fetch.calls == []


def test_international_domain_is_punycode_for_lookups_and_kept_for_display() -> None:
    mail = MailAddress.parse("  Jean.Dupont@Hôpital-Exemple.fr ")
    assert mail.local == "Jean.Dupont"
    assert mail.domain == "Hôpital-Exemple.fr"
    assert mail.ascii_domain == "xn--hpital-exemple-0ob.fr"
    resolver = FakeResolver()
    assert run(resolver, address="jean@hôpital-exemple.fr") is None
    assert "_imaps._tcp.xn--hpital-exemple-0ob.fr" in resolver.queries


# -- 1. operator profiles ---------------------------------------------------------------------


def _profile(name: str, *domains: str, host: str = "imap.mssante.fr") -> OperatorProfile:
    return OperatorProfile(
        name=name,
        domains=domains,
        imap=Endpoint.parse(f"imap+starttls://{host}"),
        smtp=Endpoint.parse(f"smtp+starttls://{host.replace('imap', 'smtp')}"),
        autoconfig_url=None,
    )


def test_profile_covers_subdomains_and_wins_without_any_lookup() -> None:
    resolver, fetch = FakeResolver(), FakeFetch()
    found = run(resolver, fetch, profiles=[_profile("Mailiz", "mssante.fr")])
    assert found == ServerSettings(
        Endpoint(Protocol.IMAP, Security.STARTTLS, "imap.mssante.fr", 143),
        Endpoint(Protocol.SMTP, Security.STARTTLS, "smtp.mssante.fr", 587),
        "profil opérateur « Mailiz »",
    )
    assert resolver.queries == []
    assert fetch.calls == []


def test_profile_domain_matches_whole_labels_only() -> None:
    resolver = FakeResolver()
    profiles = [_profile("Autre", "ssante.fr"), _profile("Exact", "medecin.mssante.fr.example")]
    assert run(resolver, profiles=profiles) is None
    assert resolver.queries  # fell through to DNS


def test_most_specific_profile_wins_then_file_order() -> None:
    profiles = [
        _profile("Général", "mssante.fr", host="imap.mssante.fr"),
        _profile("Médecins", "MEDECIN.mssante.fr", host="imap.medecin.example"),
        _profile("Médecins bis", "medecin.mssante.fr", host="imap.bis.example"),
    ]
    found = run(profiles=profiles)
    assert found is not None
    assert found.source == "profil opérateur « Médecins »"
    assert found.imap.host == "imap.medecin.example"
    other = run(profiles=profiles, address="x@pharmacie.mssante.fr")
    assert other is not None
    assert other.source == "profil opérateur « Général »"


def test_profile_with_international_domain() -> None:
    found = run(
        profiles=[_profile("Hôpital", "hôpital-exemple.fr")],
        address="jean@soins.xn--hpital-exemple-0ob.fr",
    )
    assert found is not None
    assert found.source == "profil opérateur « Hôpital »"


PROFILES_TOML = """
[[operator]]
name = "Mailiz"
domains = ["mssante.fr", "formation.mssante.fr"]
imap = "imap+starttls://imap.mssante.fr:143"
smtp = "smtp+starttls://smtp.mssante.fr:587"
autoconfig_url = "https://mssante.fr/mail/config-v1.1.xml"

[[operator]]
name = "GRADeS exemple"
domains = ["ght-exemple.fr"]
imap = "imaps://mail.ght-exemple.fr"
"""


def test_load_operator_profiles(tmp_path: Path) -> None:
    path = tmp_path / "operateurs.toml"
    path.write_text(PROFILES_TOML, encoding="utf-8")
    first, second = load_operator_profiles(path)
    assert first == OperatorProfile(
        "Mailiz",
        ("mssante.fr", "formation.mssante.fr"),
        Endpoint(Protocol.IMAP, Security.STARTTLS, "imap.mssante.fr", 143),
        Endpoint(Protocol.SMTP, Security.STARTTLS, "smtp.mssante.fr", 587),
        "https://mssante.fr/mail/config-v1.1.xml",
    )
    assert second.imap == imaps("mail.ght-exemple.fr")
    assert second.smtp is None
    assert second.autoconfig_url is None
    found = run(profiles=[first, second], address="a@medecin.mssante.fr")
    assert found is not None
    assert found.imap == first.imap


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[[operator]\n", "illisible"),
        (b"\xff\xfe".decode("latin-1"), "illisible"),
        ("operators = []\n", "clé(s) inconnue(s) : operators"),
        ('operator = "x"\n', "liste de tables"),
        (
            '[[operator]]\nname = "X"\ndomains = ["x.fr"]\nimap = "imaps://h"\nsmpt = "smtps://h"\n',
            "clé(s) inconnue(s) : smpt",
        ),
        ('[[operator]]\ndomains = ["x.fr"]\nimap = "imaps://h"\n', "« name »"),
        ('[[operator]]\nname = "X"\nimap = "imaps://h"\n', "« domains »"),
        ('[[operator]]\nname = "X"\ndomains = []\nimap = "imaps://h"\n', "« domains »"),
        ('[[operator]]\nname = "X"\ndomains = ["x..fr"]\nimap = "imaps://h"\n', "domaine invalide"),
        ('[[operator]]\nname = "X"\ndomains = ["x.fr"]\n', "« imap »"),
        ('[[operator]]\nname = "X"\ndomains = ["x.fr"]\nimap = "http://h"\n', "non reconnue"),
        ('[[operator]]\nname = "X"\ndomains = ["x.fr"]\nimap = "smtps://h"\n', "adresse IMAP"),
        (
            '[[operator]]\nname = "X"\ndomains = ["x.fr"]\nimap = "imaps://h"\nsmtp = "imaps://h"\n',
            "adresse SMTP",
        ),
        (
            '[[operator]]\nname = "X"\ndomains = ["x.fr"]\nimap = "imaps://h"\n'
            'autoconfig_url = "http://x.fr/config.xml"\n',
            "https://",
        ),
    ],
)
def test_bad_profile_files_get_a_french_error(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "operateurs.toml"
    path.write_bytes(content.encode("latin-1") if "\xff" in content else content.encode())
    with pytest.raises(OperatorProfileError) as error:
        load_operator_profiles(path)
    assert isinstance(error.value, ValueError)
    assert expected in str(error.value)


def test_empty_profile_file_has_no_profile(tmp_path: Path) -> None:
    path = tmp_path / "operateurs.toml"
    path.write_text("# aucun opérateur\n", encoding="utf-8")
    assert load_operator_profiles(path) == []


# -- 2. DNS SRV -------------------------------------------------------------------------------


def test_srv_priority_then_weight() -> None:
    resolver = FakeResolver(
        {
            f"_imaps._tcp.{DOMAIN}": [
                srv(20, 100, 993, "backup.mssante.fr"),
                srv(10, 5, 993, "light.mssante.fr"),
                srv(10, 50, 10993, "heavy.mssante.fr."),
            ],
            f"_imap._tcp.{DOMAIN}": [srv(0, 0, 143, "starttls.mssante.fr")],
            f"_submissions._tcp.{DOMAIN}": [
                srv(5, 0, 465, "smtp-b.mssante.fr"),
                srv(1, 0, 465, "SMTP-A.mssante.fr"),
            ],
        }
    )
    fetch = FakeFetch()
    found = run(resolver, fetch)
    assert found == ServerSettings(
        imaps("heavy.mssante.fr", 10993), smtps("smtp-a.mssante.fr"), SOURCE_DNS
    )
    assert found.source == "DNS (SRV)"
    assert sorted(resolver.queries) == sorted(
        f"{service}.{DOMAIN}"
        for service in ("_imaps._tcp", "_imap._tcp", "_submissions._tcp", "_submission._tcp")
    )
    assert fetch.calls == []


def test_srv_equal_priority_and_weight_is_deterministic() -> None:
    records = [
        srv(1, 10, 993, "b.example"),
        srv(1, 10, 993, "a.example"),
        srv(1, 10, 99, "a.example"),
    ]
    for _ in range(5):
        assert choose_srv(records) == ("a.example", 99)
        assert choose_srv(list(reversed(records))) == ("a.example", 99)


def test_srv_dot_target_and_port_zero_are_ignored() -> None:
    resolver = FakeResolver(
        {
            f"_imaps._tcp.{DOMAIN}": [srv(0, 0, 0, ".")],
            f"_imap._tcp.{DOMAIN}": [
                srv(0, 0, 0, "imap.mssante.fr"),
                srv(5, 0, 143, "imap2.mssante.fr"),
            ],
            f"_submissions._tcp.{DOMAIN}": [srv(0, 0, 465, ".")],
            f"_submission._tcp.{DOMAIN}": [srv(0, 0, 587, "smtp.mssante.fr")],
        }
    )
    found = run(resolver)
    assert found == ServerSettings(
        Endpoint(Protocol.IMAP, Security.STARTTLS, "imap2.mssante.fr", 143),
        Endpoint(Protocol.SMTP, Security.STARTTLS, "smtp.mssante.fr", 587),
        SOURCE_DNS,
    )


def test_srv_only_starttls() -> None:
    resolver = FakeResolver(
        {
            f"_imap._tcp.{DOMAIN}": [srv(0, 1, 143, "imap.mssante.fr")],
            f"_submission._tcp.{DOMAIN}": [srv(0, 1, 587, "smtp.mssante.fr")],
        }
    )
    found = run(resolver)
    assert found is not None
    assert found.imap == Endpoint(Protocol.IMAP, Security.STARTTLS, "imap.mssante.fr", 143)
    assert found.smtp == Endpoint(Protocol.SMTP, Security.STARTTLS, "smtp.mssante.fr", 587)


def test_srv_imap_without_submission_stops_there() -> None:
    resolver = FakeResolver({f"_imaps._tcp.{DOMAIN}": [srv(0, 0, 993, "imap.mssante.fr")]})
    fetch = FakeFetch()
    assert run(resolver, fetch) == ServerSettings(imaps("imap.mssante.fr"), None, SOURCE_DNS)
    assert fetch.calls == []


def test_srv_submission_only_falls_through_to_autoconfig() -> None:
    resolver = FakeResolver({f"_submissions._tcp.{DOMAIN}": [srv(0, 0, 465, "smtp.mssante.fr")]})
    fetch = FakeFetch()
    assert run(resolver, fetch) is None
    assert fetch.urls == [FIRST_URL_FETCHED, WELL_KNOWN_URL]


@pytest.mark.parametrize(
    "target",
    ["", "bad\\032name.example", "under_score.example", "x" * 64 + ".example", "-dash.example"],
)
def test_srv_unusable_targets_are_ignored(target: str) -> None:
    resolver = FakeResolver({f"_imaps._tcp.{DOMAIN}": [srv(0, 0, 993, target)]})
    assert run(resolver) is None


@pytest.mark.parametrize(
    "error",
    [
        dns.resolver.NXDOMAIN(),
        dns.resolver.NoAnswer(),
        dns.resolver.LifetimeTimeout(timeout=1.0, errors=[]),
        dns.resolver.NoNameservers(),
        dns.exception.DNSException("boom"),
        OSError("network unreachable"),
    ],
)
def test_system_resolver_failures_are_empty_answers(error: Exception) -> None:
    class Failing(dns.resolver.Resolver):
        def __init__(self) -> None:
            super().__init__(configure=False)

        def resolve(self, *args: object, **kwargs: object) -> dns.resolver.Answer:
            raise error

    assert SystemResolver(resolver=Failing()).srv(f"_imaps._tcp.{DOMAIN}") == []


def test_system_resolver_configures_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[dns.resolver.Resolver] = []

    class Unconfigured(dns.resolver.Resolver):
        def __init__(self) -> None:
            super().__init__(configure=False)
            made.append(self)

    monkeypatch.setattr(dns.resolver, "Resolver", Unconfigured)
    SystemResolver(timeout=1.25)
    assert made[0].lifetime == 1.25


def test_system_resolver_without_dns_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_configuration() -> dns.resolver.Resolver:
        raise dns.resolver.NoResolverConfiguration("no nameservers")

    monkeypatch.setattr(dns.resolver, "Resolver", no_configuration)
    assert SystemResolver().srv(f"_imaps._tcp.{DOMAIN}") == []


# -- 3. autoconfiguration XML -----------------------------------------------------------------


def test_autoconfig_with_placeholders() -> None:
    document = client_config(
        incoming("pop.%EMAILDOMAIN%", "SSL", "995", kind="pop3"),
        incoming("imap.%EMAILDOMAIN%", "SSL"),
        incoming("imap-backup.%EMAILDOMAIN%", "STARTTLS", "143"),
        outgoing("%EMAILLOCALPART%.smtp.%EMAILDOMAIN%", "STARTTLS", None),
    )
    context = ssl.create_default_context()
    fetch = FakeFetch({FIRST_URL_FETCHED: document})
    found = discover(
        ADDRESS, resolver=FakeResolver(), fetch=fetch, ssl_context=context, timeout=3.5
    )
    assert found == ServerSettings(
        imaps(f"imap.{DOMAIN}"),
        Endpoint(Protocol.SMTP, Security.STARTTLS, f"jean.dupont.smtp.{DOMAIN}", 587),
        f"autoconfiguration ({FIRST_URL})",
    )
    assert LOCAL not in found.source
    assert fetch.calls == [(FIRST_URL_FETCHED, 3.5, context)]


def test_autoconfig_international_domain_placeholder() -> None:
    ascii_domain = "xn--hpital-exemple-0ob.fr"
    fetch = FakeFetch(
        {
            f"https://{ascii_domain}/.well-known/autoconfig/mail/config-v1.1.xml": client_config(
                incoming("imap.%EMAILDOMAIN%", "ssl", None)
            )
        }
    )
    found = run(fetch=fetch, address="Jean@Hôpital-Exemple.fr")
    assert found is not None
    assert found.imap == imaps(f"imap.{ascii_domain}")
    assert fetch.urls[0] == (
        f"https://autoconfig.{ascii_domain}/mail/config-v1.1.xml?emailaddress=Jean%40{ascii_domain}"
    )


def test_autoconfig_falls_back_to_well_known() -> None:
    fetch = FakeFetch(
        {
            FIRST_URL_FETCHED: urllib.error.HTTPError(FIRST_URL, 404, "Not Found", None, None),  # type: ignore[arg-type]
            WELL_KNOWN_URL: client_config(incoming("imap.mssante.fr", "SSL")),
        }
    )
    found = run(fetch=fetch)
    assert found == ServerSettings(
        imaps("imap.mssante.fr"), None, f"autoconfiguration ({WELL_KNOWN_URL})"
    )


def test_autoconfig_plain_servers_are_never_used() -> None:
    document = client_config(
        incoming("imap.mssante.fr", "plain", "143"),
        incoming("imap2.mssante.fr", "", "143"),
        incoming("imap3.mssante.fr", "TLS-ish", "143"),
        outgoing("smtp.mssante.fr", "plain", "25"),
    )
    fetch = FakeFetch({FIRST_URL_FETCHED: document, WELL_KNOWN_URL: document})
    assert run(fetch=fetch) is None
    assert fetch.urls == [FIRST_URL_FETCHED, WELL_KNOWN_URL]


def test_autoconfig_plain_smtp_is_dropped_but_imap_kept() -> None:
    document = client_config(
        incoming("imap.mssante.fr", "plain", "143"),
        incoming("imap.mssante.fr", "STARTTLS", "143"),
        outgoing("smtp.mssante.fr", "plain", "25"),
    )
    found = run(fetch=FakeFetch({FIRST_URL_FETCHED: document}))
    assert found is not None
    assert found.imap == Endpoint(Protocol.IMAP, Security.STARTTLS, "imap.mssante.fr", 143)
    assert found.smtp is None


@pytest.mark.parametrize(
    "server",
    [
        incoming("%EMAILADDRESS%", "SSL"),  # "jean.dupont@medecin..." is no host name
        incoming("imap.mssante.fr", "SSL", "0"),
        incoming("imap.mssante.fr", "SSL", "65536"),
        incoming("imap.mssante.fr", "SSL", "99a"),
        incoming("imap.mssante.fr", "SSL", "-1"),
        incoming("", "SSL"),
        incoming("imap mssante.fr", "SSL"),
        incoming("user@imap.mssante.fr", "SSL"),
        incoming("imap.mssante.fr/x", "SSL"),
    ],
)
def test_autoconfig_unusable_servers_are_skipped(server: str) -> None:
    assert run(fetch=FakeFetch({FIRST_URL_FETCHED: client_config(server)})) is None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<clientConfig version="1.1"><emailProvider id="x"><incomingServer type="imap">
<hostname>imap.mssante.fr&lol9;</hostname><port>993</port><socketType>SSL</socketType>
</incomingServer></emailProvider></clientConfig>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<clientConfig version="1.1"><emailProvider id="x"><incomingServer type="imap">
<hostname>&secret;</hostname><port>993</port><socketType>SSL</socketType>
</incomingServer></emailProvider></clientConfig>
"""

DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig SYSTEM "https://attacker.example/config.dtd">
""" + client_config(incoming("imap.mssante.fr", "SSL")).split(b"\n", 1)[1]


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, DTD_ONLY])
def test_autoconfig_entities_and_dtds_are_refused_quickly(document: bytes) -> None:
    fetch = FakeFetch({FIRST_URL_FETCHED: document, WELL_KNOWN_URL: document})
    started = time.monotonic()
    assert run(fetch=fetch) is None
    assert time.monotonic() - started < 1.0
    assert len(fetch.calls) == 2


def test_autoconfig_oversized_body_is_refused() -> None:
    padding = b"<!--" + b"x" * MAX_AUTOCONFIG_BYTES + b"-->"
    document = client_config(incoming("imap.mssante.fr", "SSL")) + padding
    assert run(fetch=FakeFetch({FIRST_URL_FETCHED: document})) is None


def test_autoconfig_deeply_nested_document_does_not_crash() -> None:
    depth = 100_000
    document = b"<clientConfig>" + b"<a>" * depth + b"</a>" * depth + b"</clientConfig>"
    assert len(document) < MAX_AUTOCONFIG_BYTES
    assert run(fetch=FakeFetch({FIRST_URL_FETCHED: document})) is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\xff\xfe garbage \x80",
        b'{"imap": "imap.mssante.fr"}',
        b"<html><body>Page introuvable</body></html>",
        b"<clientConfig><emailProvider>",
        b'<?xml version="1.0" encoding="x-unknown"?><clientConfig/>',
        b'<?xml version="1.0" encoding="zlib"?><clientConfig/>',
        b'<?xml version="1.0" encoding="utf-7"?><clientConfig/>',
        b'<?xml version="1.0" encoding="idna"?><clientConfig/>',
        b"<clientConfig/>",
        "<clientConfig>é</clientConfig>".encode("latin-1"),
    ],
)
def test_autoconfig_garbage_is_no_result(body: bytes) -> None:
    assert run(fetch=FakeFetch({FIRST_URL_FETCHED: body, WELL_KNOWN_URL: body})) is None


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError("redirect to a non-https URL refused"),
        ssl.SSLCertVerificationError("certificate verify failed"),
        TimeoutError("timed out"),
        ConnectionRefusedError(111, "refused"),
        ValueError("body too large"),
    ],
)
def test_autoconfig_fetch_failures_are_no_result(error: Exception) -> None:
    assert run(fetch=FakeFetch({FIRST_URL_FETCHED: error, WELL_KNOWN_URL: error})) is None


def test_logs_never_hold_the_local_part(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="app.transport.autoconfig")
    fetch = FakeFetch({WELL_KNOWN_URL: BILLION_LAUGHS})  # first URL: error naming the URL
    assert run(fetch=fetch) is None
    assert DOMAIN in caplog.text
    assert "URLError" in caplog.text
    assert "EntitiesForbidden" in caplog.text or "DTDForbidden" in caplog.text
    assert LOCAL not in caplog.text
    assert "jean.dupont%40" not in caplog.text


def test_autoconfig_only_when_dns_has_no_imap() -> None:
    document = client_config(incoming("imap.autoconfig.example", "SSL"))
    resolver = FakeResolver({f"_imap._tcp.{DOMAIN}": [srv(0, 0, 143, "imap.dns.example")]})
    fetch = FakeFetch({FIRST_URL_FETCHED: document})
    found = run(resolver, fetch)
    assert found is not None
    assert found.source == SOURCE_DNS
    assert fetch.calls == []


# -- 4. nothing -------------------------------------------------------------------------------


def test_nothing_found_is_none() -> None:
    resolver, fetch = FakeResolver(), FakeFetch()
    assert run(resolver, fetch) is None
    assert len(resolver.queries) == 4
    assert fetch.urls == [FIRST_URL_FETCHED, WELL_KNOWN_URL]


# -- the default fetch, without network ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://autoconfig.mssante.fr/mail/config-v1.1.xml",
        "file:///etc/passwd",
        "ftp://x/y",
        "data:,x",
    ],
)
def test_https_get_refuses_other_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="only https"):
        https_get(url, 1.0)
