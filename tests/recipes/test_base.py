"""The recipe base class: mixed precision, checkpoints of its networks, typed options and their one check."""
from __future__ import annotations

import ast
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

from enhancelib import recipes
from enhancelib.config import ParameterError, resolve_preset
from enhancelib.nn import precision
from enhancelib.recipes import RECIPES, Batch, Recipe, RecipeOptions, get_recipe, option


class _Linear(Recipe):
    name = "linear"
    uses_backbone = False

    def build(self) -> None:
        self.networks["generator"] = nn.Conv2d(3, 3, 1)
        self.optimizers["generator"] = torch.optim.SGD(self.networks["generator"].parameters(), lr=0.1)

    def generator(self) -> nn.Module:
        return self.networks["generator"]

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        with self.autocast():
            loss = (self.generator()(batch["low"]) - batch["low"]).abs().mean()
        self.optimise("generator", loss)
        return {"l1": loss.item()}


def test_recipe_autocast_runs_convolutions_in_bfloat16_without_loss_scaling(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: True)
    conv = torch.nn.Conv2d(3, 4, 3)
    x = torch.rand(1, 3, 8, 8)
    on = _Linear(resolve_preset("smoke", {"amp": True}), torch.device("cpu"))
    off = _Linear(resolve_preset("smoke"), torch.device("cpu"))
    with on.autocast():
        assert conv(x).dtype is torch.bfloat16
    with off.autocast():
        assert conv(x).dtype is torch.float32
    assert on.amp_dtype is torch.bfloat16 and not on.scaler.is_enabled()
    assert off.amp_dtype is None and not off.scaler.is_enabled()


def test_a_checkpoint_of_another_recipe_is_refused():
    recipe = _Linear(resolve_preset("smoke"), torch.device("cpu"))
    recipe.train_step({"low": torch.rand(2, 3, 8, 8)}, 0)
    state = recipe.state_dict()
    again = _Linear(resolve_preset("smoke"), torch.device("cpu"))
    again.load_state_dict(state)
    assert torch.equal(again.generator().weight, recipe.generator().weight)
    state["networks"]["critic"] = state["networks"]["generator"]
    with pytest.raises(ValueError, match="written by another recipe"):
        again.load_state_dict(state)


# ------------------------------------------------------------------ options
@dataclass(frozen=True)
class _Options(RecipeOptions):
    weight: float = option(0.1, ge=0)
    """A loss weight (ours, a test value)."""
    lr: float = option(1e-4, gt=0)
    """A learning rate (ours, a test value)."""
    width: int = option(32, ge=8)
    """A width (ours, a test value)."""
    size: int = option(256, ge=32, multiple_of=16)
    """A thumbnail side (ours, a test value)."""
    fraction: float = option(0.5, gt=0, lt=1)
    """A fraction of the run (ours, a test value)."""
    gain: float | None = option(0.02, gt=0)
    """None or a gain (ours, a test value)."""
    mode: str = option("nearest", choices=("nearest", "linear"))
    """A choice (ours, a test value)."""
    flag: bool = option(True)
    """A switch (ours, a test value)."""


class _WithOptions(_Linear):
    name = "with_options"
    options_type = _Options


