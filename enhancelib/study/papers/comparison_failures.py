"""Chapter 05's pictures and failure analysis: which runs are shown, each method's worst photos and why.

* :func:`kept_generators` picks, per learned method, the first run that kept its generator (the gallery's and
  the failure analysis' pictures); :func:`outputs_for` enhances one photo with the best operator and each;
* :func:`failure_cases`, :func:`failure_table`, :func:`failure_tally` and :func:`failure_commentary`: each
  method's worst test photos, what went wrong globally (:func:`~enhancelib.study.tone_errors.explain_failure`),
  and whether the learned methods fail where the classical operators fail;
* :func:`exposure_methods`, :func:`slope_sentence` and :func:`need_sentence`: whether each method reads a photo's
  exposure, and what that costs on photos that need brightening and on those that need none.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from torch import Tensor

from enhancelib.study.compare import LEARNED_METHODS, psnr_gain, shared_worst
from enhancelib.study.pages import test_pair
from enhancelib.study.papers.comparison import INPUT, Comparison
from enhancelib.study.tone_errors import explain_failure, tone_statistics

if TYPE_CHECKING:
    from enhancelib.inference import Enhancer

__all__ = ["KINDS", "FailureCase", "kept_generators", "shown_runs_sentence", "outputs_for", "gallery_photos",
           "failure_cases", "failure_table", "failure_tally", "tally_lines", "shared_worst_table",
           "failure_commentary", "exposure_methods", "slope_sentence", "need_sentence"]

NO_OUTPUT = "no generator weights here: output not available"

KINDS = {"too bright": "brighter than the target", "too dark": "darker than the target",
         "saturation off": "saturated by", "colour cast": "of red|of green|of blue", "local only": "error is local"}
"""Kinds of error among the worst photos, each a pattern of :func:`~enhancelib.study.tone_errors.explain_failure`'s
sentences."""


def kept_generators(c: Comparison) -> dict[str, str]:
    """Per learned method, its first recorded run that kept its generator weights (main models: seed 0)."""
    kept = {}
    for method in LEARNED_METHODS:
        names = [name for name, run in c.recorded(method.key).items() if run.has_weights]
        if names:
            kept[method.key] = names[0]
    return kept


def shown_runs_sentence(c: Comparison, kept: Mapping[str, str]) -> str:
    """Which run shows each learned method in pictures, and which methods have none."""
    without = [c.label(k) for k in c.learned if k not in kept]
    text = ("Pictures of the learned methods come from one run each: "
            + ", ".join(f"{c.label(k)}: `{name}`" for k, name in kept.items()) + "." if kept else "")
    if without:
        text += f" No run keeps its generator for {', '.join(without)}: they are left out of the pictures."
    return text.strip()


def outputs_for(low: Tensor, c: Comparison, enhancers: Mapping[str, Enhancer]) -> dict[str, Tensor]:
    """One photo enhanced by the best classical operator and by each learned method's shown run, by label."""
    from enhancelib.models.classical import BASELINES

    out = {f"{c.best_operator} (classical)": BASELINES[c.best_operator](low[None])[0]}
    for key, enhance in enhancers.items():
        out[c.label(key)] = enhance(low[None])[0]
    return out


def gallery_photos(c: Comparison, count: int) -> dict[str, float]:
    """``count`` test photos spread evenly over the input's PSNR, hardest first, with that PSNR."""
    by_difficulty = c.scores(INPUT).groupby("name")["psnr"].mean().sort_values()
    count = min(count, len(by_difficulty))
    picks = [int(i) for i in np.linspace(0, len(by_difficulty) - 1, count).round()]
    return {str(by_difficulty.index[i]): float(by_difficulty.iloc[i]) for i in dict.fromkeys(picks)}


@dataclass(frozen=True)
class FailureCase:
    """One of a method's worst test photos: its PSNR gain over the input and the three images."""

    key: str
    label: str
    photo: str
    gain: float
    input: Tensor
    output: Tensor | None
    target: Tensor

    @property
    def why(self) -> str:
        """How the output departs from the target globally, or why there is no output."""
        return NO_OUTPUT if self.output is None else explain_failure(self.output, self.target, self.input)


