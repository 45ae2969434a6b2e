"""Quality attention module (QAM) of QAGAN (paper 000, Sec. 3.1, Fig. 3, eqs. 1-5).

The QAM sits in QAGAN's degradation generator ``G_L``.  It receives the
encoder features ``f_H`` of the high-quality image being degraded and the
features ``f_L`` of a low-quality image, and does two things:

1. **Inter-domain non-local spatial attention** (eqs. 1-2): every position of
   ``f_H`` gathers the features of ``f_L`` at the positions that look alike,
   so the result ``f~_H`` keeps the layout of the high-quality image but is
   made of low-quality features.  Queries, keys and values are 1x1
   convolutions: ``theta(f_H)`` and ``nu(f_L)`` with ``C/8`` channels,
   ``phi(f_L)`` with ``C/8`` channels followed by a 1x1 convolution back
   to ``C``.
2. **Channel-statistics transfer** (eqs. 3-5, AdaIN): ``f~_H`` is normalised
   per channel and given the channel mean and standard deviation of ``f_L``,
   the "style" of the low-quality image.

There is no public code; everything below follows the paper's text, and
where that text is ambiguous the choice is listed here.

Decisions
---------
1. **Which axis eq. 1 normalises, and who asks the queries.**  Eq. 1's
   numerator ``exp(theta(f_H)_i . nu(f_L)_j)`` is kept.  The paper sums its
   denominator over ``i`` (positions of ``f_H``) yet eq. 2 then takes a
   weighted sum of ``phi(f_L)``, whose positions are those of ``f_L``; the
   output is called ``f~_H`` with the shape of ``f_H``; and Fig. 3's caption
   says the QAM "enables f_H to adaptively select content-relevant features".
   The only reading in which all of this is consistent is: **queries from
   f_H, keys and values from f_L, softmax over the positions of f_L**; each
   position of ``f_H`` takes a convex combination of ``f_L``'s values (the
   arrangement of style-attentional networks that QAGAN resembles).  A
   bonus: ``f_L`` may have another size than ``f_H``.  The literal index
   reading (queries from ``f_L`` at ``j``, softmax over the positions ``i``
   of ``f_H``, values ``phi(f_L)_i`` indexed by those same positions, which
   needs equal sizes) is available as ``query_domain="low"``.  Tested:
   rows of the attention sum to one; a permuted copy is found again.
2. **Value width.**  The text gives ``phi(f_L)`` ``C/8`` channels (eq. 2's
   output would then have ``C/8``), but ``f~_H`` has ``C`` channels and eq. 5
   gives it ``f_L``'s ``C`` channel statistics.  We keep ``C/8`` values and
   add a 1x1 convolution back to ``C`` (the minimal addition);
   ``value_reduction=1`` instead uses full-width values and no output
   convolution.
3. **No scaling of the dot product, no residual.**  Eq. 1 has no
   ``1/sqrt(d)`` and eq. 5's output is the QAM's output: no ``gamma * e + f_H``
   shortcut as in SAGAN.  We follow the paper in both.  Measured with the
   offline VGG-16 on photos at 128 x 128 and an untrained QAM: at relu4_1 the
   unscaled attention is almost one-hot (mean largest weight 0.98; 0.54 at
   relu5_1), so the softmax starts saturated and its projections learn
   slowly.  ``temperature`` divides the scores (``sqrt(C/8)`` gives the
   Transformer's scaling); the default 1 is the paper's.
4. **AdaIN direction (eq. 5).**  The normalised feature is the attention
   output ``f~_H`` (``mu_H``, ``sigma_H`` are "calculated similarly" on it),
   the applied statistics are those of the raw ``f_L`` (eqs. 3-4): the
   paper's goal is to "inject the style of the low-quality image".  Eq. 4's
   biased (1/HW) variance is used, with ``eps = 1e-5`` added under the square
   root for numerical safety (dead ReLU channels have zero variance).  Tested:
   the output has ``f_L``'s channel mean and standard deviation.
5. **Ablations.**  ``spatial_attention=False`` skips step 1 (AdaIN is then
   applied to ``f_H`` itself, the classic AdaIN of Huang and Belongie);
   ``stat_transfer=False`` skips step 2; both off make the module the
   identity on ``f_H``.
6. **Memory.**  The attention is an ``S_H x S_L`` matrix per image.
   ``chunk_size`` computes it for that many query positions at a time; each
   row's softmax is independent of the others, so the result is the same as
   in one piece (tested).  At relu4_1 of a 512 x 384 image (64 x 48 = 3072
   positions) one matrix is 3072^2 floats, 37.7 MB; at relu5_1 2.4 MB.

Known form (tested): with ``f_L = f_H = f`` and identity projections the
module is non-local self-attention followed by a return to ``f``'s own
channel statistics, ``AdaIN(softmax(f^T f) f, f)``; with the spatial
attention off it is the identity.
"""
from __future__ import annotations

from typing import Literal, overload

