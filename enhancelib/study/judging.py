"""The book's one way to judge a difference, applied to recorded runs and shown as a table.

Stated once in chapter 00 and used by every chapter:

1. **Seed pools are fixed.** A method is the list of its recorded runs (one per seed) declared in
   the registry (:data:`enhancelib.study.compare.LEARNED_METHODS` for the main models, the
   experiments' ``name-seedN`` runs for ablations); every table of that method uses the same list.
2. **One test.** Each photo's score is averaged over the method's seeds; the difference is taken
   photo by photo; the table gives its mean with a 95% confidence interval (Student's t over the
   test photos) and the paired t-test's p-value (:func:`~enhancelib.study.statistics.judge_difference`).
3. **Multiple comparisons.** The comparisons of one table are one family: their p-values are
   Holm-adjusted together (:func:`~enhancelib.study.statistics.judge_family`), and a difference is
   *shown* when the adjusted p-value is below 0.05. Otherwise the table says "no difference shown"
   (which is not "equal": the interval says how large a difference the data still allow).

The photos are the benchmark's test photos, so the interval speaks for photos like those,
not for other seeds: with few seeds a method's seed-to-seed spread (shown beside the means) can
be as large as the difference between two methods.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from enhancelib.paths import RUNS_DIR
from enhancelib.study.statistics import Difference, judge_difference, judge_family
from enhancelib.train.runs import load_run

__all__ = ["ALPHA", "seed_pool", "pool_per_image", "judge_pools", "difference_table", "named_verdict"]

#: a difference is shown when its Holm-adjusted p-value is below this
ALPHA = 0.05


def seed_pool(chapter: str, name: str) -> list[str]:
    """The registered runs of experiment ``name`` of ``chapter``: ``name-seedN`` for every N, or ``name`` alone."""
    from enhancelib.study.experiments import chapter_experiments

    names = [e.name for e in chapter_experiments(chapter)]
    seeds = sorted((n for n in names if re.fullmatch(rf"{re.escape(name)}-seed\d+", n)),
                   key=lambda n: int(n.rsplit("seed", 1)[1]))
    if seeds:
        return seeds
    if name in names:
        return [name]
    raise KeyError(f"chapter {chapter!r} registers no run {name!r} and no {name}-seedN runs")


def pool_per_image(chapter: str, runs: Sequence[str], runs_dir: str | None = None) -> pd.DataFrame:
    """The per-photo test scores of the recorded runs of a pool, one row per run and photo (column ``run``)."""
    root = RUNS_DIR if runs_dir is None else runs_dir
    frames = []
    for name in runs:
        path = f"{root}/{chapter}/{name}"
        try:
            frame = load_run(path).per_image
        except FileNotFoundError:
            continue
        frames.append(frame.assign(run=name))
    if not frames:
        raise FileNotFoundError(f"none of {list(runs)} of chapter {chapter!r} is recorded")
    return pd.concat(frames, ignore_index=True)


def judge_pools(pairs: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]], metric: str = "psnr") -> dict[str, Difference]:
    """Judge each (A, B) pair of per-photo frames on ``metric`` as one family (Holm-adjusted together)."""
    alone = [judge_difference(a, b, metric, confidence=1 - ALPHA) for a, b in pairs.values()]
    return dict(zip(pairs, judge_family(alone)))


def difference_table(differences: Mapping[str, Difference], unit: str | None = None) -> pd.DataFrame:
    """One row per comparison: mean difference (A - B), its 95% interval, photos, Holm-adjusted p, verdict.

    Label a comparison "A - B" and the verdict names the better side ("autocontrast better"). ``unit``
    defaults to the metric's: dB for PSNR, none for SSIM and the others.
    """
    rows = []
    for label, d in differences.items():
        shown = unit if unit is not None else ("dB" if d.metric == "psnr" else "")
        rows.append({"comparison": label, f"Δ {d.metric} ({shown})" if shown else f"Δ {d.metric}": d.mean_difference,
                     "95% interval": f"[{d.low:+.{_digits(d.metric)}f}, {d.high:+.{_digits(d.metric)}f}]",
                     "photos": d.photos, "p (Holm)": d.adjusted_p, "verdict": named_verdict(d.verdict, label)})
    return pd.DataFrame(rows).set_index("comparison")


def named_verdict(verdict: str, label: str) -> str:
    """"A better" / "B better" with the names of a comparison labelled "A - B" or "A − B".

    A trailing parenthesis is read as a second name of the same comparison ("Charbonnier − UEGAN (Our_1 − Ori)"
    names Charbonnier or UEGAN; "SE block alone (Our_2 − Our_1)" names Our_2 or Our_1)."""
    if verdict not in ("A better", "B better"):
        return verdict
    sides = _sides(label)
    if sides is None:
        return verdict
    return f"{sides[0] if verdict == 'A better' else sides[1]} better"


def _sides(label: str) -> tuple[str, str] | None:
    """The two sides of a comparison's label ("A - B" or "A − B" outside parentheses, else inside the last
    parenthesis), or None where it names none."""
    depth, last_open = 0, -1
    for i, char in enumerate(label):
        depth += (char == "(") - (char == ")")
        last_open = i if char == "(" and depth == 1 else last_open
        if depth == 0 and label[i:i + 3] in (" - ", " − "):
            return label[:i].strip(), label[i + 3:].strip()
    if last_open >= 0 and label.endswith(")"):
        return _sides(label[last_open + 1:-1])
    return None


def _digits(metric: str) -> int:
    return 4 if metric == "ssim" else 2
