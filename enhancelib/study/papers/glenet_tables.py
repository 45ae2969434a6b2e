"""GleNet's tables: the paper's Tables 3-5 beside the book's runs, the judged differences of each table (the book's
one rule, :mod:`enhancelib.study.judging`), and the per-photo tables of the transfer-curve and exposure analyses."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from enhancelib.study.judging import difference_table, judge_pools
from enhancelib.study.pages import score_columns, seed_summary
from enhancelib.study.papers.glenet import PAPER_TABLE_3, PAPER_TABLE_4, PAPER_TABLE_5, POOLS, PaperRow, pool_frame
from enhancelib.study.statistics import Difference

__all__ = ["baseline_rows", "results_table", "side_frame", "judge_family_of", "FAMILIES", "PAPER_DELTAS",
           "judged_table", "NetworkOutputs", "ceiling_table", "len_inside", "spread_table", "exposure_study", "gain_by_need_of",
           "degrader_exposure"]


def _row_label(row: PaperRow) -> str:
    return f"{row.method}, {row.scheme}" if row.scheme else row.method


def baseline_rows(baseline_images: pd.DataFrame) -> list[dict[str, Any]]:
    """The input and each classical operator as rows of a results table (their per-photo means)."""
    rows = []
    for method in dict.fromkeys(baseline_images["method"]):
        frame = baseline_images[baseline_images["method"] == method]
        label = "Input" if method == "input" else f"{method} (classical)"
        rows.append({"method": label, **score_columns(frame), "seeds": "—",
                     "our runs": "benchmark inputs" if method == "input" else "data chapter's baselines"})
    return rows


def results_table(rows: Sequence[PaperRow], runs: Mapping[str, Any], baseline_images: pd.DataFrame | None = None,
                  extra: Sequence[Mapping[str, Any]] = (), ours: Sequence[str] = ()) -> pd.DataFrame:
    """A paper's table beside the book's runs: each row's pool as "mean ± sd" over its seeds, with the seed count.

    ``extra`` rows (e.g. the gpu record) follow the paper's rows, then rows for the pools ``ours`` that the
    paper prints no number for (e.g. Fig. 5's pixel-wise baseline), then the input and the classical operators
    when ``baseline_images`` is given.
    """
    out: list[dict[str, Any]] = []
    for row in [*rows, *(PaperRow("", pool, float("nan"), float("nan"), pool=pool) for pool in ours)]:
        entry: dict[str, Any] = {"method": _row_label(row), "paper PSNR": row.psnr, "paper SSIM": row.ssim}
        if row.pool is None:
            entry["our runs"] = "paper only (not re-run)"
        else:
            names = POOLS[row.pool]
            found = [n for n in names if runs.get(n) is not None]
            entry.update(seed_summary([runs[n].per_image for n in found]))
            entry["seeds"] = f"{len(found)} of {len(names)}"
            entry["our runs"] = ", ".join(found) if found else "not recorded"
        out.append(entry)
    extra_rows = [{"seeds": "1", **dict(e)} for e in extra]
    out = out[:len(rows)] + extra_rows + out[len(rows):]
    if baseline_images is not None:
        out += baseline_rows(baseline_images)
    columns = ["paper PSNR", "paper SSIM", "our PSNR", "our SSIM", "our NIQE", "seeds", "our runs"]
    table = pd.DataFrame(out).set_index("method")
    return table[[c for c in columns if c in table]]


def side_frame(side: str, runs: Mapping[str, Any], baseline_images: pd.DataFrame | None,
               pools: Mapping[str, Sequence[str]] = POOLS) -> pd.DataFrame | None:
    """The per-photo scores of one side of a comparison: a pool of ``pools``, or a baseline method's name."""
    if side in pools:
        return pool_frame(runs, pools[side])
    if baseline_images is None:
        return None
    frame = baseline_images[baseline_images["method"] == side]
    return frame if len(frame) else None


def judge_family_of(comparisons: Mapping[str, tuple[str, str]], runs: Mapping[str, Any],
                    baseline_images: pd.DataFrame | None, metric: str = "psnr",
                    pools: Mapping[str, Sequence[str]] = POOLS) -> dict[str, Difference]:
    """Judge ``label -> (A, B)`` as one family (Holm), on the photos both sides were scored on.

    Sides are pools of ``pools`` (seed-averaged photo by photo) or baseline methods. Comparisons with a side
    that is not available are left out.
    """
    pairs = {}
    for label, (a, b) in comparisons.items():
        fa, fb = side_frame(a, runs, baseline_images, pools), side_frame(b, runs, baseline_images, pools)
        if fa is None or fb is None:
            continue
        shared = set(fa["name"]) & set(fb["name"])
        if len(shared) >= 2:
            pairs[label] = (fa[fa["name"].isin(shared)], fb[fb["name"].isin(shared)])
    return judge_pools(pairs, metric) if pairs else {}


def _paper(pool: str) -> float:
    return next(r.psnr for r in (*PAPER_TABLE_3, *PAPER_TABLE_4, *PAPER_TABLE_5) if r.pool == pool)


FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    "Table 3": {"paired GEN & LEN - input": ("paired GEN & LEN", "input"),
                "paired GEN - input": ("paired GEN", "input"),
                "paired GEN & LEN - paired GEN": ("paired GEN & LEN", "paired GEN")},
    "Fig. 5": {"paired GEN - pixel-wise baseline": ("paired GEN", "pixel-wise baseline")},
    "Table 4": {"unpaired GEN & LEN - input": ("unpaired GEN & LEN", "input"),
                "unpaired GEN - input": ("unpaired GEN", "input"),
                "unpaired GEN & LEN - paired GEN & LEN": ("unpaired GEN & LEN", "paired GEN & LEN")},
    "Table 5": {"WGAN-GP GEN - proposed GEN": ("WGAN-GP GEN", "unpaired GEN"),
                "WGAN-GP GEN & LEN* - proposed GEN & LEN": ("WGAN-GP GEN & LEN*", "unpaired GEN & LEN"),
                "CWGAN-GP GEN - proposed GEN": ("CWGAN-GP GEN", "unpaired GEN"),
                "CWGAN-GP GEN & LEN - proposed GEN & LEN": ("CWGAN-GP GEN & LEN", "unpaired GEN & LEN"),
                "proposed GEN & LEN - proposed GEN": ("unpaired GEN & LEN", "unpaired GEN")},
}
"""The comparisons of each table of the chapter: one Holm family per table."""

