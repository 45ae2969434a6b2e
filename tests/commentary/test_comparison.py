"""The figures quoted in the prose of chapter 05 (the comparison), recomputed from the records (see quotes.py)."""
from __future__ import annotations


from functools import lru_cache

import pandas as pd

from tests.commentary.quotes import RUNS, assert_quotes, baselines, final_scores, run, uegan_full


# ---- chapter 05: three test sets and the haze

@lru_cache(maxsize=None)
def three_set_table() -> pd.DataFrame:
    from enhancelib.study.test_sets import method_test_set_scores, test_set_table

    return test_set_table(method_test_set_scores())


def test_three_test_sets_commentary():
    from enhancelib.study.test_sets import method_test_set_scores, summarise_test_sets

    table = three_set_table()
    learned = ["uegan", "uegan_charbonnier", "glenet", "glenet_paired", "qagan", "bncagan"]
    flat_psnr, flat_haze = table[("flat", "PSNR")], table[("flat", "haze")]
    edits = table[("identity", "edit (levels)")]
    assert (flat_psnr[learned] > flat_psnr["input"]).all()                      # "every learned model gains"
    assert (flat_psnr[learned] < flat_psnr["autocontrast"]).all()               # "but less than autocontrast"
    quotes = [f"({flat_psnr['autocontrast']:.2f} dB)", f"haze is {flat_haze['input']:.2f}",
              f"outputs' {flat_haze[learned].min():.2f}-{flat_haze[learned].max():.2f}",
              f"by {edits['autocontrast']:.1f} levels", f"by {edits[learned].min():.0f}-{edits[learned].max():.0f}",
              f"({edits['uegan_charbonnier']:.1f} and {edits['bncagan']:.1f} levels)",
              f"by {edits['glenet_paired']:.0f} levels"]
    assert_quotes("05_comparison.ipynb", "three-sets-reading", *quotes)
    assert (flat_haze[learned] > flat_haze["input"]).all()                      # "hazier than they came in"
    ssim = table[("identity", "SSIM")][learned].sort_values(ascending=False)
    assert set(ssim.index[:2]) == {"uegan_charbonnier", "bncagan"} == set(edits[learned].nsmallest(2).index)
    assert edits[learned].idxmax() == "glenet"
    means = summarise_test_sets(method_test_set_scores(), by="method")["mean"]
    lift = means[("glenet", "identity")] - means[("input", "identity")]
    assert_quotes("05_comparison.ipynb", "three-sets-reading", f"by {lift:.2f} in mean luminance")


def test_haze_cause_commentary():
    from enhancelib.data import load_data
    from enhancelib.nn.vgg import load_vgg
    from enhancelib.study.haze import domain_levels, fidelity_blindness
    from enhancelib.study.test_sets import target_levels

    training = load_data("benchmark", "cpu").train
    high = domain_levels({"high": training.high}).loc["high", "black"]
    targets = target_levels()["black"].mean()
    assert_quotes("05_comparison.ipynb", "haze-cause", f"lie at {high:.3f} where the test targets' lie at {targets:.3f}")
    learned = ["uegan", "uegan_charbonnier", "glenet", "glenet_paired", "qagan", "bncagan"]
    from enhancelib.study.test_sets import method_test_set_scores, summarise_test_sets

    blacks = summarise_test_sets(method_test_set_scores(), by="method")["black"]
    # "on the flat render and the identity set every learned model sits right of the targets"
    for set_name in ("flat", "identity"):
        assert all(blacks[(m, set_name)] > targets for m in learned)
    # "on the test split so do UEGAN, its variant, QAGAN and BNCAGAN (GleNet's two models do not)"
    assert all(blacks[(m, "test")] > targets for m in ("uegan", "uegan_charbonnier", "qagan", "bncagan"))
    assert all(blacks[(m, "test")] < targets for m in ("glenet", "glenet_paired"))
    from enhancelib.data.test_sets import load_test_sets

    photos = [p.target for p in load_test_sets(256, ("identity",))["identity"]][:12]
    ratios = fidelity_blindness(photos, load_vgg()).groupby("lift")[["ratio_fidelity", "ratio_no_norm"]].median()
    with_norm = f"{100 * ratios['ratio_fidelity'].min():.0f}-{100 * ratios['ratio_fidelity'].max():.0f}%"
    without = f"{100 * ratios['ratio_no_norm'].min():.0f}-{100 * ratios['ratio_no_norm'].max():.0f}%"
    assert_quotes("05_comparison.ipynb", "haze-fidelity", f"charges a haze {with_norm}", f"only {without}")


