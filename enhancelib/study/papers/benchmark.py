"""Chapter 00's tables and figures: the photos, the degradation, the split, what each test photo needs,
and how far the input and the classical operators get, judged by the book's one rule."""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch

from enhancelib.data import to_tensor
from enhancelib.data.benchmark import read_split
from enhancelib.data.images import load_rgb, resize_long_side
from enhancelib.data.sets import PairedImage, PairedSet
from enhancelib.data.test_sets import load_test_sets
from enhancelib.models.classical import BASELINES
from enhancelib.paths import DATA_DIR
from enhancelib.study.adaptivity import NO_BRIGHTENING, exposure_change
from enhancelib.study.judging import difference_table, judge_pools
from enhancelib.study.pages import score_columns
from enhancelib.study.statistics import Difference
from enhancelib.study.test_sets import operator_test_set_scores, summarise_test_sets
from enhancelib.viz import compare_methods, show_images
from enhancelib.viz.slider import BeforeAfter

__all__ = ["PARTS", "DEGRADATION_PARAMETERS", "manifest", "licence_counts", "gallery", "plot_degradation_parameters",
           "split_counts", "photo_needs", "need_counts", "baseline_table", "operators_against_input",
           "operator_verdicts", "plot_baseline_scores", "photo", "show_pair", "compare_operators", "show_three_inputs",
           "operators_on_three_sets"]

PARTS = ["train_low", "train_high", "val", "test"]
DEGRADATION_PARAMETERS = ["exposure_stops", "gamma", "contrast", "saturation", "vignetting", "gradient_stops"]


def manifest() -> pd.DataFrame:
    """The licence manifest of the embedded photos (one row per file)."""
    return pd.read_csv(DATA_DIR / "photos" / "manifest.csv")


def licence_counts(photos: pd.DataFrame) -> pd.DataFrame:
    """Photos per licence and per source package, one narrow table (rows: (kind, name))."""
    licences = photos.groupby("license").size().sort_values(ascending=False)
    packages = photos.assign(package=photos["source_package"].str.split().str[0]).groupby("package").size()
    packages = packages.sort_values(ascending=False)
    return pd.concat({"licence": licences, "source": packages}).rename("photos").to_frame()


def gallery(count: int, seed: int = 0, long_side: int = 256) -> plt.Figure:
    """A grid of ``count`` photos drawn from the manifest with a fixed seed."""
    chosen = manifest().sample(count, random_state=seed)
    return show_images({row.file.split(".")[0][:22]: resize_long_side(load_rgb(DATA_DIR / "photos" / row.file), long_side)
                        for row in chosen.itertuples()}, ncols=4, width=2.6)


def plot_degradation_parameters() -> plt.Figure:
    """Histograms of the degradation parameters drawn for the photos that get degraded (all but train_high)."""
    table = pd.read_csv(DATA_DIR / "benchmark" / "degradation.csv")
    table = table[table["file"].map(read_split()) != "train_high"]
    fig, axes = plt.subplots(1, len(DEGRADATION_PARAMETERS), figsize=(15, 2.4))
    for ax, column in zip(axes, DEGRADATION_PARAMETERS):
        sns.histplot(table[column], ax=ax, bins=15)
        ax.set_ylabel("")
    fig.tight_layout()
    return fig


def split_counts() -> dict[str, int]:
    """Photos per part of the committed split."""
    counts = pd.Series(read_split()).value_counts()
    return {part: int(counts.get(part, 0)) for part in PARTS}


def photo_needs(test: PairedSet) -> pd.DataFrame:
    """Per test photo: the exposure change from input to target (stops) and whether it needs brightening.

    A photo needs brightening when its target is more than ``NO_BRIGHTENING`` stops brighter than its
    input (:mod:`enhancelib.study.adaptivity`); every verdict of the book is read against this column.
    """
    rows = [{"name": pair.name, "needed change (stops)": exposure_change(pair.input, pair.target)} for pair in test]
    frame = pd.DataFrame(rows).set_index("name")
    frame["needs brightening"] = frame["needed change (stops)"] > NO_BRIGHTENING
    return frame


def need_counts(needs: pd.DataFrame) -> dict[str, int]:
    """How many test photos need brightening and how many do not."""
    brighten = int(needs["needs brightening"].sum())
    return {"need brightening": brighten, "need no brightening": int(len(needs) - brighten)}


