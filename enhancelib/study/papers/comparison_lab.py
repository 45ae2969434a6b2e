"""Lab notes of chapter 05: the recorded runs, every pairwise judgement, the papers' claims, the choice of an
evaluation, and what each method costs.

Every difference is judged by the book's rule (:mod:`enhancelib.study.judging`: seed-averaged per-photo scores,
a 95% interval, one Holm family per table).
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from enhancelib.study.compare import LEARNED_METHODS, PAPER_CLAIMS, Claim, paper_steps, seeds_in_order
from enhancelib.study.judging import ALPHA, difference_table
from enhancelib.study.papers.comparison import INPUT, Comparison
from enhancelib.study.statistics import Difference, judge_difference, judge_family

__all__ = ["status_table", "seed_count_sentence", "every_metric_table", "judge_pairs", "pairwise_table",
           "reference_pairs", "learned_pairs", "claim_table", "claim_lines", "schedule_commentary", "selection_lines",
           "cost_table", "cost_provenance_line"]


def status_table(c: Comparison, quick: bool = False) -> pd.DataFrame:
    """Per learned method: its runs recorded out of those registered, their steps and CPU minutes, the runs that
    keep their generator, and what is missing with the command that records it."""
    rows = []
    for method in LEARNED_METHODS:
        found = c.recorded(method.key)
        missing = [n for n in method.runs if n not in found]
        row: dict[str, str] = {"method": method.label, "kind": method.role, "chapter": method.chapter,
                               "runs": f"{len(found)} of {len(method.runs)}"}
        if found:
            row["steps"] = "/".join(str(r.provenance["steps"]) for r in found.values())
            row["CPU min"] = "/".join(f"{r.provenance['train_cpu_seconds'] / 60:.0f}" for r in found.values())
            row["weights kept by"] = ", ".join(n for n, r in found.items() if r.has_weights) or "none"
        row["missing"] = ", ".join(missing)
        row["record with"] = (f"python -m enhancelib plan --chapter {method.chapter} --record"
                              if missing and not quick else "")
        rows.append(row)
    return pd.DataFrame(rows).set_index("method").fillna("")


def seed_count_sentence(c: Comparison, quick: bool = False) -> str:
    """The methods grouped by how many of their registered runs are recorded."""
    groups: dict[tuple[int, int], list[str]] = {}
    for method in LEARNED_METHODS:
        groups.setdefault((len(c.recorded(method.key)), len(method.runs)), []).append(method.label)
    return (("Runs loaded on smoke" if quick else "Runs recorded") + ": " + "; ".join(
        f"{k} of the {n} listed for {', '.join(labels)}" for (k, n), labels in sorted(groups.items(), reverse=True))
        + ".")


def every_metric_table(c: Comparison) -> pd.DataFrame:
    """The test split alone, every metric: seeds, photos, mean ± seed sd of PSNR, SSIM and NIQE, the spread of
    PSNR over photos and the mean gain over the input."""
    rows = {}
    for key in [INPUT, *c.operators, *c.learned]:
        row: dict[str, object] = {"kind": c.kind(key), "seeds": int(c.stat(key, "seeds")),
                                  "photos": int(c.stat(key, "images"))}
        for metric in ("psnr", "ssim", "niqe"):
            if f"{metric} mean" in c.summary:
                mean, sd = c.stat(key, f"{metric} mean"), c.stat(key, f"{metric} seed std")
                digits = 4 if metric == "ssim" else 2
                row[metric.upper()] = f"{mean:.{digits}f} ± {sd:.{digits}f}" if np.isfinite(sd) else f"{mean:.{digits}f}"
        row["PSNR photo sd"] = c.stat(key, "psnr image std")
        row["Δ PSNR vs input"] = f"{c.stat(key, 'psnr mean') - c.stat(INPUT, 'psnr mean'):+.2f}"
        rows[c.label(key)] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")


def judge_pairs(c: Comparison, pairs: Sequence[tuple[str, str]], metrics: Sequence[str] = ("psnr",)
                ) -> dict[str, dict[str, Difference]]:
    """Each (A, B) pair on each metric, photo by photo on seed-averaged scores, all in one Holm family;
    by metric, then by the comparison's label "A - B"."""
    keys, alone = [], []
    for metric in metrics:
        for a, b in pairs:
            keys.append((metric, f"{c.label(a)} - {c.label(b)}"))
            alone.append(judge_difference(c.scores(a), c.scores(b), metric, confidence=1 - ALPHA))
    judged: dict[str, dict[str, Difference]] = {metric: {} for metric in metrics}
    for (metric, label), d in zip(keys, judge_family(alone)):
        judged[metric][label] = d
    return judged


