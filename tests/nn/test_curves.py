"""Curve look-up (GleNet eq. 1): gather == one-hot formula, gradients, any resolution."""
import pytest
import torch

from enhancelib.nn.curves import apply_curves, apply_curves_one_hot, identity_curves

torch.set_num_threads(1)


def random_case(shape=(2, 3, 37, 53), seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g), torch.rand(shape[0], shape[1], 256, generator=g)


@pytest.mark.parametrize("chunk", [7, 1000, 1 << 18])
def test_gather_equals_one_hot_eq1(chunk):
    image, curves = random_case()
    out = apply_curves(image, curves, chunk=chunk)
    assert out.shape == image.shape
    assert torch.equal(out, apply_curves_one_hot(image, curves))


def test_lookup_reads_the_rounded_entry():
    curves = torch.arange(256.0).view(1, 1, 256).expand(1, 3, 256) * 2  # T[k] = 2k
    image = torch.tensor([0.0, 0.4 / 255, 0.6 / 255, 1.0, 128.49 / 255]).view(1, 1, 1, 5).expand(1, 3, 1, 5)
    assert apply_curves(image, curves)[0, 0, 0].tolist() == [0.0, 0.0, 2.0, 510.0, 256.0]


def test_gradient_to_curves_matches_one_hot_and_counts_pixels():
    image, curves = random_case()
    curves.requires_grad_(True)
    weights = torch.randn(image.shape)
    (g_gather,) = torch.autograd.grad((apply_curves(image, curves, chunk=100) * weights).sum(), curves)
    (g_onehot,) = torch.autograd.grad((apply_curves_one_hot(image, curves) * weights).sum(), curves)
    assert torch.allclose(g_gather, g_onehot, atol=1e-4)
    # with unit output gradients, entry k receives the number of pixels reading it
    (counts,) = torch.autograd.grad(apply_curves(image, curves).sum(), curves)
    assert counts.sum() == image.numel() and counts.min() >= 0
    assert torch.equal(counts[0, 0], torch.bincount((image[0, 0] * 255).round().long().flatten(), minlength=256).float())


def test_nearest_gives_no_gradient_to_the_image_linear_does():
    image, curves = random_case((1, 3, 5, 6))
    image.requires_grad_(True)
    assert torch.autograd.grad(apply_curves(image, curves).sum(), image, allow_unused=True)[0] is None
    (g,) = torch.autograd.grad(apply_curves(image, 2 * identity_curves(), "linear").sum(), image)
    assert torch.allclose(g, torch.full_like(g, 2.0), atol=1e-3)  # slope of T(x) = 2x


def test_linear_mode_gradcheck_and_agreement_on_8bit_values():
    x = torch.rand(1, 2, 4, 5, dtype=torch.float64, requires_grad=True)
    t = torch.rand(1, 2, 9, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda i, c: apply_curves(i, c, "linear", chunk=6), (x, t))
    image8 = torch.randint(0, 256, (1, 3, 6, 7)).float() / 255
    _, curves = random_case((1, 3, 6, 7))
    assert torch.allclose(apply_curves(image8, curves, "linear"), apply_curves(image8, curves), atol=1e-6)
    # between entries, linear interpolates: identity curve reproduces the input exactly
    image, _ = random_case((1, 3, 6, 7))
    assert torch.allclose(apply_curves(image, identity_curves(), "linear"), image, atol=1e-6)
    assert (apply_curves(image, identity_curves()) - image).abs().max() <= 0.5 / 255 + 1e-6


@pytest.mark.parametrize("shape", [(1, 3, 37, 53), (1, 3, 1000, 700)])
def test_any_resolution_and_shared_curves(shape):
    image, _ = random_case(shape)
    curves = 1 - identity_curves()  # invert, shared 1 x 3 x 256
    out = apply_curves(image, curves)
    assert out.shape == shape and out.dtype == torch.float32
    assert (out - (1 - image)).abs().max() <= 0.5 / 255 + 1e-6


def test_batch_of_images_with_one_shared_curve_accumulates_gradient():
    image, _ = random_case((3, 3, 4, 4))
    curves = identity_curves().requires_grad_(True)
    (g,) = torch.autograd.grad(apply_curves(image, curves).sum(), curves)
    assert g.shape == (1, 3, 256) and g.sum() == image.numel()


def test_out_of_range_values_are_clamped():
    curves = torch.rand(1, 3, 256)
    image = torch.tensor([-0.5, 1.7]).view(1, 1, 1, 2).expand(1, 3, 1, 2)
    out = apply_curves(image, curves)
    assert torch.equal(out[0, :, 0, 0], curves[0, :, 0]) and torch.equal(out[0, :, 0, 1], curves[0, :, 255])


def test_bad_inputs_fail_clearly():
    image, curves = random_case((2, 3, 4, 4))
    with pytest.raises(ValueError, match="do not fit"):
        apply_curves(image, curves[:, :2])
    with pytest.raises(ValueError, match="N x C x H x W"):
        apply_curves(image[0], curves)
    with pytest.raises(ValueError, match="uint8"):
        apply_curves((image * 255).to(torch.uint8), curves)
    with pytest.raises(ValueError, match="mode"):
        apply_curves(image, curves, "cubic")
