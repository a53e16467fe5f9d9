"""The Annuaire Santé FHIR client against a local HTTPS API shaped like the real one
(``fhir_fake``): mailboxes read from telecom extensions (liste rouge and APICRYPT never
shown), practitioners with their roles and structures, organisations, paging through
next links, whoami, the French errors, the 17 calls/s limit, the CLI and the keyring."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.keychain import SERVICE, esante_api_key
from app.core.paths import Profile
from app.directory import fhir
from app.directory.errors import DirectoryError
from app.directory.fhir import (
    FhirApiError,
    FhirDirectory,
    FhirKeyError,
    FhirRateLimitError,
    FhirResponseError,
    FhirTimeoutError,
    FhirUnreachableError,
    RateLimiter,
)
from app.directory.index import Mailbox
from app.directory.lookup import own_addresses, profile_addresses
from tests.conftest import MemoryKeyring
from tests.integration.fhir_fake import (
    BASE_PATH,
    KEY,
    FakeApi,
    Json,
    bal,
    organization,
    practitioner,
    role,
    serve,
)

RPPS = "10101201234"
CARDIO = ("SM04", "Cardiologie et maladies vasculaires")


def _resources() -> list[Json]:
    lefevre = practitioner(
        "003-1",
        RPPS,
        "LEFÈVRE",
        "Élodie",
        [
            bal("elodie.lefevre@medecin.mssante.fr", "PER"),
            bal("elodie.cachee@medecin.mssante.fr", "PER", liste_rouge=True),
            bal("elodie.lefevre@apicrypt.org", "PER", messaging="APICRYPT"),
            {"system": "email", "value": "elodie.lefevre@example.fr"},
            {"system": "phone", "value": "0299000000"},
        ],
        specialty=CARDIO,
    )
    other = practitioner(
        "003-2", "10000000002", "DURAND", "Paul", [bal("p.durand@medecin.mssante.fr", "PER")]
    )
    chu = organization(
        "org-1",
        "350005179",
        "CHU DE RENNES",
        "2 RUE HENRI LE GUILLOUX",
        "35033",
        "RENNES",
        [
            bal("cardiologie@chu-rennes.mssante.fr", "ORG", service="Cardiologie"),
            bal("robot-dmp@chu-rennes.mssante.fr", "APP", description="Robot d'envoi DMP"),
            bal("direction@chu-rennes.mssante.fr", "ORG", liste_rouge=True),
        ],
    )
    ajaccio = organization(
        "org-2", "2A0000001", "CABINET AJACCIO", "1 COURS NAPOLEON", "20000", "AJACCIO", []
    )
    roles = [
        role(
            "role-1",
            "003-1",
            "org-1",
            [bal("e.lefevre@chu-rennes.mssante.fr", "PER", service="Cardiologie")],
        ),
        role(
            "role-2",
            "003-1",
            "org-2",
            [bal("lefevre.secret@chu-rennes.mssante.fr", "PER", liste_rouge=True)],
        ),
        role("role-3", "003-2", "org-2", [bal("durand@cab-ajaccio.mssante.fr", "PER")]),
    ]
    martins = [
        practitioner(
            f"m-{n}",
            f"1099{n:07d}",
            "MARTIN",
            f"Prénom{n:03d}",
            [bal(f"martin{n:03d}@medecin.mssante.fr", "PER")],
        )
        for n in range(120)
    ]
    return [lefevre, other, chu, ajaccio, *roles, *martins]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[FakeApi]:
    with serve(_resources(), tmp_path) as running:
        yield running


def _client(api: FakeApi, **options: object) -> FhirDirectory:
    return FhirDirectory(KEY, api.url, trust_file=api.root_pem, **options)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_api_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fhir.API_KEY_ENV, raising=False)  # the keyring decides


def test_practitioner_mailboxes_with_roles_and_structures(api: FakeApi) -> None:
    found = _client(api).search("lefevre elodie")
    assert [m.address for m in found] == [
        "elodie.lefevre@medecin.mssante.fr",
        "e.lefevre@chu-rennes.mssante.fr",
    ]  # no liste rouge, no APICRYPT, no plain e-mail
    own, at_chu = found
    assert isinstance(own, Mailbox)
    assert own.bal_type == "PER" and own.display_name == "Élodie LEFÈVRE"
    assert (own.last_name, own.first_name, own.civility) == ("LEFÈVRE", "Élodie", "DR")
    assert (own.id_pp_type, own.id_pp, own.id_nat) == ("8", RPPS, "8" + RPPS)
    assert (own.profession, own.profession_code) == ("Médecin", "10")
    assert own.specialty == CARDIO[1]
    assert own.organisation == "" and own.city == ""
    assert at_chu.organisation == "CHU DE RENNES" and at_chu.service == "Cardiologie"
    assert (at_chu.street, at_chu.postcode, at_chu.city) == (
        "2 RUE HENRI LE GUILLOUX",
        "35033",
        "RENNES",
    )
    assert (at_chu.department, at_chu.structure_id) == ("35", "350005179")
    assert at_chu.id_pp == RPPS
    # PractitionerRole came with the practitioners (_revinclude), its structure by _id
    assert any("_revinclude=PractitionerRole" in p for p in api.site.paths("Practitioner"))
    assert any("_id=org-1" in p for p in api.site.paths("Organization"))


def test_organisations_and_the_type_filtered_here(api: FakeApi) -> None:
    client = _client(api)
    found = client.search("chu rennes")
    assert {(m.address, m.bal_type) for m in found} == {
        ("cardiologie@chu-rennes.mssante.fr", "ORG"),
        ("robot-dmp@chu-rennes.mssante.fr", "APP"),
    }
    robot = next(m for m in found if m.bal_type == "APP")
    assert robot.display_name == "CHU DE RENNES" and robot.department == "35"
    assert [m.address for m in client.search("chu rennes", bal_type="APP")] == [
        "robot-dmp@chu-rennes.mssante.fr"
    ]
    assert client.search("chu rennes", department="75") == []
    assert [m.address for m in client.search("durand", department="2A")] == [
        "durand@cab-ajaccio.mssante.fr"
    ]
    assert not any("mailbox-mss-type" in p or "_type" in p for _, p in api.site.requests)


def test_pages_follow_next_links_up_to_the_limit(api: FakeApi) -> None:
    client = _client(api, max_pages=10)
    everything = client.search("martin", limit=500)
    assert len(everything) == 120
    assert len({m.address for m in everything}) == 120
    pages = [p for _, p in api.site.requests if "_getpages=" in p]
    assert len(pages) == 2 and all("_getpagesoffset=" in p for p in pages)
    assert all("_count=50" in p for p in api.site.paths("Practitioner"))

    api.site.requests.clear()
    assert len(client.search("martin", limit=20)) == 20
    assert not [p for _, p in api.site.requests if "_getpages=" in p]  # one page was enough

    api.site.requests.clear()
    capped = _client(api, max_pages=2).search("martin", limit=500)
    assert len(capped) == 100


def test_whoami_by_rpps_or_national_id(api: FakeApi) -> None:
    client = _client(api)
    expected = ["e.lefevre@chu-rennes.mssante.fr", "elodie.lefevre@medecin.mssante.fr"]
    assert [m.address for m in client.whoami(RPPS)] == expected
    assert [m.address for m in client.whoami("8" + RPPS)] == expected
    assert client.whoami("19999999999") == []
    asked = api.site.paths("Practitioner")[0]
    assert "identifier=https%3A%2F%2Frpps.esante.gouv.fr%7C" in asked
    assert "urn%3Aoid%3A1.2.250.1.71.4.2.1%7C8" in asked
    with pytest.raises(FhirApiError) as malformed:
        client.whoami("12ab")
    assert "11 chiffres" in malformed.value.user_message
    api.site.requests.clear()
    assert client.whoami("0751234567") == []  # ADELI: by its national id only
    assert (
        "identifier=urn%3Aoid%3A1.2.250.1.71.4.2.1%7C0751234567&"
        in api.site.paths("Practitioner")[0]
    )


def test_search_by_address_on_every_resource(api: FakeApi) -> None:
    client = _client(api)
    at_chu = client.search("e.lefevre@chu")
    assert [(m.address, m.organisation) for m in at_chu] == [
        ("e.lefevre@chu-rennes.mssante.fr", "CHU DE RENNES")
    ]
    assert [m.bal_type for m in client.search("robot-dmp@")] == ["APP"]
    assert client.search("direction@chu-rennes.mssante.fr") == []  # liste rouge
    assert client.search("elodie.cachee@") == []


def test_errors_are_french_directory_errors(api: FakeApi, tmp_path: Path) -> None:
    client = _client(api)
    api.site.slow_seconds = 2.0
    with pytest.raises(FhirTimeoutError) as slow:
        _client(api, timeout=0.5).search("lent")
    assert "n'a pas répondu en 0.5 s" in slow.value.user_message
    cases: list[tuple[str, type[FhirApiError], str]] = [
        ("erreur", FhirApiError, "Paramètre de recherche inconnu : foo"),
        ("trop", FhirRateLimitError, "Trop de requêtes"),
        ("casse", FhirResponseError, "réponse illisible"),
        ("ailleurs", FhirResponseError, "autre serveur"),
    ]
    for word, kind, message in cases:
        with pytest.raises(kind) as raised:
            client.search(word)
        assert isinstance(raised.value, DirectoryError)
        assert message in raised.value.user_message, word
    assert not any("ailleurs.example" in p for _, p in api.site.requests)
    assert len(api.site.paths("Practitioner?name=trop&")) == 2  # retried once, then reported
    assert client.search("trop-une-fois") == []  # the retry went through
    assert len(api.site.paths("Practitioner?name=trop-une-fois")) == 2
    with pytest.raises(FhirApiError) as bad_request:
        client.search("erreur")
    assert "(HTTP 400)" in bad_request.value.user_message

    with pytest.raises(FhirKeyError) as refused:
        FhirDirectory("mauvaise-cle", api.url, trust_file=api.root_pem).search("durand")
    assert "Clé d'API" in refused.value.user_message

    port = api.url.split(":")[2].split("/")[0]
    closed = api.url.replace(port, "1")
    with pytest.raises(FhirUnreachableError) as unreachable:
        FhirDirectory(KEY, closed, trust_file=api.root_pem).search("durand")
    assert "injoignable" in unreachable.value.user_message

    with pytest.raises(FhirApiError) as untrusted:  # the system store knows no test PKI
        FhirDirectory(KEY, api.url).search("durand")
    assert "certificat" in untrusted.value.user_message.lower()

    with pytest.raises(FhirApiError) as plain:
        FhirDirectory(KEY, api.url.replace("https:", "http:"))
    assert "https" in plain.value.user_message


def test_never_more_than_17_calls_in_any_second(api: FakeApi) -> None:
    client = _client(api)
    per_thread = 6

    def burst() -> None:
        for _ in range(per_thread):
            client.get(f"{api.url}/metadata")

    threads = [threading.Thread(target=burst) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    times = sorted(t for t, p in api.site.requests if p.endswith("/metadata"))
    assert len(times) == 6 * per_thread
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= fhir.REQUESTS_PER_SECOND
    assert times[-1] - times[0] >= 2.0  # 36 calls need three windows
    # (that the limiter lets 17 calls through at once is checked with a fake clock below:
    # on a loaded machine 17 TLS handshakes may themselves take more than a second)


def test_rate_limiter_slots_with_a_fake_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = RateLimiter(17, 1.0, margin=0.05, clock=lambda: now[0], sleep=sleep)
    starts = [limiter.wait() for _ in range(40)]
    assert starts[:17] == [0.0] * 17
    assert starts[17:34] == [pytest.approx(1.05)] * 17
    assert starts[34:] == [pytest.approx(2.10)] * 6
    assert len(slept) == 23
    now[0] = 10.0  # after a quiet spell, no wait
    assert limiter.wait() == 10.0


def test_cli_api_key_online_search_and_whoami(
    api: FakeApi,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    profile = ["--profile-dir", str(tmp_path / "profil")]
    online = ["--online", "--api-url", api.url, "--api-trust", str(api.root_pem)]

    assert main([*profile, "directory", "search", "lefevre", *online]) == 1
    assert "Aucune clé d'API" in capsys.readouterr().err

    monkeypatch.setenv(fhir.API_KEY_ENV, KEY)
    assert main([*profile, "directory", "api-key"]) == 0
    assert memory_keyring.values[(SERVICE, esante_api_key())] == KEY
    assert KEY not in capsys.readouterr().out
    monkeypatch.delenv(fhir.API_KEY_ENV)

    assert main([*profile, "directory", "search", "lefevre elodie", *online, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["address"] for r in rows] == [
        "elodie.lefevre@medecin.mssante.fr",
        "e.lefevre@chu-rennes.mssante.fr",
    ]
    assert set(rows[0]) == set(Mailbox.__dataclass_fields__)

    assert main([*profile, "directory", "search", "chu rennes", *online, "--type", "ORG"]) == 0
    out = capsys.readouterr().out
    assert "ORG  CHU DE RENNES" in out and "cardiologie@chu-rennes.mssante.fr" in out
    assert "1 résultat(s)" in out

    assert main([*profile, "directory", "whoami", RPPS, *online]) == 0
    out = capsys.readouterr().out
    assert "elodie.lefevre@medecin.mssante.fr" in out and "2 résultat(s)" in out
    assert main([*profile, "directory", "whoami", "--rpps", "19999999999", *online]) == 1
    assert "dans l'API Annuaire Santé" in capsys.readouterr().out

    # settings instead of options: [annuaire] in config.toml
    config = Profile.resolve(tmp_path / "profil").config_file
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[annuaire]\napi_url = "{api.url}"\napi_autorites = "{api.root_pem}"\n', encoding="utf-8"
    )
    assert main([*profile, "directory", "whoami", RPPS, "--online", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2

    memory_keyring.values[(SERVICE, esante_api_key())] = "perimee"
    assert main([*profile, "directory", "search", "durand", *online]) == 1
    assert "Clé d'API Annuaire Santé refusée" in capsys.readouterr().err

    assert main([*profile, "directory", "api-key", "--remove"]) == 0
    assert (SERVICE, esante_api_key()) not in memory_keyring.values
    assert fhir.from_profile(Profile.resolve(tmp_path / "profil")) is None

    logs = "".join(p.read_text() for p in (tmp_path / "profil").rglob("*.log"))
    assert "FHIR Practitioner: HTTP 200" in logs  # something was logged…
    assert KEY not in logs and "perimee" not in logs  # …but never the key


def test_first_run_lookup_merges_the_api(
    api: FakeApi, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    assert own_addresses(data, RPPS) == []  # no offline index, no client
    client = _client(api)
    assert own_addresses(data, RPPS, client) == [
        "e.lefevre@chu-rennes.mssante.fr",
        "elodie.lefevre@medecin.mssante.fr",
    ]
    refused = FhirDirectory("mauvaise-cle", api.url, trust_file=api.root_pem)
    assert own_addresses(data, RPPS, refused) == []  # the API failing is not an error here


def test_first_run_lookup_from_the_profile(
    api: FakeApi, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    profile = Profile.from_dir(tmp_path / "profil")
    profile.ensure()
    profile.config_file.write_text(
        f'[annuaire]\napi_url = "{api.url}"\napi_autorites = "{api.root_pem}"\n',
        encoding="utf-8",
    )
    assert profile_addresses(profile, RPPS) == []  # no key: offline only (and no index)
    assert api.site.requests == []
    memory_keyring.values[(SERVICE, esante_api_key())] = KEY
    assert len(profile_addresses(profile, RPPS)) == 2
    profile.config_file.write_text('[annuaire]\napi_url = "http://x.example"\n', "utf-8")
    assert profile_addresses(profile, RPPS) == []  # an http: URL is refused, not fatal


def test_the_address_books_online_search_builds_its_client_at_first_use(
    api: FakeApi, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    profile = Profile.from_dir(tmp_path / "profil")
    profile.ensure()
    profile.config_file.write_text(
        f'[annuaire]\napi_url = "{api.url}"\napi_autorites = "{api.root_pem}"\n',
        encoding="utf-8",
    )
    search = fhir.online_search(profile)
    with pytest.raises(fhir.FhirNoKeyError) as error:
        search("martin")  # no key yet: said, not an empty result
    assert "api-key" in error.value.user_message and api.site.requests == []
    memory_keyring.values[(SERVICE, esante_api_key())] = KEY
    found = search("martin")
    assert found and all(m.address for m in found)


def _metadata_only_resources() -> list[Json]:
    """Mailboxes shaped as the MSSanté FHIR API IG publishes them: metadata, no e-mail type."""
    return [
        practitioner(
            "p-robert",
            "10009876543",
            "ROBERT",
            "Lucie",
            [
                bal("lucie.robert@infirmier.mssante.fr", "PER", messaging=None),
                bal("cabinet.robert@infirmier.mssante.fr", "CAB", messaging=None),
            ],
            profession=("60", "Infirmier"),
        ),
        organization(
            "org-valmont",
            "690000001",
            "CENTRE HOSPITALIER DE VALMONT",
            "1 RUE DE L'HOPITAL",
            "69100",
            "VALMONT",
            [
                bal("cardio@ch-valmont.mssante.fr", "ORG", messaging=None, service="Cardiologie"),
                bal("dmp@ch-valmont.mssante.fr", "APP", messaging=None),
            ],
        ),
    ]


def test_mailbox_type_searched_on_the_server_when_it_offers_it(tmp_path: Path) -> None:
    with serve(_metadata_only_resources(), tmp_path) as api:
        api.site.mailbox_type = True
        client = _client(api)
        assert [m.address for m in client.search("valmont", bal_type="APP")] == [
            "dmp@ch-valmont.mssante.fr"
        ]
        assert [m.address for m in client.search("robert", bal_type="CAB")] == [
            "cabinet.robert@infirmier.mssante.fr"
        ]
        per = client.search("robert", bal_type="PER")
        assert [(m.address, m.profession) for m in per] == [
            ("lucie.robert@infirmier.mssante.fr", "Infirmier")
        ]
        asked = [p for _, p in api.site.requests]
        assert len([p for p in asked if p.startswith(f"{BASE_PATH}/metadata")]) == 1  # once
        organisations = api.site.paths("Organization")
        assert len(organisations) == 1 and "mailbox-mss-type=APP" in organisations[0]
        practitioners = api.site.paths("Practitioner")
        assert len(practitioners) == 2  # CAB with the parameter, PER without (roles)
        assert "mailbox-mss-type=CAB" in practitioners[0]
        assert "mailbox-mss-type" not in practitioners[1]


def test_mailbox_type_filtered_here_when_the_server_does_not_offer_it(tmp_path: Path) -> None:
    """As the gateway in 2026: the parameter is not in its CapabilityStatement (asking for
    it anyway would be a 400): never sent, the metadata-only mailboxes filtered here."""
    with serve(_metadata_only_resources(), tmp_path) as api:
        client = _client(api)
        assert [m.address for m in client.search("valmont", bal_type="ORG")] == [
            "cardio@ch-valmont.mssante.fr"
        ]
        assert {m.address for m in client.search("robert")} == {
            "lucie.robert@infirmier.mssante.fr",
            "cabinet.robert@infirmier.mssante.fr",
        }
        assert [m.address for m in client.search("robert", bal_type="CAB")] == [
            "cabinet.robert@infirmier.mssante.fr"
        ]
        assert not any("mailbox-mss-type" in p for _, p in api.site.requests)
        assert not api.site.paths("Practitioner?name=valmont")  # ORG: organisations only
