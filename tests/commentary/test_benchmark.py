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


def test_operators_by_need_and_by_the_rule_commentary():
    from enhancelib.config import resolve_preset
    from enhancelib.data import load_data
    from enhancelib.study.baselines import load_baselines
    from enhancelib.study.papers import benchmark

    needs = benchmark.photo_needs(load_data("benchmark", resolve_preset("cpu")).test)
    counts = benchmark.need_counts(needs)
    per_image = load_baselines("cpu", progress=False)[0]
    table = benchmark.baseline_table(per_image, needs)
    up = f"Δ PSNR, needs brightening ({counts['need brightening']})"
    none = f"Δ PSNR, needs none ({counts['need no brightening']})"
    losses = table[none].drop(["input", "autocontrast"])
    # "every operator but autocontrast loses 4 dB or more"
    assert (losses <= -4).all() and table.loc["autocontrast", none] > -4
    verdicts = benchmark.operator_verdicts(per_image)
    psnr, ssim = verdicts.loc["PSNR"], verdicts.loc["SSIM"]
    assert (psnr["verdict"] == "no difference shown").all()
    shown = ssim[ssim["verdict"] != "no difference shown"]
    assert list(shown.index) == ["histogram_equalisation - input"] and shown["verdict"].iloc[0] == "input better"
    auto = psnr.loc["autocontrast - input"]
    assert_quotes("00_benchmark.ipynb", "operators-comment",
                  f"On the {counts['need brightening']} photos that need brightening",
                  f"gray world with auto gamma gains {table.loc['gray_world_auto_gamma', up]:.2f} dB",
                  f"autocontrast {table.loc['autocontrast', up]:.2f} dB", f"on the {counts['need no brightening']} that",
                  f"Over all {len(needs)} photos autocontrast gains {auto['mean Δ (operator - input)'].lstrip('+')} dB",
                  f"interval of {auto['95% interval']} dB")
