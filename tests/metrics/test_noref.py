"""NIQE with the official pristine model, and NIMA only with user weights."""
import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageFilter

from enhancelib.metrics.nima_net import NimaMobileNetV2
from enhancelib.metrics.noref import NIQE_PARAMS_PATH, NIQE_PARAMS_SHA256, load_niqe_params, nima, niqe

torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[2]
PHOTO_NAME = "skimage_mpl_chelsea.jpg"


def _photo() -> Image.Image:
    path = REPO / "data" / "photos" / PHOTO_NAME
    if not path.is_file():
        pytest.skip(f"data/photos/{PHOTO_NAME} is not in the repository")
    img = Image.open(path).convert("RGB")
    return img.crop((0, 0, 384, 288))  # 4 x 3 blocks keep the test fast


def test_shipped_parameters_are_the_verified_official_model():
    assert hashlib.sha256(NIQE_PARAMS_PATH.read_bytes()).hexdigest() == NIQE_PARAMS_SHA256
    params = load_niqe_params()
    assert params.mu.shape == (36,) and params.cov.shape == (36, 36)
    np.testing.assert_allclose(params.cov, params.cov.T)
    # first feature of the pristine model: AGGD shape of MSCN coefficients, a bit above Gaussian's 2
    assert 2.0 < params.mu[0] < 3.5


def test_a_tampered_parameter_file_is_rejected(tmp_path):
    bad = tmp_path / "niqe_pris_params.npz"
    shutil.copy(NIQE_PARAMS_PATH, bad)
    with bad.open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ValueError, match="sha256"):
        load_niqe_params(bad)
    with pytest.raises(FileNotFoundError, match="README"):
        load_niqe_params(tmp_path / "missing.npz")


def test_natural_photo_scores_better_than_blurred_or_noisy_versions():
    photo = _photo()
    clean = niqe(np.asarray(photo))
    blurred = niqe(np.asarray(photo.filter(ImageFilter.GaussianBlur(4))))
    rng = np.random.default_rng(0)
    noisy_arr = np.asarray(photo).astype(float) + rng.normal(0, 25, size=np.asarray(photo).shape)
    noisy = niqe(np.clip(noisy_arr, 0, 255).round().astype(np.uint8))
    assert math.isfinite(clean) and 1.0 < clean < 8.0
    assert blurred > clean + 2
    assert noisy > clean + 2


def test_tensor_and_uint8_inputs_agree():
    arr = np.array(_photo())
    tensor = torch.from_numpy(arr).permute(2, 0, 1).float() / 255
    assert niqe(tensor) == niqe(arr)


def test_gray_conversions_differ_and_unknown_one_is_rejected():
    arr = np.array(_photo())
    assert niqe(arr, gray="ycbcr_y") != niqe(arr)
    with pytest.raises(ValueError, match="gray"):
        niqe(arr, gray="lab")


def test_only_whole_blocks_count():
    arr = np.array(_photo())
    # the last 95 rows and columns beyond the 96-pixel grid are ignored, as in the official code
    padded = np.pad(arr, ((0, 95), (0, 95), (0, 0)), mode="constant")
    assert niqe(padded) == niqe(arr)


def test_too_small_image_raises_a_clear_error():
    with pytest.raises(ValueError, match="at least 96x96"):
        niqe(np.zeros((95, 200, 3), np.uint8))


def test_flat_image_is_undefined_not_a_crash():
    with pytest.warns(RuntimeWarning, match="undefined"):
        assert math.isnan(niqe(np.full((96, 96, 3), 128, np.uint8)))


def test_nima_without_weights_is_unavailable():
    assert nima(np.zeros((64, 64, 3), np.uint8)) is None
    assert nima(torch.rand(3, 64, 64), weights_path=None) is None


def test_nima_with_user_weights_returns_a_mean_score(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "nima.pth"
    torch.save(NimaMobileNetV2().state_dict(), path)
    score = nima(torch.rand(3, 260, 300), weights_path=path)
    assert isinstance(score, float) and 1.0 <= score <= 10.0


def test_nima_rejects_weights_of_another_layout(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"fc.weight": torch.zeros(10, 1280)}, path)
    with pytest.raises(ValueError, match="layout"):
        nima(torch.rand(3, 64, 64), weights_path=path)
    with pytest.raises(FileNotFoundError):
        nima(torch.rand(3, 64, 64), weights_path=tmp_path / "absent.pth")
