"""Enhancing real photos: tiling, output planning, and the enhance/train commands."""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from enhancelib.__main__ import main
from enhancelib.inference import enhance_tensor, plan_outputs
from enhancelib.recipes import register_recipe
from enhancelib.train import RunSpec, train

sys.path.insert(0, str(Path(__file__).parent / "train"))
from tiny_recipe import TinyRecipe  # noqa: E402

register_recipe("tiny", TinyRecipe)


def test_tiles_blend_to_the_whole_image_result_for_a_pointwise_model():
    image = torch.rand(3, 300, 410)
    pointwise = lambda x: (x * 0.7 + 0.1) ** 1.3
    whole = pointwise(image[None])[0]
    tiled = enhance_tensor(pointwise, image, tile=128, overlap=16)
    assert torch.allclose(tiled, whole, atol=1e-5)


def test_output_folder_inside_input_folder_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    Image.new("RGB", (20, 20)).save(tmp_path / "in" / "a.png")
    with pytest.raises(ValueError, match="inside the input folder"):
        plan_outputs([tmp_path / "in"], tmp_path / "in" / "out")
    with pytest.raises(ValueError, match="overwrite an input"):
        plan_outputs([tmp_path / "in" / "a.png"], tmp_path / "in")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    train(RunSpec(recipe="tiny", preset="smoke", preset_overrides={"max_steps": 2}), folder, progress=False)
    return folder


def test_enhance_command_keeps_size_reports_bad_files(tiny_run, tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.fromarray(np.random.randint(0, 255, (70, 90, 3), np.uint8)).save(photos / "good.jpg")
    (photos / "broken.jpg").write_bytes(b"not a jpeg at all")
    code = main(["enhance", "--model", str(tiny_run), str(photos), "--out", str(tmp_path / "out"), "--tile", "64"])
    out = capsys.readouterr()
    assert code == 1 and "broken.jpg" in out.err and "1 enhanced" in out.out
    assert Image.open(tmp_path / "out" / "good.png").size == (90, 70)
    assert (photos / "good.jpg").is_file() and not (photos / "good.png").exists()


def test_enhance_with_generator_file_and_bad_models(tiny_run, tmp_path, capsys):
    Image.new("RGB", (32, 24), "gray").save(tmp_path / "p.png")
    assert main(["enhance", "--model", str(tiny_run / "generator.pt"), str(tmp_path / "p.png"),
                 "--out", str(tmp_path / "o")]) == 0
    assert main(["enhance", "--model", "uegann", str(tmp_path / "p.png"), "--out", str(tmp_path / "o")]) == 2
    assert "Unknown" in capsys.readouterr().err
    # weights of one architecture under the options of another
    state = torch.load(tiny_run / "generator.pt", weights_only=True)
    state["options"] = {**state["options"], "width": 7}
    torch.save(state, tmp_path / "wrong.pt")
    assert main(["enhance", "--model", str(tmp_path / "wrong.pt"), str(tmp_path / "p.png"),
                 "--out", str(tmp_path / "o2")]) == 2
    assert "does not match the model architecture" in capsys.readouterr().err


def test_empty_folder_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["enhance", "--model", "uegan", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    assert "empty" in capsys.readouterr().err.lower()


def test_train_command_on_own_folders_resumes_and_enhances(tmp_path, capsys, monkeypatch, allocator_calls):
    rng = np.random.default_rng(0)
    for side, scale in (("low", 0.5), ("high", 1.0)):
        (tmp_path / side).mkdir()
        for i in range(3):
            pixels = (rng.random((80, 100, 3)) * 255 * scale).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / side / f"{i}.png")
    from enhancelib.data import sets  # noqa: F401  (folders source)
    register_recipe("tiny_unpaired", type("TinyUnpaired", (TinyRecipe,), {
        "name": "tiny_unpaired", "needs_pairs": False,
        "train_step": lambda self, b, s: TinyRecipe.train_step(self, {**b, "low_target": b["high"]}, s)}))
    args = ["train", "--recipe", "tiny_unpaired", "--low", str(tmp_path / "low"), "--high", str(tmp_path / "high"),
            "--preset", "smoke", "--out", str(tmp_path / "run"), "--preset-field", "max_steps=3"]
    assert main(args) == 0
    assert list((tmp_path / "run" / "previews").glob("step-*.jpg"))
    assert allocator_calls == []  # training keeps the default allocator unless asked
    assert main([*args, "--reuse-freed-memory"]) == 0  # the finished run resumes and stops at once
    assert allocator_calls == ["reuse_freed_memory"]
    assert "default allocator" in capsys.readouterr().err  # the recorder reports no glibc
    assert main(["enhance", "--model", str(tmp_path / "run"), str(tmp_path / "low" / "0.png"),
                 "--out", str(tmp_path / "enhanced")]) == 0


def test_enhance_reuses_freed_memory_unless_told_not_to(tiny_run, tmp_path, allocator_calls):
    Image.new("RGB", (32, 24), "gray").save(tmp_path / "p.png")
    assert main(["enhance", "--model", str(tiny_run), str(tmp_path / "p.png"), "--out", str(tmp_path / "a")]) == 0
    assert allocator_calls == ["reuse_freed_memory"]
    assert main(["enhance", "--model", str(tiny_run), str(tmp_path / "p.png"), "--out", str(tmp_path / "b"),
                 "--default-allocator"]) == 0
    assert allocator_calls == ["reuse_freed_memory"]
