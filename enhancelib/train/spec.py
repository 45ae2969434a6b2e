"""What defines a training run: :class:`RunSpec`.

A run is fully described by the recipe, its options, the resolved preset, the
seed, the data source and the VGG source asked for.  The same spec always
means the same run; ``config.json`` of a recorded run is ``spec.config()``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

import torch

from enhancelib.config import ParameterError, Preset, resolve_preset
from enhancelib.recipes import Recipe, get_recipe

__all__ = ["RunSpec", "pick_device"]


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines a training run."""

    recipe: str
    preset: str = "cpu"
    seed: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)
    preset_overrides: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=lambda: {"source": "benchmark"})
    backbone: str = "auto"

    def recipe_class(self) -> type[Recipe]:
        return get_recipe(self.recipe)

    def resolved_preset(self) -> Preset:
        return resolve_preset(self.preset, self.preset_overrides, self.recipe_class().paper_overrides)

    def resolved_options(self) -> dict[str, Any]:
        """Every option of the recipe, the defaults updated by :attr:`options`, checked
        (:meth:`~enhancelib.recipes.base.RecipeOptions.parse`)."""
        return self.recipe_class().options_type.parse(self.options, self.recipe).to_dict()

    def config(self) -> dict[str, Any]:
        """The JSON-able configuration recorded as ``config.json``."""
        return _jsonable({
            "recipe": self.recipe,
            "options": self.resolved_options(),
            "preset": self.resolved_preset().to_dict(),
            "preset_overrides": dict(self.preset_overrides),
            "seed": self.seed,
            "data": dict(self.data),
            "backbone": self.backbone,
        })

    def digest(self) -> str:
        text = json.dumps(self.config(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "RunSpec":
        """Rebuild the spec of a recorded run from its ``config.json``."""
        return cls(
            recipe=config["recipe"], preset=config["preset"]["name"], seed=int(config["seed"]),
            options=dict(config["options"]), preset_overrides=dict(config.get("preset_overrides", {})),
            data=dict(config["data"]), backbone=config.get("backbone", "auto"),
        )


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON so that tuples become lists, as on disk."""
    return json.loads(json.dumps(value, sort_keys=True))


def pick_device(name: str) -> torch.device:
    """Resolve a preset's device; a clear error when CUDA is asked for but absent."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ParameterError(
            "This preset needs a CUDA GPU, but torch sees none. Use preset='cpu' "
            "(or 'smoke'), or override the device: preset_overrides={'device': 'cpu', 'amp': False}."
        )
    if name not in ("cpu",) and not name.startswith("cuda"):
        raise ParameterError(f"Unknown device {name!r}; use 'cpu', 'cuda' or 'auto'.")
    return torch.device(name)