def pairwise_table(judged: Mapping[str, Mapping[str, Difference]]) -> pd.DataFrame:
    """:func:`~enhancelib.study.judging.difference_table` of one family judged on one or more metrics: a
    ``metric`` column, and the difference as text in each metric's decimals."""
    parts = []
    for metric, differences in judged.items():
        table = difference_table(differences, unit="")
        table = table.drop(columns=[col for col in table.columns if str(col).startswith("Δ ")])
        table.insert(0, "Δ (A - B)", [f"{d.mean_difference:+.{4 if metric == 'ssim' else 2}f}"
                                      for d in differences.values()])
        table.insert(0, "metric", metric.upper())
        parts.append(table)
    return pd.concat(parts)


def reference_pairs(c: Comparison) -> list[tuple[str, str]]:
    """Each learned method against the input and against the best classical operator."""
    return [(m, INPUT) for m in c.learned] + [(m, c.best_operator) for m in c.learned]


def learned_pairs(c: Comparison) -> list[tuple[str, str]]:
    """Every pair of learned methods, in the registry's order."""
    return list(itertools.combinations(c.learned, 2))


def claim_table(c: Comparison, claims: Sequence[Claim] = PAPER_CLAIMS) -> pd.DataFrame:
    """Each ordering a paper prints, on PSNR and SSIM: the paper's gap, ours with its 95% interval, the seeds in
    order and the verdict. The claims with both methods recorded are one Holm family."""
    present = set(c.long["method"])
    judged = [(claim, i, metric) for claim in claims for i, metric in enumerate(("psnr", "ssim"))
              if claim.better in present and claim.worse in present]
    family = judge_family([judge_difference(c.scores(cl.better), c.scores(cl.worse), m, confidence=1 - ALPHA)
                           for cl, _, m in judged])
    found = {(cl, m): d for (cl, _, m), d in zip(judged, family)}
    rows = []
    for claim in claims:
        for i, metric in enumerate(("psnr", "ssim")):
            d = found.get((claim, metric))
            row: dict[str, object] = {"claim": f"{c.label(claim.better)} > {c.label(claim.worse)}",
                                      "source": claim.source, "across papers": claim.across_papers,
                                      "metric": metric.upper(),
                                      "printed": f"{claim.printed[i]:g} vs {claim.printed[2 + i]:g}",
                                      "paper gap": claim.printed[i] - claim.printed[2 + i]}
            if d is None:
                row.update({"our gap": np.nan, "95% interval": "—", "p (Holm)": np.nan, "seeds in order": "—",
                            "verdict": "not recorded yet"})
            else:
                same, shown = d.mean_difference > 0, d.verdict != "no difference shown"
                digits = 4 if metric == "ssim" else 2
                row.update({"our gap": d.mean_difference, "95% interval": f"[{d.low:+.{digits}f}, {d.high:+.{digits}f}]",
                            "p (Holm)": d.adjusted_p,
                            "seeds in order": seeds_in_order(c.long, claim.better, claim.worse, metric),
                            "verdict": {(True, True): "reproduced", (True, False): "same order, no difference shown",
                                        (False, True): "reversed",
                                        (False, False): "opposite order, no difference shown"}[(same, shown)]})
            rows.append(row)
    return pd.DataFrame(rows)


def claim_lines(claims: pd.DataFrame) -> list[str]:
    """The within-paper claims grouped by verdict, and those whose order some seeds break."""
    within = claims[~claims["across papers"]]
    lines = ["Within-paper claims (PSNR and SSIM counted separately): "
             + ", ".join(f"{n} {v}" for v, n in within["verdict"].value_counts().items()) + "."]
    in_order = within[within["verdict"].isin(["reproduced", "same order, no difference shown"])
                      & (within["seeds in order"] != "—")]
    split = in_order[[t.split(" of ")[0] != t.split(" of ")[1] for t in in_order["seeds in order"]]]
    lines.append("Claims in the paper's order on average whose order some runs break: "
                 + ("; ".join(f"{r['claim']} ({r['metric']}, {r['seeds in order']} runs)" for _, r in split.iterrows())
                    or "none") + ".")
    return lines


def _span(a: float, b: float, fmt: str = "{:,}") -> str:
    return fmt.format(a) if a == b else f"{fmt.format(a)}-{fmt.format(b)}"


