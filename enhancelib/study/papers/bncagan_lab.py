"""BNCAGAN's lab notes (chapter 04's studies of the CPU budget): records, evaluations, longer budget, speed.

The lab page reads the ``cpu`` preset's records whatever preset it runs on (its subject is that budget),
the recorded speed benchmarks, and builds its tables and sentences here. :data:`PUBLIC_MS` holds the public
code's own timing figures, typed once.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from enhancelib.paths import RUNS_DIR
from enhancelib.study.adaptivity import exposure_change
from enhancelib.study.pages import test_pair
from enhancelib.study.speed_records import allocator_comparison, bf16_kept_or_missing, both_allocators
from enhancelib.train.runs import RecordedRun, load_run

__all__ = ["PUBLIC_MS", "cpu_records", "recipe_scores_sentence", "per_step_sentence", "exposure_needs",
           "allocator_table", "allocator_sentence", "bf16_table", "bf16_sentence", "speed_lines"]

#: the public code's own timings (ms) on a 2-core CPU: generator forward at 512 x 512, one training step
PUBLIC_MS: dict[str, float] = {"forward": 567.0, "step": 1793.0}

_BF16_LINES = {"forward float32 (ms)": "ours (inference_mode", "forward bfloat16 (ms)": "ours, bfloat16",
               "step float32 (ms)": "BNCAGANRecipe.train_step", "step bfloat16 (ms)": "train_step, amp=True"}


def cpu_records(names: Sequence[str], chapter: str = "bncagan") -> dict[str, RecordedRun | None]:
    """The ``cpu`` preset's recorded runs ``chapter/name`` (``None`` where not recorded)."""
    return {name: load_run(RUNS_DIR / chapter / name) if (RUNS_DIR / chapter / name / "metrics.json").is_file()
            else None for name in names}


def recipe_scores_sentence(seeds: Mapping[str, RecordedRun], others: Mapping[str, RecordedRun]) -> str:
    """The full recipe's final test PSNR over its seeds, and over the seeds and the ``others`` runs of the recipe."""
    only = pd.Series([float(r.per_image["psnr"].mean()) for r in seeds.values()])
    every = pd.Series([float(r.per_image["psnr"].mean()) for r in [*seeds.values(), *others.values()]])
    return (f"The full recipe's final test PSNR: {only.mean():.2f} ± {only.std(ddof=1):.2f} dB over the {len(only)} "
            f"seeds, {every.mean():.2f} ± {every.std(ddof=1):.2f} dB over all {len(every)} runs of the recipe, which "
            "the chapter's tables use.")


def per_step_sentence(records: Mapping[str, RecordedRun]) -> str:
    """The median CPU-seconds per training step over the records."""
    per_step = pd.Series({n: r.provenance["train_cpu_seconds"] / max(r.provenance["steps"], 1)
                          for n, r in records.items()})
    return (f"From the records (no timing here): {per_step.median():.2f} CPU-seconds per training step (median over "
            f"{len(per_step)} runs, both threads counted).")


def exposure_needs(names: Sequence[str], long_side: int) -> pd.Series:
    """The exposure change (stops) from input to target of each benchmark photo at ``long_side``."""
    return pd.Series({name: exposure_change(*test_pair(name, long_side)) for name in names})


def allocator_table() -> pd.DataFrame:
    """``scripts/bench_bncagan.py`` recorded with the default allocator and with freed memory kept, beside the
    public code's own figures."""
    table: pd.DataFrame = allocator_comparison("bench_bncagan", {
        "generator forward 512x512": ("public code's order", "ours (inference_mode"),
        "training step": ("public code's organisation", "BNCAGANRecipe.train_step"),
    }, {"generator forward 512x512": PUBLIC_MS["forward"], "training step": PUBLIC_MS["step"]})
    return table


