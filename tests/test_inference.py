"""Enhancing real photos: tiling, output planning, what outputs keep, model files, the enhance/train commands."""
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageCms, JpegImagePlugin

from enhancelib.__main__ import main
from enhancelib.data.images import SRGB_ICC
from enhancelib.inference import enhance_tensor, plan_outputs
from enhancelib.recipes import register_recipe
from enhancelib.train import RunSpec, train

sys.path.insert(0, str(Path(__file__).parent / "train"))
from tiny_recipe import TinyRecipe, tiny_generator  # noqa: E402

from tests.data.camera_exif import CAMERA, IFD, PLACE, SHOT, Base, camera_exif  # noqa: E402
from tests.data.icc_profiles import DISPLAY_P3, display_p3, srgb_from  # noqa: E402
from tests.data.test_images import write_png16_rgb  # noqa: E402

register_recipe("tiny", TinyRecipe, generator=tiny_generator)


def test_tiles_blend_to_the_whole_image_result_for_a_pointwise_model():
    image = torch.rand(3, 300, 410)
    def pointwise(x):
        return (x * 0.7 + 0.1) ** 1.3

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
    assert Image.open(tmp_path / "out" / "good.jpg").size == (90, 70)   # JPEG in, JPEG out
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
    assert "holds weights of another architecture" in capsys.readouterr().err


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
        "train_step": lambda self, b, s: TinyRecipe.train_step(self, {**b, "low_target": b["high"]}, s)}),
        generator=tiny_generator)
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


# ------------------------------------------------ what an enhanced copy keeps
def test_outputs_follow_their_inputs_unless_a_format_is_given(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for name in ("a.jpg", "b.JPEG", "sub/c.png", "d.tif", "e.webp"):
        Image.new("RGB", (8, 8)).save(tmp_path / "in" / name)
    pairs, _ = plan_outputs([tmp_path / "in"], tmp_path / "out", None)
    assert sorted(str(t.relative_to(tmp_path / "out")) for _, t in pairs) == [
        "a.jpg", "b.jpg", "d.png", "e.png", "sub/c.png"]
    pairs, _ = plan_outputs([tmp_path / "in"], tmp_path / "out", ".jpg")
    assert {t.suffix for _, t in pairs} == {".jpg"}


def test_enhance_help_says_what_outputs_keep(capsys):
    with pytest.raises(SystemExit):
        main(["enhance", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in ("JPEG in, JPEG out (quality 95, no chroma subsampling)", "written as PNG", "EXIF",
                  "orientation reset", "thumbnail", "sRGB ICC profile", "Display P3", "16-bit",
                  "written at 8 bits", "--format", "--jpeg-quality"):
        assert words in text, words


def _identity(monkeypatch) -> None:
    """Make every model the identity, so that outputs show what loading and writing did to the pixels."""
    import enhancelib.inference as inference

    monkeypatch.setattr(inference, "load_enhancer", lambda model, device="cpu": lambda x: x)


def _profile_name(image: Image.Image) -> str:
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))).strip()


def _notes(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("note:")]


def test_jpeg_in_jpeg_out_keeps_exif_field_by_field_and_is_tagged_srgb(tiny_run, tmp_path, capsys):
    pixels = np.random.default_rng(0).integers(0, 255, (70, 90, 3), np.uint8)
    Image.fromarray(pixels).save(tmp_path / "IMG_0001.JPG", exif=camera_exif(90, 70, orientation=6),
                                 icc_profile=SRGB_ICC, quality=90)
    Image.fromarray(pixels).save(tmp_path / "scan.png")
    out = tmp_path / "out"
    assert main(["enhance", "--model", str(tiny_run), str(tmp_path / "IMG_0001.JPG"), str(tmp_path / "scan.png"),
                 "--out", str(out)]) == 0
    assert _notes(capsys.readouterr().err) == []
    jpeg = Image.open(out / "IMG_0001.jpg")
    assert jpeg.format == "JPEG" and jpeg.size == (70, 90)            # upright, full resolution
    assert JpegImagePlugin.get_sampling(jpeg) == 0                     # 4:4:4, no chroma subsampling
    reference = io.BytesIO()
    Image.fromarray(pixels).save(reference, format="JPEG", quality=95)
    assert jpeg.quantization == Image.open(reference).quantization     # quality 95
    assert _profile_name(jpeg).startswith("sRGB")
    exif = jpeg.getexif()
    assert exif[Base.Orientation] == 1
    for tag, value in CAMERA.items():
        assert exif[tag] == value, Base(tag).name
    details = exif.get_ifd(IFD.Exif)
    for tag, value in SHOT.items():
        assert details[tag] == value, Base(tag).name
    assert (details[Base.ExifImageWidth], details[Base.ExifImageHeight]) == (70, 90)
    assert exif.get_ifd(IFD.GPSInfo) == PLACE
    assert not exif.get_ifd(IFD.IFD1)                                  # the thumbnail of the unenhanced photo
    png = Image.open(out / "scan.png")
    assert png.format == "PNG" and png.size == (90, 70) and _profile_name(png).startswith("sRGB")
    assert not png.getexif()


