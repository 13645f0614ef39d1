"""NLP benchmark: applications per second per core through the full extraction pipeline.

Also runs the evaluation goals that have data here: the adversarial identifier set always,
the public NER dev sets when ../shared/datasets is present. Prints one JSON object.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/nlp.py [--applications 2000] [--no-eval] \
        [--out benchmarks/out/nlp_throughput.json] [--world DIR] [--models DIR]
"""

from __future__ import annotations

import os

# One core, as the goal is "per core"; must be set before numpy/thinc load their BLAS.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import gc
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from fraudgraph.nlp.address_parser import AddressParser  # noqa: E402
from fraudgraph.nlp.canonicaliser import Canonicaliser  # noqa: E402
from fraudgraph.nlp.extractor import EntityExtractor, TextRecord  # noqa: E402
from fraudgraph.nlp.identifier_corpus import IdentifierCorpus  # noqa: E402
from fraudgraph.types import Entity  # noqa: E402

DATASETS = PROJECT.parent / "shared" / "datasets"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰")
CITIES = (
    ("浙江省", "杭州市", "西湖区"),
    ("广东省", "深圳市", "南山区"),
    ("", "上海市", "浦东新区"),
)
ROADS = ("文三路", "科技园南路", "世纪大道", "建国路", "中山北路")
EMPLOYERS = ("杭州数云科技有限公司", "深圳市前海金融服务有限公司", "上海浦东发展银行", "个体经营")
REMARKS = (
    "本人在{employer}工作三年，月收入{income}元，申请借款用于装修，联系人{contact}，电话{phone}。",
    "经朋友{contact}介绍办理，还款卡号{card}，备用手机{phone}",
    "转账给{contact} 房租 {income}元",
    "Applicant works at {employer} as a manager; reference {contact_en}, phone {phone}.",
)


def sample_applications(count: int, seed: int) -> list[list[TextRecord]]:
    """Synthetic applications: structured fields plus free-text remarks (zh and en)."""
    rng = random.Random(seed)
    ids = IdentifierCorpus(seed)
    applications = []
    for n in range(count):
        source = f"app-{n}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        prov, city, district = rng.choice(CITIES)
        building = f"{rng.randrange(1, 999)}号{rng.randrange(1, 30)}幢{rng.randrange(101, 2999)}室"
        address = f"{prov}{city}{district}{rng.choice(ROADS)}{building}"
        employer = rng.choice(EMPLOYERS)
        remarks = rng.choice(REMARKS).format(
            employer=employer,
            income=rng.randrange(3000, 50000),
            contact=rng.choice(SURNAMES) + rng.choice(GIVEN),
            contact_en=rng.choice(("Wang Wei", "Li Fang", "Zhang Jie")),
            phone=ids.messy(ids.mobile()),
            card=ids.messy(ids.card()),
        )
        applications.append(
            [
                TextRecord(name, source, "name"),
                TextRecord(ids.messy(ids.resident_id()), source, "id_number"),
                TextRecord(ids.messy(ids.mobile()), source, "phone"),
                TextRecord(f"user{n}@example.com", source, "email"),
                TextRecord(address, source, "address"),
                TextRecord(employer, source, "employer"),
                TextRecord(ids.imei(), source, "device_id"),
                TextRecord(ids.ipv4(), source, "ip"),
                TextRecord(remarks, source, "remarks"),
            ]
        )
    return applications


WORLD_FIELDS = (
    "name", "id_number", "phone", "email", "address", "employer", "device_id", "ip",
    "purpose", "employment", "remarks",
)  # fmt: skip


def world_applications(world: Path, count: int) -> list[list[TextRecord]]:
    """The first ``count`` applications of a synthetic world, as the texts ingest extracts."""
    applications = []
    with (world / "applications.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            applications.append(
                [
                    TextRecord(str(row.get(name) or ""), row["application_id"], name)
                    for name in WORLD_FIELDS
                ]
            )
            if len(applications) == count:
                break
    return applications


