"""scripts/bench_public_code.py: finding, importing and initialising a checkout of public code.

The timings themselves need the public repositories, which the project does
not ship; these tests use a small stand-in checkout written here.
"""
import sys
import textwrap

import pytest
import torch

from tests.script_loader import load_script


@pytest.fixture(scope="module")
def bench():
    return load_script("bench_public_code")


def write_checkout(folder, models_source, losses_source):
    folder.mkdir()
    (folder / "models.py").write_text(textwrap.dedent(models_source))
    (folder / "losses.py").write_text(textwrap.dedent(losses_source))
    return folder


LOSSES = """
    import torchvision.models as models

    def backbone():
        return models.vgg19(pretrained=True)
"""


def test_without_checkouts_it_says_where_to_get_them(bench, monkeypatch):
    monkeypatch.delenv("ENHANCELIB_UEGAN_CODE", raising=False)
    monkeypatch.delenv("ENHANCELIB_BNCAGAN_CODE", raising=False)
    monkeypatch.setattr(sys, "argv", ["bench_public_code.py"])
    with pytest.raises(SystemExit, match="github.com/eezkni/UEGAN.*--uegan-code"):
        bench.main()


def test_a_folder_without_the_public_files_is_refused_by_name(bench, tmp_path):
    (tmp_path / "models.py").write_text("")
    with pytest.raises(SystemExit, match="no losses.py there.*SWU-CS-MediaLab/BNCAGAN"):
        bench.load_public("bncagan", tmp_path)


def test_a_checkout_is_imported_privately_and_its_vgg_never_downloads(bench, tmp_path, monkeypatch):
    models_source = """
        import torch.nn as nn
        import helper_module_absent_everywhere
        from tools_module_absent_everywhere import patches

        class Generator(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 3, 1)
    """
    folder = write_checkout(tmp_path / "checkout", models_source, LOSSES)
    for name in ("helper_module_absent_everywhere", "tools_module_absent_everywhere"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(sys, "modules", dict(sys.modules))  # the stand-ins vanish after the test
    models, losses, digest = bench.load_public("uegan", folder)

    assert isinstance(models.Generator(), torch.nn.Module)
    assert "models" not in sys.modules or sys.modules["models"] is not models  # private module names
    assert len(digest) == 12 and int(digest, 16) >= 0 and str(tmp_path) not in digest
    with pytest.raises(RuntimeError, match="stand-in"):
        models.patches()
    # pretrained=True would download ImageNet weights: the script hands back an untrained VGG-19 instead
    vgg = losses.backbone()
    assert isinstance(vgg, torch.nn.Module) and len(vgg.features) == 37
    assert str(folder) not in sys.path


def test_the_digest_changes_with_the_code(bench, tmp_path):
    a = write_checkout(tmp_path / "a", "x = 1\n", LOSSES)
    b = write_checkout(tmp_path / "b", "x = 2\n", LOSSES)
    assert bench.load_public("uegan", a)[2] != bench.load_public("uegan", b)[2]


def test_public_initialisation_is_orthogonal_with_gain_and_zero_bias(bench):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(8, 4, 3), torch.nn.ReLU(), torch.nn.Linear(5, 6))
    bench.public_init(net, gain=0.02)
    conv = net[0].weight.reshape(4, -1)
    # rows of an orthogonal matrix scaled by the gain: W W^T = gain^2 I
    assert torch.allclose(conv @ conv.T, 0.02 ** 2 * torch.eye(4), atol=1e-8)
    linear = net[2].weight
    assert torch.allclose(linear.T @ linear, 0.02 ** 2 * torch.eye(5), atol=1e-8)
    assert net[0].bias.abs().max() == 0 and net[2].bias.abs().max() == 0