def allocator_sentence(table: pd.DataFrame) -> str:
    """What keeping freed memory does to our forward and step, against the public code's organisation."""
    kept = table["ours, freed memory kept (ms)"]
    if not kept.notna().all():
        return "The recording with freed memory kept is missing: `python scripts/record_benchmarks.py bench_bncagan`."
    own, same = table["ours kept / public's own figure"], table["ours / public organisation, kept"]
    public = table["public organisation, freed memory kept (ms)"]
    return (f"With freed memory kept, our forward takes {kept.iloc[0]:.0f} ms and our training step {kept.iloc[1]:.0f} "
            f"ms, {own.iloc[0]:.2f} x and {own.iloc[1]:.2f} x the public code's own {PUBLIC_MS['forward']:.0f} and "
            f"{PUBLIC_MS['step']:.0f} ms. That is not like for like: the public organisation, rebuilt from our "
            f"modules and timed in the same recording, takes {public.iloc[0]:.0f} and {public.iloc[1]:.0f} ms, and "
            f"ours runs at {same.iloc[0]:.2f} x and {same.iloc[1]:.2f} x of it.")


def _row(table: pd.DataFrame, label: str) -> dict[str, float]:
    """One row of a table of numbers as ``{column: value}``."""
    return dict(zip(map(str, table.columns), np.asarray(table.loc[label], dtype=float).tolist()))


def bf16_table() -> pd.DataFrame:
    """Our forward and training step in float32 and bfloat16, with both allocators (ms; NaN where not recorded)."""
    return both_allocators("bench_bncagan", _BF16_LINES)


def bf16_sentence(table: pd.DataFrame) -> str:
    """The bfloat16 figures with freed memory kept, beside the public code's float32 ones."""
    kept, missing = bf16_kept_or_missing(table, "bench_bncagan")
    if missing:
        return missing
    return (f"With freed memory kept: forward {kept['forward float32 (ms)']:.0f} ms in float32, "
            f"{kept['forward bfloat16 (ms)']:.0f} ms in bfloat16 (public code {PUBLIC_MS['forward']:.0f} ms, float32); "
            f"training step {kept['step float32 (ms)']:.0f} / {kept['step bfloat16 (ms)']:.0f} ms (public "
            f"{PUBLIC_MS['step']:.0f} ms).")


def speed_lines(bf16: pd.DataFrame, versus: pd.DataFrame) -> list[str]:
    """The speed findings as Markdown bullets: ours against the public code's figures, and against the public
    code timed in the same recording (``versus``: :func:`enhancelib.study.speed_records.public_code_comparison`)."""
    lines = []
    kept = _row(bf16, "freed memory kept")
    if np.isfinite(kept["step bfloat16 (ms)"]):
        parts = [f"{what} {kept[column]:.0f} ms ({kept[column] / PUBLIC_MS[kind]:.2f} x the public "
                 f"{PUBLIC_MS[kind]:.0f} ms)" for what, column, kind in
                 (("forward, float32", "forward float32 (ms)", "forward"),
                  ("forward, bfloat16", "forward bfloat16 (ms)", "forward"),
                  ("step, float32", "step float32 (ms)", "step"), ("step, bfloat16", "step bfloat16 (ms)", "step"))]
        default_step = _row(bf16, "default allocator")["step bfloat16 (ms)"]
        lines.append("* **Against the public code's own figures** (freed memory kept): " + "; ".join(parts)
                     + f". With the default allocator the bfloat16 step takes {default_step:.0f} ms "
                     f"({default_step / PUBLIC_MS['step']:.2f} x).")
    ratio = {str(k): float(v) for k, v in versus["ours / public code"].items()}
    if all(np.isfinite(v) for v in ratio.values()):
        lines.append(f"* **Against the public code itself** (one recording: same processor, PyTorch and minutes; "
                     f"float32): our forward takes {ratio['forward']:.2f} x and our "
                     f"training step {ratio['step']:.2f} x the public code's time.")
    return lines
