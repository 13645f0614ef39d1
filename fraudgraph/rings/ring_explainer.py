"""Short English and Chinese explanations of why a group of records is a ring."""

from __future__ import annotations

from fraudgraph.rings.ring_candidate import RingCandidate

KIND_NAMES = {
    "Phone": ("phone", "手机号"),
    "Email": ("email", "邮箱"),
    "IdNumber": ("ID number", "身份证号"),
    "BankCard": ("bank card", "银行卡"),
    "Device": ("device", "设备"),
    "IP": ("IP", "IP地址"),
    "Address": ("address", "地址"),
    "Organization": ("employer", "单位"),
    "Account": ("account", "账户"),
}
FLOW_TEXT = {
    "fan_in": ("{n} accounts paid {amount} into account {hub}", "{n}个账户向账户{hub}转入{amount}"),
    "fan_out": (
        "account {hub} paid {amount} out to {n} accounts",
        "账户{hub}向{n}个账户转出{amount}",
    ),
    "gather_scatter": (
        "account {hub} collected from and paid out to {n} accounts, {amount} in all",
        "账户{hub}先归集后分散，涉及{n}个账户，共{amount}",
    ),
    "scatter_gather": (
        "money from account {hub} was split over {n} accounts and gathered again, {amount}",
        "账户{hub}的资金经{n}个账户分散后再归集，共{amount}",
    ),
    "cycle": ("{n} accounts passed {amount} round in a cycle", "{n}个账户循环转账，共{amount}"),
    "bust_out": (
        "{n} accounts spent {amount} at the same payees (bust-out), e.g. {hub}",
        "{n}个账户集中在相同收款方套现{amount}，如{hub}",
    ),
}

HUBS = {"fan_in": 1, "fan_out": 1, "gather_scatter": 1, "scatter_gather": 2}


def _duration(hours: float) -> tuple[str, str]:
    if hours < 48:
        whole = max(1, round(hours))
        return f"{whole} hours", f"{whole}小时"
    days = round(hours / 24)
    return f"{days} days", f"{days}天"


def _short(value: str) -> str:
    return value if len(value) <= 24 else value[:21] + "…"


def explain(candidate: RingCandidate) -> tuple[str, str]:
    """(English, Chinese) one-sentence explanation of ``candidate``."""
    en_time, zh_time = _duration(candidate.span_hours)
    if candidate.pattern in FLOW_TEXT:
        en_t, zh_t = FLOW_TEXT[candidate.pattern]
        hub = candidate.bindings[0].key if candidate.bindings else "?"
        # Hubs are named separately: count only the accounts around them.
        others = candidate.accounts - HUBS.get(candidate.pattern, 0)
        values = {"n": others, "amount": f"{candidate.amount:,.2f}", "hub": hub}
        return (
            f"{en_t.format(**values)} within {en_time}.",
            f"{zh_time}内{zh_t.format(**values)}。",
        )
    apps = sum(1 for m in candidate.members if m.startswith("Application:"))
    what_en = f"{apps} applications" if apps else f"{candidate.customers} customers"
    what_zh = f"{apps}笔申请" if apps else f"{candidate.customers}位客户"
    # An employer is shared by design: name it only when nothing stronger binds the group.
    named = [b for b in candidate.bindings if b.kind in KIND_NAMES]
    shared = [b for b in named if b.kind != "Organization"][:3] or named[:1]
    en_parts = [f"the {KIND_NAMES[b.kind][0]} {_short(b.key)}" for b in shared]
    zh_parts = [f"{KIND_NAMES[b.kind][1]}{_short(b.key)}" for b in shared]
    return (
        f"{what_en} in {en_time} share {' and '.join(en_parts) or 'identifiers'}.",
        f"{zh_time}内{what_zh}共用{'和'.join(zh_parts) or '标识'}。",
    )
