"""Drawings of a :class:`Subgraph`: an interactive page (vis-network) and a static PNG.

The interactive page is one self-contained HTML document: the vis-network script that the
``pyvis`` package ships is inlined, so it works without internet (no CDN). The PNG is drawn
with matplotlib on a seeded networkx layout, so the same subgraph gives the same picture.
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from fraudgraph.explore.subgraph import GraphNode, Subgraph

#: Colour per label (colour-blind friendly palette); anything else is grey.
COLOURS: dict[str, str] = {
    "Customer": "#0072B2", "Application": "#56B4E9", "Account": "#009E73",
    "Transaction": "#999999", "Ring": "#D55E00", "Phone": "#E69F00", "Device": "#CC79A7",
    "IP": "#F0E442", "IdNumber": "#882255", "Email": "#44AA99", "Address": "#AA4499",
    "Organization": "#117733", "BankCard": "#332288", "Person": "#88CCEE",
}  # fmt: skip
_GREY = "#BBBBBB"
#: Only a closing script tag can end an inline script early (the minified code has none today).
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)
_VIS_DIR = ("pyvis", "lib", "vis-9.1.2")


@dataclass(frozen=True, slots=True)
class HtmlView:
    """An interactive drawing; shows itself in Jupyter (in an iframe, scripts included)."""

    page: str = field(repr=False)
    height_px: int = 620

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
            f'style="width:100%;height:{self.height_px}px;border:0"></iframe>'
        )

    def save(self, path: Path) -> Path:
        """Write the page; it opens in any browser, offline."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.page, encoding="utf-8")
        return path


@dataclass(frozen=True, slots=True)
class PngView:
    """A static drawing; shows itself in Jupyter."""

    png: bytes = field(repr=False)

    def _repr_png_(self) -> bytes:
        return self.png

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.png)
        return path


class GraphDrawing:
    """Turns a subgraph into pictures."""

    def __init__(self, subgraph: Subgraph, title: str = "") -> None:
        self.subgraph = subgraph
        self.title = title or ", ".join(subgraph.seeds)

    def vis_data(self) -> dict[str, list[dict[str, object]]]:
        """Nodes and edges in vis-network's format."""
        seeds = set(self.subgraph.seeds)
        nodes: list[dict[str, object]] = [
            {"id": n.id, "label": _short(n), "title": _tooltip(n), "group": n.label,
             "color": COLOURS.get(n.label, _GREY), "size": 26 if n.id in seeds else 14,
             "shape": "diamond" if n.hub else "dot", "borderWidth": 4 if n.id in seeds else 1}
            for n in self.subgraph.nodes
        ]  # fmt: skip
        edges: list[dict[str, object]] = [
            {"from": e.source, "to": e.target, "label": e.type, "arrows": "to"}
            for e in self.subgraph.edges
        ]
        return {"nodes": nodes, "edges": edges}

    def interactive(self, height_px: int = 600) -> HtmlView:
        """A self-contained HTML page with a zoomable, draggable drawing."""
        base = resources.files(_VIS_DIR[0]).joinpath(*_VIS_DIR[1:])
        script = base.joinpath("vis-network.min.js").read_text(encoding="utf-8")
        style = base.joinpath("vis-network.css").read_text(encoding="utf-8")
        data = json.dumps(self.vis_data(), ensure_ascii=False).replace("</", "<\\/")
        legend = " ".join(
            f'<span style="color:{COLOURS.get(lbl, _GREY)}">&#9679;</span> {html.escape(lbl)}'
            for lbl in self.subgraph.label_counts()
        )
        page = _PAGE.format(
            title=html.escape(self.title), style=style, script=_SCRIPT_END.sub(r"<\\/\1", script),
            data=data, height=height_px, legend=legend,
        )  # fmt: skip
        return HtmlView(page, height_px + 40)

    def static(self, width_in: float = 11.0, height_in: float = 8.0) -> PngView:
        """A PNG drawing (seeded spring layout; seeds large, hubs as diamonds)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import networkx as nx
        from matplotlib.lines import Line2D

        graph = nx.Graph()
        graph.add_nodes_from(n.id for n in self.subgraph.nodes)
        graph.add_edges_from((e.source, e.target) for e in self.subgraph.edges)
        pos = nx.spring_layout(graph, seed=7, k=1.2 / max(1, len(graph)) ** 0.5)
        fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=110)
        nx.draw_networkx_edges(graph, pos, ax=ax, alpha=0.35, width=0.8)
        seeds = set(self.subgraph.seeds)
        for shape, hub in (("o", False), ("D", True)):
            group = [n for n in self.subgraph.nodes if n.hub is hub]
            nx.draw_networkx_nodes(
                graph, pos, nodelist=[n.id for n in group], node_shape=shape, ax=ax,
                node_color=[COLOURS.get(n.label, _GREY) for n in group],
                node_size=[420 if n.id in seeds else 110 for n in group],
                edgecolors="black", linewidths=[2.0 if n.id in seeds else 0.3 for n in group],
            )  # fmt: skip
        captions = {n.id: n.key for n in self.subgraph.nodes if n.label in ("Customer", "Ring")}
        nx.draw_networkx_labels(graph, pos, labels=captions, font_size=7, ax=ax)
        handles = [
            Line2D([], [], marker="o", linestyle="", color=COLOURS.get(lbl, _GREY), label=lbl)
            for lbl in self.subgraph.label_counts()
        ]
        ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
        ax.set_title(_ascii(self.title), fontsize=11)
        ax.set_axis_off()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        plt.close(fig)
        return PngView(buffer.getvalue())


def _short(node: GraphNode) -> str:
    if node.label == "Customer":
        return node.title
    return f"{node.label}\n{node.key[:24]}"


def _tooltip(node: GraphNode) -> str:
    lines = [f"{node.label} {node.key}", f"links: {node.degree}" + (" (hub)" if node.hub else "")]
    lines += [f"{k}: {v}" for k, v in node.props.items()]
    return "\n".join(lines)


def _ascii(text: str) -> str:
    """Titles in the PNG: the default matplotlib font has no CJK glyphs."""
    return text.encode("ascii", errors="replace").decode("ascii")


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>{style}
* {{ box-sizing: border-box; }}
body {{ font-family: sans-serif; margin: 0; overflow: hidden; }}
#graph {{ width: 100%; height: {height}px; border: 1px solid #ddd; }}
.legend {{ font-size: 12px; padding: 4px 8px; }}
</style>
<script>{script}</script></head>
<body><div class="legend"><b>{title}</b> &nbsp; {legend}</div><div id="graph"></div>
<script>
const data = {data};
const network = new vis.Network(document.getElementById("graph"),
  {{nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)}},
  {{physics: {{stabilization: {{iterations: 200}}}},
    edges: {{font: {{size: 8, align: "middle"}}, color: {{opacity: 0.5}}}},
    nodes: {{font: {{size: 11}}}}, interaction: {{hover: true, tooltipDelay: 100}}}});
</script></body></html>
"""