PAPER_DELTAS: dict[str, float] = {label: _paper(a) - _paper(b) for family in FAMILIES.values()
                                  for label, (a, b) in family.items()
                                  if a in POOLS and b in POOLS and "pixel-wise baseline" not in (a, b)}
"""The paper's own PSNR difference for each comparison it prints both sides of (Tables 3-5, FiveK)."""


def judged_table(differences: Mapping[str, Difference]) -> pd.DataFrame:
    """:func:`~enhancelib.study.judging.difference_table` with the paper's difference and whether ours has its sign.

    With no comparison available (runs not recorded) the table has one row saying so.
    """
    if not differences:
        return pd.DataFrame({"verdict": ["not available: the runs of this table are not recorded here"]},
                            index=pd.Index(["—"], name="comparison"))
    table = difference_table(differences)
    paper = pd.Series({label: PAPER_DELTAS.get(label, np.nan) for label in table.index}, dtype=float)
    if paper.notna().any():
        ours = table[[c for c in table if str(c).startswith("Δ")][0]]
        table.insert(1, "paper Δ (dB)", paper)
        table["paper's sign"] = [("—" if np.isnan(p) else "yes" if np.sign(o) == np.sign(p) else "no")
                                 for o, p in zip(ours, paper)]
    return table


class NetworkOutputs:
    """GEN's output and GEN & LEN's output of each trained GleNet for each photo, computed once."""

    def __init__(self, nets: Mapping[str, nn.Module]) -> None:
        self.nets = dict(nets)
        self._cache: dict[tuple[str, str, tuple[int, ...]], tuple[Tensor, Tensor]] = {}

    def __call__(self, label: str, name: str, image: Tensor) -> tuple[Tensor, Tensor]:
        """(GEN's output, GEN & LEN's output), 3 x H x W in [0, 1], of ``nets[label]`` for ``image``."""
        key = (label, name, tuple(image.shape))
        if key not in self._cache:
            net: Any = self.nets[label]
            with torch.no_grad():
                g = net.gen(image[None])
                full = net.local(g) if net.local is not None else g
            self._cache[key] = (g[0].clamp(0, 1), full[0].clamp(0, 1))
        return self._cache[key]

    def curves(self, label: str, image: Tensor) -> Tensor:
        """The three 256-entry curves that ``nets[label]``'s GEN predicts for ``image``."""
        net: Any = self.nets[label]
        with torch.no_grad():
            return net.gen.curves(image[None])[0]


