"""The figures quoted in the prose of chapter 00 (the benchmark), recomputed from the records (see quotes.py)."""
from __future__ import annotations


import json


from tests.commentary.quotes import (REPO, assert_quotes, baseline_psnr)


# ---- chapter 00: the benchmark and its three test sets

def test_benchmark_input_and_flat_render_commentary():
    from enhancelib.study.test_sets import operator_test_set_scores, summarise_test_sets

    three = summarise_test_sets(operator_test_set_scores(progress=False), by="method")
    test_in, flat_in = three.loc[("input", "test")], three.loc[("input", "flat")]
    assert_quotes("00_benchmark.ipynb", "flat-inputs", f"loses {test_in['psnr'] - flat_in['psnr']:.1f} dB",
                  f"{flat_in['black']:.3f} instead of {test_in['black']:.3f}")
    flat = three.xs("flat", level="set")
    assert flat["psnr"].idxmax() == "autocontrast"                       # "gains most there"
    assert flat.loc["gray_world_auto_gamma", "psnr"] < flat_in["psnr"]   # "does worse than the input"
    edits = three.xs("identity", level="set")["change"].drop(["input", "autocontrast"])
    assert_quotes("00_benchmark.ipynb", "flat-inputs", f"{edits.min():.0f}-{edits.max():.0f} levels")
    assert three.loc[("autocontrast", "identity"), "change"] < 5          # "a few levels only"
    summary = [c for c in json.loads((REPO / "notebooks" / "00_benchmark.ipynb").read_text())["cells"]
               if "".join(c["source"]).startswith("## Summary")][0]
    text = " ".join("".join(summary["source"]).split())
    assert f"score {baseline_psnr('input'):.2f} dB" in text
    assert f"autocontrast gains {baseline_psnr('autocontrast') - baseline_psnr('input'):.2f} dB" in text
