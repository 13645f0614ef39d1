"""CLI commands of the nlp stage, registered on the `fraudgraph` app by fraudgraph.cli.

Imports of heavy libraries happen inside the command bodies so that `fraudgraph --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

nlp_app = typer.Typer(help="Train and evaluate the NLP models.", no_args_is_help=True)


def _datasets_root(value: Path | None) -> Path:
    from fraudgraph.settings import Settings

    return value or (Settings().project_dir.parent / "shared" / "datasets")


def extract(
    source: Annotated[str, typer.Argument(help="Text to analyse, or a file with one text a line.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines, not a table.")] = False,
    language: Annotated[str | None, typer.Option(help="zh or en (default: detect).")] = None,
    field: Annotated[str, typer.Option(help="Field name recorded in provenance.")] = "text",
    models_dir: Annotated[Path | None, typer.Option(help="Directory with zh/ and en/.")] = None,
) -> None:
    """Print the entities found in TEXT or in each line of FILE."""
    from fraudgraph.nlp.entity_printer import EntityPrinter
    from fraudgraph.nlp.extractor import EntityExtractor, TextRecord

    path = Path(source)
    if len(source) < 4096 and path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        records = [
            TextRecord(line, f"{path.name}:{n}", field, language)
            for n, line in enumerate(lines, 1)
            if line.strip()
        ]
    else:
        records = [TextRecord(source, "cli", field, language)]
    extractor = EntityExtractor.load(models_dir)
    results = extractor.extract_many(records)
    EntityPrinter().print(results, as_json=as_json)


@nlp_app.command("train")
def train(
    target: Annotated[
        str, typer.Option(help="zh, en, zh_address, all (the three shipped) or a data set name.")
    ] = "all",
    output: Annotated[Path | None, typer.Option(help="Model directory to write.")] = None,
    datasets_root: Annotated[Path | None, typer.Option(help="Public data sets root.")] = None,
    synthetic: Annotated[
        Path | None, typer.Option(help="Synthetic world dir with truth/annotations.jsonl.")
    ] = None,
    max_steps: Annotated[int | None, typer.Option(help="Override the recipe's steps.")] = None,
) -> None:
    """Train the shipped models (into nlp/models) or a native-label model of one data set."""
    from fraudgraph.nlp.dataset_catalog import DatasetCatalog
    from fraudgraph.nlp.extractor import DEFAULT_MODELS_DIR
    from fraudgraph.nlp.training_recipes import SHIPPED, TrainingRecipes
    from fraudgraph.settings import Settings

    recipes = TrainingRecipes(DatasetCatalog(_datasets_root(datasets_root)), synthetic)
    targets = list(SHIPPED) if target == "all" else [target]
    for name in targets:
        if output is not None and len(targets) == 1:
            destination = output
        elif name in SHIPPED:
            destination = DEFAULT_MODELS_DIR / name
        else:
            destination = Settings().models_dir / "nlp" / name
        path = recipes.train(name, destination, max_steps)
        typer.echo(f"trained {name} -> {path}")


@nlp_app.command("eval")
def evaluate(
    dataset: Annotated[
        str,
        typer.Option(
            help="resume, weibo, cluener, address, sec, wnut17, identifiers, or a file path."
        ),
    ],
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
    model: Annotated[Path | None, typer.Option(help="Model directory to evaluate.")] = None,
    datasets_root: Annotated[Path | None, typer.Option(help="Public data sets root.")] = None,
    language: Annotated[
        str | None, typer.Option(help="Records of this language in an annotations file.")
    ] = None,
) -> None:
    """Strict span-level micro-F1 per type and overall on the dev split."""
    from fraudgraph.nlp.evaluation_runner import EvaluationRunner
    from fraudgraph.settings import Settings

    runner = EvaluationRunner(_datasets_root(datasets_root), Settings().models_dir / "nlp")
    report = runner.run(dataset, model, language).as_dict()
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(text + "\n", encoding="utf-8")
    typer.echo(text)


@nlp_app.command("resolve-eval")
def resolve_eval(
    world: Annotated[Path, typer.Argument(help="Synthetic world directory.")],
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
    directory: Annotated[
        Path | None,
        typer.Option(help="Organisation directory (ENTRY<TAB>NAME rows) for employer links."),
    ] = None,
) -> None:
    """Pairwise precision/recall of entity resolution against truth/identity.jsonl."""
    from fraudgraph.nlp.mention_linker import MentionLinker
    from fraudgraph.nlp.organisation_directory import OrganisationDirectory
    from fraudgraph.nlp.resolution_evaluator import ResolutionEvaluator

    linker = MentionLinker(directory=OrganisationDirectory.load(directory) if directory else None)
    report = ResolutionEvaluator().run_world(world, linker=linker)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if json_path is not None:
        json_path.write_text(text + "\n", encoding="utf-8")
    typer.echo(text)


_LINK_KINDS = {"organization": "ORGANIZATION", "address": "ADDRESS", "person": "PERSON"}


def _kind(name: str) -> str:
    if name not in _LINK_KINDS:
        raise typer.BadParameter(f"{name!r}: one of {', '.join(_LINK_KINDS)}")
    return _LINK_KINDS[name]


@nlp_app.command("link")
def link(
    kinds: Annotated[
        str, typer.Option(help="Comma-separated: organization, address, person.")
    ] = "organization,address,person",
) -> None:
    """Propose SAME_AS links between employer, address and name nodes already in the graph
    (reviewable; a rejected link stays rejected when this runs again)."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.graph.same_as_repository import SameAsRepository
    from fraudgraph.ingest.entity_link_job import EntityLinkJob
    from fraudgraph.settings import Settings
    from fraudgraph.types import EntityKind

    chosen = [EntityKind(_kind(name.strip())) for name in kinds.split(",") if name.strip()]
    settings = Settings()
    driver = create_driver(settings)
    try:
        repository = SameAsRepository(driver, settings.neo4j_database, settings.neo4j_batch_size)
        counts = EntityLinkJob(repository, EntityLinkJob.linker_for(settings)).run(chosen)
    finally:
        driver.close()
    for node_label, done in counts.items():
        stale = f" ({done.pruned} stale candidates removed)" if done.pruned else ""
        typer.echo(f"{node_label}: {done.stored} SAME_AS links{stale}")


