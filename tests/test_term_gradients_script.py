"""scripts/term_gradients.py on a smoke-preset checkpoint written here (no training)."""
import json

import pytest
import torch

import enhancelib.paths as paths
from enhancelib.nn.vgg import load_vgg
from enhancelib.study.experiments import experiment
from enhancelib.study.term_gradients import TERM_GRADIENTS_FILE, load_term_gradients
from tests.script_loader import load_script


@pytest.fixture(scope="module")
def script():
    return load_script("term_gradients")


def smoke_checkpoint(path, chapter, name):
    spec = experiment(chapter, name).spec("smoke")
    cls = spec.recipe_class()
    torch.manual_seed(0)
    recipe = cls(spec.resolved_preset(), torch.device("cpu"), spec.options, load_vgg("random") if cls.uses_backbone else None)
    torch.save({"config": spec.config(), "recipe": recipe.state_dict(), "step": 3}, path)
    return path


@pytest.mark.filterwarnings("ignore:.*RANDOM")
def test_glenet_table_is_printed_and_recorded(script, tmp_path, monkeypatch, capsys):
    ckpt = smoke_checkpoint(tmp_path / "checkpoint.pt", "glenet", "hq-identity-500-seed0")
    monkeypatch.setattr(paths, "RUNS_DIR", tmp_path / "runs")
    (tmp_path / "runs" / "glenet" / "hq-identity-500-seed0").mkdir(parents=True)
    assert script.main(["glenet", "hq-identity-500-seed0", "--preset", "smoke", "--checkpoint", str(ckpt),
                        "--batches", "1", "--record"]) == 0
    assert "g_e_adversarial" in capsys.readouterr().out
    table = load_term_gradients(tmp_path / "runs" / "glenet" / "hq-identity-500-seed0")
    assert table.loc["g_e_hq_identity", "weight"] == 500.0
    assert table.attrs["checkpoint_step"] == 3 and table.attrs["batches"] == 1
    assert json.loads((tmp_path / "runs" / "glenet" / "hq-identity-500-seed0" / TERM_GRADIENTS_FILE).read_text())["run"] \
        == "glenet/hq-identity-500-seed0"


@pytest.mark.filterwarnings("ignore:.*RANDOM")
def test_paper_run_gets_the_identity_probe_and_bad_input_is_refused(script, tmp_path, capsys):
    ckpt = smoke_checkpoint(tmp_path / "checkpoint.pt", "glenet", "unpaired-seed1")
    assert script.main(["glenet", "unpaired-seed1", "--preset", "smoke", "--checkpoint", str(ckpt), "--batches", "1"]) == 0
    out = capsys.readouterr().out
    assert "g_e_hq_identity" in out   # the probe of weight 0
    with pytest.raises(SystemExit):   # the checkpoint belongs to another configuration
        script.main(["glenet", "hq-identity-500-seed0", "--preset", "smoke", "--checkpoint", str(ckpt)])
    assert "another configuration" in capsys.readouterr().err
    with pytest.raises(SystemExit):   # a recipe the script does not support
        script.main(["uegan", "full-seed0", "--preset", "smoke", "--checkpoint", str(ckpt)])
    assert "supported" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        script.main(["glenet", "unpaired-seed1", "--checkpoint", str(tmp_path / "missing.pt")])
    assert "no checkpoint" in capsys.readouterr().err