def test_haze_quality_weight_commentary():
    from enhancelib.study.test_sets import run_test_set_scores, test_set_table

    weak_runs = ["quality-0.05-seed1", "quality-0.05-seed2"]
    scores = pd.concat([run_test_set_scores(RUNS / "uegan" / name, progress=False).assign(method=name)
                        for name in ("full-seed0", *weak_runs)], ignore_index=True)
    table = test_set_table(scores)
    main, weak = table.loc["full-seed0"], table.loc[weak_runs]
    flat_input = three_set_table().loc["input"]
    edits = weak[("identity", "edit (levels)")]
    gains = weak[("flat", "PSNR")] - flat_input[("flat", "PSNR")]
    assert_quotes("05_comparison.ipynb", "haze-weight",
                  f"falls from {main[('test', 'haze')]:.2f} to {weak[('test', 'haze')].mean():.2f}",
                  f"({weak.loc[weak_runs[0], ('test', 'PSNR')]:.2f} and {weak.loc[weak_runs[1], ('test', 'PSNR')]:.2f} dB)",
                  f"gain {gains.min():.1f}-{gains.max():.1f} dB",
                  f"by {edits.min():.1f}-{edits.max():.1f} levels instead of {main[('identity', 'edit (levels)')]:.1f}",
                  f"(flat haze {weak[('flat', 'haze')].mean():.2f} against the input's {flat_input[('flat', 'haze')]:.2f})")
    ssim = weak[("flat", "SSIM")]
    assert ssim.round(3).nunique() == 1 and ssim.min() >= flat_input[("flat", "SSIM")]     # "both keep the input's SSIM"
    assert_quotes("05_comparison.ipynb", "haze-weight",
                  f"SSIM ({ssim.iloc[0]:.3f} against {flat_input[('flat', 'SSIM')]:.3f})")
    ratio = edits / three_set_table().loc["autocontrast", ("identity", "edit (levels)")]
    assert ratio.between(1.5, 2.3).all()                                            # "about twice as much"
    full = final_scores("uegan", uegan_full())
    assert weak[("test", "PSNR")].between(full.min(), full.max()).all()             # "inside the seed range"


def test_haze_candidates_run_by_run_commentary():
    from enhancelib.study.haze_runs import grouped_run_haze, haze_differences

    runs = grouped_run_haze()
    mean = runs.groupby("group")["haze"].mean()
    weights = [mean[f"UEGAN, quality weight {w}" + suffix] for w, suffix in
               (("0.05", " (paper)"), ("0.1", " (code; main runs)"), ("0.2", ""), ("0.4", ""))]
    assert weights == sorted(weights)                                               # "the stronger, the hazier"
    main = mean["UEGAN, quality weight 0.1 (code; main runs)"]
    assert_quotes("05_comparison.ipynb", "haze-runs-reading",
                  "average " + ", ".join(f"{w:.3f}" for w in weights[:3]) + f" and {weights[3]:.3f}",
                  f"averages {mean['UEGAN, no identity term']:.3f}, against {main:.3f} with it",
                  f"({mean['BNCAGAN, no identity term']:.3f} against {mean['BNCAGAN (main runs)']:.3f})",
                  f"runs average {mean['UEGAN, 3x the budget']:.3f}",
                  f"({mean['BNCAGAN, 3x the budget']:.3f} against {mean['BNCAGAN (main runs)']:.3f}, "
                  f"{mean['QAGAN, 3x the budget']:.3f} against {mean['QAGAN (main runs)']:.3f})",
                  f"({mean['GleNet unpaired (main runs)']:.3f}), stays so ({mean['GleNet unpaired, 3x the budget']:.3f})")
    longer = runs.loc[runs["group"] == "UEGAN, 3x the budget", "haze"]
    budget = runs.loc[runs["group"] == "UEGAN, quality weight 0.1 (code; main runs)", "haze"]
    assert longer.max() < budget.min()                                   # "every one of them lies below every run"
    assert mean["UEGAN, no identity term"] < main                      # no identity term: not hazier
    table = haze_differences()
    assert (table["verdict"] == "no difference shown").all()           # "four photos show none of these differences"
    widths = table["95% interval"].str.strip("[]").str.split(", ").map(lambda p: float(p[1]) - float(p[0]))
    assert_quotes("05_comparison.ipynb", "haze-runs-reading", f"intervals are {widths.min():.2f} to {widths.max():.2f} wide")


