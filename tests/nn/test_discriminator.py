"""The multi-scale PatchGAN discriminator."""
import pytest
import torch
from torch import nn

from enhancelib.nn.discriminator import MultiScaleDiscriminator, uegan_discriminator

torch.set_num_threads(1)


def test_uegan_discriminator_has_five_heads_and_the_public_parameter_count():
    d = uegan_discriminator()
    # public code: 4.63 M (five SN stride-2 convs with bias + five bias-free heads)
    assert sum(p.numel() for p in d.parameters()) == 4_633_632
    outs = d(torch.rand(2, 3, 64, 96) * 2 - 1)
    assert [o.shape for o in outs] == [(2, 1, 32 // 2 ** i, 48 // 2 ** i) for i in range(5)]
    assert all(o.abs().max() <= 1 for o in outs)  # tanh heads


def test_patch_scores_are_local_at_the_finest_head():
    torch.manual_seed(0)
    d = uegan_discriminator().eval()  # eval: no power iteration between the two calls
    x = torch.rand(1, 3, 64, 64)
    x2 = x.clone()
    x2[..., 60:, 60:] = 0  # bottom-right corner only
    fine = (d(x2)[0] - d(x)[0]).abs()[0, 0]
    assert fine[:8, :8].max() == 0  # the first head's receptive field is 19 px: top-left patches unchanged
    assert fine[-4:, -4:].max() > 0


def test_head_modules_hook_and_chosen_heads():
    class ToThree(nn.Module):
        out_channels = 3

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(128, 3, 1)

        def forward(self, x):
            return self.conv(x)

    d = MultiScaleDiscriminator(heads=(0, 2, 4), head_modules={2: ToThree()})
    outs = d(torch.rand(1, 3, 64, 64))
    assert [tuple(o.shape[-2:]) for o in outs] == [(32, 32), (8, 8), (2, 2)]
    assert d.predictors["2"][1].conv.in_channels == 3
    with pytest.raises(ValueError, match="not heads"):
        MultiScaleDiscriminator(heads=(0, 4), head_modules={2: ToThree()})
