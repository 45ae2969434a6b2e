"""What every generator offers: enhancing a batch of photos by itself.

A trained model is used through one method, ``enhance(x01)``: it takes any
``N x 3 x H x W`` batch in [0, 1], pads it to what the network needs, runs
it, crops back and clamps to [0, 1].  The models' generators (UEGAN's,
GleNet's, the pixel-wise baseline, QAGAN's E + G_H, BNCAGAN's) derive from
:class:`EnhancerNetwork`; a recipe's ``generator()`` returns one and
:class:`enhancelib.inference.Enhancer` runs one.
"""
from __future__ import annotations

from torch import Tensor, nn

__all__ = ["EnhancerNetwork"]


class EnhancerNetwork(nn.Module):
    """A network that enhances photos of any size with :meth:`enhance`."""

    def enhance(self, x01: Tensor) -> Tensor:
        """Enhance ``N x 3 x H x W`` images in [0, 1] of any size; the result is in [0, 1], of the same shape."""
        raise NotImplementedError(f"{type(self).__name__} does not define enhance(x01)")
