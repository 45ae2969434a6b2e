"""The gpu preset's row in the chapters' main results tables: the helper, the folder it reads, and one chapter
rendered with a synthetic gpu record present."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import enhancelib.paths as paths
from enhancelib.study.chapter import GPU_ROW_LABEL, gpu_record_note, gpu_row
from enhancelib.study.experiments import experiment

REPO = Path(__file__).resolve().parents[2]

PER_IMAGE = "name,psnr,ssim,niqe,seconds\na.jpg,30.0,0.90,4.0,0.1\nb.jpg,32.0,0.95,5.0,0.1\n"


def write_gpu_record(root: Path, chapter: str, name: str) -> Path:
    """A finished gpu-preset record of ``chapter/name`` under ``root``, shaped as a real one (two test images)."""
    folder = root / chapter / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(experiment(chapter, name).spec("gpu").config(), indent=2))
    (folder / "metrics.json").write_text(json.dumps({"steps": 5000, "test": {"psnr": 31.0, "ssim": 0.925,
                                                                              "niqe": 4.5}}))
    (folder / "provenance.json").write_text(json.dumps({"preset": "gpu", "seed": 0, "steps": 5000, "device": "cuda",
                                                        "device_name": "Test GPU", "backbone": "vgg16-offline",
                                                        "commit": "0123456789abcdef"}))
    (folder / "per_image_test.csv").write_text(PER_IMAGE)
    return folder


@pytest.fixture
def gpu_runs(tmp_path, monkeypatch):
    """The gpu preset's benchmark records moved to an empty temporary folder through ENHANCELIB_RUNS_GPU."""
    folder = tmp_path / "runs-gpu"
    monkeypatch.setenv("ENHANCELIB_RUNS_GPU", str(folder))
    return folder


def test_the_gpu_records_folder_follows_the_environment_variable(gpu_runs, monkeypatch):
    assert paths.runs_dir("gpu") == gpu_runs
    assert paths.runs_dir("gpu", "fivek") == paths.DATA_DIR / "runs-gpu-fivek"   # FiveK's records stay put
    assert paths.runs_dir() == paths.RUNS_DIR
    monkeypatch.delenv("ENHANCELIB_RUNS_GPU")
    assert paths.runs_dir("gpu") == paths.DATA_DIR / "runs-gpu"


def test_a_gpu_record_gives_the_results_table_a_row(gpu_runs):
    write_gpu_record(gpu_runs, "qagan", "full-seed0")
    row, note = gpu_row("qagan", "full-seed0")
    assert note is None
    assert row["method"] == GPU_ROW_LABEL == "this book, gpu preset"
    assert row["our PSNR"] == pytest.approx(31.0) and row["our SSIM"] == pytest.approx(0.925)
    assert row["our NIQE"] == pytest.approx(4.5)
    assert row["provenance"] == "full-seed0 on the gpu preset, 5000 steps, Test GPU"
    # the chapters whose tables name their columns otherwise
    write_gpu_record(gpu_runs, "glenet", "unpaired-seed0")
    row, _ = gpu_row("glenet", "unpaired-seed0", note="our run")
    assert row["our run"].startswith("unpaired-seed0 on the gpu preset") and "provenance" not in row


def test_without_a_gpu_record_the_chapter_prints_the_note_instead(gpu_runs):
    assert gpu_row("uegan", "full-seed0") == (None, gpu_record_note("uegan", "full-seed0"))
    assert "plan --chapter uegan --only full-seed0 --preset gpu --record" in gpu_row("uegan", "full-seed0")[1]
    # a record of another configuration is no row either
    folder = write_gpu_record(gpu_runs, "bncagan", "full-seed0")
    (folder / "config.json").write_text(json.dumps(experiment("bncagan", "full-seed1").spec("gpu").config()))
    row, note = gpu_row("bncagan", "full-seed0")
    assert row is None and "holds a gpu record of another configuration" in note


@pytest.mark.slow
def test_a_chapter_shows_the_gpu_row_when_a_record_is_present(gpu_runs, tmp_path):
    import papermill

    write_gpu_record(gpu_runs, "qagan", "full-seed0")
    out = tmp_path / "03_qagan.ipynb"
    papermill.execute_notebook(str(REPO / "notebooks" / "03_qagan.ipynb"), str(out), parameters={"preset": "smoke"},
                               cwd=str(REPO / "notebooks"), kernel_name="python3", progress_bar=False)
    cells = json.loads(out.read_text())["cells"]
    table = next(c for c in cells if c.get("id") == "results-table")
    shown = json.dumps(table["outputs"], ensure_ascii=False)
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in table["outputs"])
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in html.split("</tr>")]
    gpu = [row for row in rows if row.startswith(GPU_ROW_LABEL)]
    assert gpu and "31.00 0.9250" in gpu[0], rows   # the record's test PSNR and SSIM, as the table prints them
    assert "has no gpu record" not in shown
