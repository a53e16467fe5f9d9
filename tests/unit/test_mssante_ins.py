"""The matricule INS: key, Corsica, OIDs, parsing from HL7/CDA ids, what it says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.mssante import ins
from app.mssante.model import InsKind

NIR = "1.2.250.1.213.1.4.8"
NIA = "1.2.250.1.213.1.4.9"
TEST = "1.2.250.1.213.1.4.10"
DEMO = "1.2.250.1.213.1.4.11"


def test_the_key_of_a_published_example() -> None:
    # "2 55 08 14 168 025 38": the example printed on French social security documentation
    assert ins.key_of("2550814168025") == 38
    assert ins.key_ok("255081416802538")
    assert ins.key_ok("2 55 08 14 168 025 38")  # spaces as people type them
    assert not ins.key_ok("255081416802539")
    assert not ins.key_ok("255081416802583")


def test_corsica_departments_are_replaced_by_19_and_18() -> None:
    # 2A → 19: 1850519006084 mod 97 gives key 35; 2B → 18 gives 62
    assert ins.key_ok("185052A00608435")
    assert ins.key_ok("185052b00608462")
    assert not ins.key_ok("185052A00608462")
    assert not ins.key_ok("185052B00608435")
    assert not ins.key_ok("185052C00608435")  # only A and B


def test_malformed_matricules() -> None:
    for bad in ("", "12345", "2550814168025380", "25508141680253A", "X55081416802538", "2A"):
        assert not ins.key_ok(bad)
        assert ins.deduce(bad) is None


def test_make_ins_and_the_kinds() -> None:
    real = ins.make_ins("255081416802538", NIR)
    assert real.key_ok and real.qualified and real.kind is InsKind.NIR
    assert ins.kind_label(real) == "INS (NIR)"
    nia = ins.make_ins("255081416802538", NIA)
    assert nia.qualified and ins.kind_label(nia) == "INS provisoire (NIA)"
    test = ins.make_ins("255081416802538", TEST)
    assert test.key_ok and not test.qualified
    assert ins.kind_label(test) == "INS de test"
    demo = ins.make_ins("255081416802538", DEMO)
    assert not demo.qualified and ins.kind_label(demo) == "INS de démonstration"
    bad_key = ins.make_ins("255081416802539", NIR)
    assert not bad_key.qualified and ins.kind_label(bad_key) == "INS (NIR) — clé invalide"
    local = ins.make_ins("255081416802538", "1.2.250.1.999.1")
    assert local.kind is None and not local.qualified
    assert ins.kind_label(local) == "identifiant non INS"


def test_from_hl7_cx_values() -> None:
    found = ins.from_hl7("255081416802538^^^&1.2.250.1.213.1.4.8&ISO^NH")
    assert found is not None and found.qualified and found.matricule == "255081416802538"
    found = ins.from_hl7("255081416802538^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS")
    assert found is not None and found.kind is InsKind.NIR
    found = ins.from_hl7("255081416802538^^^&1.2.250.1.213.1.4.10&ISO^NH")
    assert found is not None and found.kind is InsKind.TEST and not found.qualified
    assert ins.from_hl7("12345^^^&1.2.250.1.999.1&ISO^PI") is None  # a local id
    assert ins.from_hl7("255081416802538") is None
    assert ins.from_hl7("") is None


def test_from_cda_ids_prefers_real_ins_oids() -> None:
    ids = [
        ("1.2.250.1.999.1", "LOCAL42"),
        (TEST, "255081416802538"),
        (NIR, "185052A00608435"),
    ]
    found = ins.from_cda_ids(ids)
    assert found is not None and found.oid == NIR and found.matricule == "185052A00608435"
    assert ins.from_cda_ids([("1.2.250.1.999.1", "LOCAL42")]) is None
    only_test = ins.from_cda_ids([(TEST, "255081416802538")])
    assert only_test is not None and not only_test.qualified


def test_what_the_matricule_says() -> None:
    deduced = ins.deduce("255081416802538")
    assert deduced is not None
    assert (deduced.sex, deduced.birth_year_2, deduced.birth_month) == ("F", 55, 8)
    assert deduced.describe() == "femme, né(e) en août, année de naissance en ..55"
    pseudo_month = ins.deduce("184307645108931")
    assert pseudo_month is not None and pseudo_month.birth_month is None
    assert pseudo_month.sex == "M"


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(max_size=40), st.text(max_size=30))
def test_fuzz_never_raises(text: str, oid: str) -> None:
    assert isinstance(ins.key_ok(text), bool)
    made = ins.make_ins(text, oid)
    assert not made.qualified or made.kind in (InsKind.NIR, InsKind.NIA)
    ins.from_hl7(text + "^^^&" + oid + "&ISO")
    ins.from_hl7(text)
    ins.deduce(text)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.from_regex(r"[1-8][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}", fullmatch=True))
def test_a_computed_key_always_checks(first13: str) -> None:
    key = ins.key_of(first13)
    assert key is not None and 1 <= key <= 97
    assert ins.key_ok(f"{first13}{key:02d}")
    assert not ins.key_ok(f"{first13}{(key % 97) + 1:02d}")