def test_format_and_jpeg_quality_override_the_defaults(tiny_run, tmp_path):
    pixels = np.random.default_rng(1).integers(0, 255, (40, 50, 3), np.uint8)
    Image.fromarray(pixels).save(tmp_path / "cam.jpeg", exif=camera_exif(50, 40, orientation=1))
    assert main(["enhance", "--model", str(tiny_run), str(tmp_path / "cam.jpeg"), "--out", str(tmp_path / "p"),
                 "--format", "png"]) == 0
    png = Image.open(tmp_path / "p" / "cam.png")
    assert png.format == "PNG" and png.getexif()[Base.Model] == CAMERA[Base.Model]
    assert main(["enhance", "--model", str(tiny_run), str(tmp_path / "cam.jpeg"), "--out", str(tmp_path / "q"),
                 "--jpeg-quality", "70"]) == 0
    reference = io.BytesIO()
    Image.fromarray(pixels).save(reference, format="JPEG", quality=70)
    assert Image.open(tmp_path / "q" / "cam.jpg").quantization == Image.open(reference).quantization
    with pytest.raises(SystemExit):
        main(["enhance", "--model", str(tiny_run), str(tmp_path / "cam.jpeg"), "--out", str(tmp_path / "r"),
              "--jpeg-quality", "101"])


