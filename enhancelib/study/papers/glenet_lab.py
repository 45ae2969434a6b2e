"""GleNet's lab notes: the studies of the unpaired recipe at the cpu budget (critic normalisation, an identity term
for good photos, three times the budget, choosing on the validation split, speed, steps and processors)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from enhancelib.study.judging import seed_pool
from enhancelib.study.papers.glenet import CHAPTER, POOLS
from enhancelib.study.papers.glenet_figures import stage2_start

__all__ = ["LAB_POOLS", "LAB_FAMILIES", "per_run_gains", "stage_table", "evaluations_at", "measured_term_gradients",
           "term_pull", "probe_table", "stage_means_text", "pull_lines", "validation_table", "plot_validation", "validation_text", "SPEED_ROWS", "TENSORFLOW_MS", "speed_table",
           "speed_text", "stage_steps"]

LAB_POOLS: dict[str, tuple[str, ...]] = {
    "paper's objective": POOLS["unpaired GEN & LEN"],
    "layer-norm critics": tuple(seed_pool(CHAPTER, "critic-layer-norm")),
    "identity term, weight 5": tuple(seed_pool(CHAPTER, "hq-identity-5")),
    "identity term, weight 500": tuple(seed_pool(CHAPTER, "hq-identity-500")),
    "three times the budget": ("unpaired-budget-3x-seed0",),
}
"""The lab's seed pools: each change to the unpaired GEN & LEN, and the paper's objective it is compared with."""

LAB_FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    "critic": {"layer-norm critics - paper's objective": ("layer-norm critics", "paper's objective")},
    "identity": {"identity term, weight 5 - paper's objective": ("identity term, weight 5", "paper's objective"),
                 "identity term, weight 500 - paper's objective": ("identity term, weight 500", "paper's objective")},
    "budget": {"three times the budget - paper's objective": ("three times the budget", "paper's objective")},
}
"""One Holm family per lab study (judged with :func:`~enhancelib.study.papers.glenet_tables.judge_family_of`)."""


def per_run_gains(runs: Mapping[str, Any], names: Sequence[str], baseline_images: pd.DataFrame,
                  needed: pd.Series, threshold: float = 0.05) -> pd.DataFrame:
    """Per run: steps, test PSNR, and the PSNR gain over the input on the photos that need no brightening / the rest."""
    inputs = baseline_images[baseline_images["method"] == "input"].set_index("name")["psnr"]
    none, some = needed[needed <= threshold].index, needed[needed > threshold].index
    rows = {}
    for name in names:
        run = runs.get(name)
        if run is None:
            continue
        gain = run.per_image.set_index("name")["psnr"] - inputs
        rows[name] = {"steps": int(run.provenance["steps"]), "test PSNR": float(run.per_image["psnr"].mean()),
                      f"gain, no brightening needed ({len(none)})": float(gain.reindex(none).mean()),
                      f"gain, brightening needed ({len(some)})": float(gain.reindex(some).mean())}
    return pd.DataFrame(rows).T


def stage_table(runs: Mapping[str, Any], names: Sequence[str]) -> pd.DataFrame:
    """Per run: GEN alone at the last evaluation of stage 1 (LEN still zero) and what stage 2 (LEN) adds."""
    rows = {}
    for name in names:
        run = runs.get(name)
        start = stage2_start(run.train_log) if run is not None else None
        if run is None or start is None:
            continue
        before = run.eval_log[run.eval_log["step"] < start]
        if before.empty:
            continue
        last = before.iloc[-1]
        final = float(run.metrics["test"]["psnr"])
        rows[name] = {"GEN alone: step": int(last["step"]), "GEN alone: test PSNR": float(last["test_psnr"]),
                      "stage 2 from step": start, "GEN & LEN: test PSNR": final,
                      "stage 2 (LEN) adds": final - float(last["test_psnr"])}
    return pd.DataFrame(rows).T


def evaluations_at(runs: Mapping[str, Any], names: Sequence[str], steps: Sequence[int]) -> pd.DataFrame:
    """The test PSNR each available run's periodic evaluation recorded at ``steps`` (runs as rows)."""
    rows = {}
    for name in names:
        run = runs.get(name)
        if run is None:
            continue
        log = run.eval_log.set_index("step")["test_psnr"]
        rows[name] = {f"test PSNR at step {s}": float(log.get(s, np.nan)) for s in steps}
    return pd.DataFrame(rows).T