def baseline_table(per_image: pd.DataFrame, needs: pd.DataFrame) -> pd.DataFrame:
    """Per method (input and operators): mean scores, and the PSNR gain over the input by what a photo needs."""
    inputs = per_image[per_image["method"] == "input"].set_index("name")["psnr"]
    up = needs.index[needs["needs brightening"]]
    flat = needs.index[~needs["needs brightening"]]
    rows = {}
    for method, part in per_image.groupby("method", sort=False):
        gain = part.set_index("name")["psnr"] - inputs
        rows[str(method)] = {**score_columns(part, prefix=""),
                             f"Δ PSNR, needs brightening ({len(up)})": float(gain.reindex(up).mean()),
                             f"Δ PSNR, needs none ({len(flat)})": float(gain.reindex(flat).mean())}
    table = pd.DataFrame(rows).T
    return table.dropna(axis=1, how="all")


def operators_against_input(per_image: pd.DataFrame, metric: str = "psnr") -> dict[str, Difference]:
    """Each classical operator against the input, photo by photo, judged as one family (the book's rule)."""
    inputs = per_image[per_image["method"] == "input"]
    pairs = {f"{method} - input": (per_image[per_image["method"] == method], inputs)
             for method in BASELINES if (per_image["method"] == method).any()}
    return judge_pools(pairs, metric)


def operator_verdicts(per_image: pd.DataFrame) -> pd.DataFrame:
    """The family table of :func:`operators_against_input` for PSNR and SSIM, one block per metric."""
    blocks = {}
    for metric in ("psnr", "ssim"):
        table = difference_table(operators_against_input(per_image, metric), unit="")
        digits = 4 if metric == "ssim" else 2   # as the papers print each metric
        table[f"Δ {metric}"] = [f"{value:+.{digits}f}" for value in table[f"Δ {metric}"]]
        blocks[metric.upper()] = table.rename(columns={f"Δ {metric}": "mean Δ (operator - input)"})
    return pd.concat(blocks)


def plot_baseline_scores(per_image: pd.DataFrame, needs: Mapping[str, bool] | pd.Series) -> plt.Figure:
    """Per-photo PSNR of the input and the operators, coloured by whether the photo needs brightening."""
    frame = per_image.assign(need=per_image["name"].map(lambda n: "needs brightening" if needs[n] else "needs none"))
    fig, ax = plt.subplots(figsize=(8, 3))
    sns.boxplot(data=frame, x="method", y="psnr", ax=ax, color="0.9", showfliers=False)
    sns.stripplot(data=frame, x="method", y="psnr", hue="need", ax=ax, size=3, dodge=True)
    ax.set_xlabel("")
    ax.set_ylabel("PSNR (dB)")
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def photo(name: str, long_side: int) -> torch.Tensor:
    """An embedded photo as a float tensor 3 x H x W in [0, 1], resized to ``long_side``."""
    return to_tensor(resize_long_side(load_rgb(DATA_DIR / "photos" / name), long_side))


def show_pair(pair: PairedImage) -> plt.Figure:
    """A test pair: the degraded input beside its target."""
    return show_images({"test input (degraded)": pair.input, "target (the photo)": pair.target}, width=4)


def compare_operators(pair: PairedImage) -> BeforeAfter:
    """A before/after slider of one test photo under every classical operator."""
    outputs = {name: operator(pair.input[None])[0] for name, operator in BASELINES.items()}
    return compare_methods(pair.input, outputs, target=pair.target, title=pair.name)


def show_three_inputs(long_side: int, index: int) -> plt.Figure:
    """One test photo as the three test sets give it: the split's input, the flat render's input, the target."""
    sets = load_test_sets(long_side)
    return show_images({"test split input": sets["test"][index].input, "flat render input": sets["flat"][index].input,
                        "target": sets["flat"][index].target}, width=3.6, suptitle=sets["flat"].names[index])


def operators_on_three_sets() -> pd.DataFrame:
    """The input's and the operators' recorded scores on the three test sets, with their tone levels.

    Regenerate the records with ``python scripts/score_test_sets.py --recompute``.
    """
    table = summarise_test_sets(operator_test_set_scores(progress=False), by="method")
    return table[["psnr", "ssim", "change", "black", "contrast", "haze"]]
