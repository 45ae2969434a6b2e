"""Training recipes, one module per paper, looked up by name.

A recipe (:class:`~enhancelib.recipes.base.Recipe`) builds a paper's networks,
losses and optimisers and takes one training step; the training engine
(:mod:`enhancelib.train`) drives it.  The registry maps a recipe name to
``module:Class`` and imports lazily, so that asking for one paper never
imports the others.

A trained model needs none of that: :data:`GENERATORS` maps a recipe name to
the module-level function that builds its generator alone from the recipe's
options (:func:`build_generator`), without the recipe, its discriminators,
losses or optimisers; :class:`enhancelib.inference.Enhancer` loads the saved
weights into it.
"""
from __future__ import annotations

import difflib
import importlib
from typing import Any, Callable, Mapping

from enhancelib.config import ParameterError
from enhancelib.nn.enhancer import EnhancerNetwork
from enhancelib.recipes.base import Batch, Recipe, RecipeOptions, option

__all__ = ["Batch", "GENERATORS", "GeneratorBuilder", "RECIPES", "Recipe", "RecipeOptions", "build_generator",
           "get_recipe", "option", "register_recipe"]

GeneratorBuilder = Callable[[Any, str], EnhancerNetwork]
"""``builder(options, backbone)``: a recipe's generator, freshly initialised, from its parsed options;
``backbone`` names the VGG weights (:func:`enhancelib.nn.vgg.load_vgg`) for a generator that contains a VGG
(QAGAN's encoder E); the others ignore it."""

RECIPES: dict[str, str | type[Recipe]] = {
    "uegan": "enhancelib.recipes.uegan:UEGANRecipe",
    "glenet_paired": "enhancelib.recipes.glenet:GleNetPairedRecipe",
    "glenet_unpaired": "enhancelib.recipes.glenet_unpaired:GleNetUnpairedRecipe",
    "pixelwise_paired": "enhancelib.recipes.glenet:PixelwisePairedRecipe",
    "qagan": "enhancelib.recipes.qagan:QAGANRecipe",
    "bncagan": "enhancelib.recipes.bncagan:BNCAGANRecipe",
}

GENERATORS: dict[str, str | GeneratorBuilder] = {
    "uegan": "enhancelib.recipes.uegan:uegan_generator",
    "glenet_paired": "enhancelib.recipes.glenet:glenet_generator",
    "glenet_unpaired": "enhancelib.recipes.glenet:glenet_generator",
    "pixelwise_paired": "enhancelib.recipes.glenet:pixelwise_generator",
    "qagan": "enhancelib.recipes.qagan:qagan_generator",
    "bncagan": "enhancelib.recipes.bncagan:bncagan_generator",
}
"""Recipe name -> the function that builds its generator alone (``module:function``, imported lazily)."""


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


def build_generator(name: str, options: Mapping[str, Any] | RecipeOptions | None = None,
                    backbone: str = "auto") -> EnhancerNetwork:
    """The generator of recipe ``name`` alone, freshly initialised, from its options.

    Options given by name are checked as the recipe checks them (its
    :attr:`~enhancelib.recipes.base.Recipe.options_type`); the recipe class is
    looked up but not instantiated, so no discriminator, loss, optimiser or
    perceptual VGG is built.
    """
    recipe_class = get_recipe(name)
    if name not in GENERATORS:
        raise ParameterError(f"Recipe {name!r} registers no generator builder, so its weights cannot be loaded "
                             "without training it: pass generator= to register_recipe.")
    if isinstance(options, RecipeOptions):
        if not isinstance(options, recipe_class.options_type):
            raise ParameterError(f"Recipe {name!r} takes {recipe_class.options_type.__name__}, "
                                 f"got {type(options).__name__}.")
        parsed = options
    else:
        parsed = recipe_class.options_type.parse(options, name)
    entry = GENERATORS[name]
    if isinstance(entry, str):
        module_name, function_name = entry.split(":")
        entry = getattr(importlib.import_module(module_name), function_name)
    return entry(parsed, backbone)


def register_recipe(name: str, recipe_class: type[Recipe], generator: GeneratorBuilder | None = None) -> None:
    """Register a recipe class under ``name`` (for your own recipes and for tests).

    ``generator`` (``builder(options, backbone)``, see :data:`GeneratorBuilder`)
    lets the recipe's trained weights be used for inference; without it a
    builder registered earlier under ``name`` is kept.
    """
    RECIPES[name] = recipe_class
    if generator is not None:
        GENERATORS[name] = generator