def test_options_are_the_defaults_updated_by_name_and_frozen():
    options = _Options.parse({"weight": 0, "mode": "linear", "gain": None}, "with_options")
    assert options == _Options(weight=0, mode="linear", gain=None)
    assert options.weight == 0 and isinstance(options.weight, int)   # kept as given: a config reads back unchanged
    assert options.to_dict() == {**_Options.defaults(), "weight": 0, "mode": "linear", "gain": None}
    assert _Options.names() == sorted(_Options.defaults())
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.weight = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(("given", "message"), [
    ({"wieght": 1.0}, r"Recipe 'with_options' has no option\(s\) \['wieght'\]; its options are \[.*'weight'.*\]\. "
                      r"Did you mean 'weight'\?"),
    ({"width": 32.0}, r"option width must be an integer >= 8, got 32\.0 \(float\)"),
    ({"width": 4}, r"option width must be an integer >= 8, got 4\.$"),
    ({"weight": -1}, r"option weight must be a number >= 0, got -1"),
    ({"weight": True}, r"option weight must be a number >= 0, got True \(bool\)"),
    ({"weight": float("nan")}, r"option weight must be a number >= 0, got nan"),
    ({"lr": 0}, r"option lr must be a positive number, got 0"),
    ({"size": 40}, r"option size must be an integer >= 32 and a multiple of 16, got 40"),
    ({"fraction": 1}, r"option fraction must be a number in \(0, 1\), got 1"),
    ({"gain": -1.0}, r"option gain must be None or a positive number, got -1\.0"),
    ({"mode": "linaer"}, r"option mode must be one of \['nearest', 'linear'\], got 'linaer'\. Did you mean 'linear'\?"),
    ({"flag": "yes"}, r"option flag must be True or False, got 'yes' \(str\)"),
    ({"flag": None}, r"option flag must be True or False, got None"),
])
def test_a_bad_option_is_one_clear_parameter_error(given, message):
    with pytest.raises(ParameterError, match=message):
        _Options.parse(given, "with_options")
    with pytest.raises(ParameterError, match=message if "no option" not in message else "no option"):
        _WithOptions(resolve_preset("smoke"), torch.device("cpu"), given)


def test_options_made_directly_are_checked_too():
    with pytest.raises(ParameterError, match=r"_Options: option width must be an integer >= 8, got 4"):
        _Options(width=4)


def test_a_recipe_reads_its_options_as_attributes_and_takes_an_instance():
    recipe = _WithOptions(resolve_preset("smoke"), torch.device("cpu"), {"width": 16})
    assert isinstance(recipe.options, _Options) and recipe.options.width == 16
    given = _Options(width=64)
    assert _WithOptions(resolve_preset("smoke"), torch.device("cpu"), given).options is given

    @dataclass(frozen=True)
    class _Other(RecipeOptions):
        depth: int = option(2, ge=1)
        """A depth (ours, a test value)."""

    with pytest.raises(ParameterError, match="Recipe 'with_options' takes _Options, got _Other"):
        _WithOptions(resolve_preset("smoke"), torch.device("cpu"), _Other())


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_declares_json_able_options(name):
    cls = get_recipe(name)
    assert cls.options_type is not RecipeOptions and dataclasses.is_dataclass(cls.options_type)
    assert cls.options_type.__dataclass_params__.frozen  # type: ignore[attr-defined]
    defaults = cls.options_type.defaults()
    assert json.loads(json.dumps(defaults)) == defaults
    assert cls.options_type.parse(defaults, name).to_dict() == defaults


def _option_classes() -> list[tuple[str, ast.ClassDef]]:
    found = []
    for path in sorted(Path(recipes.__file__).parent.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.name.endswith("Options") and node.name != "RecipeOptions":
                found.append((path.name, node))
    return found


def test_every_option_is_documented_with_its_source():
    classes = _option_classes()
    assert {node.name for _, node in classes} >= {"UEGANOptions", "GleNetOptions", "GleNetPairedOptions",
                                                  "GleNetUnpairedOptions", "QAGANOptions", "BNCAGANOptions"}
    for module, node in classes:
        body = node.body
        for i, statement in enumerate(body):
            if not isinstance(statement, ast.AnnAssign):
                continue
            field = f"{module}: {node.name}.{ast.unparse(statement.target)}"
            following = body[i + 1] if i + 1 < len(body) else None
            assert isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant), \
                f"{field} has no docstring"
            doc = str(following.value.value)
            assert any(source in doc for source in ("paper", "public code", "ours")), \
                f"{field}'s docstring names no source (the paper, the public code or ours): {doc!r}"
