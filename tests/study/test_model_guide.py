"""The model guide of `enhance --help` and the README: read from the records, the default chosen by rule."""
from __future__ import annotations

import subprocess
import sys

import pytest

from enhancelib.paths import REPO_ROOT
from enhancelib.study.model_guide import KINDS, ModelRow, expectation, model_guide, model_guide_markdown, suggested_model


def _row(name: str, flat_psnr: float, flat_ssim: float, edit: float = 10.0) -> ModelRow:
    return ModelRow(name, KINDS.get(name, name), 19.0, flat_psnr, flat_ssim, edit)


def test_the_suggestion_is_the_best_flat_render_psnr_among_models_keeping_the_inputs_ssim():
    rows = [_row("input", 17.6, 0.877, 0.0), _row("autocontrast", 20.7, 0.934, 3.8),
            _row("glenet", 19.5, 0.833), _row("uegan", 18.1, 0.880), _row("qagan", 18.9, 0.871)]
    assert suggested_model(rows) == "uegan"        # glenet is higher but loses SSIM; operators are not models
    rows = [_row("input", 17.6, 0.95, 0.0), _row("glenet", 19.5, 0.833), _row("qagan", 18.9, 0.871)]
    assert suggested_model(rows) == "glenet"       # none keeps the SSIM: the best PSNR
    assert "autocontrast beats every recorded model" in expectation(
        [_row("autocontrast", 20.7, 0.934, 3.8), _row("uegan", 18.1, 0.88, 21.0)])
    assert "editing good photos less than autocontrast: uegan" in expectation(
        [_row("autocontrast", 20.7, 0.934, 3.8), _row("uegan", 18.1, 0.88, 2.0)])


def test_the_guide_reads_every_recorded_model_and_the_readme_shows_it():
    rows = model_guide()
    assert {row.name for row in rows} >= set(KINDS) | {"input", "autocontrast"}
    assert next(r for r in rows if r.name == "input").identity_edit == pytest.approx(0.0, abs=1e-9)
    assert model_guide_markdown(rows) in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_enhance_help_prints_the_guide():
    help_text = subprocess.run([sys.executable, "-m", "enhancelib", "enhance", "--help"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout
    assert f"Default: {suggested_model()}" in help_text and "good photo edited by" in help_text
    assert "{guide}" not in help_text
