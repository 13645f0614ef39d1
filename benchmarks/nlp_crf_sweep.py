"""CRF tagger selection sweep: variants chosen on held-out TRAINING data, dev scored once.

Phase 1 trains every variant (model size, depth, epochs, dropout, a word dictionary) on 90%
of the training split of ``address``, ``resume`` and ``weibo`` (a seeded split; ``--datasets``
picks fewer) and scores it on the other 10%; all the variants train at once, one process each
(``--device auto``: on the GPU when torch sees one). Phase 2 picks, per data set, the variant
with the best held-out F1 (among those whose phase-1 time fits ``--phase2-timeout``; ties go to
the earlier, simpler variant), retrains it on the whole training split (address: ``--members``
seeds saved as one ensemble pipeline, float16 as the shipped ``crf_address.cfg``; resume and
weibo: one model, seed 7, as their configs), and scores the dev split once with the evaluation
code of ``fraudgraph nlp eval``. The dev split never chooses anything: phase 1 does not even
read it. A data set none of whose variants finished is reported as an error; the others go on.

Variants whose changes hold ``"dictionary": "jieba"`` (the installed jieba package's word list)
train with the file ``--dictionary PATH`` instead where it is given (same ``word freq tag``
format); the JSON then records that file's sha256 and line count.

Prints ONE JSON object (held-out F1 and train time of every variant, the chosen ones, dev F1
per type) and writes the chosen models as ``<dataset>_model.tar.gz`` under ``--out-dir`` (cut
into ``.partN`` files over ``--max-file-mib``), with ``workers.log`` (every training's log).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/nlp_crf_sweep.py --vectors V.npz \\
        --out-dir DIR --json DIR/nlp_crf_sweep.json [--datasets-root ../shared/datasets] \\
        [--device auto] [--members 3] [--phase1-timeout S] [--phase2-timeout S] \\
        [--dictionary jieba_dict.txt] [--datasets address,resume,weibo] \\
        [--sample N --epochs E --address-variants a,b --resume-variants c --weibo-variants d]

``--vectors``: the character vectors (``chars``, ``rows``) of :class:`CharVectorPretrainer`
on the training-split text of resume, weibo, cluener and address (as the recipes pretrain
them), saved with numpy.savez; without it they are pretrained here on the data sets present.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import dataclasses
import hashlib
import json
import logging
import platform
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from fraudgraph.nlp.corpus import NerExample  # noqa: E402
from fraudgraph.nlp.dataset_catalog import DatasetCatalog  # noqa: E402
from fraudgraph.nlp.ner_trainer import CONFIG_DIR  # noqa: E402

#: Share of the training split held out in phase 1, and the seed of that split.
HOLDOUT, SPLIT_SEED = 0.1, 13
#: Phase 2 is expected to take this many times a variant's phase-1 time (10% more data).
PHASE2_FACTOR = 1.2


#: The ``dictionary`` value that ``--dictionary PATH`` replaces.
JIEBA = "jieba"


@dataclass(frozen=True, slots=True)
class Variant:
    """One model to compare: a crf config, its epochs and changed settings."""

    name: str
    dataset: str
    config: str
    epochs: int
    changes: dict[str, Any] = field(default_factory=dict)


VARIANTS = (
    Variant("a_base", "address", "crf_address.cfg", 12),
    Variant("a_e25", "address", "crf_address.cfg", 25),
    Variant("a_h192", "address", "crf_address.cfg", 12, {"hidden": 192}),
    Variant("a_l2", "address", "crf_address.cfg", 12, {"layers": 2}),
    Variant("a_d05_e20", "address", "crf_address.cfg", 20, {"dropout": 0.5}),
    Variant("a_h192_d05_e20", "address", "crf_address.cfg", 20, {"hidden": 192, "dropout": 0.5}),
    Variant("a_h192_l2_e20", "address", "crf_address.cfg", 20, {"hidden": 192, "layers": 2}),
    Variant(
        "a_h192_l2_d05_e25",
        "address",
        "crf_address.cfg",
        25,
        {"hidden": 192, "layers": 2, "dropout": 0.5},
    ),
    Variant("r_base", "resume", "crf_resume.cfg", 20),
    Variant("r_h192", "resume", "crf_resume.cfg", 20, {"hidden": 192}),
    Variant("r_l2_e25", "resume", "crf_resume.cfg", 25, {"layers": 2}),
    Variant("r_h192_l2_e30", "resume", "crf_resume.cfg", 30, {"hidden": 192, "layers": 2}),
    # Session 8: SoftLexicon-style features from an external word dictionary, and weibo.
    Variant("a_dict", "address", "crf_address.cfg", 12, {"dictionary": "jieba"}),
    Variant("a_dict_e20", "address", "crf_address.cfg", 20, {"dictionary": "jieba"}),
    Variant("r_dict", "resume", "crf_resume.cfg", 20, {"dictionary": "jieba"}),
    Variant("r_dict_e30", "resume", "crf_resume.cfg", 30, {"dictionary": "jieba"}),
    Variant("w_base", "weibo", "crf_native_lexicon.cfg", 25),
    Variant("w_dict", "weibo", "crf_native_lexicon.cfg", 25, {"dictionary": "jieba"}),
    Variant(
        "w_dict_d05", "weibo", "crf_native_lexicon.cfg", 25, {"dictionary": "jieba", "dropout": 0.5}
    ),
    # ... plus a typed gazetteer of the training split's entity strings seen twice.
    Variant("a_dict_gaz", "address", "crf_address.cfg", 12, {"dictionary": JIEBA, "gazetteer": 2}),
    Variant("r_dict_gaz", "resume", "crf_resume.cfg", 20, {"dictionary": JIEBA, "gazetteer": 2}),
    Variant(
        "w_dict_gaz", "weibo", "crf_native_lexicon.cfg", 25, {"dictionary": "jieba", "gazetteer": 2}
    ),
)
DATASETS = ("address", "resume", "weibo")
#: Dev F1 goals (issue 4).
GOALS = {"address": 90.0, "resume": 95.0, "weibo": 62.0}


class Log:
    """Progress lines to stdout and, flushed at once, to a file (survives a timeout)."""

    def __init__(self, path: Path | None) -> None:
        self.started = time.perf_counter()
        self.handle: TextIO | None = path.open("a", encoding="utf-8") if path else None

    def __call__(self, message: str) -> None:
        line = f"[{time.perf_counter() - self.started:7.1f}s] {message}"
        print(line, file=sys.stderr, flush=True)
        if self.handle is not None:
            self.handle.write(line + "\n")
            self.handle.flush()


# --- one training job (a subprocess) ----------------------------------------------------------


def training_split(root: Path, dataset: str) -> list[NerExample]:
    """The training split of ``dataset`` (its dev file is not read)."""
    spec = DatasetCatalog.spec(dataset)
    return spec.reader(root / spec.train)


def holdout_split(
    examples: Sequence[NerExample], share: float = HOLDOUT, seed: int = SPLIT_SEED
) -> tuple[list[NerExample], list[NerExample]]:
    """(fit, held-out): a seeded shuffle of ``examples`` cut at ``1 - share``."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    cut = len(order) - max(1, round(len(order) * share))
    return [examples[i] for i in order[:cut]], [examples[i] for i in order[cut:]]


