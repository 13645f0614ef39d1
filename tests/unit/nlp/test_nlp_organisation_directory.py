"""The organisation directory: a bank's names for its organisations, joined by SAME_AS."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudgraph.errors import InvalidInputError, NotFoundError
from fraudgraph.nlp.mention_linker import DIRECTORY_CONFIDENCE, MentionLinker
from fraudgraph.nlp.organisation_directory import OrganisationDirectory
from fraudgraph.types import EntityKind

CCB = "中国建设银行重庆分行"
DIRECTORY = f"""# entry<TAB>name
{CCB}\t建行重庆分行
{CCB}\tChina Construction Bank Chongqing Branch
{CCB}\tCCB Chongqing Branch
重庆医科大学附属第一医院\t重医附一院
重庆大学
重庆大学\t重大
重庆建工集团\t重大
"""


@pytest.fixture
def directory(tmp_path: Path) -> OrganisationDirectory:
    path = tmp_path / "orgs.tsv"
    path.write_text(DIRECTORY, encoding="utf-8")
    return OrganisationDirectory.load(path)


def test_names_are_found_by_their_core(directory: OrganisationDirectory) -> None:
    assert directory.size == 4
    assert directory.entry("建行重庆分行") == CCB
    assert directory.entry("chinaconstructionbankchongqingbranch") == CCB
    assert directory.entry(CCB) == CCB  # the entry's own name
    assert directory.entry("重庆大学") == "重庆大学"
    assert directory.entry("中国工商银行重庆分行") is None


def test_a_name_two_entries_claim_names_neither(directory: OrganisationDirectory) -> None:
    assert directory.entry("重大") is None
    assert directory.ambiguous == ["重大"]


def test_linker_joins_the_keys_of_one_entry(directory: OrganisationDirectory) -> None:
    keys = ["建行重庆分行", "ccb chongqing branch", "china construction bank chongqing branch",
            "中国建设银行股份有限公司重庆市分行", "重医附一院", "重大", "重庆大学"]  # fmt: skip
    links = MentionLinker(directory=directory).link((EntityKind.ORGANIZATION, k) for k in keys)
    joined = {(link.left, link.right) for link in links if link.method == "directory"}
    ccb = {f"ORGANIZATION:{k}" for k in keys[:4]}
    hub = min(ccb)
    assert joined == {tuple(sorted((hub, end))) for end in ccb - {hub}}  # a star of 3 links
    directory_links = [link for link in links if link.method == "directory"]
    assert {link.confidence for link in directory_links} == {DIRECTORY_CONFIDENCE}
    assert {link.evidence for link in directory_links} == {("directory", f"entry:{CCB}")}
    assert not MentionLinker().link((EntityKind.ORGANIZATION, k) for k in keys[:3])


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no organisation directory"):
        OrganisationDirectory.load(tmp_path / "missing.tsv")
    path = tmp_path / "bad.tsv"
    path.write_text("重庆大学\t重大\n\t重大\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"bad\.tsv:2"):
        OrganisationDirectory.load(path)
    path.write_text("a\tb\tc\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="ENTRY<TAB>NAME"):
        OrganisationDirectory.load(path)
