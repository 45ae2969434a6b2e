"""What every chapter page needs to show a result: sentences, test photos, score columns, tables.

The chapters import these instead of defining helpers in their cells:

- :func:`say` prints Markdown (sentences built from typed results wrap on the page);
- :func:`test_pair` gives a benchmark photo's degraded input and its target as tensors;
- :func:`score_columns` and :func:`seed_summary` turn per-photo scores into a table's columns;
- :func:`show_table` displays a table with the book's number formats inside a container that
  scrolls sideways instead of being cut at the right edge of the page.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from torch import Tensor

from enhancelib.data.benchmark import degradation_of, degraded_pair

__all__ = ["DIGITS", "format_number", "say", "score_columns", "seed_summary", "show_table", "table_html",
           "test_pair"]

#: decimals per kind of column, as the papers print them (SSIM with 4, dB and quality scores with 2; counts
#: of photos none); the first key found in a column's name decides
DIGITS = {"SSIM": 4, "PSNR": 2, "NIMA": 2, "NIQE": 2, "Δ": 2, "dB": 2, "photos": 0, "p": 3}


def say(*lines: str) -> None:
    """Display sentences as Markdown (one paragraph per argument), so that long lines wrap."""
    from IPython.display import Markdown, display

    display(Markdown("\n\n".join(lines)))


def test_pair(name: str, long_side: int) -> tuple[Tensor, Tensor]:
    """(degraded input, target) of a benchmark photo as float tensors 3 x H x W in [0, 1]."""
    low, high = degraded_pair(name, long_side, degradation_of(name))
    return low.float() / 255, high.float() / 255


def score_columns(per_image: pd.DataFrame, prefix: str = "our ") -> dict[str, float]:
    """The mean PSNR, SSIM (and NIQE where scored) of per-photo scores, as a table's columns."""
    columns = {f"{prefix}PSNR": float(per_image["psnr"].mean()), f"{prefix}SSIM": float(per_image["ssim"].mean())}
    columns[f"{prefix}NIQE"] = float(per_image["niqe"].mean()) if "niqe" in per_image else float("nan")
    return columns


def seed_summary(per_image: Iterable[pd.DataFrame], prefix: str = "our ") -> dict[str, str | float]:
    """Score columns over a seed pool: "mean ± sd" (sample sd over runs) of each run's mean; one run: its mean."""
    runs = pd.DataFrame([score_columns(frame, prefix) for frame in per_image])
    if runs.empty:
        return {}
    out: dict[str, str | float] = {}
    for key in runs:
        values = runs[key].dropna()
        if values.empty:
            out[key] = float("nan")
            continue
        digits = _digits(key)
        out[key] = (f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}" if len(values) > 1
                    else float(values.iloc[0]))
    return out


def _digits(column: str) -> int:
    for key, digits in DIGITS.items():
        if key in column:
            return digits
    return 3


def format_number(value: Any, digits: int) -> str:
    """A number with ``digits`` decimals; text is left as it is, missing values become a dash and an infinite
    PSNR (an unchanged photo) the sign for infinity."""
    if isinstance(value, (float, np.floating)) and np.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value is None or (isinstance(value, (float, np.floating)) and not np.isfinite(value)):
        return "—"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def table_html(frame: pd.DataFrame, formats: Mapping[str, int] | None = None, caption: str | None = None) -> str:
    """The HTML of a table with per-column decimals, wrapped in a container that scrolls sideways."""
    digits = {column: _digits(str(column)) for column in frame.columns}
    digits.update(formats or {})
    styler = frame.style.format({c: (lambda v, d=d: format_number(v, d)) for c, d in digits.items()}, na_rep="—")
    styler = styler.set_table_styles([{"selector": "th, td", "props": "padding: 0.15em 0.6em;"}])
    if caption:
        styler = styler.set_caption(caption)
    return f'<div class="enhancelib-table" style="overflow-x: auto; max-width: 100%;">{styler.to_html()}</div>'


def show_table(frame: pd.DataFrame, formats: Mapping[str, int] | None = None, caption: str | None = None) -> None:
    """Display a table (see :func:`table_html`): never wider than the page, numbers as the papers print them."""
    from IPython.display import HTML, display

    display(HTML(table_html(frame, formats, caption)))