def failure_cases(c: Comparison, enhancers: Mapping[str, Enhancer], n_worst: int, long_side: int
                  ) -> list[FailureCase]:
    """The ``n_worst`` photos with the smallest seed-averaged PSNR gain, for the best operator and each learned
    method; the output is computed for the operator and the methods in ``enhancers``."""
    from enhancelib.models.classical import BASELINES

    cases = []
    for key in [c.best_operator, *c.learned]:
        gains = psnr_gain(c.long, key)
        for name in gains.index[:n_worst]:
            low, target = test_pair(str(name), long_side)
            enhance = BASELINES[key] if key in BASELINES else enhancers.get(key)
            output = enhance(low[None])[0] if enhance is not None else None
            cases.append(FailureCase(key, c.label(key), str(name), float(gains[name]), low, output, target))
    return cases


def _in_out_target(case: FailureCase, statistic: str) -> str:
    if case.output is None:
        return "—"
    values = [tone_statistics(x)[statistic] for x in (case.input, case.output, case.target)]
    return "/".join(f"{v:.2f}" for v in values)


def failure_table(cases: Sequence[FailureCase]) -> pd.DataFrame:
    """One row per case: method, photo, PSNR gain, brightness and saturation (input/output/target), why."""
    return pd.DataFrame([{"method": case.label, "photo": case.photo, "PSNR gain (dB)": case.gain,
                          "brightness in/out/target": _in_out_target(case, "brightness"),
                          "saturation in/out/target": _in_out_target(case, "saturation"), "why": case.why}
                         for case in cases],
                        columns=["method", "photo", "PSNR gain (dB)", "brightness in/out/target",
                                 "saturation in/out/target", "why"])


def failure_tally(failures: pd.DataFrame) -> pd.DataFrame:
    """How often each kind of error (:data:`KINDS`) appears among each method's worst photos."""
    methods = list(dict.fromkeys(failures["method"]))
    return pd.DataFrame({kind: [int(failures.loc[failures["method"] == m, "why"].str.contains(pattern).sum())
                                for m in methods] for kind, pattern in KINDS.items()},
                        index=pd.Index(methods, name="method"))


def tally_lines(tally: pd.DataFrame, n_worst: int) -> list[str]:
    """One bullet per method with at least one kind of error, the kinds by count."""
    lines = []
    for method, row in tally.iterrows():
        top = row[row > 0].sort_values(ascending=False, kind="stable")
        if len(top):
            lines.append(f"* **{method}**: among its {n_worst} worst photos, "
                         + ", ".join(f"{k} ({v})" for k, v in top.items()) + ".")
    return lines


