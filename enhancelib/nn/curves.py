r"""Per-channel intensity curves applied to an image of any resolution.

GleNet's global enhancement network (paper 002, eq. 1) predicts, for each
colour channel :math:`c`, a curve :math:`w_c = [w_{c,0}, \dots, w_{c,255}]`
and maps every pixel through it:

.. math::
    \tilde I_c(p) = v_p^T w_c ,

where :math:`v_p` is the 256-dimensional one-hot vector of the 8-bit
intensity :math:`I_c(p)`.  Multiplying by a one-hot vector is a table
look-up, so :func:`apply_curves` computes
``out_c = T_c[round(255 * x_c)]`` with a gather, exactly as the public code
does (``tf.gather_nd`` on ``round(255 x)``).  This is differentiable with
respect to the curves (each entry receives the sum of the output gradients
of the pixels that read it) and carries no gradient to the image.

``mode="linear"`` interpolates between the two entries around ``255 x``
instead.  It agrees with ``"nearest"`` on 8-bit inputs (``x = k/255``),
avoids the 1/510 quantisation step otherwise, and is differentiable with
respect to the image too (the slope of the curve).  It is an option, not
the default: the default is the public behaviour.

Memory: the look-up runs in chunks of ``chunk`` pixels (all planes at once)
with preallocated scratch buffers, so a 12-megapixel image needs, beyond its
input and output, 12 bytes of scratch per chunk pixel and plane (36 MB at
the default chunk; no one-hot tensor, no float64, no full-size int64 index).  The
backward pass recomputes the indices chunk by chunk from the saved input.

:func:`apply_curves_one_hot` is the literal eq. (1) (one-hot vectors times
the curve): a reference for tests and benchmarks, far slower and
256 times larger in memory.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

__all__ = ["CURVE_MODES", "apply_curves", "apply_curves_one_hot", "identity_curves"]

CURVE_MODES: tuple[str, ...] = ("nearest", "linear")

#: Pixels per plane handled at once (scratch: 12 bytes per pixel and plane, 36 MB for RGB).
DEFAULT_CHUNK = 1 << 20


def identity_curves(batch: int = 1, channels: int = 3, levels: int = 256,
                    device: torch.device | str | None = None, dtype: torch.dtype = torch.float32) -> Tensor:
    """Curves mapping every intensity to itself: ``T_c[k] = k / (levels - 1)``."""
    ramp = torch.linspace(0.0, 1.0, levels, device=device, dtype=dtype)
    return ramp.expand(batch, channels, levels).clone()


def _check(image: Tensor, curves: Tensor, mode: str) -> None:
    if mode not in CURVE_MODES:
        raise ValueError(f"Unknown curve mode {mode!r}; choose one of {CURVE_MODES}")
    if image.dim() != 4:
        raise ValueError(f"image must be N x C x H x W, got shape {tuple(image.shape)}")
    if not image.is_floating_point():
        raise ValueError(f"image must be a float tensor in [0, 1], got {image.dtype}; divide uint8 images by 255")
    if curves.dim() != 3:
        raise ValueError(f"curves must be N x C x L (L entries per channel), got shape {tuple(curves.shape)}")
    n, c = image.shape[:2]
    if curves.shape[1] != c or curves.shape[0] not in (1, n):
        raise ValueError(
            f"curves of shape {tuple(curves.shape)} do not fit an image of shape {tuple(image.shape)}: "
            f"expected {n} (or 1) x {c} x L"
        )
    if curves.shape[2] < 2:
        raise ValueError(f"curves need at least 2 entries, got {curves.shape[2]}")
    if curves.device != image.device:
        raise ValueError(f"image is on {image.device} but curves are on {curves.device}; move them together")


def _positions(x: Tensor, levels: int, out: Tensor) -> Tensor:
    """``clamp(x, 0, 1) * (levels - 1)`` written into ``out``."""
    torch.mul(x, levels - 1, out=out)
    return out.clamp_(0, levels - 1)


class _CurveLookup(torch.autograd.Function):
    """Chunked look-up ``out[r, p] = T[r, idx(x[r, p])]`` over all image planes ``r`` at once."""

    @staticmethod
    def forward(ctx: Any, image: Tensor, curves: Tensor, mode: str, chunk: int) -> Tensor:
        n, c, h, w = image.shape
        rows, pixels, levels = n * c, h * w, curves.shape[2]
        planes = image.reshape(rows, pixels)
        table = curves.to(image.dtype).expand(n, c, levels).reshape(rows, levels)
        out = torch.empty_like(planes)
        step = min(chunk, pixels)
        pos = torch.empty(rows, step, dtype=image.dtype, device=image.device)
        index = torch.empty(rows, step, dtype=torch.long, device=image.device)
        if mode == "linear":
            slope = (table[:, 1:] - table[:, :-1]).contiguous()
            frac = torch.empty_like(pos)
            picked = torch.empty_like(pos)
        for start in range(0, pixels, step):
            size = min(step, pixels - start)
            p, i, o = pos[:, :size], index[:, :size], out[:, start:start + size]
            _positions(planes[:, start:start + size], levels, p)
            if mode == "nearest":
                # out_c(p) = T_c[round(255 x_c(p))] = v_p^T w_c   (eq. 1)
                i.copy_(p.round_())
                torch.gather(table, 1, i, out=o)
            else:
                # k = floor(255 x), t = 255 x - k:  out = T[k] + t (T[k+1] - T[k])
                i.copy_(p.floor().clamp_(max=levels - 2))
                f, s = frac[:, :size], picked[:, :size]
                torch.sub(p, i, out=f)
                torch.gather(table, 1, i, out=o)
                torch.gather(slope, 1, i, out=s)
                o.addcmul_(f, s)
        ctx.mode, ctx.chunk, ctx.levels = mode, step, levels
        ctx.shared_curves = curves.shape[0] == 1 and n > 1
        ctx.curves_dtype = curves.dtype
        ctx.save_for_backward(image, curves)
        return out.view(n, c, h, w)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_out: Tensor) -> tuple[Tensor | None, Tensor | None, None, None]:
        image, curves = ctx.saved_tensors
        n, c, h, w = image.shape
        rows, pixels, levels, step = n * c, h * w, ctx.levels, ctx.chunk
        planes = image.reshape(rows, pixels)
        # Accumulate in at least float32 (never float64).
        acc_dtype = torch.promote_types(image.dtype, torch.float32)
        grads = grad_out.reshape(rows, pixels)
        grad_table = torch.zeros(rows, levels, dtype=acc_dtype, device=image.device)
        need_image = ctx.needs_input_grad[0] and ctx.mode == "linear"
        grad_image = torch.zeros_like(planes) if need_image else None
        if ctx.mode == "linear":
            table = curves.to(image.dtype).expand(n, c, levels).reshape(rows, levels)
            slope = ((table[:, 1:] - table[:, :-1]) * (levels - 1)).contiguous()
        pos = torch.empty(rows, step, dtype=image.dtype, device=image.device)
        index = torch.empty(rows, step, dtype=torch.long, device=image.device)
        for start in range(0, pixels, step):
            size = min(step, pixels - start)
            p, i = pos[:, :size], index[:, :size]
            x = planes[:, start:start + size]
            g = grads[:, start:start + size].to(acc_dtype)
            _positions(x, levels, p)
            if ctx.mode == "nearest":
                # dL/dT_c[k] = sum over pixels with round(255 x) = k of dL/dout
                i.copy_(p.round_())
                grad_table.scatter_add_(1, i, g)
            else:
                i.copy_(p.floor().clamp_(max=levels - 2))
                t = (p - i).to(acc_dtype)
                grad_table.scatter_add_(1, i, g * (1 - t))
                grad_table.scatter_add_(1, i + 1, g * t)
                if grad_image is not None:
                    inside = (x >= 0) & (x <= 1)
                    grad_image[:, start:start + size] = grads[:, start:start + size] * slope.gather(1, i) * inside
        grad_curves = grad_table.view(n, c, levels)
        if ctx.shared_curves:
            grad_curves = grad_curves.sum(0, keepdim=True)
        grad_img = grad_image.view(n, c, h, w) if grad_image is not None else None
        return grad_img, grad_curves.to(ctx.curves_dtype), None, None


def apply_curves(image: Tensor, curves: Tensor, mode: str = "nearest", chunk: int = DEFAULT_CHUNK) -> Tensor:
    """Map each channel of ``image`` through its curve.

    Parameters
    ----------
    image:
        ``N x C x H x W`` float tensor in [0, 1] (values outside are clamped
        before the look-up), any resolution.
    curves:
        ``N x C x L`` (or ``1 x C x L``, shared by the batch); entry ``k``
        is the output for intensity ``k / (L - 1)``.  GleNet: ``L = 256``.
    mode:
        ``"nearest"`` (default, the public code: ``T_c[round((L-1) x)]``,
        gradient to the curves only) or ``"linear"`` (interpolation between
        neighbouring entries, gradient to curves and image).
    chunk:
        Pixels per plane processed at once; bounds the scratch memory.

    Returns
    -------
    ``N x C x H x W`` tensor in the image's dtype.
    """
    _check(image, curves, mode)
    if chunk < 1:
        raise ValueError(f"chunk must be positive, got {chunk}")
    return _CurveLookup.apply(image.contiguous(), curves, mode, int(chunk))


def apply_curves_one_hot(image: Tensor, curves: Tensor) -> Tensor:
    r"""Eq. (1) written literally: :math:`\tilde I_c(p) = v_p^T w_c` with one-hot :math:`v_p`.

    Reference implementation for tests and benchmarks: it materialises an
    ``N x C x H x W x L`` one-hot tensor (L = 256 times the image), so use it
    on small images only.  Equals ``apply_curves(image, curves, "nearest")``.
    """
    _check(image, curves, "nearest")
    levels = curves.shape[2]
    index = (image.detach().clamp(0, 1) * (levels - 1)).round().long()
    # v_p: one-hot of the intensity of pixel p, N x C x H x W x L
    one_hot = F.one_hot(index, levels).to(curves.dtype)
    # I~_c(p) = v_p^T w_c
    out = torch.einsum("nchwl,ncl->nchw", one_hot, curves.expand(image.shape[0], -1, -1))
    return out.to(image.dtype)
