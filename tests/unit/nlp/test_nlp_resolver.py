"""Entity resolution: variants linked with evidence, namesakes and different IDs not."""

from __future__ import annotations

import json
from pathlib import Path

from fraudgraph.nlp.checksums import is_resident_id, resident_id_check_char
from fraudgraph.nlp.entity_resolver import EntityResolver, SameAsLink
from fraudgraph.nlp.mention_linker import MentionLinker
from fraudgraph.nlp.party_record import PartyRecord
from fraudgraph.nlp.resolution_evaluator import ResolutionEvaluator
from fraudgraph.types import EntityKind

VALID_ID = "11010519491231002X"
OTHER_VALID_ID = "11010519491231003" + resident_id_check_char("11010519491231003")


def test_variants_of_one_person_linked() -> None:
    records = [
        PartyRecord(
            "a1", "李伟", VALID_ID, "13912345678", "", "杭州市西湖区文三路100号", "阿里巴巴有限公司"
        ),
        PartyRecord(
            "a2", "Li Wei", "", "+86 139 1234 5678", "", "西湖区文三路一百号", "阿里巴巴集团"
        ),
        PartyRecord("a3", "李 伟", VALID_ID.lower(), "", "", "", ""),
    ]
    links = EntityResolver().resolve(records)
    pairs = {(link.left, link.right): link for link in links}
    assert set(pairs) == {("a1", "a2"), ("a1", "a3")}
    assert pairs[("a1", "a3")].method == "exact"
    assert "phone" in pairs[("a1", "a2")].evidence
    assert all(0 < link.confidence <= 1 for link in links)


def test_namesakes_without_other_evidence_not_linked() -> None:
    records = [
        PartyRecord("a1", "李伟", "", "13912345678", "", "北京市朝阳区建国路88号", ""),
        PartyRecord("a2", "李伟", "", "13800000000", "", "杭州市西湖区文三路100号", ""),
    ]
    assert EntityResolver().resolve(records) == []


def test_different_valid_ids_never_linked() -> None:
    assert is_resident_id(OTHER_VALID_ID)
    assert OTHER_VALID_ID != VALID_ID
    records = [
        PartyRecord("a1", "李伟", VALID_ID, "13912345678", "x@y.com", "", ""),
        PartyRecord("a2", "李伟", OTHER_VALID_ID, "13912345678", "x@y.com", "", ""),
    ]
    assert EntityResolver().resolve(records) == []


def test_records_untouched_by_resolution() -> None:
    record = PartyRecord("a1", "李 伟", "", "139-1234-5678", "", "", "")
    EntityResolver().resolve([record, record])
    assert record.name == "李 伟"
    assert record.phone == "139-1234-5678"


def test_mention_linker_links_org_and_address_variants() -> None:
    links = MentionLinker().link(
        [
            (EntityKind.ORGANIZATION, "阿里巴巴(中国)有限公司"),
            (EntityKind.ORGANIZATION, "阿里巴巴集团"),
            (EntityKind.ORGANIZATION, "腾讯科技"),
            (EntityKind.ADDRESS, "district=西湖|road=文3路|roadno=100|poi=华星大厦"),
            (EntityKind.ADDRESS, "district=西湖|road=文3路|roadno=100|poi=华兴大厦"),
            (EntityKind.ADDRESS, "district=西湖|road=文3路|roadno=188|poi=黄龙体育中心"),
        ]
    )
    ends = {(link.left, link.right) for link in links}
    assert ("ORGANIZATION:阿里巴巴(中国)有限公司", "ORGANIZATION:阿里巴巴集团") in ends
    assert not any("腾讯" in left or "腾讯" in right for left, right in ends)
    assert (
        "ADDRESS:district=西湖|road=文3路|roadno=100|poi=华兴大厦",
        "ADDRESS:district=西湖|road=文3路|roadno=100|poi=华星大厦",
    ) in ends
    assert not any("黄龙" in left or "黄龙" in right for left, right in ends)


def test_pairwise_metric() -> None:
    truth = {"a": "p1", "b": "p1", "c": "p1", "d": "p2", "e": "p3"}
    links = [
        SameAsLink("a", "b", 1.0, (), "exact"),
        SameAsLink("d", "e", 1.0, (), "fuzzy"),
    ]
    clusters = ResolutionEvaluator.clusters(truth, links)
    scores = ResolutionEvaluator.pairwise(clusters, truth)
    # predicted pairs: (a,b), (d,e); true pairs: (a,b), (a,c), (b,c)
    assert scores["precision"] == 0.5
    assert scores["recall"] == round(1 / 3, 4)
    assert scores["predicted_pairs"] == 2
    assert scores["true_pairs"] == 3


def test_run_world_reads_applications_and_truth(tmp_path: Path) -> None:
    rows = [
        {
            "application_id": "a1",
            "name": "李伟",
            "phone": "13912345678",
            "address": "西湖区文三路100号",
        },
        {"application_id": "a2", "name": "Li Wei", "phone": "139 1234 5678", "address": ""},
        {"application_id": "a3", "name": "王芳", "phone": "13800000000", "address": ""},
    ]
    (tmp_path / "applications.jsonl").write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8"
    )
    (tmp_path / "truth").mkdir()
    truth = [("a1", "p1"), ("a2", "p1"), ("a3", "p2")]
    (tmp_path / "truth" / "identity.jsonl").write_text(
        "\n".join(json.dumps({"application_id": a, "person_id": p}) for a, p in truth)
    )
    report = ResolutionEvaluator().run_world(tmp_path)
    assert (report["precision"], report["recall"], report["links"]) == (1.0, 1.0, 1)