def ceiling_table(pairs: Mapping[str, tuple[Tensor, Tensor]], stats: Mapping[str, Any], outputs: NetworkOutputs,
                  labels: Sequence[str]) -> pd.DataFrame:
    """Per test photo: the input's PSNR, the best-curve ceiling, the spread, and GEN / GEN & LEN of each model."""
    from enhancelib.metrics import psnr

    rows = []
    for name, (low, high) in pairs.items():
        row = {"name": name, "input": psnr(low, high), "best curve (ceiling)": stats[name].best_curve_psnr,
               "spread": float(stats[name].spread.mean())}
        for label in labels:
            g, full = outputs(label, name, low)
            row[f"GEN of {label}"], row[f"GEN & LEN, {label}"] = psnr(g, high), psnr(full, high)
        rows.append(row)
    return pd.DataFrame(rows).set_index("name")


def len_inside(ceiling: pd.DataFrame, label: str) -> Difference:
    """GEN & LEN against its own GEN output (LEN switched off), photo by photo: the book's rule on one model."""
    frames = {side: ceiling[column].rename("psnr").rename_axis("name").reset_index()
              for side, column in (("on", f"GEN & LEN, {label}"), ("off", f"GEN of {label}"))}
    return judge_pools({"LEN on - LEN off": (frames["on"], frames["off"])})["LEN on - LEN off"]


def spread_table(pairs: Mapping[str, tuple[Tensor, Tensor]], stats: Mapping[str, Any], outputs: NetworkOutputs,
                 label: str) -> pd.DataFrame:
    """Mean one-to-many spread of the mappings input -> target, -> GEN's output and -> GEN & LEN's output."""
    from enhancelib.viz.curves import transfer_stats

    rows = [{"input -> target": float(stats[n].spread.mean()),
             "input -> GEN": float(transfer_stats(low, outputs(label, n, low)[0]).spread.mean()),
             "input -> GEN & LEN": float(transfer_stats(low, outputs(label, n, low)[1]).spread.mean())}
            for n, (low, _) in pairs.items()]
    return pd.DataFrame(rows).mean().to_frame(f"mean one-to-many spread ({label})").T


def exposure_study(pairs: Mapping[str, tuple[Tensor, Tensor]],
                   methods: Mapping[str, Callable[[Tensor], Tensor]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per photo and method the needed and applied exposure change, and the per-method adaptivity summary.

    Each method maps a batch ``N x 3 x H x W`` in [0, 1] to its output (a trained GleNet, a classical operator);
    its output is clamped to [0, 1].
    """
    from enhancelib.study.adaptivity import adaptivity_summary, exposure_changes

    def one(method: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
        return lambda x: method(x[None])[0].clamp(0, 1)

    if not methods:
        return pd.DataFrame(columns=["image", "method", "needed", "applied"]), pd.DataFrame()
    changes = exposure_changes(pairs, {label: one(method) for label, method in methods.items()})
    return changes, adaptivity_summary(changes)


def gain_by_need_of(per_image: pd.DataFrame, baseline_images: pd.DataFrame, needed: pd.Series,
                    threshold: float = 0.05) -> dict[str, tuple[int, float]]:
    """The mean PSNR gain over the input on the photos that need no brightening and on the others: (photos, dB)."""
    inputs = baseline_images[baseline_images["method"] == "input"].set_index("name")["psnr"]
    gain = per_image.groupby("name")["psnr"].mean() - inputs
    groups = {"no brightening": needed[needed <= threshold].index, "brightening": needed[needed > threshold].index}
    return {label: (len(photos), float(gain.reindex(photos).mean())) for label, photos in groups.items()}


def degrader_exposure(degrader: nn.Module, pairs: Sequence[tuple[Tensor, Tensor]]) -> pd.DataFrame:
    """The exposure change (stops) of the benchmark's degradation and of G_d on clean photos ``(degraded, clean)``."""
    from enhancelib.study.adaptivity import exposure_change

    rows = []
    for degraded, clean in pairs:
        with torch.no_grad():
            learned = degrader(clean[None])[0].clamp(0, 1)
        rows.append({"benchmark degradation": exposure_change(clean, degraded), "G_d": exposure_change(clean, learned)})
    return pd.DataFrame(rows)