def throughput(
    extractor: EntityExtractor, applications: list[list[TextRecord]]
) -> tuple[dict[str, float], list[list[Entity]]]:
    """Applications per second (one process, one thread), entities per application, and the
    entities themselves."""
    count = len(applications)
    records = [record for application in applications for record in application]
    extractor.extract_many(records[:200])  # warm-up: lazy imports, first-batch allocation
    # CPU time of this one-thread process: the per-core rate, less sensitive to other jobs
    # sharing the machine than the wall-clock rate reported alongside.
    wall, cpu = time.perf_counter(), time.process_time()
    results = extractor.extract_many(records)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    metrics = {
        "applications_per_second_per_core": round(count / cpu, 1),
        "applications_per_second_wall": round(count / wall, 1),
        "texts_per_second_per_core": round(len(records) / cpu, 1),
        "entities_per_application": round(sum(map(len, results)) / count, 2),
    }
    return metrics, results


def reference_extractor(extractor: EntityExtractor) -> EntityExtractor:
    """The same models run through spaCy's own tok2vec and NER code, with fresh caches."""
    addresses = AddressParser(extractor.canonicaliser.addresses.model, fast=False)
    return EntityExtractor(extractor.pipelines, Canonicaliser(addresses), fast_ner=False)


def evaluations() -> dict[str, Any]:
    """F1 on every evaluation whose data and model are present."""
    from fraudgraph.errors import FraudGraphError
    from fraudgraph.nlp.evaluation_runner import EvaluationRunner

    runner = EvaluationRunner(DATASETS, PROJECT / "var" / "models" / "nlp")
    metrics: dict[str, Any] = {}
    identifiers = runner.run("identifiers")
    metrics["identifiers_f1"] = identifiers.overall["f1"]
    metrics["identifiers_invalid_reported_valid"] = identifiers.extra["invalid_reported_valid"]
    if not DATASETS.is_dir():
        return metrics
    for name in ("resume", "weibo", "address", "sec", "cluener", "wnut17"):
        try:
            report = runner.run(name)
        except FraudGraphError as exc:
            metrics[f"{name}_error"] = str(exc)
            continue
        metrics[f"{name}_dev_f1"] = report.overall["f1"]
        metrics[f"{name}_labels"] = report.labels
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-eval", action="store_true")
    parser.add_argument("--world", type=Path, help="synthetic world dir with applications.jsonl")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--models", type=Path, help="models dir with zh, en, zh_address (default: nlp/models)"
    )
    args = parser.parse_args()
    extractor = EntityExtractor.load(args.models)
    # As `fraudgraph ingest` and the service do: the long-lived models and tables out of the
    # cyclic collector's full collections.
    gc.freeze()
    if args.world is not None:
        applications = world_applications(args.world, args.applications)
        source = f"synthetic world {args.world.name} (first {len(applications)} applications)"
    else:
        applications = sample_applications(args.applications, args.seed)
        source = f"generated applications (n={args.applications}, seed={args.seed})"
    measured, entities = throughput(extractor, applications)
    metrics: dict[str, Any] = dict(measured)
    # The same models through spaCy's own tok2vec/NER code: the speed-up of the fast path,
    # and a check that it finds exactly the same entities.
    reference, expected = throughput(reference_extractor(extractor), applications)
    metrics["reference_ner_applications_per_second_per_core"] = reference[
        "applications_per_second_per_core"
    ]
    metrics["fast_path_same_entities"] = entities == expected
    # The same texts without any statistical model (identifiers, field rules, rule-based
    # address keys): the rules alone, for comparison.
    with tempfile.TemporaryDirectory() as empty:
        rules, _ = throughput(EntityExtractor.load(Path(empty)), applications)
    metrics["rules_only_applications_per_second_per_core"] = rules[
        "applications_per_second_per_core"
    ]
    if not args.no_eval:
        metrics.update(evaluations())
    import spacy

    from benchmarks.bench_env import emit, environment

    report = {
        "benchmark": "nlp",
        "dataset": source
        + ("" if args.no_eval else " + public NER dev sets + adversarial identifiers"),
        "metrics": metrics,
        "goals": {
            "applications_per_second_per_core": 1000,
            "resume_dev_f1": 95.0,
            "weibo_dev_f1": 62.0,
            "address_dev_f1": 90.0,
            "identifiers_f1": 99.5,
            "identifiers_invalid_reported_valid": 0,
        },
        "environment": environment(
            spacy=getattr(spacy, "__version__", "unknown"),
            machine=platform.machine(),
            threads=1,
            load_average=[round(load, 2) for load in os.getloadavg()],
            models={lang: nlp.meta.get("name") for lang, nlp in extractor.pipelines.items()},
        ),
    }
    emit(report, args.out)


if __name__ == "__main__":
    main()