def test_world_report_scores_addresses_and_employers_per_type(tmp_path: Path) -> None:
    home, changan = "重庆市渝中区解放碑路12号3栋2单元501室", "重庆长安汽车股份有限公司"
    rows = [
        ("a1", "p1", home, changan, "A1", "O1"),
        ("a2", "p2", home, changan, "A1", "O1"),
        ("a3", "p3", "重庆市江北区观音桥路8号1栋1单元101室", "泰和装饰工程有限公司", "A2", "O2"),
        ("a4", "p4", "重庆市江北区观音桥路9号1栋1单元101室", "", "A3", None),
    ]
    apps = [
        {"application_id": a, "name": f"客户{a}", "phone": "", "address": addr, "employer": emp}
        for a, _, addr, emp, _, _ in rows
    ]
    truth = [
        {"application_id": a, "person_id": p, "address_id": ad, "employer_id": em}
        for a, p, _, _, ad, em in rows
    ]
    (tmp_path / "applications.jsonl").write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for row in apps), encoding="utf-8"
    )
    (tmp_path / "truth").mkdir()
    (tmp_path / "truth" / "identity.jsonl").write_text("\n".join(json.dumps(t) for t in truth))
    report = ResolutionEvaluator().run_world(tmp_path)
    by_type = report["by_type"]
    assert by_type["customer"]["precision"] == report["precision"]
    address = by_type["address"]
    assert address["records"] == 4
    # a1/a2 are the one true pair; a4's road number differs from a3's, so no other pair.
    assert (address["keys"]["true_pairs"], address["keys"]["true_positive_pairs"]) == (1, 1)
    assert address["keys"]["precision"] == 1.0
    employer = by_type["employer"]
    assert employer["records"] == 3  # a4 names no employer
    assert (employer["keys"]["precision"], employer["keys"]["recall"]) == (1.0, 1.0)


def test_world_report_without_entity_truth_scores_customers_only(tmp_path: Path) -> None:
    (tmp_path / "applications.jsonl").write_text(
        json.dumps({"application_id": "a1", "name": "李伟", "address": "重庆市渝中区"}),
        encoding="utf-8",
    )
    (tmp_path / "truth").mkdir()
    (tmp_path / "truth" / "identity.jsonl").write_text(
        json.dumps({"application_id": "a1", "person_id": "p1"})
    )
    assert list(ResolutionEvaluator().run_world(tmp_path)["by_type"]) == ["customer"]


def test_neighbouring_addresses_are_not_linked_but_a_typo_is() -> None:
    road = "district=江北|road=观音桥路"
    here = f"{road}|roadno=8|poi=华星大厦|roomno=101"
    typo = f"{road}|roadno=8|poi=华兴大厦|roomno=101"
    next_door = f"{road}|roadno=9|poi=华星大厦|roomno=101"  # one character from `here`
    links = MentionLinker().link([(EntityKind.ADDRESS, k) for k in (here, typo, next_door)])
    assert {(link.left, link.right) for link in links} == {(f"ADDRESS:{typo}", f"ADDRESS:{here}")}


def test_romanised_addresses_written_two_ways_share_a_key_without_parts() -> None:
    from fraudgraph.nlp.canonicaliser import Canonicaliser

    canonicaliser = Canonicaliser()
    upper = "ROOM 807, UNIT 4, BUILDING 27, NO. 85 HEPING ROAD, CHENGKOU COUNTY, CHONGQING"
    plain = "Room 807 Unit 4 Building 27 No. 85 Heping Rd. Chengkou County Chongqing"
    key, parts = canonicaliser.canonical(EntityKind.ADDRESS, upper)
    assert (key, parts) == (canonicaliser.canonical(EntityKind.ADDRESS, plain)[0], {})
    assert key == "room 807 unit 4 building 27 no 85 heping road chengkou county chongqing"
    other = canonicaliser.canonical(EntityKind.ADDRESS, plain.replace("807", "808"))[0]
    assert other != key


def test_world_report_scores_customer_ids_of_one_person(tmp_path: Path) -> None:
    customers = [
        {"customer_id": "C1", "name": "李伟", "id_number": VALID_ID, "phone": "13912345678"},
        {"customer_id": "C2", "name": "李伟", "id_number": VALID_ID, "phone": ""},
        {"customer_id": "C3", "name": "王芳", "id_number": OTHER_VALID_ID, "phone": ""},
    ]
    apps = [{"application_id": f"a{i}", "customer_id": f"C{i}", "name": "x"} for i in (1, 2, 3)]
    truth = [("a1", "p1"), ("a2", "p1"), ("a3", "p2")]  # C1 and C2: one person, two ids
    for name, rows in (("customers", customers), ("applications", apps)):
        (tmp_path / f"{name}.jsonl").write_text(
            "\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8"
        )
    (tmp_path / "truth").mkdir()
    (tmp_path / "truth" / "identity.jsonl").write_text(
        "\n".join(json.dumps({"application_id": a, "person_id": p}) for a, p in truth)
    )
    scored = ResolutionEvaluator().run_world(tmp_path)["by_type"]["customer_ids"]
    assert (scored["records"], scored["true_pairs"], scored["links"]) == (3, 1, 1)
    assert (scored["precision"], scored["recall"]) == (1.0, 1.0)