import torch
from torch import Tensor, nn

from .statistics import spatial_var_mean

__all__ = [
    "QualityAttention",
    "adaptive_instance_norm",
    "attention_for_query",
    "channel_statistics",
    "inter_domain_attention",
]


def _at_least_float32(x: Tensor) -> Tensor:
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def channel_statistics(f: Tensor, eps: float = 1e-5) -> tuple[Tensor, Tensor]:
    """Per-sample, per-channel mean and standard deviation (eqs. 3-4), shaped N x C x 1 x 1."""
    # eq. 4 (inner part): 1/HW sum (f - mu)^2 ;  eq. 3: mu = 1/HW sum f   (in float32)
    var, mean = spatial_var_mean(_at_least_float32(f), correction=0)
    # eq. 4: sigma = (1/HW sum (f - mu)^2)^(1/2), eps under the root for safety
    return mean, (var + eps).sqrt()


def adaptive_instance_norm(content: Tensor, style: Tensor, eps: float = 1e-5) -> Tensor:
    """Give ``content`` the channel mean and standard deviation of ``style`` (eq. 5)."""
    if content.shape[:2] != style.shape[:2]:
        raise ValueError(
            f"AdaIN needs the same batch size and channels, got content {tuple(content.shape)} "
            f"and style {tuple(style.shape)}"
        )
    mu_h, sigma_h = channel_statistics(content, eps)
    mu_l, sigma_l = channel_statistics(style, eps)
    # eq. 5: f^_H = sigma_L * (f~_H - mu_H) / sigma_H + mu_L
    return sigma_l * (content - mu_h) / sigma_h + mu_l


def inter_domain_attention(
    query: Tensor, key: Tensor, value: Tensor, chunk_size: int | None = None, return_attention: bool = False,
    temperature: float = 1.0,
) -> tuple[Tensor, Tensor | None]:
    """Non-local attention of ``query`` positions over ``key`` positions (eqs. 1-2).

    Shapes: ``query`` B x d x S_q, ``key`` B x d x S_k, ``value`` B x c x S_k.
    Returns the output B x c x S_q and, if asked, the attention B x S_q x S_k
    (each row sums to one).  Scores are divided by ``temperature``.
    ``chunk_size`` bounds how many query rows are held at once; the result
    does not depend on it.
    """
    if query.dim() != 3 or key.dim() != 3 or value.dim() != 3:
        raise ValueError("inter_domain_attention expects B x channels x positions tensors")
    if query.shape[1] != key.shape[1] or key.shape[2] != value.shape[2]:
        raise ValueError(
            f"query {tuple(query.shape)} and key {tuple(key.shape)} need equal channels, "
            f"key and value {tuple(value.shape)} equal positions"
        )
    s_q = query.shape[2]
    step = s_q if chunk_size is None else int(chunk_size)
    if step < 1:
        raise ValueError(f"chunk_size must be a positive number of query positions, got {chunk_size}")
    outputs: list[Tensor] = []
    maps: list[Tensor] = []
    for start in range(0, s_q, step):
        q = query[:, :, start:start + step]
        scores = torch.bmm(q.transpose(1, 2), key)
        if temperature != 1.0:
            scores = scores / temperature
        # eq. 1: w_ij = exp(q_i . k_j) / sum_j' exp(q_i . k_j')
        w = torch.softmax(scores, dim=-1)
        # eq. 2: e_i = sum_j w_ij v_j
        outputs.append(torch.bmm(value, w.transpose(1, 2)))
        if return_attention:
            maps.append(w)
    out = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)
    attention = (maps[0] if len(maps) == 1 else torch.cat(maps, dim=1)) if return_attention else None
    return out, attention


def attention_for_query(attention: Tensor, query_size: tuple[int, int], key_size: tuple[int, int],
                        y: int, x: int) -> Tensor:
    """Where one query position looks: its attention row reshaped to the key map, N x H_k x W_k.

    ``attention`` is N x S_q x S_k as returned by the module; ``query_size``
    and ``key_size`` are the (H, W) of the query and key feature maps
    (row-major positions); ``(y, x)`` is the query position.
    """
    (hq, wq), (hk, wk) = query_size, key_size
    if attention.dim() != 3 or attention.shape[1:] != (hq * wq, hk * wk):
        raise ValueError(
            f"attention of shape {tuple(attention.shape)} does not match query size {query_size} "
            f"and key size {key_size}: expected N x {hq * wq} x {hk * wk}"
        )
    if not (0 <= y < hq and 0 <= x < wq):
        raise ValueError(f"query position ({y}, {x}) lies outside the {hq} x {wq} query map")
    return attention[:, y * wq + x].reshape(-1, hk, wk)


