import numpy as np
import pandas as pd
import pytest

from enhancelib.study.compare import (LEARNED_METHODS, PAPER_CLAIMS, Claim, claim_verdicts, learned_method, load_cost,
                                      paper_steps, psnr_gain, seed_mean_per_image, seeds_in_order, shared_worst,
                                      significance, stack_per_image, summarise_methods, worst_photos)
from enhancelib.study.experiments import EXPERIMENTS

NAMES = [f"img{i:02d}" for i in range(12)]


def frame(psnr, ssim=None):
    psnr = np.asarray(psnr, dtype=float)
    return pd.DataFrame({"name": NAMES, "psnr": psnr, "ssim": ssim if ssim is not None else psnr / 30})


@pytest.fixture
def long():
    rng = np.random.default_rng(0)
    base = 18 + rng.normal(0, 1, len(NAMES))
    return stack_per_image({
        ("input", 0): frame(base),
        ("uegan", 0): frame(base + 2 + rng.normal(0, 0.1, len(NAMES))),
        ("uegan", 1): frame(base + 3 + rng.normal(0, 0.1, len(NAMES))),
        ("qagan", 0): frame(base + rng.normal(0, 0.5, len(NAMES))),
    })


def test_every_method_names_real_experiments():
    for method in LEARNED_METHODS:
        for run in method.runs:
            assert (method.chapter, run) in EXPERIMENTS
    keys = {m.key for m in LEARNED_METHODS} | {"input"}
    assert all(c.better in keys and c.worse in keys for c in PAPER_CLAIMS)


def test_methods_list_every_registered_seed_and_count_their_densely_evaluated_runs():
    methods = {m.key: m for m in LEARNED_METHODS}
    for method in methods.values():
        assert method.runs[0].endswith("seed0") or method.role == "paired upper bound"
    registered = [name for (chapter, name) in EXPERIMENTS if chapter == "uegan" and name.startswith("full-seed")]
    n = len(registered)
    assert methods["uegan"].runs[:n] == tuple(sorted(registered, key=lambda n: int(n.rsplit("seed", 1)[1])))
    assert methods["uegan"].runs[n:] == ("dense-eval-seed0",)
    assert methods["bncagan"].runs[-1] == "dense-eval-seed0"
    assert methods["qagan"].runs[:3] == ("full-seed0", "full-seed1", "full-seed2")
    assert set(methods["qagan"].runs[3:]) == {"dense-eval-seed0", "dense-eval-seed1"}
    # the paired upper bound's seed 0 is named without a seed suffix; its later seeds follow it
    assert methods["glenet_paired"].runs == ("paired-gen-len", "paired-gen-len-seed1", "paired-gen-len-seed2")


def test_learned_method_by_key_and_unknown_key():
    assert learned_method("glenet_paired").role == "paired upper bound"
    with pytest.raises(KeyError, match="no learned method 'gleenet'.*glenet_paired"):
        learned_method("gleenet")


def test_runs_sharing_a_seed_number_are_told_apart_by_name():
    two = stack_per_image({("qagan", "full-seed0"): frame(np.full(12, 17.0)),
                           ("qagan", "dense-eval-seed0"): frame(np.full(12, 19.0))})
    summary = summarise_methods(two, ("psnr",))
    assert summary.loc["qagan", "seeds"] == 2
    assert summary.loc["qagan", "psnr mean"] == pytest.approx(18.0)
    assert summary.loc["qagan", "psnr seed std"] == pytest.approx(np.std([17.0, 19.0], ddof=1))
    doubled = pd.concat([frame(np.full(12, 17.0)), frame(np.full(12, 19.0))])
    with pytest.raises(ValueError, match="twice"):
        stack_per_image({("qagan", "full-seed0"): doubled})


def test_summary_averages_seed_means_and_their_spread(long):
    summary = summarise_methods(long, ("psnr", "ssim", "niqe"))
    assert summary.loc["uegan", "seeds"] == 2 and summary.loc["input", "seeds"] == 1
    seed_means = long[long.method == "uegan"].groupby("seed")["psnr"].mean()
    assert summary.loc["uegan", "psnr mean"] == pytest.approx(seed_means.mean())
    assert summary.loc["uegan", "psnr seed std"] == pytest.approx(seed_means.std(ddof=1))
    assert np.isnan(summary.loc["input", "psnr seed std"])
    assert "niqe mean" not in summary.columns  # absent metric is left out, not filled with NaN


