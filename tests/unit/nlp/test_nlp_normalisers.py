"""Names, organisations and addresses: variants of one thing share a key."""

from __future__ import annotations

import pytest

from fraudgraph.nlp.address_parser import AddressParser
from fraudgraph.nlp.name_normaliser import NameNormaliser
from fraudgraph.nlp.organisation_normaliser import OrganisationNormaliser

NAMES = NameNormaliser()


@pytest.mark.parametrize(
    "variant", ["Li Wei", "LI WEI", "Wei Li", "ＬＩ　ＷＥＩ", "li-wei", "李 伟"]
)
def test_romanised_and_spaced_names_share_a_key(variant: str) -> None:
    assert NAMES.keys("李伟") & NAMES.keys(variant)


def test_different_names_do_not_share_a_key() -> None:
    assert not NAMES.keys("李伟") & NAMES.keys("王芳")
    assert not NAMES.keys("Li Wei") & NAMES.keys("Li Wen")


def test_canonical_names() -> None:
    assert NAMES.canonical(" 李 伟 ") == "李伟"
    assert NAMES.canonical("ＬＩ　 Wei") == "li wei"
    assert NAMES.key("曾小明") == "zengxiaoming"  # surname reading, not céng


def test_organisation_core_drops_legal_forms() -> None:
    orgs = OrganisationNormaliser()
    assert orgs.core("阿里巴巴（中国）有限公司") == orgs.core("阿里巴巴集团") == "阿里巴巴"
    assert orgs.core("ACME Co., Ltd.") == orgs.core("Acme Inc") == "acme"
    assert orgs.core("腾讯科技") != orgs.core("阿里巴巴")
    assert orgs.core("重庆长安汽车股份有限公司") == orgs.core("重庆长安汽车股份") == "重庆长安汽车"


def test_branch_core_drops_its_parents_legal_form_and_the_city_suffix() -> None:
    orgs = OrganisationNormaliser()
    registered = orgs.core("中国建设银行股份有限公司重庆市分行")
    assert registered == orgs.core("中国建设银行重庆分行") == "中国建设银行重庆分行"
    assert orgs.core("平安银行股份有限公司成都天府支行") == "平安银行成都天府支行"
    assert orgs.core("华为技术有限公司上海分公司") == orgs.core("华为技术上海分公司")
    assert orgs.core("中国建设银行重庆分行") != orgs.core("中国建设银行成都分行")
    assert orgs.core("北京市政有限公司") == "北京市政"  # no branch: the 市 of 市政 stays


@pytest.mark.parametrize(
    "variant",
    [
        "杭州市西湖区文三路一百号华星大厦3单元502",
        "浙江省 杭州市 西湖区 文三路100号 华星大厦 3单元 502室",
        "西湖区文三路100号华星大厦3单元502室",
    ],
)
def test_address_written_two_ways_gets_one_key(variant: str) -> None:
    parser = AddressParser()
    assert parser.key(variant) == parser.key("浙江省杭州市西湖区文三路100号华星大厦3单元502室")


def test_address_components() -> None:
    parts = AddressParser().parse("浙江省杭州市西湖区文三路100号华星大厦3单元502室")
    assert parts == {
        "prov": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "road": "文三路",
        "roadno": "100号",
        "poi": "华星大厦",
        "cellno": "3单元",
        "roomno": "502室",
    }


def test_different_addresses_differ() -> None:
    parser = AddressParser()
    assert parser.key("杭州市西湖区文三路100号") != parser.key("杭州市西湖区文三路102号")