class QualityAttention(nn.Module):
    """Quality attention module: inter-domain attention, then AdaIN onto ``f_L``'s statistics.

    Args:
        channels: ``C`` of both feature maps.
        reduction: queries and keys have ``C / reduction`` channels (paper: 8).
        value_reduction: values have ``C / value_reduction`` channels and a 1x1
            convolution brings them back to ``C`` (paper text: 8); 1 means
            full-width values and no output convolution.
        spatial_attention: step 1 (eqs. 1-2) on or off.
        stat_transfer: step 2 (eqs. 3-5) on or off.
        query_domain: ``"high"`` (decision 1) or ``"low"`` (literal index reading).
        chunk_size: default number of query positions per attention chunk (None: all).
        temperature: attention scores are divided by it (paper: 1).
        eps: added to variances.
    """

    def __init__(
        self,
        channels: int,
        reduction: int = 8,
        value_reduction: int = 8,
        spatial_attention: bool = True,
        stat_transfer: bool = True,
        query_domain: str = "high",
        chunk_size: int | None = None,
        temperature: float = 1.0,
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        for name, r in (("reduction", reduction), ("value_reduction", value_reduction)):
            if spatial_attention and (r < 1 or channels % r):
                raise ValueError(f"{name}={r} must be a positive divisor of channels={channels}")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if query_domain not in ("high", "low"):
            raise ValueError(f"query_domain must be 'high' or 'low', got {query_domain!r}")
        self.channels = channels
        self.spatial_attention = spatial_attention
        self.stat_transfer = stat_transfer
        self.query_domain = query_domain
        self.chunk_size = chunk_size
        self.temperature = float(temperature)
        self.eps = eps
        if spatial_attention:
            self.theta = nn.Conv2d(channels, channels // reduction, 1)  # on f_H
            self.nu = nn.Conv2d(channels, channels // reduction, 1)  # on f_L
            self.phi = nn.Conv2d(channels, channels // value_reduction, 1)  # on f_L
            self.out = nn.Conv2d(channels // value_reduction, channels, 1) if value_reduction > 1 else nn.Identity()

    def _check(self, f_high: Tensor, f_low: Tensor) -> None:
        for name, f in (("f_high", f_high), ("f_low", f_low)):
            if f.dim() != 4 or f.shape[1] != self.channels:
                raise ValueError(f"{name} must be N x {self.channels} x H x W, got {tuple(f.shape)}")
        if f_high.shape[0] != f_low.shape[0]:
            raise ValueError(
                f"f_high and f_low need the same batch size (one low-quality reference per image), "
                f"got {f_high.shape[0]} and {f_low.shape[0]}"
            )
        if self.spatial_attention and self.query_domain == "low" and f_high.shape[2:] != f_low.shape[2:]:
            raise ValueError(
                "query_domain='low' indexes f_L's values by f_H's positions, so both need the same "
                f"size; got {tuple(f_high.shape[2:])} and {tuple(f_low.shape[2:])}. Use query_domain='high'."
            )

    def attend(self, f_high: Tensor, f_low: Tensor, chunk_size: int | None = None,
               return_attention: bool = False) -> tuple[Tensor, Tensor | None]:
        """Step 1 only: the spatially weighted ``f~_H`` (N x C x H_H x W_H) and the attention."""
        n, _, h, w = f_high.shape
        theta = self.theta(f_high).flatten(2)
        nu = self.nu(f_low).flatten(2)
        phi = self.phi(f_low).flatten(2)
        chunk = self.chunk_size if chunk_size is None else chunk_size
        query, key = (theta, nu) if self.query_domain == "high" else (nu, theta)
        # scores of large VGG features overflow float16: attend in float32 even under autocast
        with torch.autocast(device_type=f_high.device.type, enabled=False):
            e, attention = inter_domain_attention(_at_least_float32(query), _at_least_float32(key),
                                                  _at_least_float32(phi), chunk, return_attention, self.temperature)
        # f~_H: reshape e back to a feature map (and back to C channels)
        return self.out(e.reshape(n, -1, h, w)), attention

    @overload
    def forward(self, f_high: Tensor, f_low: Tensor, return_attention: Literal[False] = ...,
                chunk_size: int | None = ...) -> Tensor: ...

    @overload
    def forward(self, f_high: Tensor, f_low: Tensor, return_attention: Literal[True],
                chunk_size: int | None = ...) -> tuple[Tensor, Tensor | None]: ...

    def forward(self, f_high: Tensor, f_low: Tensor, return_attention: bool = False,
                chunk_size: int | None = None) -> Tensor | tuple[Tensor, Tensor | None]:
        """Quality-aware features ``f^_H`` (N x C x H_H x W_H).

        With ``return_attention`` also the attention, N x S_q x S_k: for
        ``query_domain="high"`` row ``i`` (a position of ``f_H``, row-major)
        is a distribution over the positions of ``f_L``.  None when the
        spatial attention is off.
        """
        self._check(f_high, f_low)
        attention = None
        f = f_high
        if self.spatial_attention:
            f, attention = self.attend(f_high, f_low, chunk_size, return_attention)
        if self.stat_transfer:
            f = adaptive_instance_norm(f, f_low, self.eps)
        return (f, attention) if return_attention else f
