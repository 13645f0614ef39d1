"""Machine-readable reason codes with their English and Chinese text."""

from __future__ import annotations

from typing import Final

from fraudgraph.types import Reason


class ReasonCatalog:
    """The closed set of reason codes a decision can carry."""

    RING_MEMBER: Final = Reason(
        "RING_MEMBER",
        "Linked to a suspected fraud ring.",
        "关联疑似欺诈团伙。",
    )
    SHARED_IDENTIFIER: Final = Reason(
        "SHARED_IDENTIFIER",
        "An identifier is shared by many other records.",
        "身份标识被大量其他记录共用。",
    )
    INVALID_IDENTIFIER: Final = Reason(
        "INVALID_IDENTIFIER",
        "An identifier fails its checksum or format check.",
        "身份标识未通过校验。",
    )
    HIGH_RISK_NEIGHBOUR: Final = Reason(
        "HIGH_RISK_NEIGHBOUR",
        "Connected to a node the model scores as high risk.",
        "关联节点被模型评为高风险。",
    )
    AMOUNT_OVER_INCOME: Final = Reason(
        "AMOUNT_OVER_INCOME",
        "The amount asked for is high relative to the declared income.",
        "申请金额相对申报收入过高。",
    )
    LARGE_AMOUNT: Final = Reason(
        "LARGE_AMOUNT",
        "The amount is unusually large.",
        "金额异常巨大。",
    )
    NO_SIGNAL: Final = Reason(
        "NO_SIGNAL",
        "No risk signal found in the graph.",
        "图谱中未发现风险信号。",
    )
    UNSCORABLE_FAIL_OPEN: Final = Reason(
        "UNSCORABLE_FAIL_OPEN",
        "Could not be scored; allowed by the fail-open policy.",
        "无法评分；按放行策略通过。",
    )
    UNSCORABLE_FAIL_CLOSED: Final = Reason(
        "UNSCORABLE_FAIL_CLOSED",
        "Could not be scored; blocked by the fail-closed policy.",
        "无法评分；按拒绝策略拦截。",
    )