def test_haze_crop_commentary():
    from enhancelib.config import resolve_preset
    from enhancelib.data import load_data
    from enhancelib.study.haze import crop_levels, domain_gap, domain_levels

    train = load_data("benchmark", resolve_preset("cpu")).train
    gap = domain_gap(domain_levels({"low": train.low, "high": train.high}), crop_levels(train))
    assert_quotes("05_comparison.ipynb", "haze-crops-reading",
                  f"black level is {gap.loc['training crops', 'black, gap']:.3f} in crops and "
                  f"{gap.loc['whole photos', 'black, gap']:.3f} in whole",
                  f"in contrast {gap.loc['training crops', 'contrast, gap']:.3f} and {gap.loc['whole photos', 'contrast, gap']:.3f}")
    assert (gap["black, gap"].max() - gap["black, gap"].min()) < 0.01              # "shift both domains together"


# ---- chapter 05: how the table is made, the reading of the results table, the summary

@lru_cache(maxsize=None)
def recorded_comparison():
    from enhancelib.study.compare import LEARNED_METHODS
    from enhancelib.study.papers.comparison import comparison_from

    runs = {(m.key, n): run(m.chapter, n) for m in LEARNED_METHODS for n in m.runs}
    return comparison_from(runs, baselines())


def test_how_the_table_is_made():
    from enhancelib import PRETRAINED
    from enhancelib.study.compare import LEARNED_METHODS
    from enhancelib.study.papers.comparison import judge_against_input

    dense = {m.key for m in LEARNED_METHODS if any(r.startswith("dense-eval") for r in m.runs)}
    assert dense == {"uegan", "qagan", "bncagan"}                  # "UEGAN's, QAGAN's and BNCAGAN's pools also hold"
    compared = {m.key for m in LEARNED_METHODS}                      # uegan_longer is a recorded model, not compared
    assert {k: v.split("/")[1] for k, v in PRETRAINED.items() if k.startswith("uegan") and k in compared} == \
        {"uegan": "full-seed0", "uegan_charbonnier": "charbonnier-seed5"}   # "seed 0 ..., seed 5 of the Charbonnier"
    n = len(judge_against_input(recorded_comparison()))
    assert_quotes("05_comparison.ipynb", "0cae62e0", f"the {n} comparisons of the table are one family")
    assert_quotes("05_comparison.ipynb", "results-reading", f"adjustment for the table's {n} comparisons")


def test_results_reading_commentary():
    from enhancelib.study.papers.comparison import judge_against_input

    c = recorded_comparison()
    judged = judge_against_input(c)
    half = pd.Series({k: (d.high - d.low) / 2 for k, d in judged.items() if k in c.learned})
    assert_quotes("05_comparison.ipynb", "results-reading",
                  f"{['zero', 'one', 'two', 'three'][round(half.min())]} to "
                  f"{['zero', 'one', 'two', 'three'][round(half.max())]} decibels either side")
    above = [k for k, d in judged.items() if d.verdict == "A better"]
    below = [k for k, d in judged.items() if d.verdict == "B better"]
    assert above == []                                       # "no learned method ... and neither any operator"
    assert below == ["qagan_hq_identity"]                    # "QAGAN with our identity term is shown below it"
    paired = judged["glenet_paired"]
    assert paired.low > 0 and paired.verdict == "no difference shown"   # "excludes zero ... but not after"
    assert_quotes("05_comparison.ipynb", "results-reading", "QAGAN with our identity term is shown below it")


