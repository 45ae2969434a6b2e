import pytest
import torch

from enhancelib.models.bncagan import BNCAGANGenerator
from enhancelib.models.glenet import GleNet, PixelwiseBaseline
from enhancelib.models.qagan import QAGANEnhancer
from enhancelib.models.uegan import UEGANGenerator
from enhancelib.nn.enhancer import EnhancerNetwork


@pytest.mark.parametrize("generator", [UEGANGenerator, GleNet, PixelwiseBaseline, QAGANEnhancer, BNCAGANGenerator])
def test_every_generator_is_an_enhancer_network_with_its_own_enhance(generator: type) -> None:
    assert issubclass(generator, EnhancerNetwork)
    assert generator.enhance is not EnhancerNetwork.enhance


def test_a_network_without_enhance_says_so() -> None:
    with pytest.raises(NotImplementedError, match="EnhancerNetwork does not define enhance"):
        EnhancerNetwork().enhance(torch.zeros(1, 3, 8, 8))
