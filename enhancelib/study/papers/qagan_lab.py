"""Lab notes of chapter 03 (QAGAN): the studies of the CPU budget itself.

* :func:`per_run_table` lists runs with their scores, steps, precision, identity weight and processor;
* :func:`first_evaluation` and :func:`bf16_sentence`: bfloat16 training against float32;
* :func:`term_gradient_table` and :func:`term_gradient_lines`: which term of eq. 9 pulls G_H hardest;
* :func:`pool_spread_sentence`: how far the final score of one unchanged recipe spreads over its runs.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from enhancelib.study.chapter import processor_of
from enhancelib.study.pages import score_columns
from enhancelib.study.papers.qagan import judged_sentence
from enhancelib.study.statistics import Difference

__all__ = ["per_run_table", "first_evaluation", "bf16_sentence", "term_gradient_table",
           "term_gradient_lines", "pool_spread_sentence"]


def per_run_table(runs: Mapping[str, Any]) -> pd.DataFrame:
    """One row per recorded run: test PSNR, SSIM, NIQE, steps, precision, L_idt weight and processor."""
    rows = {}
    for name, run in runs.items():
        if run is None:
            continue
        prov = run.provenance
        rows[name] = {**score_columns(run.per_image, prefix=""), "steps": int(prov["steps"]),
                      "precision": prov.get("amp_dtype") or "float32",
                      "L_idt weight": float(run.spec.options.get("identity_weight", 0.0)),
                      "processor": processor_of(prov)}
    return pd.DataFrame(rows).T


def first_evaluation(run: Any) -> tuple[int, float]:
    """(step, test PSNR) of a run's first evaluation: runs compared at about equal steps, not equal budget."""
    first = run.eval_log.sort_values("step").iloc[0]
    return int(first["step"]), float(first["test_psnr"])


def bf16_sentence(float32: Mapping[str, Any], bf16: Mapping[str, Any], difference: Difference,
                  step_ms: tuple[float, float]) -> str:
    """bfloat16 against float32 at the same CPU budget: the step time, steps, the judged difference and the
    first evaluations (before the step counts part)."""
    ms32, ms16 = step_ms
    timing = (f"One cpu-preset training step takes {ms32:.0f} ms in float32 and {ms16:.0f} ms with bfloat16 "
              f"autocast ({ms16 / ms32:.2f} x, recorded benchmark with freed memory kept)" if np.isfinite(ms16)
              else "The bfloat16 step is not in the recorded benchmark yet")
    steps = {label: "/".join(str(r.provenance["steps"]) for r in group.values())
             for label, group in (("float32", float32), ("bfloat16", bf16))}
    first = {label: float(np.mean([first_evaluation(r)[1] for r in group.values()]))
             for label, group in (("float32", float32), ("bfloat16", bf16))}
    return (f"{timing}. In the same CPU budget the bfloat16 runs take {steps['bfloat16']} steps and the float32 "
            f"runs {steps['float32']}. {judged_sentence(difference, 'bfloat16', 'float32')} ({len(bf16)} run"
            f"{'s' if len(bf16) != 1 else ''} against {len(float32)}). At the first evaluation, before the step counts part, the test PSNR "
            f"averages {first['bfloat16']:.2f} dB in bfloat16 and {first['float32']:.2f} dB in float32.")


def term_gradient_table(measured: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Norm of each weighted term's gradient on G_H's weights (rows: terms, columns: runs); terms that never
    reach G_H (the degrader's adversarial term) are left out."""
    pull = pd.DataFrame({name: table["weighted_grad_norm"] for name, table in measured.items()})
    return pull.loc[(pull.fillna(0) > 0).any(axis=1)]


def term_gradient_lines(measured: Mapping[str, pd.DataFrame]) -> list[str]:
    """Per run: how much harder the cycle term pulls than the adversarial one, how far G_H moves good crops,
    and the identity term's pull against the cycle term's where it has a weight."""
    lines = []
    for name, t in measured.items():
        norms = t["weighted_grad_norm"].astype(float)
        adv, cyc, idt = norms["g_adv_high"], norms["g_cycle"], norms["g_identity"]
        weight, moved = float(t["weight"].astype(float)["g_identity"]), float(t["value"].astype(float)["g_identity"])
        lines.append(f"{name} (step {t.attrs.get('checkpoint_step')}): the cycle term pulls {cyc / adv:.1f} x harder "
                     f"than the adversarial term; G_H moves high-quality crops by {moved:.3f} on average"
                     + (f"; L_idt at weight {weight:g} pulls {idt / cyc:.2f} x the cycle term" if weight > 0 else ""))
    return lines


def pool_spread_sentence(final_psnr: pd.Series, seeds_only: Sequence[str]) -> str:
    """The final test PSNR over every run of one unchanged recipe against its registered seeds alone."""
    alone = final_psnr[list(seeds_only)]
    return (f"The full recipe's final test PSNR over the {len(final_psnr)} runs that trained it unchanged "
            f"({', '.join(final_psnr.index)}): {final_psnr.mean():.2f} ± {final_psnr.std(ddof=1):.2f} dB, range "
            f"{final_psnr.min():.2f}-{final_psnr.max():.2f}, against {alone.mean():.2f} ± {alone.std(ddof=1):.2f} dB "
            f"over the {len(alone)} registered seeds alone.")
