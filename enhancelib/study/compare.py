"""All methods of the book side by side: runs, seed statistics, paper claims, failure cases.

The comparison chapter reads the recorded runs of every chapter and the
classical baselines into one long table (one row per method, seed and test
image), and everything else is computed from it:

* :func:`summarise_methods`: per method, the mean over seeds of the test mean
  and the spread of those means over seeds;
* :func:`significance`: paired Wilcoxon tests over test images
  (:func:`enhancelib.study.statistics.paired_test`) on the per-image scores averaged
  over each method's seeds;
* :func:`claim_verdicts`: whether each ordering a paper prints holds here;
* :func:`worst_photos` and :func:`shared_worst`: which test photos are the
  worst of each method, and which of them are also the worst of others;
* :func:`paper_steps`: the number of training steps of a paper's own schedule.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from enhancelib.paths import RUNS_DIR
from enhancelib.study.experiments import chapter_experiments
from enhancelib.study.statistics import PairedTest, paired_test

__all__ = ["Method", "LEARNED_METHODS", "Claim", "paper_claims", "COST_CSV", "stack_per_image",
           "summarise_methods", "seed_mean_per_image", "significance", "claim_verdicts", "seeds_in_order", "psnr_gain",
           "worst_photos", "shared_worst", "paper_steps", "load_cost"]

COST_CSV = RUNS_DIR / "comparison" / "cost" / "cost.csv"


@dataclass(frozen=True)
class Method:
    """A learned method of the comparison: its chapter and its runs (seed 0 first)."""

    key: str
    label: str
    chapter: str
    runs: tuple[str, ...]
    role: str
    """``"unpaired"``, ``"variant"`` (a changed loss or block) or ``"paired upper bound"``."""


def _seeds(chapter: str, *names: str) -> tuple[str, ...]:
    """Every registered seed of the experiments ``names`` of ``chapter`` (``name-seedN``), by name, then seed."""
    found = [e for e in chapter_experiments(chapter)
             if any(re.fullmatch(rf"{re.escape(name)}-seed\d+", e.name) for name in names)]
    if not found:
        raise KeyError(f"no seeds of {names} in chapter {chapter!r}")
    return tuple(e.name for e in sorted(found, key=lambda e: (names.index(e.name.rsplit("-seed", 1)[0]), e.seed)))


LEARNED_METHODS: tuple[Method, ...] = (
    # as QAGAN's below: the run evaluated every 50 steps trains the full recipe unchanged (so does BNCAGAN's)
    Method("uegan", "UEGAN", "uegan", _seeds("uegan", "full", "dense-eval"), "unpaired"),
    Method("uegan_charbonnier", "UEGAN + Charbonnier (003)", "uegan", _seeds("uegan", "charbonnier"), "variant"),
    Method("uegan_charbonnier_se", "UEGAN + Charbonnier + SE (003)", "uegan", _seeds("uegan", "charbonnier-se"),
           "variant"),
    # the runs evaluated every 25 steps train the full recipe unchanged (an evaluation touches neither the weights
    # nor the random numbers), so they are further samples of its final score (chapters 01 and 03)
    Method("qagan", "QAGAN", "qagan", _seeds("qagan", "full", "dense-eval"), "unpaired"),
    Method("glenet", "GleNet unpaired (GEN & LEN)", "glenet", _seeds("glenet", "unpaired"), "unpaired"),
    # seed 0 of the paired upper bound was recorded as "paired-gen-len", before it had further seeds
    Method("glenet_paired", "GleNet paired (GEN & LEN)", "glenet",
           ("paired-gen-len", *_seeds("glenet", "paired-gen-len")), "paired upper bound"),
    Method("bncagan", "BNCAGAN", "bncagan", _seeds("bncagan", "full", "dense-eval"), "unpaired"),
    # not the papers': each adds CycleGAN's identity term to the enhancer at a weight where its pull is of
    # the dominant term's order (chapters 02 and 03)
    Method("glenet_hq_identity", "GleNet unpaired + identity term (ours)", "glenet",
           _seeds("glenet", "hq-identity-500"), "variant"),
    Method("qagan_hq_identity", "QAGAN + identity term (ours)", "qagan", _seeds("qagan", "hq-identity-25"), "variant"),
)


def learned_method(key: str) -> Method:
    """The entry of :data:`LEARNED_METHODS` named ``key`` (e.g. ``"glenet_paired"``)."""
    found = {m.key: m for m in LEARNED_METHODS}
    if key not in found:
        raise KeyError(f"no learned method {key!r}; the comparison has {', '.join(found)}")
    return found[key]


@dataclass(frozen=True)
class Claim:
    """An ordering a paper prints: ``better`` beats ``worse`` on PSNR and SSIM."""

    source: str
    better: str
    worse: str
    printed: tuple[float, float, float, float]
    """(PSNR of better, SSIM of better, PSNR of worse, SSIM of worse), as printed."""
    across_papers: bool = False
    """True when the two numbers come from two papers (different test sets and protocols)."""


def paper_claims() -> tuple[Claim, ...]:
    """The orderings the papers print, read from the paper tables typed once in ``enhancelib.study.papers``."""
    from enhancelib.study.papers import bncagan, glenet, qagan, uegan

    def scores(row: object) -> tuple[float, float]:
        return (float(getattr(row, "psnr")), float(getattr(row, "ssim")))

    ue_in, ue = scores(uegan.INPUT), scores(uegan.FULL)
    qa_in, qa = scores(qagan.TABLE_1[0]), scores(qagan.TABLE_1[-1])
    bn = {name: scores(row) for name, row in bncagan.PAPER_TABLE_1.items()}
    gl_paired = scores(next(r for r in glenet.PAPER_TABLE_3 if r.method == "GEN & LEN"))
    gl_unpaired = scores(next(r for r in glenet.PAPER_TABLE_4 if r.method == "GEN & LEN"))
    our_1, our_2 = scores(uegan.REPORT_003["Our_1"]), scores(uegan.REPORT_003["Our_2"])
    return (
        Claim("UEGAN, Table I", "uegan", "input", (*ue, *ue_in)),
        Claim("QAGAN, Table 1", "qagan", "input", (*qa, *qa_in)),
        Claim("BNCAGAN, Table 1", "bncagan", "input", (*bn["BNCAGAN"], *bn["Input"])),
        Claim("BNCAGAN, Table 1", "bncagan", "uegan", (*bn["BNCAGAN"], *bn["UEGAN"])),
        Claim("GleNet, Tables 3 and 4", "glenet_paired", "glenet", (*gl_paired, *gl_unpaired)),
        Claim("report 003 (Our_1 vs Ori)", "uegan_charbonnier", "uegan", (*our_1, *ue)),
        Claim("report 003 (Our_2 vs Our_1)", "uegan_charbonnier_se", "uegan_charbonnier", (*our_2, *our_1)),
        Claim("UEGAN Table I vs QAGAN Table 1", "uegan", "qagan", (*ue, *qa), across_papers=True),
        Claim("GleNet Table 4 vs UEGAN Table I", "glenet", "uegan", (*gl_unpaired, *ue), across_papers=True),
    )


def __getattr__(name: str) -> tuple[Claim, ...]:
    """``PAPER_CLAIMS``: the papers' printed orderings (MIT-Adobe FiveK in every paper, with different test
    splits), built on first use from the paper tables, so that each printed figure is typed once."""
    if name == "PAPER_CLAIMS":
        claims = paper_claims()
        globals()["PAPER_CLAIMS"] = claims
        return claims
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def stack_per_image(frames: Mapping[tuple[str, int | str], pd.DataFrame]) -> pd.DataFrame:
    """One long table from ``{(method, seed): per-image frame}``: columns method, seed, name, metrics.

    ``seed`` is any label that tells a method's runs apart: a run's name where two runs of one recipe share a
    seed number (e.g. QAGAN's ``full-seed0`` and ``dense-eval-seed0``).
    """
    parts = [frame.assign(method=method, seed=seed) for (method, seed), frame in frames.items()]
    if not parts:
        return pd.DataFrame(columns=["method", "seed", "name"])
    long = pd.concat(parts, ignore_index=True)
    if long.duplicated(["method", "seed", "name"]).any():
        raise ValueError("an image appears twice for the same method and seed")
    return long


def _metrics(long: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    return [m for m in metrics if m in long.columns and long[m].notna().any()]


def summarise_methods(long: pd.DataFrame, metrics: Sequence[str] = ("psnr", "ssim", "niqe")) -> pd.DataFrame:
    """Per method: number of seeds, and per metric the mean over seeds of the test mean and its seed std.

    The seed std is NaN for a method with one seed; ``<m> image std`` is the
    spread over test images (of the seed-averaged scores), for scale.
    """
    rows = {}
    for method, part in long.groupby("method", sort=False):
        seed_means = part.groupby("seed")[_metrics(part, metrics)].mean()
        per_image = seed_mean_per_image(long, str(method), metrics)
        row: dict[str, float] = {"seeds": len(seed_means), "images": len(per_image)}
        for m in seed_means.columns:
            row[f"{m} mean"] = float(seed_means[m].mean())
            row[f"{m} seed std"] = float(seed_means[m].std(ddof=1)) if len(seed_means) > 1 else np.nan
            row[f"{m} image std"] = float(per_image[m].std(ddof=1)) if len(per_image) > 1 else np.nan
        rows[method] = row
    return pd.DataFrame(rows).T.astype({"seeds": int, "images": int})


def seed_mean_per_image(long: pd.DataFrame, method: str, metrics: Sequence[str] = ("psnr", "ssim", "niqe")
                        ) -> pd.DataFrame:
    """The scores of ``method`` per test image, averaged over its seeds (columns name and metrics)."""
    part = long[long["method"] == method]
    if part.empty:
        raise KeyError(f"no rows for method {method!r}; methods: {sorted(long['method'].unique())}")
    return part.groupby("name", sort=True)[_metrics(part, metrics)].mean().reset_index()


def _paired(long: pd.DataFrame, a: str, b: str, metric: str) -> PairedTest:
    """paired_test of A against B over the test images both were scored on."""
    frame_a, frame_b = seed_mean_per_image(long, a, (metric,)), seed_mean_per_image(long, b, (metric,))
    shared = set(frame_a["name"]) & set(frame_b["name"])
    return paired_test(frame_a[frame_a["name"].isin(shared)], frame_b[frame_b["name"].isin(shared)], metric)


def significance(long: pd.DataFrame, pairs: Sequence[tuple[str, str]], metric: str = "psnr",
                 alpha: float = 0.05) -> pd.DataFrame:
    """Wilcoxon signed-rank test of A against B over test images, for each pair present in ``long``."""
    present = set(long["method"])
    rows = []
    for a, b in pairs:
        if a not in present or b not in present:
            continue
        test = _paired(long, a, b, metric)
        if test.p_value >= alpha:
            outcome = "no significant difference"
        else:
            outcome = f"{a} better" if test.a_is_better else f"{b} better"
        rows.append({"A": a, "B": b, "metric": metric, "images": test.n, "mean A": test.mean_a,
                     "mean B": test.mean_b, "A - B": test.mean_difference, "p": test.p_value, "outcome": outcome})
    return pd.DataFrame(rows, columns=["A", "B", "metric", "images", "mean A", "mean B", "A - B", "p", "outcome"])


def _verdict(long: pd.DataFrame, better: str, worse: str, metric: str, alpha: float) -> tuple[str, float, float]:
    present = set(long["method"])
    if better not in present or worse not in present:
        return "not recorded yet", np.nan, np.nan
    if metric not in long.columns or long[metric].isna().all():
        return "metric unavailable", np.nan, np.nan
    test = _paired(long, better, worse, metric)
    same_order = test.a_is_better
    significant = test.p_value < alpha
    label = {(True, True): "reproduced", (True, False): "same order, not significant",
             (False, True): "reversed", (False, False): "opposite order, not significant"}[(same_order, significant)]
    if test.mean_difference == 0:
        label = "tie"
    return label, test.mean_difference, test.p_value


def seeds_in_order(long: pd.DataFrame, better: str, worse: str, metric: str) -> str:
    """How many of ``better``'s seeds score above ``worse``'s mean over seeds (test means), as ``"k of n"``.

    The paired test over photos says whether a gap is consistent across test photos; this count says
    whether it is consistent across training seeds. ``"—"`` when a method or the metric is missing.
    """
    present = set(long["method"])
    if better not in present or worse not in present or metric not in long.columns or long[metric].isna().all():
        return "—"
    seed_means = lambda m: long[long["method"] == m].groupby("seed")[metric].mean()  # noqa: E731
    ours, reference = seed_means(better), float(seed_means(worse).mean())
    return f"{int((ours > reference).sum())} of {len(ours)}"


def claim_verdicts(long: pd.DataFrame, claims: Sequence[Claim] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """For each printed ordering and for PSNR and SSIM: the paper's gap, ours, and whether it holds.

    A claim "reproduces" when our order is the paper's and the paired
    Wilcoxon test over test images gives p < ``alpha``.  The column
    ``seeds in order`` (:func:`seeds_in_order`) adds the consistency over
    training seeds, which the test over photos does not measure.
    """
    rows = []
    for claim in claims if claims is not None else paper_claims():
        for i, metric in enumerate(("psnr", "ssim")):
            verdict, gap, p = _verdict(long, claim.better, claim.worse, metric, alpha)
            rows.append({"claim": f"{claim.better} > {claim.worse}", "source": claim.source,
                         "across papers": claim.across_papers, "metric": metric.upper(),
                         "paper gap": claim.printed[i] - claim.printed[2 + i], "our gap": gap, "p": p,
                         "seeds in order": seeds_in_order(long, claim.better, claim.worse, metric),
                         "verdict": verdict})
    return pd.DataFrame(rows)


def psnr_gain(long: pd.DataFrame, method: str, reference: str = "input") -> pd.Series:
    """Per test image: PSNR of ``method`` (seed mean) minus PSNR of ``reference``, sorted ascending."""
    a = seed_mean_per_image(long, method, ("psnr",)).set_index("name")["psnr"]
    b = seed_mean_per_image(long, reference, ("psnr",)).set_index("name")["psnr"]
    return (a - b).dropna().sort_values()


def worst_photos(long: pd.DataFrame, methods: Sequence[str], n: int, reference: str = "input"
                 ) -> dict[str, tuple[str, ...]]:
    """Per method present in ``long``: its ``n`` test photos with the smallest PSNR gain over ``reference``."""
    present = set(long["method"])
    return {m: tuple(psnr_gain(long, m, reference).index[:n]) for m in methods if m in present}


def shared_worst(worst: Mapping[str, Sequence[str]], methods: Sequence[str], others: Sequence[str]) -> pd.DataFrame:
    """For each of ``methods``: its worst photos that are also among the worst of one of ``others``.

    ``worst`` is the output of :func:`worst_photos`.  One row per method (in
    the order given, when present in ``worst``), with the number of its worst
    photos, the number shared and, per shared photo, the others that share it.
    """
    rows = []
    for m in methods:
        if m not in worst:
            continue
        shared = {name: [o for o in others if o != m and name in worst.get(o, ())] for name in worst[m]}
        shared = {name: by for name, by in shared.items() if by}
        rows.append({"method": m, "worst": len(worst[m]), "shared": len(shared),
                     "shared with": "; ".join(f"{name} ({', '.join(by)})" for name, by in shared.items())})
    return pd.DataFrame(rows, columns=["method", "worst", "shared", "shared with"])


def paper_steps(method: Method) -> int | None:
    """Training steps of the paper's own schedule for ``method``: ``max_steps`` of its recipe's ``gpu`` preset.

    The recipes derive it from the papers' texts (epochs x training images //
    batch, with the public code's batch where a paper states none, or the
    mini-batch counts GleNet prints); None when a recipe has none.
    """
    from enhancelib.recipes import get_recipe
    from enhancelib.study.experiments import EXPERIMENTS

    recipe = get_recipe(EXPERIMENTS[(method.chapter, method.runs[0])].recipe)
    steps = getattr(recipe, "paper_overrides", {}).get("gpu", {}).get("max_steps")
    return int(steps) if steps is not None else None


def load_cost(path: Path = COST_CSV) -> pd.DataFrame | None:
    """The cost table written by ``scripts/bench_cost.py --record``, or None when not measured yet."""
    return pd.read_csv(path) if Path(path).is_file() else None