def schedule_commentary(c: Comparison, split: Mapping[str, str]) -> str:
    """The papers' schedules (the recipes' gpu presets) against the recorded runs' steps, as a commentary box.

    ``split`` maps each benchmark photo to its part (:func:`~enhancelib.data.benchmark.read_split`)."""
    paper = {m.key: paper_steps(m) for m in LEARNED_METHODS}
    ours = {m.key: [int(r.provenance["steps"]) for r in c.recorded(m.key).values()] for m in LEARNED_METHODS}
    steps = [s for found in ours.values() for s in found]
    shares = [s / p for key, found in ours.items() for s in found if (p := paper[key])]
    papers = {m.label: p for m in LEARNED_METHODS if m.role != "variant" and (p := paper[m.key])}
    n_low, n_high = (sum(part == p for part in split.values()) for p in ("train_low", "train_high"))
    ours_text = (f"ours after {_span(min(steps), max(steps))} CPU steps ({_span(min(shares), max(shares), '{:.1%}')} "
                 "of the paper's schedule, run by run)" if steps else f"ours are {c.missing}")
    photos = (f"{n_low} training photos per domain" if n_low == n_high
              else f"{n_low} low- and {n_high} high-quality training photos")
    return ("```{admonition} Our commentary\n:class: note\n"
            f"The papers' gaps are measured after {_span(min(papers.values()), max(papers.values()))} training steps on "
            f"a GPU ({', '.join(f'{label}: {s:,}' for label, s in papers.items())}; epochs × training photos ÷ batch, "
            f"or the mini-batch counts GleNet prints) on thousands of FiveK photos; {ours_text} on {photos}, with a "
            "synthetic degradation. A claim that does not reproduce here is not refuted at the papers' scale. What the "
            "table does show is which advantages survive a small, equal budget, the setting of a reader without a "
            "GPU. The gap between the paired GleNet and the unpaired methods is the price of not having pairs at "
            "this budget.\n```")


def selection_lines(c: Comparison, choice: pd.DataFrame) -> list[str]:
    """What choosing each run's evaluation on the validation split changes
    (:func:`~enhancelib.study.seed_groups.selection_by_method`'s table, indexed by method key)."""
    input_mean = c.stat(INPUT, "psnr mean")

    def labels(keys: Sequence[str]) -> str:
        return ", ".join(c.label(k) for k in keys) or "none"

    lifted = [str(k) for k, row in choice.iterrows() if row["last"] <= input_mean < row["chosen on val"]]
    dropped = [str(k) for k, row in choice.iterrows() if row["chosen on val"] <= input_mean < row["last"]]
    never = [str(k) for k, row in choice.iterrows() if row["best of any, top seed"] <= input_mean]
    unpaired = choice.drop(index=[m.key for m in LEARNED_METHODS if m.role == "paired upper bound"], errors="ignore")
    largest = str(choice["chosen - last"].abs().idxmax())
    return [f"* Choosing on validation moves a method's mean test PSNR by {choice['chosen - last'].min():+.2f} to "
            f"{choice['chosen - last'].max():+.2f} dB; the largest move is {c.label(largest)}'s "
            f"({float(choice['chosen - last'].loc[largest]):+.2f} dB, {int(choice['runs changed'].loc[largest])} of "
            f"{int(choice['seeds'].loc[largest])} seeds changed).",
            f"* Below the input ({input_mean:.2f} dB) at their last evaluation and above it when chosen on validation: "
            f"{labels(lifted)}. The reverse: {labels(dropped)}.",
            f"* No evaluation of any seed above the input, even reading the test split: {labels(never)}.",
            f"* Highest mean test PSNR without pairs, by the last evaluation: {c.label(str(unpaired['last'].idxmax()))}; "
            f"by the choice on validation: {c.label(str(unpaired['chosen on val'].idxmax()))}. The chapter keeps the "
            "last evaluation."]


COST_COLUMNS = {"label": "method", "role": "kind", "params_inference": "params used (M)",
                "params_generator": "params declared (M)", "ms_512": "512² (ms)", "peak_mib_512": "512² peak (MiB)",
                "ms_12mp": "12 MP (s)", "peak_mib_12mp": "12 MP peak (MiB)", "ms_step": "train step (ms)"}
"""The cost record's columns, as the table names them."""


def cost_table(cost: pd.DataFrame) -> pd.DataFrame:
    """The cost record (``scripts/bench_cost.py``) in the table's units: millions of parameters, 12 MP in seconds."""
    shown = cost[[col for col in COST_COLUMNS if col in cost]].rename(columns=COST_COLUMNS).set_index("method")
    for col in ("params used (M)", "params declared (M)"):
        if col in shown:
            shown[col] = shown[col] / 1e6
    if "12 MP (s)" in shown:
        shown["12 MP (s)"] = shown["12 MP (s)"] / 1000
    return shown


def cost_provenance_line(path: Path) -> str:
    """Where, when and how the cost record was measured (its ``provenance.json``)."""
    p: dict[str, Any] = json.loads(Path(path).read_text())
    return (f"Measured at commit {p['commit'][:8]} with torch {p['torch']}, {p['threads']} threads on {p['cpu_model']} "
            f"(vector instructions: {p.get('cpu_vector_isa', 'not recorded')}), {p['date']}; load average "
            f"{p['load_average_before'][0]:.2f} before and {p['load_average_after'][0]:.2f} after; allocator: "
            f"{p.get('allocator', 'glibc default (the script does not change it)')}. Command: `{p['command']}`."
            + (" **This table was made with `--quick` (tiny sizes): it checks the script, it is not a measurement.**"
               if p.get("quick") else ""))
