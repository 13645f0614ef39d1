"""MentionLinker: organisation keys written with and without a city, in Chinese or English."""

from __future__ import annotations

from collections.abc import Iterable

from fraudgraph.nlp.entity_resolver import SameAsLink
from fraudgraph.nlp.mention_linker import MentionLinker
from fraudgraph.types import EntityKind


def _org_links(*canonicals: str) -> list[SameAsLink]:
    return MentionLinker().link((EntityKind.ORGANIZATION, key) for key in canonicals)


def _joined(links: Iterable[SameAsLink]) -> list[set[str]]:
    """Connected components of the links (ends without the ``ORGANIZATION:`` prefix)."""
    groups: list[set[str]] = []
    for link in links:
        ends = {link.left.split(":", 1)[1], link.right.split(":", 1)[1]}
        touching = [group for group in groups if group & ends]
        merged = ends.union(*touching)
        groups = [group for group in groups if group not in touching] + [merged]
    return groups


def _together(groups: list[set[str]], *keys: str) -> bool:
    return any(set(keys) <= group for group in groups)


def test_city_prefixed_and_bare_chinese_names_are_linked() -> None:
    links = _org_links("南京凯旋科技有限公司", "凯旋科技有限公司")
    assert [(link.left, link.right) for link in links] == [
        ("ORGANIZATION:凯旋科技有限公司", "ORGANIZATION:南京凯旋科技有限公司")
    ]
    (link,) = links
    assert 0.5 < link.confidence < 0.95  # weaker than a shared core
    assert link.evidence == ("region_prefix", "prefix:南京")
    assert link.method == "region_prefix"


def test_each_written_form_joins_its_company() -> None:
    groups = _joined(
        _org_links(
            "南京凯旋科技有限公司",
            "凯旋科技有限公司",
            "nanjing kaixuan technology co., ltd.",
            "nanjing kaixuan technology co. ltd",
            "武汉天宇装饰工程有限公司",
            "天宇装饰工程有限公司",
            "wuhan tianyu decoration engineering co., ltd.",
            "重庆长安汽车股份有限公司",
            "长安汽车",
            "重庆长安汽车",
            "chongqing changan automobile co., ltd.",
        )
    )
    assert len(groups) == 3
    assert _together(
        groups,
        "南京凯旋科技有限公司",
        "凯旋科技有限公司",
        "nanjing kaixuan technology co., ltd.",
        "nanjing kaixuan technology co. ltd",
    )
    assert _together(
        groups,
        "武汉天宇装饰工程有限公司",
        "天宇装饰工程有限公司",
        "wuhan tianyu decoration engineering co., ltd.",
    )
    assert _together(
        groups,
        "重庆长安汽车股份有限公司",
        "长安汽车",
        "重庆长安汽车",
        "chongqing changan automobile co., ltd.",
    )


def test_english_name_linked_by_pinyin_below_a_region_prefix() -> None:
    links = _org_links("nanjing kaixuan technology co., ltd.", "南京凯旋科技有限公司")
    assert [(link.left, link.right) for link in links] == [
        ("ORGANIZATION:nanjing kaixuan technology co., ltd.", "ORGANIZATION:南京凯旋科技有限公司")
    ]
    (link,) = links
    assert link.confidence < 0.85  # homophones exist
    assert link.evidence == ("pinyin", "pinyin:nanjingkaixuankeji")
    assert link.method == "pinyin"


def test_bare_name_with_two_cities_is_linked_to_neither() -> None:
    groups = _joined(
        _org_links(
            "南京凯旋科技有限公司",
            "北京凯旋科技有限公司",
            "凯旋科技有限公司",
            "nanjing kaixuan technology co., ltd.",
            "beijing kaixuan technology co., ltd.",
            "kaixuan technology co., ltd.",
        )
    )
    # Each city's English name finds its own Chinese one; the bare names join nothing, so
    # nothing joins the two cities.
    assert sorted(groups, key=sorted) == [
        {"beijing kaixuan technology co., ltd.", "北京凯旋科技有限公司"},
        {"kaixuan technology co., ltd.", "凯旋科技有限公司"},
        {"nanjing kaixuan technology co., ltd.", "南京凯旋科技有限公司"},
    ]


def test_two_city_variants_with_one_bare_name_stay_apart() -> None:
    # 贵阳凯旋建筑工程 and 深圳凯旋建筑工程 are two firms; the city-free spelling could be
    # either, so neither it nor a link between the two cities joins them. The province in
    # front of 深圳 is a prefix of the 深圳 core alone.
    groups = _joined(
        _org_links(
            "贵阳凯旋建筑工程有限公司",
            "深圳凯旋建筑工程有限公司",
            "凯旋建筑工程有限公司",
            "广东深圳凯旋建筑工程有限公司",
        )
    )
    assert groups == [{"深圳凯旋建筑工程有限公司", "广东深圳凯旋建筑工程有限公司"}]


def test_same_industry_other_trade_name_not_linked() -> None:
    groups = _joined(
        _org_links(
            "南京凯旋科技有限公司",
            "凯旋科技有限公司",
            "通达科技有限公司",
            "nanjing tongda technology co., ltd.",
            "nanjing kaixuan trading co., ltd.",
        )
    )
    assert groups == [{"南京凯旋科技有限公司", "凯旋科技有限公司"}]


def test_english_name_read_as_two_chinese_firms_is_linked_to_neither() -> None:
    # "Construction" renders both 建筑 and 建设: two firms the English name could mean.
    groups = _joined(
        _org_links(
            "beijing hongtu construction co. ltd",
            "北京宏图建筑有限公司",
            "北京宏图建设有限公司",
            "wuhan lvzhou construction engineering co. ltd",
            "武汉绿洲建筑工程有限公司",
        )
    )
    assert groups == [{"wuhan lvzhou construction engineering co. ltd", "武汉绿洲建筑工程有限公司"}]


def test_tail_shorter_than_four_characters_is_not_a_trade_name() -> None:
    # 旋科技 is what 南京凯旋科技 leaves after three characters: too short to be a trade name
    # plus an industry, unlike 凯旋科技 after two.
    groups = _joined(_org_links("南京凯旋科技有限公司", "旋科技有限公司", "凯旋科技"))
    assert groups == [{"南京凯旋科技有限公司", "凯旋科技"}]


def test_names_in_characters_that_only_sound_alike_are_not_linked() -> None:
    names = ("郑妍", "郑艳", "Zheng Yan")
    links = MentionLinker().link([(EntityKind.PERSON, name) for name in names])
    ends = {(link.left, link.right) for link in links}
    assert ("PERSON:郑妍", "PERSON:郑艳") not in ends
    assert {("PERSON:Zheng Yan", "PERSON:郑妍"), ("PERSON:Zheng Yan", "PERSON:郑艳")} <= ends
