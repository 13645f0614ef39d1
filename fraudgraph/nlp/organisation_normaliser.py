"""Employer and company names: canonical form plus a core name without legal-form suffixes."""

from __future__ import annotations

import re
import unicodedata

# Longest first so that 股份有限公司 is removed before 有限公司.
_LEGAL_FORMS = sorted(
    ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "分公司", "总公司",
     "股份",  # 长安汽车股份: 股份有限公司 cut short
     "co., ltd.", "co.,ltd.", "co. ltd.", "co ltd", "company limited", "limited", "ltd.", "ltd",
     "inc.", "inc", "holdings", "holding", "co", "corporation", "corp.", "corp", "llc", "plc",
     "gmbh", "co.", "group"),
    key=len, reverse=True,
)  # fmt: skip
_BRANCH = re.compile(r"[（(][^）)]*[）)]")
#: A branch's registered name repeats its parent's legal form and the city's 市:
#: 中国建设银行股份有限公司重庆市分行 is 中国建设银行重庆分行 as people write it.
_BRANCH_OF_FORM = re.compile(
    r"(?:股份有限公司|有限责任公司|有限公司)(?=[\u4e00-\u9fff]{2,8}(?:分行|支行|分公司)$)"
)
_CITY_OF_BRANCH = re.compile(r"市(?=分行$|支行$|分公司$)")
_SPACES = re.compile(r"\s+")


class OrganisationNormaliser:
    """Normalises organisation names so that spelling variants share a core key."""

    def canonical(self, name: str) -> str:
        """NFKC, lower case, single spaces (none between Chinese characters)."""
        text = unicodedata.normalize("NFKC", name).strip().lower()
        text = _SPACES.sub(" ", text)
        return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)

    def core(self, name: str) -> str:
        """The name without bracketed notes, legal-form suffixes and punctuation."""
        text = _BRANCH.sub("", self.canonical(name)).strip(" ,.")
        text = _CITY_OF_BRANCH.sub("", _BRANCH_OF_FORM.sub("", text))
        changed = True
        while changed:
            changed = False
            for form in _LEGAL_FORMS:
                if text.endswith(form) and len(text) > len(form):
                    text = text[: -len(form)].strip(" ,.")
                    changed = True
        return re.sub(r"[\s,.'&\-]+", "", text)
