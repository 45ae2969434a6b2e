"""Which loss term drives the enhancer? The gradient of each term on the enhancer's weights.

A generator's loss is a weighted sum of terms, ``L = sum_k w_k L_k``, and each
term pulls the weights with the gradient ``w_k dL_k/dtheta``.  A term's
*value* says little about its pull: an adversarial term and an L1 term live on
different scales, and an adversarial critic's scale drifts during training.
:func:`term_gradient_norms` measures the pull directly, as the Euclidean norm
of each term's gradient with respect to the enhancer's trainable weights,

    || w_k * dL_k / dtheta ||_2 ,

alone (each term's gradient by itself, not the share of their sum).  The
recipes that support it expose ``generator_terms(low, high)`` (the same
function their training step sums), and :func:`recipe_term_gradients`
averages the norms over mini-batches drawn like the run's own.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd
import torch
from torch import Tensor, nn

__all__ = ["term_gradient_norms", "recipe_term_gradients", "load_term_gradients", "TERM_GRADIENTS_FILE"]


def term_gradient_norms(terms: Mapping[str, tuple[float, Tensor]], params: Sequence[Tensor]) -> dict[str, dict[str, float]]:
    """Per term: its weight, value, gradient norm at weight 1 and weighted gradient norm on ``params``.

    A term that does not depend on ``params`` (e.g. the degrader's loss seen from
    the enhancer) gets a gradient norm of 0.
    """
    if not params:
        raise ValueError("term_gradient_norms needs at least one parameter to differentiate with respect to")
    out: dict[str, dict[str, float]] = {}
    for name, (weight, value) in terms.items():
        if value.dim() != 0:
            raise ValueError(f"term {name!r} must be a scalar loss, got shape {tuple(value.shape)}")
        if value.requires_grad:
            grads = torch.autograd.grad(value, list(params), retain_graph=True, allow_unused=True)
            # ||dL_k / dtheta||_2 over all weights of the enhancer
            squares = [(g.float() ** 2).sum() for g in grads if g is not None]
            norm = float(torch.stack(squares).sum().sqrt()) if squares else 0.0
        else:
            norm = 0.0
        out[name] = {"weight": float(weight), "value": float(value.detach()), "grad_norm": norm,
                     "weighted_grad_norm": abs(float(weight)) * norm}
    return out


def recipe_term_gradients(terms_of: Callable[[Tensor, Tensor], Mapping[str, tuple[float, Tensor]]], enhancer: nn.Module,
                          batches: Iterable[Mapping[str, Tensor]],
                          freeze: Callable[[bool], None] | None = None) -> pd.DataFrame:
    """Mean over ``batches`` of :func:`term_gradient_norms` for ``terms_of(low, high)``.

    ``terms_of``: a function returning ``{name: (weight, value)}``, e.g. GleNet's
    ``generator_terms`` (QAGAN's returns the terms first in a tuple; wrap it).
    ``enhancer``: the network whose weights are differentiated (frozen
    weights are left out).  ``freeze(flag)`` switches the recipe's critics' gradients
    off and on around the measurement, as its training step does.  Returns one
    row per term with the mean and, over batches, the standard deviation of the
    weighted gradient norm.
    """
    params = [p for p in enhancer.parameters() if p.requires_grad]
    rows = []
    if freeze is not None:
        freeze(False)
    try:
        for index, batch in enumerate(batches):
            for name, row in term_gradient_norms(terms_of(batch["low"], batch["high"]), params).items():
                rows.append({"batch": index, "term": name, **row})
    finally:
        if freeze is not None:
            freeze(True)
    if not rows:
        raise ValueError("recipe_term_gradients needs at least one batch")
    frame = pd.DataFrame(rows)
    table = frame.groupby("term", sort=False).agg(
        weight=("weight", "first"), value=("value", "mean"), grad_norm=("grad_norm", "mean"),
        weighted_grad_norm=("weighted_grad_norm", "mean"), weighted_grad_norm_std=("weighted_grad_norm", "std"))
    table["batches"] = int(frame["batch"].nunique())
    return table


TERM_GRADIENTS_FILE = "term_gradients.json"
"""Written into a run's folder by ``scripts/term_gradients.py --record``."""


def load_term_gradients(run_dir: Path) -> pd.DataFrame | None:
    """The recorded table of ``scripts/term_gradients.py`` for a run folder, or None when not measured.

    One row per term (weight, mean value, gradient norms); its ``attrs`` hold
    the rest of the record (checkpoint step, batches, commit, command).
    """
    path = Path(run_dir) / TERM_GRADIENTS_FILE
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    table = pd.DataFrame.from_dict(record["terms"], orient="index")
    table.index.name = "term"
    table.attrs = {k: v for k, v in record.items() if k != "terms"}
    return table