@nlp_app.command("links")
def links(
    kind: Annotated[str, typer.Argument(help="organization, address, person or customer.")],
    status: Annotated[str, typer.Option(help="candidate, confirmed or rejected.")] = "candidate",
    limit: Annotated[int, typer.Option(help="How many links.")] = 50,
    skip: Annotated[int, typer.Option(help="Links to skip first (paging).")] = 0,
) -> None:
    """The review queue: SAME_AS links of one status, weakest first, with their evidence
    (decide each with `fraudgraph nlp review-link`)."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.graph.same_as_repository import SameAsRepository
    from fraudgraph.settings import Settings

    node_label = _review_label(kind)
    settings = Settings()
    driver = create_driver(settings)
    try:
        queue = SameAsRepository(driver, settings.neo4j_database).queue(
            node_label, status, limit, skip
        )
    finally:
        driver.close()
    for left, link in queue:
        evidence = ", ".join(link.evidence)
        typer.echo(f"{link.confidence:.2f}\t{left}\t{link.key}\t{link.method}\t{evidence}")
    if not queue:
        typer.echo(f"no {status} SAME_AS links between {node_label} nodes", err=True)


def _review_label(kind: str) -> str:
    """The node label of a link kind; customers are linked by the resolver at ingest."""
    from fraudgraph.ingest.graph_rows import ENTITY_NODES
    from fraudgraph.types import EntityKind

    if kind == "customer":
        return "Customer"
    if kind not in _LINK_KINDS:
        raise typer.BadParameter(f"{kind!r}: one of {', '.join(_LINK_KINDS)}, customer")
    return ENTITY_NODES[EntityKind(_LINK_KINDS[kind])][0]


@nlp_app.command("review-link")
def review_link(
    kind: Annotated[str, typer.Argument(help="organization, address, person or customer.")],
    left: Annotated[str, typer.Argument(help="Key of one node.")],
    right: Annotated[str, typer.Argument(help="Key of the other node.")],
    status: Annotated[str, typer.Option(help="confirmed, rejected or candidate.")],
    reviewer: Annotated[str, typer.Option(help="Who decided (kept on the link).")],
) -> None:
    """Confirm or reject a SAME_AS link between two entity nodes."""
    from fraudgraph.errors import NotFoundError
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.graph.same_as_repository import SameAsRepository
    from fraudgraph.settings import Settings

    node_label = _review_label(kind)
    settings = Settings()
    driver = create_driver(settings)
    try:
        found = SameAsRepository(driver, settings.neo4j_database).review(
            node_label, left, right, status, reviewer
        )
    finally:
        driver.close()
    if not found:
        raise NotFoundError(f"no SAME_AS link between {node_label} {left!r} and {right!r}")
    typer.echo(f"{node_label} {left!r} SAME_AS {right!r}: {status}")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the top-level app."""
    app.command("extract")(extract)
    app.add_typer(nlp_app, name="nlp")
