r"""Per-channel statistics over space, the quantity every normalisation here needs.

UEGAN's global attention, QAGAN's statistics transfer (AdaIN) and BNCAGAN's
instance/layer mixes all start from the mean and variance of each channel of
each image over its H x W positions:

.. math::
    \mu_{nc} = \frac{1}{HW}\sum_{h,w} x_{nchw},\qquad
    \sigma^2_{nc} = \frac{1}{HW - \delta}\sum_{h,w} (x_{nchw} - \mu_{nc})^2

with ``delta`` (the *correction*) 1 for the unbiased variance and 0 for the
population variance.  ``torch.var_mean`` computes this in one pass (Welford's
update).  On the CPU, in the torch version pinned here, that pass reduces
over the spatial axes more slowly than two plain passes, the mean and then
the sum of centred squares, at most of the models' shapes and by up to
several times (``scripts/bench_statistics.py`` prints the figures).  Both passes are exact two-pass formulas, so the
numbers agree with ``torch.var_mean`` to rounding; the tests check values
and gradients.
"""
from __future__ import annotations

from torch import Tensor

__all__ = ["spatial_var_mean"]


def spatial_var_mean(x: Tensor, correction: int = 1) -> tuple[Tensor, Tensor]:
    """Variance and mean of every channel of every image over space, each shaped N x C x 1 x 1.

    Same as ``torch.var_mean(x, dim=(2, 3), correction=correction, keepdim=True)``
    up to rounding, computed in two passes.
    """
    if x.dim() != 4:
        raise ValueError(f"spatial_var_mean expects N x C x H x W features, got shape {tuple(x.shape)}")
    count = x.shape[2] * x.shape[3]
    if count - correction <= 0:
        raise ValueError(f"spatial_var_mean with correction {correction} needs more than {correction} "
                         f"spatial position(s), got {x.shape[2]}x{x.shape[3]}: feed a larger image.")
    # mu = 1/HW sum_hw x
    mean = x.mean(dim=(2, 3), keepdim=True)
    # sigma^2 = 1/(HW - delta) sum_hw (x - mu)^2
    var = (x - mean).square().sum(dim=(2, 3), keepdim=True) / (count - correction)
    return var, mean