def test_summary_commentary():
    from enhancelib.study.adaptivity import NO_BRIGHTENING, gain_by_need
    from tests.commentary.quotes import exposure_needs

    c = recorded_comparison()
    needed = exposure_needs("test")
    none, up = int((needed <= NO_BRIGHTENING).sum()), int((needed > NO_BRIGHTENING).sum())
    assert_quotes("05_comparison.ipynb", "6dd14de7", f"on the {none} test photos that need no brightening",
                  f"on the {up} others")
    table = gain_by_need(c.long, needed, ["autocontrast", *c.learned])
    gain_up, gain_none = (table[f"{g} ({n}): gain"] for g, n in (("need brightening", up),
                                                                  ("need no brightening", none)))
    assert (gain_none[c.learned] < 0).all() and gain_none["autocontrast"] > 0   # "every learned method ... loses"
    assert (gain_up[c.learned] > gain_up["autocontrast"]).sum() > len(c.learned) / 2   # "most of them gain more"
    edits = three_set_table()[("identity", "edit (levels)")]
    learned = ["uegan", "uegan_charbonnier", "glenet", "glenet_paired", "qagan", "bncagan"]
    assert edits[learned].min() > 2.5 * edits["autocontrast"]                 # "several times more than autocontrast"


def test_throughput_lab_commentary():
    from enhancelib.study.speed_records import throughput_table

    table = throughput_table()
    ratio = table["x today"]
    best = ratio.drop("today", level="setting").groupby(level="recipe").max()
    reuse = ratio.xs("reuse", level="setting")
    last = table.xs("channels-last", level="setting")
    paired = table.loc["glenet_paired"]
    assert (best < 1.5).all()                                                           # "none comes near 1.5"
    assert (table.xs("reuse", level="setting")["largest weight change"] == 0).all()     # "changes no number"
    assert_quotes("lab_05_comparison.ipynb", "throughput-reading",
                  f"gains {round(100 * (best['uegan'] - 1))}% for UEGAN (at most {best['uegan']:.2f} times",
                  f"{round(100 * (best['bncagan'] - 1))}% for BNCAGAN (at most {best['bncagan']:.2f})",
                  f"gains {round(100 * (reuse.min() - 1))} to {round(100 * (reuse.max() - 1))}%",
                  f"paired recipe gains {round(100 * (paired.loc['1-thread', 'x today'] - 1))}%, at "
                  f"{paired.loc['1-thread', 'wall s per step'] / paired.loc['today', 'wall s per step']:.1f} times",
                  f"channels-last gains {round(100 * (last['x today'].min() - 1))} to {round(100 * (last['x today'].max() - 1))}%",
                  f"by up to {last['largest weight change'].max():.4f} after ten steps")