def measured_term_gradients(runs: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The recorded term-gradient tables (``scripts/term_gradients.py``) of the available runs that have one."""
    from enhancelib.study.term_gradients import load_term_gradients

    found = {}
    for name, run in runs.items():
        table = load_term_gradients(run.path) if run is not None else None
        if table is not None:
            found[name] = table
    return found


def term_pull(measured: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Norm of each weighted term's gradient on G_e's weights (runs as columns), terms that reach G_e only."""
    pull = pd.DataFrame({n: t["weighted_grad_norm"] for n, t in measured.items()})
    return pull.loc[(pull.fillna(0) > 0).any(axis=1)]


def probe_table(measured: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per run: the weight of the identity term for good photos and how far G_e moves them, mean |G_e(I_HQ) - I_HQ|.

    A run without the term records it as a probe of weight 0; the checkpoint step says where it was measured.
    """
    rows = {}
    for name, t in measured.items():
        if "g_e_hq_identity" not in t.index:
            continue
        rows[name] = {"weight of the term": float(t.loc["g_e_hq_identity", "weight"]),
                      "mean |G_e(I_HQ) - I_HQ|": float(t.loc["g_e_hq_identity", "value"]),
                      "checkpoint step": int(t.attrs.get("checkpoint_step", -1))}
    return pd.DataFrame(rows).T


def stage_means_text(stages: pd.DataFrame, groups: Mapping[str, Sequence[str]], input_psnr: float) -> str:
    """Per group of runs: GEN alone at the end of stage 1 and what stage 2 adds, as means over the group's runs."""
    parts = []
    for label, names in groups.items():
        found = [n for n in names if n in stages.index]
        if found:
            part = stages.loc[found]
            parts.append(f"{label}: GEN alone {part['GEN alone: test PSNR'].mean():.2f} dB at the end of stage 1, "
                         f"stage 2 adds {part['stage 2 (LEN) adds'].mean():+.2f} dB (mean of {len(found)})")
    return "; ".join(parts) + f"; input {input_psnr:.2f} dB."


def pull_lines(measured: Mapping[str, pd.DataFrame]) -> list[str]:
    """Per run: how many times harder the adversarial term pulls than eq. 5's identity and cyclic colour terms."""
    lines = []
    for name, t in measured.items():
        pull = {str(k): float(v) for k, v in t["weighted_grad_norm"].items()}
        weight = {str(k): float(v) for k, v in t["weight"].items()}
        adv = pull["g_e_adversarial"]
        line = (f"{name}: the adversarial term pulls {adv / pull['g_e_identity']:.0f} x harder than eq. 5's identity "
                f"term and {adv / pull['g_e_cycle']:.1f} x harder than the cyclic colour term")
        if weight.get("g_e_hq_identity", 0.0) > 0:
            line += (f"; the identity term on good photos (weight {weight['g_e_hq_identity']:g}) pulls "
                     f"{pull['g_e_hq_identity'] / adv:.2f} x the adversarial term")
        lines.append(line)
    return lines


def validation_table(logs: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per run: validation and test PSNR at the first and last evaluation, and the test PSNR at the best validation."""
    rows = {}
    for name, log in logs.items():
        best = log.iloc[int(log["val_psnr"].to_numpy().argmax())]
        rows[name] = {"val, first evaluation": log["val_psnr"].iloc[0], "val, last": log["val_psnr"].iloc[-1],
                      "test, first evaluation": log["test_psnr"].iloc[0], "test, last": log["test_psnr"].iloc[-1],
                      "step of best val": int(best["step"]), "test at best val": best["test_psnr"]}
    return pd.DataFrame.from_dict(rows, orient="index")


def plot_validation(logs: Mapping[str, pd.DataFrame], val_input: float, test_input: float, photos: tuple[int, int]
                    ) -> Any:
    """Validation and test PSNR of runs during training, each with the input's line; ``photos``: (val, test) counts."""
    import matplotlib.pyplot as plt

    from enhancelib.viz import plot_eval

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    plot_eval(logs, "val_psnr", baselines={"input": val_input}, ax=axes[0])
    plot_eval(logs, "test_psnr", baselines={"input": test_input}, ax=axes[1])
    axes[0].set_title(f"validation PSNR ({photos[0]} photos)", fontsize=10)
    axes[1].set_title(f"test PSNR ({photos[1]} photos)", fontsize=10)
    fig.tight_layout()
    return fig


def validation_text(table: pd.DataFrame, val_input: float, test_input: float) -> str:
    """How many runs rise on validation, fall on test, and stay below the input at their best validation score."""
    n = len(table)
    count = lambda mask: int(mask.sum())  # noqa: E731
    return (f"Input: {val_input:.2f} dB on the validation photos, {test_input:.2f} dB on the test photos. From the first "
            f"evaluation to the last, validation PSNR rises in {count(table['val, last'] > table['val, first evaluation'])} "
            f"of {n} runs and test PSNR falls in {count(table['test, last'] < table['test, first evaluation'])}; "
            f"{count(table['val, last'] > val_input)} of {n} end above the input on validation, "
            f"{count(table['test, last'] < test_input)} below it on test, and "
            f"{count(table['test at best val'] < test_input)} are below it on test at their best validation PSNR too.")


SPEED_ROWS: tuple[str, ...] = ("GEN", "LEN", "GEN & LEN")
TENSORFLOW_MS: dict[str, float] = {"GEN": 15.0, "LEN": 114.0, "GEN & LEN": 120.0}
"""The public TensorFlow code's forward times on 512 x 512 (its README)."""


def speed_table(default: Mapping[str, float], kept: Mapping[str, float]) -> pd.DataFrame:
    """GEN, LEN and GEN & LEN on 512 x 512 with each allocator (ms, from the recorded benchmarks) and TensorFlow's."""
    table = pd.DataFrame({
        "default allocator (ms)": {k: default.get(k, np.nan) for k in SPEED_ROWS},
        "freed memory kept (ms)": {k: kept.get(k, np.nan) for k in SPEED_ROWS},
        "public TensorFlow code (ms)": TENSORFLOW_MS,
    })
    table["kept / TensorFlow"] = (table["freed memory kept (ms)"].to_numpy(dtype=float)
                                  / table["public TensorFlow code (ms)"].to_numpy(dtype=float))
    return table


def speed_text(table: pd.DataFrame) -> str:
    """What keeping freed memory changes, and how far GEN & LEN stays from the TensorFlow code."""
    values = table.loc[["GEN & LEN"]].to_numpy(dtype=float)[0]
    row = dict(zip(map(str, table.columns), values))
    if not np.isfinite(row["freed memory kept (ms)"]):
        return "The recording with freed memory kept is missing: `python scripts/record_benchmarks.py bench_glenet` makes it."
    return (f"Keeping freed memory takes GEN & LEN on 512 × 512 from {row['default allocator (ms)']:.0f} ms to "
            f"{row['freed memory kept (ms)']:.0f} ms, {row['kept / TensorFlow']:.2f} x the TensorFlow code's "
            f"{row['public TensorFlow code (ms)']:.0f} ms.")


def stage_steps(runs: Mapping[str, Any], names: Sequence[str]) -> pd.DataFrame:
    """Per two-stage run: steps, the steps of stage 1 (bounded by the logged rows), its share of CPU time, processor.

    A log row at step k logs step k - 1; stage 1 ends between the last row without LEN's loss and the first with it.
    """
    from enhancelib.study.chapter import processor_of

    rows = {}
    for name in names:
        run = runs.get(name)
        if run is None or stage2_start(run.train_log) is None:
            continue
        log = run.train_log
        with_len = log["len_loss"].notna()
        first = log.loc[with_len].iloc[0]
        before = log.loc[~with_len & (log["step"] < first["step"]), "step"]
        low, high = (int(before.max()) if len(before) else 0), int(first["step"]) - 1
        prov = run.provenance
        rows[name] = {"steps": int(prov["steps"]), "stage 1 steps": f"{low}" if low == high else f"{low}-{high}",
                      "stage 1 share of CPU time": float(first["cpu_time"]) / float(prov["train_cpu_seconds"]),
                      "processor": processor_of(prov)}
    return pd.DataFrame(rows).T
