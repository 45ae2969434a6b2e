"""Which recorded model to use on your own photos, and what to expect from it.

Every recorded model (:data:`enhancelib.PRETRAINED`) is a snapshot of a training run on the ``cpu``
preset: about 30 CPU-minutes (90 for the ``_longer`` variants), where the papers train for hours on a GPU. The guide reads each
model's recorded scores on the three test sets (:mod:`enhancelib.study.test_sets`): the test split
(photos degraded as the training photos were), the flat render (a degradation no model trained on:
closest to a reader's own photos) and the identity set (good photos, which a good enhancer leaves
nearly unchanged). The suggested model is the one that does best on the flat render.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd

from enhancelib.study.test_sets import method_test_set_scores, test_set_table

__all__ = ["KINDS", "ModelRow", "model_guide", "suggested_model", "model_guide_markdown", "model_guide_text",
           "expectation"]

#: what each recorded model is
KINDS: dict[str, str] = {
    "uegan": "UEGAN, the paper's recipe, unpaired (cpu budget snapshot)",
    "uegan_charbonnier": "UEGAN with report 003's Charbonnier identity loss, unpaired (cpu budget snapshot)",
    "uegan_longer": ("UEGAN at the paper's quality weight 0.05, trained 3x the cpu budget: our CPU-scale variant, "
                     "unpaired"),
    "glenet": "GleNet GEN & LEN, the paper's two-stage unpaired scheme (cpu budget snapshot)",
    "glenet_paired": "GleNet GEN & LEN trained on pairs: an upper bound, not an unpaired method",
    "qagan": "QAGAN, the paper's recipe, unpaired (cpu budget snapshot)",
    "qagan_longer": "QAGAN at cycle weight 4, trained 3x the cpu budget: our CPU-scale variant, unpaired",
    "bncagan": "BNCAGAN, the paper's recipe, unpaired (cpu budget snapshot)",
    "bncagan_longer": ("BNCAGAN at adversarial weight 0.05, trained 3x the cpu budget: our CPU-scale variant, "
                       "unpaired"),
}


@dataclass(frozen=True)
class ModelRow:
    """One model's recorded scores on the three test sets."""

    name: str
    kind: str
    test_psnr: float
    flat_psnr: float
    flat_ssim: float
    identity_edit: float
    """Mean absolute change of a good photo, in 8-bit levels (0-255)."""


def model_guide() -> list[ModelRow]:
    """The input, autocontrast (the least-editing classical operator) and every recorded model."""
    table = test_set_table(method_test_set_scores())
    kinds = {"input": "the degraded input, unchanged", "autocontrast": "classical operator (per-channel stretch)",
             **KINDS}
    rows = []
    for name, kind in kinds.items():
        if name not in table.index:
            continue
        row = table.loc[name]
        rows.append(ModelRow(name, kind, float(row[("test", "PSNR")]), float(row[("flat", "PSNR")]),
                             float(row[("flat", "SSIM")]), float(row[("identity", "edit (levels)")])))
    return rows


def suggested_model(rows: list[ModelRow] | None = None) -> str:
    """The recorded model with the highest PSNR on the flat render among those that keep the input's SSIM
    there (all recorded models when none does)."""
    rows = rows if rows is not None else model_guide()
    by_name = {row.name: row for row in rows}
    models = [row for row in rows if row.name in KINDS]
    if not models:
        raise FileNotFoundError("no recorded model has test-set scores; run python scripts/score_test_sets.py")
    keeping = [row for row in models if "input" not in by_name or row.flat_ssim >= by_name["input"].flat_ssim]
    return max(keeping or models, key=lambda row: row.flat_psnr).name


def expectation(rows: list[ModelRow]) -> str:
    """One sentence on what to expect, from the rows: how the models stand against autocontrast."""
    models = [row for row in rows if row.name in KINDS]
    auto = next((row for row in rows if row.name == "autocontrast"), None)
    if auto is None or not models:
        return ""
    better = [row.name for row in models if row.flat_psnr > auto.flat_psnr]
    gentler = [row.name for row in models if row.identity_edit < auto.identity_edit]
    if not better and not gentler:
        return ("At this budget autocontrast beats every recorded model on the flat render and edits good photos "
                "least: the models show what each recipe learns in about 30 CPU-minutes, not what it can do.")
    return (f"Above autocontrast on the flat render: {', '.join(better) or 'none'}; editing good photos less than "
            f"autocontrast: {', '.join(gentler) or 'none'}.")


def _frame(rows: list[ModelRow]) -> pd.DataFrame:
    return pd.DataFrame([{"model": r.name, "what it is": r.kind, "test split PSNR": f"{r.test_psnr:.2f}",
                          "flat render PSNR / SSIM": f"{r.flat_psnr:.2f} / {r.flat_ssim:.3f}",
                          "edit of a good photo (levels)": f"{r.identity_edit:.1f}"} for r in rows])


def model_guide_markdown(rows: list[ModelRow] | None = None) -> str:
    """The guide as a Markdown table (the README's), with the suggested model named under it."""
    rows = rows if rows is not None else model_guide()
    frame = _frame(rows)
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "|".join(["---"] * 2 + ["--:"] * 3) + "|"]
    lines += ["| " + " | ".join(str(v) for v in record) + " |" for record in frame.itertuples(index=False)]
    lines.append("")
    lines.append(f"Suggested (the default of `enhance`): **{suggested_model(rows)}**, the best on the flat render. "
                 + expectation(rows))
    return "\n".join(lines)


def model_guide_text(rows: list[ModelRow] | None = None) -> str:
    """The guide as plain text for ``enhance --help``."""
    rows = rows if rows is not None else model_guide()
    width = max(len(r.name) for r in rows)
    lines = [f"  {'model':{width}}  test   flat (PSNR/SSIM)  good photo edited by", ""]
    for r in rows:
        lines.append(f"  {r.name:{width}}  {r.test_psnr:5.2f}  {r.flat_psnr:5.2f} / {r.flat_ssim:.3f}    "
                     f"{r.identity_edit:4.1f} levels   {r.kind}")
    lines.append("")
    lines.append(f"  Default: {suggested_model(rows)} (the best on the flat render, a degradation no model trained on).")
    lines += textwrap.wrap(expectation(rows), 100, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)
