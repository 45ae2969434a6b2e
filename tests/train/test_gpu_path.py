"""The `gpu` preset's whole path on the CPU: what `plan --preset gpu --data fivek --record` runs, minus CUDA.

No CUDA device is present where the tests run. The `gpu` preset's runs of UEGAN's main model and of
GleNet's paired upper bound (which also reads FiveK's expert-C version of each low photo) are trained
here, and so are BNCAGAN's and QAGAN's main models, with only the device moved to the CPU and the batch cut
to one photo: the full-size networks (VGG included), the paper's crop (512 pixels; QAGAN's 256) taken from
photos loaded at the preset's 768 pixels, float16
autocast with loss scaling (the CPU's autocast switched to float16, as tests/train/test_float16_path.py
does), data from a FiveK-layout folder made here, the periodic evaluation, a checkpoint, a kill after one
step and a resume, and the record written into `data/runs-gpu-fivek/<chapter>/<name>` with its provenance.

One thing is scaled down: the crop reaches the network at 32 pixels instead of the paper's 256 (UEGAN's
smallest input). Float16 convolutions have no fast kernel on most CPUs; a full-size UEGAN step takes about
7 s at 32 pixels and about 22 s at 64 on two cores, and would take minutes at 256. Measured at 32 pixels
with batch 1 on two shared cores: UEGAN about 25 s for this test, GleNet paired about 10 s (6 s a step),
BNCAGAN and QAGAN about 25 s each. The unpaired GleNet (40 to 80 s a step: GEN and the critics work at 256
pixels whatever the crop) shares this path through the same engine but is left to
tests/train/test_float16_path.py, which trains every recipe in float16 at tiny sizes.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import enhancelib.paths as paths
from enhancelib.nn import precision
from enhancelib.study.experiments import experiment
from enhancelib.study.plan import PlannedRun, record_run
from enhancelib.train import load_checkpoint, train

TRAIN_SIZE = 32
"""The network's input side in this test (the paper's 256, scaled down; see the module docstring)."""
ON_THE_CPU = {"device": "cpu", "batch_size": 1, "train_size": TRAIN_SIZE, "max_steps": 2, "eval_every": 2,
              "checkpoint_every": 1, "log_every": 1}
"""The only preset fields this test changes from the gpu preset with UEGAN's paper settings."""
SPLIT = {"n_low": 2, "n_high": 2, "n_val": 1, "n_test": 1}
PAPER_CROP = {"uegan": 512, "glenet": 512, "bncagan": 512, "qagan": 256}
"""The training crop each paper's text gives (QAGAN's 256; the others 512), which the gpu preset keeps."""


def _photo(rng: np.random.Generator, width: int, height: int, gain: float) -> Image.Image:
    """A smooth random scene (gradients and blobs) with a little noise, brightened by ``gain``."""
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    base = np.stack([0.3 + 0.4 * x, 0.25 + 0.5 * y, 0.4 + 0.3 * np.sin(6 * x + 3 * y)], axis=-1)
    base += 0.05 * rng.standard_normal(base.shape)
    return Image.fromarray(np.clip(255 * base * gain, 0, 255).astype(np.uint8))


def make_fivek(root: Path) -> Path:
    """FiveK's layout (enhancelib/data/fivek.py): input/ and expertC/ with matching names. Sorted by name, the
    first two are the low training photos, the next two the high ones (their expert-C versions), then one
    validation pair and one test pair. Training photos are large enough for the 512-pixel crop."""
    rng = np.random.default_rng(0)
    for folder in ("input", "expertC"):
        (root / folder).mkdir(parents=True)
    for index in range(1, 7):
        size = (640, 520) if index <= 4 else (160, 120)
        scene = rng.integers(0, 2**31)
        for folder, gain in (("input", 0.55), ("expertC", 1.0)):
            _photo(np.random.default_rng(scene), *size, gain).save(root / folder / f"a{index:04d}.jpg", quality=90)
    return root


@pytest.fixture
def float16_on_cpu(monkeypatch):
    monkeypatch.setitem(precision._FORMATS, "cpu", torch.float16)
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)  # no emulation warning


@pytest.mark.parametrize("chapter, name", [("uegan", "full-seed0"), ("glenet", "paired-gen-len"),
                                           ("bncagan", "full-seed0"), ("qagan", "full-seed0")])
