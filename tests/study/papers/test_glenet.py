"""enhancelib.study.papers.glenet: the paper's tables, the seed pools, the runs and networks of chapter 02."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from enhancelib.paths import RUNS_DIR
from enhancelib.study.compare import PAPER_CLAIMS
from enhancelib.study.papers import glenet
from enhancelib.study.papers.glenet import (CHAPTER_RUNS, LAB_RUNS, PAPER_TABLE_3, PAPER_TABLE_4, PAPER_TABLE_5, POOLS,
                                            SMOKE_RUNS, cpu_setting, load_degrader, load_enhancers, load_runs,
                                            pool_frame)
from enhancelib.train.runs import load_run


def _recorded(name: str):
    path = RUNS_DIR / "glenet" / name
    if not (path / "metrics.json").is_file():
        pytest.skip(f"glenet/{name} is not recorded")
    return load_run(path)


def test_the_paper_tables_agree_with_the_registry_of_claims_and_with_each_other():
    claim = next(c for c in PAPER_CLAIMS if c.source == "GleNet, Tables 3 and 4")
    paired = next(r for r in PAPER_TABLE_3 if r.method == "GEN & LEN")
    unpaired = next(r for r in PAPER_TABLE_4 if r.method == "GEN & LEN")
    assert claim.printed == (paired.psnr, paired.ssim, unpaired.psnr, unpaired.ssim) == (25.88, 0.925, 23.82, 0.889)
    # Table 5's "Proposed" rows repeat Table 4's
    proposed = [(r.method, r.psnr, r.ssim) for r in PAPER_TABLE_5 if r.scheme == "Proposed"]
    assert proposed == [(r.method, r.psnr, r.ssim) for r in PAPER_TABLE_4 if r.pool is not None]
    assert all(r.pool in POOLS for r in (*PAPER_TABLE_3, *PAPER_TABLE_4, *PAPER_TABLE_5) if r.pool is not None)


def test_the_pools_are_the_registered_seeds():
    assert POOLS["paired GEN & LEN"] == ("paired-gen-len", "paired-gen-len-seed1", "paired-gen-len-seed2")
    assert POOLS["unpaired GEN & LEN"] == ("unpaired-seed0", "unpaired-seed1", "unpaired-seed2")
    assert POOLS["CWGAN-GP GEN"] == ("cycle-seed0",) and POOLS["CWGAN-GP GEN & LEN"] == ("cycle-len-seed0",)
    assert len(CHAPTER_RUNS) == 13 and set(SMOKE_RUNS) <= set(CHAPTER_RUNS)
    assert "critic-layer-norm-seed2" in LAB_RUNS and "critic-layer-norm-seed2" not in CHAPTER_RUNS


def test_load_runs_trains_only_the_smoke_runs_on_smoke(monkeypatch):
    called = []
    monkeypatch.setattr("enhancelib.study.chapter.chapter_run", lambda chapter, name, params: called.append(name) or name)
    found = load_runs(SimpleNamespace(quick=True), ["paired-gen-len", "paired-gen"])
    assert found == {"paired-gen-len": "paired-gen-len", "paired-gen": None} and called == ["paired-gen-len"]
    assert load_runs(SimpleNamespace(quick=False), ["paired-gen"]) == {"paired-gen": "paired-gen"}


def test_pool_frame_stacks_the_available_seeds():
    runs = {n: _recorded(n) for n in POOLS["unpaired GEN & LEN"]}
    frame = pool_frame({**runs, "unpaired-seed2": None}, POOLS["unpaired GEN & LEN"])
    assert list(dict.fromkeys(frame["run"])) == ["unpaired-seed0", "unpaired-seed1"]
    assert frame.groupby("run")["psnr"].mean()["unpaired-seed1"] == pytest.approx(runs["unpaired-seed1"].per_image["psnr"].mean())
    assert pool_frame({}, POOLS["unpaired GEN & LEN"]) is None


def test_the_loaded_enhancer_reproduces_the_recorded_score_of_a_photo():
    from enhancelib.metrics import psnr
    from enhancelib.study.pages import test_pair

    run = _recorded("paired-gen-len")
    nets = load_enhancers({"paired-gen-len": run, "paired-gen": _recorded("paired-gen")},
                          {"paired": "paired-gen-len", "no weights": "paired-gen"})
    assert list(nets) == ["paired"]                       # paired-gen keeps no generator
    name = run.per_image["name"].iloc[0]
    low, high = test_pair(name, 512)
    with torch.no_grad():
        out = nets["paired"](low[None])[0].clamp(0, 1)
    assert psnr(out, high) == pytest.approx(float(run.per_image["psnr"].iloc[0]), abs=0.1)


def test_load_degrader_loads_the_kept_weights_and_recalibrates_batch_norm(monkeypatch):
    from enhancelib.study.pages import test_pair

    run = _recorded("unpaired-seed0")
    photos = [test_pair(n, 128)[1] for n in run.per_image["name"][:3]]
    monkeypatch.setattr("enhancelib.recipes.calibration.training_photos", lambda spec, pool: photos)
    degrader = load_degrader(run)
    saved = run.network_state("degrader")
    state = degrader.state_dict()
    weights = [k for k in saved if k.endswith("weight")]
    assert weights and all(torch.equal(state[k], saved[k]) for k in weights)
    means = [k for k in saved if k.endswith("running_mean")]
    assert any(not torch.allclose(state[k], saved[k]) for k in means), "statistics re-estimated"
    assert not degrader.training
    assert load_degrader(None) is None and load_degrader(_recorded("paired-gen-len")) is None


def test_cpu_setting_reads_the_registry():
    unpaired = cpu_setting("unpaired-seed0")
    assert unpaired.options == {"net_size": 128, "stage1_fraction": 0.6, "identity_init": True}
    assert unpaired.len_zero_start and unpaired.batch_norm_recalibrated
    gen_only = cpu_setting("unpaired-gen-seed0")
    assert not gen_only.len_zero_start                     # no LEN in a GEN-only run
    assert cpu_setting("paired-gen-len").options == {"identity_init": True}
    assert glenet.CHAPTER == "glenet"