def test_seed_mean_per_image_and_gain(long):
    per_image = seed_mean_per_image(long, "uegan", ("psnr",)).set_index("name")["psnr"]
    parts = long[long.method == "uegan"].pivot(index="name", columns="seed", values="psnr")
    assert np.allclose(per_image.to_numpy(), parts.mean(axis=1).to_numpy())
    gain = psnr_gain(long, "uegan")
    assert gain.is_monotonic_increasing and gain.between(1.5, 3.5).all()
    with pytest.raises(KeyError):
        seed_mean_per_image(long, "nothing")


def test_significance_finds_the_clear_gain_only(long):
    table = significance(long, [("uegan", "input"), ("qagan", "input"), ("bncagan", "input")], "psnr")
    assert list(table["A"]) == ["uegan", "qagan"]  # bncagan is not in the table: skipped
    assert table.iloc[0]["outcome"] == "uegan better" and table.iloc[0]["p"] < 0.01
    assert table.iloc[1]["outcome"] == "no significant difference"


def test_claim_verdicts_cover_reproduced_reversed_and_missing(long):
    claims = [Claim("t", "uegan", "input", (20, 0.9, 17, 0.8)), Claim("t", "input", "uegan", (20, 0.9, 17, 0.8)),
              Claim("t", "bncagan", "input", (24, 0.9, 18, 0.8))]
    table = claim_verdicts(long, claims)
    psnr = table[table.metric == "PSNR"].reset_index(drop=True)
    assert list(psnr["verdict"]) == ["reproduced", "reversed", "not recorded yet"]
    assert psnr.loc[0, "paper gap"] == pytest.approx(3.0)
    assert psnr.loc[0, "our gap"] == pytest.approx(2.5, abs=0.2)


def test_seeds_in_order_counts_the_better_methods_seeds_above_the_other_mean():
    table = stack_per_image({("input", 0): frame(np.full(12, 18.0)),
                             ("gan", "s0"): frame(np.full(12, 19.0)), ("gan", "s1"): frame(np.full(12, 17.5)),
                             ("gan", "s2"): frame(np.full(12, 18.5)),
                             ("other", "s0"): frame(np.full(12, 18.2)), ("other", "s1"): frame(np.full(12, 18.8))})
    assert seeds_in_order(table, "gan", "input", "psnr") == "2 of 3"
    assert seeds_in_order(table, "gan", "other", "psnr") == "1 of 3"      # only 19.0 is above the mean 18.5
    assert seeds_in_order(table, "input", "gan", "psnr") == "0 of 1"      # 18.0 against the mean 18.33
    assert seeds_in_order(table, "gan", "missing", "psnr") == "—"
    verdicts = claim_verdicts(table, [Claim("t", "gan", "input", (20, 0.9, 17, 0.8))])
    assert list(verdicts["seeds in order"]) == ["2 of 3", "2 of 3"]


def test_stack_rejects_duplicates():
    with pytest.raises(ValueError):
        stack_per_image({("a", 0): pd.concat([frame(np.ones(12)), frame(np.ones(12))])})


def test_worst_photos_and_what_they_share(long):
    worst = worst_photos(long, ["uegan", "qagan", "bncagan"], 3)
    assert set(worst) == {"uegan", "qagan"}  # bncagan is not in the table
    assert worst["qagan"] == tuple(psnr_gain(long, "qagan").index[:3])
    worst = {"a": ("x", "y"), "b": ("y", "z"), "c": ("z", "w"), "d": ("y", "v")}
    table = shared_worst(worst, ["a", "b", "missing"], ["c", "d"]).set_index("method")
    assert list(table.index) == ["a", "b"]
    assert table.loc["a", "shared"] == 1 and table.loc["a", "shared with"] == "y (d)"
    assert table.loc["b", "shared"] == 2 and table.loc["b", "shared with"] == "y (d); z (c)"


def test_paper_steps_follow_the_papers_texts():
    steps = {m.key: paper_steps(m) for m in LEARNED_METHODS}
    assert steps["uegan"] == 150 * (2250 // 10) and steps["qagan"] == 150 * (2250 // 12)
    assert steps["bncagan"] == 150 * (2250 // 8)
    assert steps["glenet_paired"] == 25_000 and steps["glenet"] == 5_000 + 25_000


def test_load_cost_absent_and_present(tmp_path):
    assert load_cost(tmp_path / "none.csv") is None
    path = tmp_path / "cost.csv"
    pd.DataFrame({"method": ["uegan"], "ms_512": [1.0]}).to_csv(path, index=False)
    assert load_cost(path).loc[0, "method"] == "uegan"
