"""What the book found, in one table: each paper's claim beside our result at the CPU budget.

The front page and the README open with this table. Rows: each paper's main
model (its printed MIT-Adobe FiveK PSNR and SSIM, and ours on the benchmark's
test split: mean over the recorded seeds, with the seed standard deviation),
then the paired upper bound, the best classical operator and the input. The
two test sets that no training shaped (:mod:`enhancelib.data.test_sets`)
get a column for the flat render, scored on the run that keeps its weights.

``python scripts/headline.py`` prints the table as Markdown; a test checks
that the README and ``book/intro.md`` show exactly what it prints.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from enhancelib.paths import RUNS_DIR
from enhancelib.study.baselines import load_baselines
from enhancelib.study.compare import PAPER_CLAIMS, learned_method, stack_per_image, summarise_methods
from enhancelib.study.test_sets import OPERATORS_DIR, SCORES_FILE

__all__ = ["HEADLINE_METHODS", "HeadlineRow", "headline_rows", "headline_markdown", "headline_figure"]

HEADLINE_METHODS = ("uegan", "glenet", "qagan", "bncagan")
"""The four papers' main models, in the book's chapter order."""

_PAPER = {"uegan": "UEGAN", "glenet": "GleNet (unpaired)", "qagan": "QAGAN", "bncagan": "BNCAGAN"}


@dataclass(frozen=True)
class HeadlineRow:
    """One line of the headline table (numbers unrounded; :func:`headline_markdown` rounds them)."""

    label: str
    paper_psnr: float | None
    paper_ssim: float | None
    psnr: float
    psnr_seed_std: float | None
    ssim: float
    seeds: int
    flat_psnr: float | None


def _claim(key: str) -> tuple[float, float] | None:
    """The FiveK PSNR and SSIM a paper prints for ``key`` (as the better or the worse side of a claim)."""
    for claim in PAPER_CLAIMS:
        if claim.across_papers:
            continue
        if claim.better == key:
            return claim.printed[0], claim.printed[1]
        if claim.worse == key:
            return claim.printed[2], claim.printed[3]
    return None


def _flat_psnr_of_run(chapter: str, runs: tuple[str, ...]) -> float | None:
    """Mean flat-render PSNR of the first of ``runs`` whose record holds test-set scores."""
    for name in runs:
        path = RUNS_DIR / chapter / name / SCORES_FILE
        if path.is_file():
            scores = pd.read_csv(path)
            return float(scores.loc[scores["set"] == "flat", "psnr"].mean())
    return None


def headline_rows() -> list[HeadlineRow]:
    """The table's rows, read from the recorded runs, the baselines record and the papers' claims."""
    from enhancelib.train.runs import load_run

    baselines, _ = load_baselines("cpu", progress=False)
    frames: dict[tuple[str, int | str], pd.DataFrame] = {
        (method, 0): part.drop(columns="method") for method, part in baselines.groupby("method", sort=False)}
    keys = (*HEADLINE_METHODS, "glenet_paired")
    for key in keys:
        method = learned_method(key)
        for name in method.runs:
            frames[(key, name)] = load_run(RUNS_DIR / method.chapter / name).per_image
    summary = summarise_methods(stack_per_image(frames), ("psnr", "ssim"))
    operators = pd.read_csv(OPERATORS_DIR / SCORES_FILE)
    flat_of = operators[operators["set"] == "flat"].groupby("method")["psnr"].mean()
    classical = [m for m in baselines["method"].unique() if m != "input"]
    best = str(summary.loc[classical, "psnr mean"].astype(float).idxmax())

    def row(key: str, label: str, paper: tuple[float, float] | None, flat: float | None) -> HeadlineRow:
        s = summary.loc[key]
        std = float(s["psnr seed std"])
        return HeadlineRow(label, paper[0] if paper else None, paper[1] if paper else None, float(s["psnr mean"]),
                           None if pd.isna(std) else std, float(s["ssim mean"]), int(s["seeds"]), flat)

    rows = []
    for key in HEADLINE_METHODS:
        method = learned_method(key)
        rows.append(row(key, _PAPER[key], _claim(key), _flat_psnr_of_run(method.chapter, method.runs)))
    paired = learned_method("glenet_paired")
    rows.append(row("glenet_paired", "GleNet paired (upper bound)", _claim("glenet_paired"),
                    _flat_psnr_of_run(paired.chapter, paired.runs)))
    rows.append(row(best, f"{best} (best classical operator)", None, float(flat_of[best])))
    rows.append(row("input", "input (no enhancement)", None, float(flat_of["input"])))
    return rows


def headline_markdown(rows: list[HeadlineRow] | None = None) -> str:
    """The table as Markdown, numbers rounded as the front page shows them."""
    rows = rows if rows is not None else headline_rows()
    lines = ["| method | paper, FiveK: PSNR / SSIM | ours, CPU budget: PSNR (dB) | SSIM | seeds "
             "| flat render: PSNR (dB) |",
             "|:--|--:|--:|--:|--:|--:|"]
    for r in rows:
        paper = f"{r.paper_psnr:.2f} / {r.paper_ssim:.3f}" if r.paper_psnr is not None else "—"
        ours = f"{r.psnr:.2f} ± {r.psnr_seed_std:.2f}" if r.psnr_seed_std is not None else f"{r.psnr:.2f}"
        seeds = str(r.seeds) if r.seeds > 1 else "—"
        flat = f"{r.flat_psnr:.2f}" if r.flat_psnr is not None else "—"
        lines.append(f"| {r.label} | {paper} | {ours} | {r.ssim:.3f} | {seeds} | {flat} |")
    return "\n".join(lines)


def headline_figure(path: str | Path, long_side: int = 384) -> Path:
    """Write one test photo as input, best classical operator, the papers' main models, paired bound, target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from enhancelib import pretrained
    from enhancelib.data.images import to_uint8
    from enhancelib.data.test_sets import load_test_sets
    from enhancelib.models.classical import BASELINES

    baselines, _ = load_baselines("cpu", progress=False)
    inputs = baselines[baselines["method"] == "input"].set_index("name")["psnr"]
    name = str((inputs - inputs.median()).abs().idxmin())
    pairs = load_test_sets(long_side, ("test",))["test"]
    pair = pairs[pairs.names.index(name)]
    panels = {"input": pair.input, "autocontrast": BASELINES["autocontrast"](pair.input[None])[0]}
    for key in HEADLINE_METHODS:
        panels[_PAPER[key]] = pretrained(key)(pair.input[None])[0]
    panels["GleNet paired (upper bound)"] = pretrained("glenet_paired")(pair.input[None])[0]
    panels["target"] = pair.target
    fig, axes = plt.subplots(2, 4, figsize=(16, 16 * pair.input.shape[1] / pair.input.shape[2] / 2 + 1.4))
    for ax, (label, image) in zip(np.ravel(axes), panels.items()):
        ax.imshow(to_uint8(image))
        ax.set_title(label, fontsize=12)
        ax.axis("off")
    fig.suptitle(f"A test photo ({name}): the four papers' models at the CPU budget, the best classical operator, "
                 "the paired upper bound and the target", fontsize=13)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80, pil_kwargs={"quality": 85})
    plt.close(fig)
    return path