def test_display_p3_photos_are_converted_to_srgb_and_it_is_said_once(tmp_path, capsys, monkeypatch):
    _identity(monkeypatch)
    (tmp_path / "in").mkdir()
    colour = (200, 100, 50)
    for name in ("a.png", "b.png"):
        Image.new("RGB", (12, 8), colour).save(tmp_path / "in" / name, icc_profile=display_p3())
    Image.new("RGB", (12, 8), colour).save(tmp_path / "in" / "c.png", icc_profile=SRGB_ICC)
    assert main(["enhance", "--model", "any", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 0
    notes = _notes(capsys.readouterr().err)
    assert len(notes) == 1 and "2 photos" in notes[0] and "Display P3: 2" in notes[0] and "sRGB" in notes[0]
    converted = np.asarray(Image.open(tmp_path / "out" / "a.png"))[0, 0]
    assert np.abs(converted - srgb_from(colour, DISPLAY_P3)).max() <= 1.5
    assert tuple(np.asarray(Image.open(tmp_path / "out" / "c.png"))[0, 0]) == colour
    assert all(_profile_name(Image.open(tmp_path / "out" / n)).startswith("sRGB") for n in ("a.png", "c.png"))


def test_16_bit_photos_are_written_at_8_bits_and_it_is_said_once(tmp_path, capsys, monkeypatch):
    _identity(monkeypatch)
    write_png16_rgb(tmp_path / "deep.png", np.full((6, 9, 3), 257 * 200, dtype=np.uint16))
    Image.new("RGB", (9, 6), (10, 20, 30)).save(tmp_path / "flat.png")
    assert main(["enhance", "--model", "any", str(tmp_path / "deep.png"), str(tmp_path / "flat.png"),
                 "--out", str(tmp_path / "out")]) == 0
    notes = _notes(capsys.readouterr().err)
    assert len(notes) == 1 and "1 photo with 16 bits per channel" in notes[0] and "8-bit" in notes[0]
    written = Image.open(tmp_path / "out" / "deep.png")
    assert written.mode == "RGB" and np.asarray(written).max() == 200


def test_exif_too_large_for_a_jpeg_is_left_out_and_it_is_said(tmp_path, capsys, monkeypatch):
    _identity(monkeypatch)
    exif = Image.Exif()
    exif[Base.Make] = "Fujifilm"
    exif.get_ifd(IFD.Exif)[Base.MakerNote] = bytes(70_000)
    Image.new("RGB", (9, 6), (10, 20, 30)).save(tmp_path / "big.png", exif=exif)
    assert main(["enhance", "--model", "any", str(tmp_path / "big.png"), "--out", str(tmp_path / "out"),
                 "--format", "jpg"]) == 0
    notes = _notes(capsys.readouterr().err)
    assert len(notes) == 1 and "1 photo written without EXIF" in notes[0] and "--format png" in notes[0]
    assert not Image.open(tmp_path / "out" / "big.jpg").getexif()
    assert main(["enhance", "--model", "any", str(tmp_path / "big.png"), "--out", str(tmp_path / "png")]) == 0
    assert Image.open(tmp_path / "png" / "big.png").getexif()[Base.Make] == "Fujifilm"


def test_an_enhanced_photo_read_back_from_its_png_scores_what_the_tensor_scores(tmp_path):
    """``enhance`` writes the 8-bit image the metrics score: PSNR and SSIM of the file equal the tensor's exactly."""
    import enhancelib
    from enhancelib.data.benchmark import degraded_pair, read_degradation
    from enhancelib.data.conversion import to_uint8
    from enhancelib.metrics import psnr, ssim

    name = "gcompris_erase_cheetah.jpg"   # a test photo whose output has values near half a level
    low, clean = degraded_pair(name, 512, read_degradation()[name])
    Image.fromarray(to_uint8(low.float() / 255)).save(tmp_path / "low.png")
    assert main(["enhance", "--model", "uegan", str(tmp_path / "low.png"), "--out", str(tmp_path / "out")]) == 0
    written = np.asarray(Image.open(tmp_path / "out" / "low.png"))
    in_memory = enhance_tensor(enhancelib.pretrained("uegan"), low.float() / 255)
    target = clean.float() / 255
    assert np.array_equal(written, to_uint8(in_memory))
    assert psnr(written, target) == psnr(in_memory, target)
    assert ssim(written, target) == ssim(in_memory, target)
    assert ssim(written, target, quirks="public") == ssim(in_memory, target, quirks="public")


# ------------------------------------------------- the generator alone
def _recorded_models() -> list[str]:
    import enhancelib
    from enhancelib.paths import RUNS_DIR

    return sorted(name for name, run in enhancelib.PRETRAINED.items() if (RUNS_DIR / run / "generator.pt").is_file())


@pytest.mark.parametrize("name", _recorded_models())
def test_the_enhancer_gives_the_recipes_output_bit_for_bit(name):
    """The generator built alone from the saved options enhances exactly as the whole recipe rebuilt from the run."""
    import enhancelib
    from enhancelib.data.benchmark import degraded_pair, read_degradation, read_split
    from enhancelib.inference import load_run_enhancer
    from enhancelib.paths import RUNS_DIR
    from enhancelib.train.runs import RecordedRun

    path = RUNS_DIR / enhancelib.PRETRAINED[name]
    photo = sorted(n for n, part in read_split().items() if part == "test")[0]
    low = degraded_pair(photo, 256, read_degradation()[photo])[0].float() / 255
    batch = torch.stack([low[:, :141, :250], low[:, 3:144, 5:255]])   # sides that are no multiple of 8 or 16
    enhancer = load_run_enhancer(path)
    recipe = RecordedRun(path).recipe()
    with torch.inference_mode():
        expected = recipe.enhance(batch)
    out = enhancer(batch)
    assert out.shape == batch.shape and out.dtype == torch.float32
    assert torch.equal(out, expected)


def test_building_an_enhancer_builds_no_recipe_no_discriminator_and_no_vgg(monkeypatch):
    import enhancelib
    from enhancelib.models.glenet import GleCritic
    from enhancelib.nn import vgg
    from enhancelib.nn.discriminator import MultiScaleDiscriminator
    from enhancelib.recipes import Recipe

    def refuse(what):
        def fail(*args, **kwargs):
            raise AssertionError(f"building an enhancer built {what}")
        return fail

    monkeypatch.setattr(Recipe, "__init__", refuse("a recipe"))
    monkeypatch.setattr(MultiScaleDiscriminator, "__init__", refuse("a discriminator"))   # UEGAN's, BNCAGAN's, QAGAN's
    monkeypatch.setattr(GleCritic, "__init__", refuse("a critic"))
    used = [name for name in ("uegan", "uegan_charbonnier", "bncagan", "glenet", "glenet_paired")
            if name in _recorded_models()]
    with monkeypatch.context() as no_vgg:
        no_vgg.setattr(vgg, "load_vgg", refuse("a VGG"))
        no_vgg.setattr(vgg.VGGFeatures, "__init__", refuse("a VGG"))
        for name in used:
            assert enhancelib.pretrained(name)(torch.rand(1, 3, 20, 30)).shape == (1, 3, 20, 30)
    if "qagan" in _recorded_models():   # QAGAN's generator holds its frozen VGG encoder E, and nothing else
        assert enhancelib.pretrained("qagan")(torch.rand(1, 3, 20, 30)).shape == (1, 3, 20, 30)


# ------------------------------------------------------------ model files
def _not_pytorch(path: Path) -> None:
    path.write_text("this is not a model")


def _a_jpeg(path: Path) -> None:
    Image.new("RGB", (8, 8)).save(path, format="JPEG")


def _a_pickled_module(path: Path) -> None:
    torch.save(torch.nn.Linear(2, 2), path)


def _plain_tensors(path: Path) -> None:
    torch.save({"weight": torch.zeros(3)}, path)


def _unknown_recipe(path: Path) -> None:
    torch.save({"state_dict": {}, "recipe": "nosuchgan", "options": {}}, path)


@pytest.mark.parametrize("make, expected", [
    (_not_pytorch, "is not a PyTorch file: expected a generator.pt"),
    (_a_jpeg, "is not a PyTorch file (it is a JPEG image): expected a generator.pt"),
    (_a_pickled_module, "is a PyTorch file that cannot be read as weights"),
    (_plain_tensors, "is a PyTorch file but not a generator of this project"),
    (_unknown_recipe, "holds a generator of the recipe 'nosuchgan', which this version of enhancelib does not have"),
])
def test_unusable_model_files_get_one_line_naming_file_expectation_and_fix(tmp_path, capsys, make, expected):
    Image.new("RGB", (16, 12), "gray").save(tmp_path / "p.png")
    make(tmp_path / "broken.pt")
    assert main(["enhance", "--model", str(tmp_path / "broken.pt"), str(tmp_path / "p.png"),
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path / "broken.pt") in err and expected in err, err
    assert "a run folder, or one of" in err and "instead" in err
    for training_advice in ("weights_only", "delete it", "afresh"):
        assert training_advice not in err


def test_a_training_checkpoint_points_to_its_run_folder(tiny_run, tmp_path, capsys):
    Image.new("RGB", (16, 12), "gray").save(tmp_path / "p.png")
    assert main(["enhance", "--model", str(tiny_run / "checkpoint.pt"), str(tmp_path / "p.png"),
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "is a training checkpoint" in err and f"({tiny_run})" in err


def test_pretrained_names_the_damaged_file_and_how_to_restore_it(tiny_run, tmp_path, monkeypatch):
    import shutil

    import enhancelib
    from enhancelib.inference import ModelFileError

    run = tmp_path / "record"
    shutil.copytree(tiny_run, run)
    # an absolute path stays itself when joined to the runs folder
    monkeypatch.setitem(enhancelib.PRETRAINED, "damaged", str(run))
    assert enhancelib.pretrained("damaged")(torch.rand(1, 3, 8, 8)).shape == (1, 3, 8, 8)
    (run / "generator.pt").write_text("version https://git-lfs.github.com/spec/v1\n")
    with pytest.raises(ModelFileError, match=r"generator.pt is not a PyTorch file \(it is a Git LFS.*reproduce"):
        enhancelib.pretrained("damaged")
    shutil.copy(tiny_run / "generator.pt", run / "generator.pt")
    config = json.loads((run / "config.json").read_text())
    config["options"]["width"] = 7
    (run / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=r"holds weights of another architecture.*shape mismatch.*reproduce"):
        enhancelib.pretrained("damaged")


def test_training_keeps_its_own_checkpoint_messages(tmp_path):
    from enhancelib.train.checkpoint import CheckpointError, check_compatible, load_checkpoint

    (tmp_path / "checkpoint.pt").write_text("garbage")
    with pytest.raises(CheckpointError, match="delete it to start the run afresh"):
        load_checkpoint(tmp_path / "checkpoint.pt")
    with pytest.raises(CheckpointError, match="does not match the model architecture.*config.json"):
        check_compatible({"weight": torch.zeros(1)}, torch.nn.Linear(2, 2), "The weights")
