"""Training recipes, one module per paper, looked up by name.

A recipe (:class:`~enhancelib.recipes.base.Recipe`) builds a paper's networks,
losses and optimisers and takes one training step; the training engine
(:mod:`enhancelib.train`) drives it.  The registry maps a recipe name to
``module:Class`` and imports lazily, so that asking for one paper never
imports the others.
"""
from __future__ import annotations

import difflib
import importlib

from enhancelib.config import ParameterError
from enhancelib.recipes.base import Batch, Recipe, RecipeOptions, option

__all__ = ["Batch", "RECIPES", "Recipe", "RecipeOptions", "get_recipe", "option", "register_recipe"]

RECIPES: dict[str, str | type[Recipe]] = {
    "uegan": "enhancelib.recipes.uegan:UEGANRecipe",
    "glenet_paired": "enhancelib.recipes.glenet:GleNetPairedRecipe",
    "glenet_unpaired": "enhancelib.recipes.glenet_unpaired:GleNetUnpairedRecipe",
    "pixelwise_paired": "enhancelib.recipes.glenet:PixelwisePairedRecipe",
    "qagan": "enhancelib.recipes.qagan:QAGANRecipe",
    "bncagan": "enhancelib.recipes.bncagan:BNCAGANRecipe",
}


def get_recipe(name: str) -> type[Recipe]:
    """Return the recipe class registered as ``name`` (a clear error otherwise)."""
    if name not in RECIPES:
        close = difflib.get_close_matches(name, list(RECIPES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ParameterError(f"Unknown recipe {name!r}; known recipes: {sorted(RECIPES)}.{hint}")
    entry = RECIPES[name]
    if not isinstance(entry, str):
        return entry
    module_name, class_name = entry.split(":")
    module = importlib.import_module(module_name)
    recipe_class: type[Recipe] = getattr(module, class_name)
    return recipe_class


def register_recipe(name: str, recipe_class: type[Recipe]) -> None:
    """Register a recipe class under ``name`` (for your own recipes and for tests)."""
    RECIPES[name] = recipe_class