def test_the_gpu_preset_trains_resumes_and_records_into_the_gpu_folder(tmp_path, monkeypatch, float16_on_cpu,
                                                                       chapter, name):
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path / "data" / "runs")
    root = make_fivek(tmp_path / "fivek")
    item = experiment(chapter, name)
    paper = item.spec("gpu").resolved_preset()
    assert (paper.crop, paper.load_long_side, paper.amp) == (PAPER_CROP[chapter], 768, True)
    spec = replace(item.spec("gpu"), data={"source": "fivek", "root": str(root), **SPLIT},
                   preset_overrides={**item.preset_overrides, **ON_THE_CPU})
    preset = spec.resolved_preset()
    assert (preset.crop, preset.load_long_side, preset.amp, preset.name) == (paper.crop, 768, True, "gpu")
    folder = paths.runs_dir("gpu", "fivek") / chapter / name
    assert folder == tmp_path / "data" / "runs-gpu-fivek" / chapter / name
    run = PlannedRun(item, spec, folder, recorded=False)

    torch.manual_seed(0)
    with pytest.raises(KeyboardInterrupt):   # killed after one step: the engine saves a checkpoint
        train(spec, folder, progress=False, keep_weights=True, interrupt_after=1)
    cut = load_checkpoint(folder / "checkpoint.pt")
    assert cut["step"] == 1 and not cut["complete"]
    scale = cut["recipe"]["scaler"]["scale"]
    assert 0 < scale < float("inf"), "float16 training keeps a loss scale"
    assert not (folder / "metrics.json").exists()

    said: list[str] = []
    recorded = record_run(run, progress=False, say=said.append)   # resumes at step 1
    assert recorded.path == folder
    assert [row["step"] for row in map(json.loads, (folder / "train_log.jsonl").read_text().splitlines())] == [1, 2]
    assert said and said[0].startswith(f"{chapter}/{name} step 2: ") and "test_psnr" in said[0]
    done = load_checkpoint(folder / "checkpoint.pt")
    assert done["step"] == 2 and done["complete"] and "gpu_peak_bytes" in done
    for name in ("config.json", "provenance.json", "metrics.json", "eval_log.jsonl", "per_image_test.csv",
                 "generator.pt"):
        assert (folder / name).is_file(), name
    assert list((folder / "samples").glob("*.jpg"))

    metrics = recorded.metrics
    assert metrics["steps"] == 2 and np.isfinite(metrics["test"]["psnr"]) and 0 < metrics["test"]["ssim"] <= 1
    assert "test_sets" not in metrics   # the flat render and identity sets belong to the built-in benchmark
    prov = recorded.provenance
    assert (prov["preset"], prov["recipe"], prov["steps"], prov["device"]) == ("gpu", item.recipe, 2, "cpu")
    assert prov["amp"] is True and prov["amp_dtype"] == "float16"
    assert prov["data"]["source"] == "fivek" and prov["data"]["crop"] == paper.crop
    assert prov["data"]["counts"] == {"train_low": 2, "train_high": 2, "val": 1, "test": 1}
    assert not any(key.startswith(("gpu_", "cuda")) for key in prov), "GPU fields belong to CUDA records only"
    assert recorded.config == spec.config()


def test_a_cuda_record_names_the_gpu_its_software_and_its_peak_memory(monkeypatch):
    """provenance.cuda_description with torch's CUDA queries answered as a GPU machine would."""
    from enhancelib.train import provenance

    class Properties:
        total_memory = 80 * 2**30

    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA H100 80GB HBM3")
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device=None: Properties())
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    monkeypatch.setattr(torch.backends.cudnn, "version", lambda: 90100)
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device=None: 3 * 2**30)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    cuda = torch.device("cuda")
    peak = provenance.cuda_peak_bytes(cuda)
    assert peak == 3 * 2**30 and provenance.cuda_peak_bytes(torch.device("cpu")) == 0
    described = provenance.cuda_description(cuda, peak)
    assert described == {"gpu_name": "NVIDIA H100 80GB HBM3", "gpu_memory_mib": 81920, "gpu_peak_memory_mib": 3072.0,
                         "cuda_version": "12.4", "cudnn_version": 90100, "cuda_visible_devices": "2"}
    assert provenance.cuda_description(torch.device("cpu"), 0) == {}