def shared_worst_table(c: Comparison, worst: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Per learned method, its worst photos that are also among the worst of a classical operator."""
    overlap = shared_worst(worst, c.learned, list(c.operators))
    return overlap.assign(method=overlap["method"].map(c.label)).rename(columns={
        "worst": "worst photos", "shared": "also worst of a classical operator", "shared with": "photo (operators)"
    }).set_index("method")


def _how_many(k: int, n: int) -> str:
    return "all" if k == n else ("none" if k == 0 else f"{k}")


def _brightness(failures: pd.DataFrame, labels: Sequence[str]) -> tuple[int, int, int]:
    """Cases with an output, those brighter than the target, and those brightened against the need."""
    part = failures[failures["method"].isin(labels) & (failures["why"] != NO_OUTPUT)]
    why = part["why"]
    return (len(part), int(why.str.contains(KINDS["too bright"]).sum()),
            int(why.str.contains(KINDS["too bright"] + ", brightness moved away").sum()))


def failure_commentary(c: Comparison, worst: Mapping[str, Sequence[str]], failures: pd.DataFrame,
                       n_worst: int) -> str:
    """Do the learned methods fail on the photos where the operators fail, and in which direction?"""
    learned_worst = sorted({name for m in c.learned if m in worst for name in worst[m]})
    if not learned_worst:
        return f"No learned method is available ({c.missing}): no failure to compare."
    operator_worst = {name for m in c.operators for name in worst.get(m, ())}
    shared = [name for name in learned_worst if name in operator_worst]
    cases = sum(len(worst[m]) for m in c.learned if m in worst)
    lines = [f"The learned methods' {cases} worst cases ({n_worst} per method) fall on {len(learned_worst)} "
             "distinct photos" + (", so several learned methods fail on the same photos." if len(learned_worst) < cases
                                  else ".")]
    if shared:
        lines.append(f"{_how_many(len(shared), len(learned_worst)).capitalize()} of them ({', '.join(shared)}) "
                     f"{'is' if len(shared) == 1 else 'are'} also among the {n_worst} worst of a classical operator"
                     + ("." if len(shared) == len(learned_worst) else f"; the other {len(learned_worst) - len(shared)} "
                        "are not."))
    else:
        lines.append(f"None of them is among the {n_worst} worst of any classical operator.")
    best = c.best_operator
    own = [name for name in worst.get(best, ()) if name in learned_worst]
    lines.append(f"Of the {len(worst.get(best, ()))} worst photos of {best}, the best classical operator, "
                 + (f"{_how_many(len(own), len(worst[best]))} {'is' if len(own) == 1 else 'are'} among the worst of "
                    "a learned method." if own else "none is among the worst of a learned method."))
    n_l, bright_l, away_l = _brightness(failures, [c.label(k) for k in c.learned])
    n_c, bright_c, _ = _brightness(failures, [best])
    if n_l:
        lines.append((f"In all {n_l}" if bright_l == n_l else f"In {bright_l} of the {n_l}")
                     + " worst cases of learned methods whose output is available here, the output is brighter than "
                     "the target"
                     + (f"; in {_how_many(away_l, bright_l)} of those the method brightened a photo that needed "
                        "darkening" if bright_l else "")
                     + (f". For {best}, {_how_many(bright_c, n_c)} of its {n_c}." if n_c else "."))
        if 2 * bright_l > n_l and 2 * bright_c <= n_c:
            lines.append(f"The two fail differently: the learned methods {'' if bright_l == n_l else 'mostly '}by "
                         f"brightening too much, {best} in other ways.")
    return "```{admonition} Our commentary\n:class: note\n" + " ".join(lines) + "\n```"


def exposure_methods(c: Comparison, enhancers: Mapping[str, Enhancer]) -> dict[str, Callable[[Tensor], Tensor]]:
    """Every classical operator and every shown learned run as a function of one 3 x H x W photo, by label."""
    from enhancelib.models.classical import BASELINES

    def one(fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
        return lambda x: fn(x[None])[0]

    methods = {c.label(k): one(BASELINES[k]) for k in c.operators}
    methods.update({c.label(k): one(enhance) for k, enhance in enhancers.items()})
    return methods


def slope_sentence(c: Comparison, adaptivity: pd.DataFrame, kept: Mapping[str, str]) -> str:
    """The methods that apply one change to all photos (slope below 0.2) and those that follow the need (0.5 or
    more), each with the PSNR gain of the run whose outputs were measured."""
    key_of = {c.label(k): k for k in [*c.operators, *kept]}
    input_psnr = c.stat(INPUT, "psnr mean")

    def gain(label: str) -> float:
        key = key_of[label]
        if key in c.operators:
            return c.stat(key, "psnr mean") - input_psnr
        return float(c.recorded(key)[kept[key]].per_image["psnr"].mean()) - input_psnr

    def describe(rows: pd.Index) -> str:
        return ", ".join(f"{m} (slope {adaptivity.loc[m, 'slope']:.2f}, {gain(str(m)):+.2f} dB)" for m in rows) or "none"

    flat = adaptivity.index[adaptivity["slope"] < 0.2]
    reading = adaptivity.index[adaptivity["slope"] >= 0.5]
    return (f"**Measured** (PSNR gain over the input of the run whose outputs are shown). Methods that apply almost "
            f"the same change to every photo (slope below 0.2): {describe(flat)}. Methods that follow the needed "
            f"change (slope 0.5 or more): {describe(reading)}.")


def need_sentence(c: Comparison, by_need: pd.DataFrame) -> str:
    """Which learned methods gain more than the best operator on each group of photos
    (:func:`~enhancelib.study.adaptivity.gain_by_need`'s table)."""
    up, none = [col for col in by_need.columns if col.endswith(": gain")]
    learned = by_need.loc[[m for m in c.learned if m in by_need.index]]
    if learned.empty:
        return f"No learned method is available ({c.missing}): no split by need."
    best = by_need.loc[c.best_operator]

    def named(column: str) -> tuple[int, str]:
        beat = [m for m in learned.index if learned.loc[m, column] > best[column]]
        return len(beat), ", ".join(f"{c.label(m)} ({by_need.loc[m, column]:+.2f})" for m in beat) or "none"

    (n_up, up_names), (n_none, none_names) = named(up), named(none)
    return (f"**Measured.** Photos that {up.split(':')[0]}: {n_up} of {len(learned)} learned methods gain more than "
            f"{c.best_operator} ({best[up]:+.2f} dB): {up_names}. Photos that {none.split(':')[0]}: "
            f"{c.best_operator} {best[none]:+.2f} dB; {n_none} learned method(s) do better ({none_names}), and the "
            f"learned methods range from {learned[none].min():+.2f} to {learned[none].max():+.2f} dB.")
