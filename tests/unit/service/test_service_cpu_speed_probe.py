from pathlib import Path

import pytest

from fraudgraph.service import cpu_speed_probe
from fraudgraph.service.cpu_speed_probe import CpuSpeedProbe


def test_model_reads_the_first_model_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9554 64-Core\n"
        "processor\t: 1\nmodel name\t: other\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(cpu_speed_probe, "CPUINFO", info)
    assert CpuSpeedProbe.model() == "AMD EPYC 9554 64-Core"


def test_model_is_none_without_cpuinfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu_speed_probe, "CPUINFO", tmp_path / "missing")
    assert CpuSpeedProbe.model() is None


def test_more_work_takes_longer() -> None:
    # 16x the items: the best of three runs cannot come out faster on any machine.
    small = CpuSpeedProbe(items=5_000, rounds=3).best_ms()
    large = CpuSpeedProbe(items=80_000, rounds=3).best_ms()
    assert 0 < small < large