def test_haze_variant_and_average_commentary():
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.ema_probe import ema_differences, ema_probe
    from enhancelib.study.test_sets import chapter_test_set_table, target_levels

    variant_run = "quality-0.05-budget-3x-seed0"
    table = chapter_test_set_table("uegan", runs=["full-seed0", "quality-0.05-seed1", "quality-0.05-seed2", variant_run],
                                   labels={variant_run: "variant", "full-seed0": "main"})
    variant, source, auto = table.loc["variant"], table.loc["input"], table.loc["autocontrast"]
    weak = table.loc[[r for r in table.index if "0.05 (Fig. 10)" in r]]
    edit = ("identity", "edit (levels)")
    steps = run("uegan", variant_run).metrics["steps"]
    assert_quotes("05_comparison.ipynb", "haze-variant-reading",
                  f"After {steps} steps the variant scores {variant[('test', 'PSNR')]:.2f} dB on the test split, "
                  f"{variant[('test', 'PSNR')] - source[('test', 'PSNR')]:.2f} dB above the input and above "
                  f"autocontrast ({auto[('test', 'PSNR')]:.2f} dB)",
                  f"it scores {variant[('flat', 'PSNR')]:.2f} dB and SSIM {variant[('flat', 'SSIM')]:.3f}",
                  f"({source[('flat', 'PSNR')]:.2f} dB, {source[('flat', 'SSIM')]:.3f})",
                  f"autocontrast's PSNR ({auto[('flat', 'PSNR')]:.2f} dB)",
                  f"({variant[('flat', 'haze')]:.3f} against {source[('flat', 'haze')]:.3f})",
                  f"by {variant[edit]:.1f} levels", f"({weak[edit].min():.1f}-{weak[edit].max():.1f})",
                  f"autocontrast does ({auto[edit]:.1f})")
    assert round(variant[edit] / auto[edit]) == 4                                      # "four times"
    assert variant[("flat", "PSNR")] > auto[("flat", "PSNR")] and variant[("flat", "SSIM")] > source[("flat", "SSIM")]

    judged = ema_differences(ema_probe(RUNS_DIR / "uegan" / variant_run), target_levels())
    delta = judged["Δ (live - average)"]
    psnr_rows = [r for r in judged.index if "psnr" in r]
    haze_rows = [r for r in judged.index if "haze" in r]
    assert (judged.loc[psnr_rows, "verdict"] == "no difference shown").all()
    assert judged.loc[haze_rows, "verdict"].str.endswith("live better").all()
    assert judged.loc["identity ssim: live - average", "verdict"] == "average better"
    assert_quotes("05_comparison.ipynb", "haze-ema-reading",
                  f"within {delta[psnr_rows].abs().max():.2f} dB",
                  f"by {-delta[haze_rows].max():.3f}-{-delta[haze_rows].min():.3f} on the two sets",
                  f"(identity SSIM lower by {-delta['identity ssim: live - average']:.3f})",
                  f"flat-render haze ({table.loc['main', ('flat', 'haze')]:.3f})")


def test_cpu_variants_commentary():
    from enhancelib.study.cpu_variants import variant_checks, variants_table

    table = variants_table()
    checks = variant_checks(table)
    variant, recipe = "BNCAGAN, ours: adversarial weight 0.1 -> 0.05, 3x budget", "BNCAGAN, paper's recipe"
    v, r, source, auto = table.loc[variant], table.loc[recipe], table.loc["input"], table.loc["autocontrast"]
    edit = ("identity", "edit (levels)")
    assert_quotes("05_comparison.ipynb", "haze-variants-reading",
                  f"({v[('flat', 'SSIM')]:.3f} against {source[('flat', 'SSIM')]:.3f})",
                  f"({v[('test', 'haze')]:.3f} against the recipe's {r[('test', 'haze')]:.3f})",
                  f"edits good photos by {v[edit]:.1f} levels", f"autocontrast ({auto[edit]:.1f})",
                  f"{v[('test', 'PSNR')]:.2f} dB on the test split against the recipe's {r[('test', 'PSNR')]:.2f}",
                  f"{v[('flat', 'PSNR')]:.2f} dB on the flat render against {r[('flat', 'PSNR')]:.2f}")
    gentler = checks.index[checks["edits good photos less than autocontrast"]].tolist()
    assert gentler == [variant], "'the one model here that edits them less than autocontrast'"
    assert checks.loc[variant].all()
    uegan = [k for k in table.index if k.startswith("UEGAN, ours")][0]
    assert table.loc[uegan, ("test", "PSNR")] > table.loc["UEGAN, paper's recipe", ("test", "PSNR")]   # "intact"
    q = table.loc["QAGAN, ours: cycle weight 2 -> 4, 3x budget"]
    qr = table.loc["QAGAN, paper's recipe"]
    assert_quotes("05_comparison.ipynb", "haze-variants-reading",
                  f"render ({q[('flat', 'SSIM')]:.3f}) and is a little less hazy than its recipe there "
                  f"({q[('flat', 'haze')]:.3f} against {qr[('flat', 'haze')]:.3f})",
                  f"edits good photos by {q[edit]:.1f} levels against the recipe's {qr[edit]:.1f}",
                  f"below the input on the test split ({q[('test', 'PSNR')]:.2f} dB)")
    assert q[("flat", "SSIM")] >= source[("flat", "SSIM")] and q[("test", "PSNR")] < source[("test", "PSNR")]
    assert q[("flat", "haze")] < qr[("flat", "haze")]