def resolve_changes(changes: dict[str, Any], dictionary: Path | None) -> dict[str, Any]:
    """``changes`` with a ``"dictionary": "jieba"`` replaced by the file ``dictionary`` (as
    given: the jobs run in this process's folder, and a model that records a relative path
    loads back from a checkout's root) when one is given; other changes as they are."""
    if dictionary is None or changes.get("dictionary") != JIEBA:
        return dict(changes)
    return {**changes, "dictionary": str(dictionary)}


def file_facts(path: Path) -> dict[str, Any]:
    """Path, sha256 and line count of a word-dictionary file (what the JSON records)."""
    data = path.read_bytes()
    return {
        "path": str(path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "lines": data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1),
    }


def load_vectors(path: str, root: Path) -> Any:
    """(characters, rows) from ``path``, or pretrained now on the data sets under ``root``."""
    import numpy

    if path:
        with numpy.load(path) as saved:
            return [str(char) for char in saved["chars"]], saved["rows"].astype(numpy.float32)
    from fraudgraph.nlp.char_vector_pretrainer import CharVectorPretrainer
    from fraudgraph.nlp.training_recipes import TrainingRecipes

    return CharVectorPretrainer().train(TrainingRecipes(DatasetCatalog(root)).unlabelled_texts())


def run_job(spec: dict[str, Any]) -> dict[str, Any]:
    """Train one variant (phase ``heldout`` or ``full``), score held-out data; the result."""
    from fraudgraph.nlp.crf_trainer import CrfTrainer, CrfTrainingSettings
    from fraudgraph.nlp.training_recipes import monitor

    root = Path(spec["datasets_root"])
    train = training_split(root, spec["dataset"])
    fit, heldout = holdout_split(train) if spec["phase"] == "heldout" else (train, [])
    if spec["sample"]:
        fit, heldout = fit[: spec["sample"]], heldout[: max(20, spec["sample"] // 4)]
    settings = CrfTrainingSettings.from_config(CONFIG_DIR / spec["config"], spec["epochs"])
    settings = dataclasses.replace(
        settings, **spec["changes"], seed=spec["seed"], ensemble=1, device=spec["device"]
    )
    vectors = load_vectors(spec["vectors"], root)
    started = time.perf_counter()
    name = f"fraudgraph_{spec['dataset']}_{spec['variant']}"
    trainer = CrfTrainer(settings)
    path = trainer.train(fit, monitor(fit), Path(spec["output"]), "zh", name, vectors)
    result: dict[str, Any] = {
        "train_seconds": round(time.perf_counter() - started, 1),
        "device": str(trainer.device()),
        "sentences": len(fit),
    }
    if heldout:
        result["heldout"] = score_pipeline(path, heldout)
        result["heldout_sentences"] = len(heldout)
    return result


def score_pipeline(path: Path, examples: Sequence[NerExample]) -> dict[str, float]:
    """Strict span micro P/R/F1 of the saved CRF pipeline at ``path`` on ``examples``."""
    import spacy

    from fraudgraph.nlp.crf_ner_component import CrfNerComponent
    from fraudgraph.nlp.ner_evaluator import NerEvaluator

    component = spacy.load(path).get_pipe("ner")
    assert isinstance(component, CrfNerComponent)
    predicted = component.predict([example.text for example in examples])
    overall, _ = NerEvaluator().score(examples, predicted)
    return {key: round(float(value), 2) for key, value in overall.as_dict().items()}


# --- the parent: launch jobs, select, retrain, evaluate ------------------------------------------


@dataclass
class Job:
    """A running training subprocess and where its spec, log and result live."""

    key: str
    spec: dict[str, Any]
    process: subprocess.Popen[bytes]
    log: Path
    result: dict[str, Any] | None = None


class Sweep:
    """Runs the two phases (see the module docstring)."""

    def __init__(self, args: argparse.Namespace, work: Path, log: Log) -> None:
        self.args = args
        self.work = work
        self.log = log
        self.workers_log = args.out_dir / "workers.log"

    def spec(self, variant: Variant, phase: str, seed: int, key: str) -> dict[str, Any]:
        args = self.args
        return {
            "variant": variant.name,
            "dataset": variant.dataset,
            "config": variant.config,
            "epochs": args.epochs or variant.epochs,
            "changes": resolve_changes(variant.changes, args.dictionary),
            "seed": seed,
            "phase": phase,
            "output": str(self.work / key),
            "datasets_root": str(args.datasets_root),
            "vectors": str(args.vectors or ""),
            "device": args.device,
            "sample": args.sample,
        }

    def launch(self, key: str, spec: dict[str, Any]) -> Job:
        spec_path = self.work / f"{key}.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        log = self.work / f"{key}.log"
        with log.open("wb") as handle:
            command = [sys.executable, str(Path(__file__).resolve()), "--job", str(spec_path)]
            process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        return Job(key, spec, process, log)

    def wait(self, jobs: list[Job], timeout: float | None) -> None:
        """Wait for ``jobs`` (killing those still running after ``timeout`` seconds)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        running = list(jobs)
        while running:
            for job in list(running):
                if job.process.poll() is not None:
                    running.remove(job)
                    self.finish(job)
            if running and deadline is not None and time.monotonic() > deadline:
                for job in running:
                    job.process.kill()
                    job.process.wait()
                    self.log(f"{job.key}: killed at the phase timeout")
                    self.append_log(job)
                return
            time.sleep(0.5)

    def finish(self, job: Job) -> None:
        result_path = Path(job.spec["output"] + ".result.json")
        if job.process.returncode == 0 and result_path.is_file():
            job.result = json.loads(result_path.read_text(encoding="utf-8"))
            self.log(f"{job.key}: done {json.dumps(job.result)}")
        else:
            self.log(f"{job.key}: FAILED (exit {job.process.returncode})")
        self.append_log(job)

    def append_log(self, job: Job) -> None:
        with self.workers_log.open("a", encoding="utf-8") as handle:
            handle.write(f"===== {job.key}\n")
            handle.write(job.log.read_text(encoding="utf-8", errors="replace")[-6000:])

    def phase1(self, variants: Sequence[Variant]) -> list[Job]:
        jobs = [
            self.launch(variant.name, self.spec(variant, "heldout", 7, f"p1_{variant.name}"))
            for variant in variants
        ]
        self.log(f"phase 1: {len(jobs)} variants started")
        self.wait(jobs, self.args.phase1_timeout)
        return jobs

    def choose(
        self, jobs: Sequence[Job], variants: Sequence[Variant], dataset: str
    ) -> Variant | None:
        """Best held-out F1 of ``dataset`` among finished variants that fit phase 2 (None when
        no variant of ``dataset`` qualifies)."""
        limit = self.args.phase2_timeout
        best: tuple[float, Variant] | None = None
        for job, variant in zip(jobs, variants, strict=True):
            if variant.dataset != dataset or job.result is None:
                continue
            if limit is not None and job.result["train_seconds"] * PHASE2_FACTOR > limit:
                self.log(f"{variant.name}: too slow for phase 2, not a candidate")
                continue
            f1 = float(job.result["heldout"]["f1"])
            if best is None or f1 > best[0]:
                best = (f1, variant)
        return None if best is None else best[1]

    def phase2(self, chosen: dict[str, Variant]) -> dict[str, list[Job]]:
        jobs: dict[str, list[Job]] = {}
        for dataset, variant in chosen.items():
            members = self.args.members if dataset == "address" else 1
            jobs[dataset] = [
                self.launch(
                    f"p2_{dataset}_{seed}", self.spec(variant, "full", seed, f"p2_{dataset}_{seed}")
                )
                for seed in range(7, 7 + members)
            ]
        self.log(f"phase 2: {sum(len(j) for j in jobs.values())} trainings started")
        self.wait([job for group in jobs.values() for job in group], self.args.phase2_timeout)
        return jobs

    def assemble(self, dataset: str, variant: Variant, jobs: Sequence[Job]) -> Path | None:
        """The finished members of ``dataset`` as one pipeline (packed per the config)."""
        import spacy

        from fraudgraph.nlp.crf_ner_component import CrfNerComponent
        from fraudgraph.nlp.crf_trainer import CrfTrainer
        from fraudgraph.nlp.crf_weight_packer import CrfWeightPacker

        done = [job for job in jobs if job.result is not None]
        if not done:
            return None
        components = []
        for job in done:
            component = spacy.load(job.spec["output"]).get_pipe("ner")
            assert isinstance(component, CrfNerComponent)
            components.append(component)
        vocab = components[0].vocab
        assert vocab is not None
        for other in components[1:]:
            if other.vocab is None or other.vocab.to_dict() != vocab.to_dict():
                raise RuntimeError(f"{dataset}: the members' vocabularies differ")
        models = [model for component in components for model in component.models]
        info: dict[str, Any] = {
            "epochs": done[0].spec["epochs"],
            "variant": variant.name,
            "seeds": [job.spec["seed"] for job in done],
            "seconds": round(sum(job.result["train_seconds"] for job in done if job.result)),
            "device": done[0].result["device"] if done[0].result else "",
        }
        if len(models) > 1:
            info["ensemble"] = len(models)
        output = self.args.out_dir / f"{dataset}_model"
        CrfTrainer.save(vocab, models, output, "zh", f"fraudgraph_{dataset}_{variant.name}", info)
        return CrfWeightPacker.from_config(CONFIG_DIR / variant.config).pack(output)

    def evaluate(self, dataset: str, path: Path) -> dict[str, Any]:
        """Dev report of ``fraudgraph nlp eval --dataset DATASET --model PATH``."""
        from fraudgraph.nlp.evaluation_runner import EvaluationRunner

        runner = EvaluationRunner(self.args.datasets_root, self.work)
        report = runner.run(dataset, path).as_dict()
        return {
            "overall": report["overall"],
            "per_type_f1": {label: value["f1"] for label, value in report["per_type"].items()},
            "sentences": report.get("sentences"),
            "chars_per_second": report.get("chars_per_second"),
        }


def pack(path: Path, max_bytes: int) -> list[str]:
    """``path`` as ``path.tar.gz`` (the folder's name at the archive's root); an archive over
    ``max_bytes`` is cut into ``.part0``, ``.part1`` ... (``cat`` them back together)."""
    archive = path.with_name(path.name + ".tar.gz")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(path, arcname=path.name)
    if archive.stat().st_size <= max_bytes:
        return [archive.name]
    data = archive.read_bytes()
    archive.unlink()
    names = []
    for part, start in enumerate(range(0, len(data), max_bytes)):
        piece = archive.with_name(f"{archive.name}.part{part}")
        piece.write_bytes(data[start : start + max_bytes])
        names.append(piece.name)
    return names


def environment(device: str) -> dict[str, Any]:
    """bench_env's machine facts (its own fallback where the graph stack is not installed)."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    try:
        from benchmarks.bench_env import environment as bench_environment
    except ImportError:
        return {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch": torch.__version__,
            "cuda": torch.cuda.is_available(),
            "gpu": gpu,
            "device_option": device,
        }
    return bench_environment(gpu=gpu, device_option=device)


def variant_rows(jobs: Sequence[Job], variants: Sequence[Variant]) -> list[dict[str, Any]]:
    rows = []
    for job, variant in zip(jobs, variants, strict=True):
        row: dict[str, Any] = {
            "variant": variant.name,
            "dataset": variant.dataset,
            "config": variant.config,
            "epochs": job.spec["epochs"],
            "changes": job.spec["changes"],
        }
        if job.result is None:
            row["status"] = "unfinished"
        else:
            row.update(job.result)
        rows.append(row)
    return rows


def write_json(args: argparse.Namespace, report: dict[str, Any]) -> None:
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")


def report_of(args: argparse.Namespace, metrics: dict[str, Any]) -> dict[str, Any]:
    sample = f", first {args.sample} sentences" if args.sample else ""
    datasets = datasets_of(args.datasets)
    return {
        "benchmark": "nlp_crf_sweep",
        "dataset": (
            f"{' + '.join(datasets)} train splits (phase 1: {1 - HOLDOUT:.0%} / {HOLDOUT:.0%} "
            f"held out, split seed {SPLIT_SEED}{sample}); dev splits scored once in phase 2"
        ),
        "metrics": metrics,
        "goals": {f"{dataset}_dev_f1": GOALS[dataset] for dataset in datasets},
        "environment": environment(args.device),
    }


def datasets_of(names: str) -> list[str]:
    """The data sets named in ``names`` (comma-separated), in :data:`DATASETS` order."""
    wanted = [name for name in names.split(",") if name]
    unknown = sorted(set(wanted) - set(DATASETS))
    if unknown:
        raise ValueError(f"unknown data sets {unknown}; known: {', '.join(DATASETS)}")
    return [dataset for dataset in DATASETS if dataset in wanted]


def selected(names: str | None, dataset: str) -> list[Variant]:
    """The variants of ``dataset`` named in ``names`` (comma-separated; empty: all of them)."""
    pool = [variant for variant in VARIANTS if variant.dataset == dataset]
    if not names:
        return pool
    wanted = names.split(",")
    return [variant for variant in pool if variant.name in wanted]


def variants_of(datasets: Sequence[str], filters: dict[str, str | None]) -> list[Variant]:
    """The variants to train: per data set in ``datasets``, those its filter names (all when it
    names none). A filter naming a variant that is not one of its data set's is an error."""
    for dataset, names in filters.items():
        known = {variant.name for variant in VARIANTS if variant.dataset == dataset}
        unknown = sorted(set((names or "").split(",")) - known - {""})
        if unknown:
            raise ValueError(f"no {dataset} variants {unknown}; known: {', '.join(sorted(known))}")
    return [variant for dataset in datasets for variant in selected(filters.get(dataset), dataset)]


def finish_dataset(
    sweep: Sweep, dataset: str, variant: Variant, jobs: Sequence[Job], metrics: dict[str, Any]
) -> None:
    """Assemble, dev-score and pack the phase-2 model of ``dataset`` into ``metrics``."""
    path = sweep.assemble(dataset, variant, jobs)
    if path is None:
        metrics[f"{dataset}_error"] = "no phase-2 model finished"
        return
    metrics[f"{dataset}_members"] = [job.result for job in jobs]
    metrics[f"{dataset}_dev"] = sweep.evaluate(dataset, path)
    metrics[f"{dataset}_dev_f1"] = metrics[f"{dataset}_dev"]["overall"]["f1"]
    metrics[f"{dataset}_model"] = pack(path, int(sweep.args.max_file_mib * 2**20))
    shutil.rmtree(path)


def run_sweep(args: argparse.Namespace, work: Path, log: Log) -> dict[str, Any]:
    sweep = Sweep(args, work, log)
    datasets = datasets_of(args.datasets)
    variants = variants_of(datasets, filters(args))
    started = time.perf_counter()
    phase1 = sweep.phase1(variants)
    metrics: dict[str, Any] = {
        "variants": variant_rows(phase1, variants),
        "phase1_seconds": round(time.perf_counter() - started, 1),
    }
    if args.dictionary is not None:
        metrics["dictionary"] = file_facts(args.dictionary)
    write_json(args, report_of(args, {**metrics, "partial": "phase 1 only"}))
    chosen: dict[str, Variant] = {}
    for dataset in datasets:
        variant = sweep.choose(phase1, variants, dataset)
        if variant is None:
            metrics[f"{dataset}_error"] = "no variant finished phase 1 within the time rule"
        else:
            chosen[dataset] = variant
    metrics["chosen"] = {dataset: variant.name for dataset, variant in chosen.items()}
    log(f"chosen on held-out training data: {metrics['chosen']}")
    started = time.perf_counter()
    phase2 = sweep.phase2(chosen)
    metrics["phase2_seconds"] = round(time.perf_counter() - started, 1)
    for dataset, variant in chosen.items():
        try:
            finish_dataset(sweep, dataset, variant, phase2[dataset], metrics)
        except Exception as error:  # one data set's failure must not lose the others' results
            metrics[f"{dataset}_error"] = f"{type(error).__name__}: {error}"
        outcome = {key: metrics.get(f"{dataset}_{key}") for key in ("dev_f1", "model", "error")}
        log(f"{dataset}: {json.dumps(outcome)}")
        write_json(args, report_of(args, {**metrics, "partial": "phase 2 under way"}))
    return metrics


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--datasets-root", type=Path, default=PROJECT.parent / "shared/datasets")
    parser.add_argument("--vectors", type=Path, help="character vectors (.npz: chars, rows)")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument("--out-dir", type=Path, default=PROJECT / "benchmarks/out/crf_sweep")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    parser.add_argument("--log", type=Path, help="append progress lines here")
    parser.add_argument("--max-file-mib", type=float, default=15.0, help="split larger archives")
    parser.add_argument("--members", type=int, default=3, help="address ensemble size")
    parser.add_argument("--phase1-timeout", type=float, help="seconds; stragglers are dropped")
    parser.add_argument("--phase2-timeout", type=float, help="seconds; see the docstring")
    parser.add_argument("--sample", type=int, default=0, help="train on this many sentences")
    parser.add_argument("--epochs", type=int, default=0, help="epochs of every variant")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated")
    for dataset in DATASETS:
        parser.add_argument(f"--{dataset}-variants", help="comma-separated names (default: all)")
    parser.add_argument(
        "--dictionary", type=Path, help='word-dictionary file for the "jieba" variants'
    )
    args = parser.parse_args()
    try:
        variants_of(datasets_of(args.datasets), filters(args))
    except ValueError as error:
        parser.error(str(error))
    if args.dictionary is not None and not args.dictionary.is_file():
        parser.error(f"no dictionary file {args.dictionary}")
    return args


def filters(args: argparse.Namespace) -> dict[str, str | None]:
    """``--<dataset>-variants`` of every data set."""
    return {dataset: getattr(args, f"{dataset}_variants") for dataset in DATASETS}


def main() -> None:
    args = parse()
    if args.job is not None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        spec = json.loads(args.job.read_text(encoding="utf-8"))
        result = run_job(spec)
        Path(spec["output"] + ".result.json").write_text(json.dumps(result), encoding="utf-8")
        return
    args.out_dir.mkdir(parents=True, exist_ok=True)
    log = Log(args.log)
    with tempfile.TemporaryDirectory(prefix="crf_sweep_") as work:
        metrics = run_sweep(args, Path(work), log)
    report = report_of(args, metrics)
    write_json(args, report)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
