"""The contract between a paper's training recipe and the training engine.

A recipe builds its networks and optimisers and knows how to take one
optimisation step; the engine owns everything else (presets, device, AMP,
seeding, progress, evaluation, logging, checkpoints, resume, NaN checks).

A batch is a dict of float tensors in [0, 1], shape ``B x 3 x H x W``:

``"low"``
    low-quality training crops;
``"high"``
    high-quality training crops from *other* photos (never paired with low);
``"low_target"``
    only for recipes with ``needs_pairs = True`` (the paired upper bounds):
    the clean version of each ``"low"`` crop.

A recipe's options (loss weights, ablation switches, learning rates) are one
frozen dataclass per recipe, a subclass of :class:`RecipeOptions`: each field
has the paper's (or the public code's) value as its default, a docstring that
names its source, and the values it accepts (:func:`option`).
:meth:`RecipeOptions.parse` is the one check of options given by name (the
command line's ``--option``, a chapter's :class:`~enhancelib.train.spec.RunSpec`,
a recorded ``config.json``): an unknown name, a value of the wrong type or one
out of range is a :class:`~enhancelib.config.ParameterError` that says which
option and what it accepts.
"""
from __future__ import annotations

import contextlib
import dataclasses
import difflib
import math
import types
import typing
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Iterator, Mapping, Sequence, TypeVar

import torch
from torch import Tensor, nn

from enhancelib.config import ParameterError, Preset
from enhancelib.nn.enhancer import EnhancerNetwork
from enhancelib.nn.precision import autocast_dtype
from enhancelib.nn.vgg import VGGFeatures

Batch = dict[str, Tensor]

__all__ = ["Batch", "Recipe", "RecipeOptions", "option"]

_Options = TypeVar("_Options", bound="RecipeOptions")


def option(default: Any, *, ge: float | None = None, gt: float | None = None, lt: float | None = None,
           multiple_of: int | None = None, choices: Sequence[Any] | None = None) -> Any:
    """A field of a :class:`RecipeOptions` dataclass: its default and the values it accepts.

    The field's type annotation gives the accepted type (``bool``, ``int``,
    ``float``, ``str``, each optionally ``| None``); ``ge``/``gt``/``lt``
    bound a number, ``multiple_of`` an integer, ``choices`` lists the allowed
    values.  An ``int`` is accepted where a ``float`` is asked for and kept as
    it was given, so that a recorded configuration reads back unchanged.
    """
    checks = {"ge": ge, "gt": gt, "lt": lt, "multiple_of": multiple_of,
              "choices": tuple(choices) if choices is not None else None}
    return dataclasses.field(default=default, metadata={k: v for k, v in checks.items() if v is not None})


_TYPE_HINTS: dict[type, dict[str, Any]] = {}


def _type_hints(cls: type) -> dict[str, Any]:
    """The (evaluated) annotations of an options class, computed once per class."""
    if cls not in _TYPE_HINTS:
        _TYPE_HINTS[cls] = typing.get_type_hints(cls)
    return _TYPE_HINTS[cls]


def _kinds(hint: object) -> tuple[tuple[type, ...], bool]:
    """The accepted types of an annotation and whether it admits None."""
    args = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    return tuple(a for a in args if a is not type(None)), type(None) in args


def _is_kind(value: object, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return isinstance(value, kind)


def _expected(kinds: tuple[type, ...], optional: bool, checks: Mapping[str, Any]) -> str:
    """What a field accepts, in words: "a number >= 0", "None or a positive number", ..."""
    if "choices" in checks:
        text = f"one of {list(checks['choices'])}"
    elif kinds == (bool,):
        text = "True or False"
    else:
        noun = {int: "an integer", float: "a number", str: "a string"}
        what = " or ".join(noun.get(k, k.__name__) for k in kinds)
        if "gt" in checks and "lt" in checks:
            text = f"{what} in ({checks['gt']:g}, {checks['lt']:g})"
        elif checks.get("gt") == 0:
            text = what.replace("an integer", "a positive integer").replace("a number", "a positive number")
        else:
            bounds = [f"{op} {checks[key]:g}" for key, op in (("gt", ">"), ("ge", ">="), ("lt", "<")) if key in checks]
            text = " ".join([what] + bounds)
        if "multiple_of" in checks:
            text += f" and a multiple of {checks['multiple_of']}"
    return f"None or {text}" if optional else text


def _in_range(value: object, checks: Mapping[str, Any]) -> bool:
    if "choices" in checks:
        return bool(value in checks["choices"])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    return (("ge" not in checks or value >= checks["ge"]) and ("gt" not in checks or value > checks["gt"])
            and ("lt" not in checks or value < checks["lt"])
            and ("multiple_of" not in checks or value % checks["multiple_of"] == 0))


@dataclasses.dataclass(frozen=True)
class RecipeOptions:
    """Base of every recipe's options: a frozen dataclass whose fields are the options.

    Subclasses declare each option as a field with :func:`option` and a
    docstring line under it naming where the default comes from (a section or
    equation of the paper, the public code, or "ours").  Instances are
    checked when made, so a recipe never sees an invalid value.
    """

    def __post_init__(self) -> None:
        self._check(self.to_dict(), f"{type(self).__name__}:")

    @classmethod
    def names(cls) -> list[str]:
        """The options' names, sorted."""
        return sorted(f.name for f in dataclasses.fields(cls))

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every option at its default, as :meth:`to_dict` writes them."""
        return cls().to_dict()

    @classmethod
    def parse(cls: type[_Options], given: Mapping[str, Any] | None, recipe: str) -> _Options:
        """The options of recipe ``recipe``: the defaults updated by ``given`` (by name), checked.

        Raises :class:`~enhancelib.config.ParameterError` on an unknown name (with a
        "did you mean"), a value of the wrong type, or a value out of range.
        """
        given = dict(given or {})
        names = cls.names()
        unknown = sorted(set(given) - set(names))
        if unknown:
            close = difflib.get_close_matches(unknown[0], names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ParameterError(f"Recipe {recipe!r} has no option(s) {unknown}; its options are {names}.{hint}")
        cls._check({**cls.defaults(), **given}, f"Recipe {recipe!r}")
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        """Every option by name, each value as it was given (what ``config.json`` records)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def _check(cls, values: Mapping[str, Any], owner: str) -> None:
        """Raise a :class:`~enhancelib.config.ParameterError` naming the first value of the wrong type or range."""
        hints = _type_hints(cls)
        for f in dataclasses.fields(cls):
            value = values[f.name]
            kinds, optional = _kinds(hints[f.name])
            if value is None and optional:
                continue
            expected = _expected(kinds, optional, f.metadata)
            if not any(_is_kind(value, kind) for kind in kinds):
                raise ParameterError(f"{owner} option {f.name} must be {expected}, got {value!r} "
                                     f"({type(value).__name__}).")
            if not _in_range(value, f.metadata):
                close = (difflib.get_close_matches(value, [str(c) for c in f.metadata["choices"]], n=1)
                         if "choices" in f.metadata and isinstance(value, str) else [])
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ParameterError(f"{owner} option {f.name} must be {expected}, got {value!r}.{hint}")


class Recipe(ABC):
    """Base class of every paper's recipe.

    Subclasses set :attr:`name` and :attr:`options_type` (their
    :class:`RecipeOptions`), implement :meth:`build`, :meth:`train_step`
    and :meth:`generator`. Inference belongs to the generator: its
    ``enhance(x01)`` takes any ``N x 3 x H x W`` batch in [0, 1] and does the
    padding, the mapping to the network's range and the clamping itself, so a
    trained generator enhances without its recipe
    (:class:`enhancelib.inference.Enhancer`, built by the function the
    recipe's module registers in :data:`enhancelib.recipes.GENERATORS`).
    """

    name: ClassVar[str] = ""
    needs_pairs: ClassVar[bool] = False
    """True only for paired (supervised) recipes: batches then carry ``low_target``."""
    uses_backbone: ClassVar[bool] = True
    """Whether the recipe needs the VGG perceptual backbone."""
    options_type: ClassVar[type[RecipeOptions]] = RecipeOptions
    """The recipe's options: architecture, losses, learning rates (ablations change these)."""
    lr_decay_start: ClassVar[float | None] = 0.5
    """Fraction of the run after which learning rates decay linearly to 0 (None: constant)."""
    paper_overrides: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    """Preset fields this paper sets itself, per preset name (e.g. gpu batch size)."""
    kept_networks: ClassVar[tuple[str, ...]] = ()
    """Networks besides the generator that a main model's record keeps (``<name>.pt``, last-step
    weights in half precision) because a chapter's figures need them, e.g. GleNet's degrader."""

    def __init__(self, preset: Preset, device: torch.device,
                 options: Mapping[str, Any] | RecipeOptions | None = None, backbone: VGGFeatures | None = None) -> None:
        self.preset = preset
        self.device = device
        if isinstance(options, RecipeOptions) and not isinstance(options, self.options_type):
            raise ParameterError(f"Recipe {self.name!r} takes {self.options_type.__name__}, "
                                 f"got {type(options).__name__}.")
        self.options: RecipeOptions = (
            options if isinstance(options, RecipeOptions) else self.options_type.parse(options, self.name)
        )
        """The options, read as attributes (``self.options.lr``); given by name or as an :attr:`options_type`."""
        self.backbone = backbone
        self.amp_dtype = autocast_dtype(preset.amp, device)
        """16-bit format of the forward passes (None: float32); see :mod:`enhancelib.nn.precision`."""
        # float16 needs the loss scaled against underflow; bfloat16 has float32's range and does not
        self.scaler = torch.amp.GradScaler(device.type, enabled=self.amp_dtype == torch.float16)
        self.progress: float = 0.0
        """Fraction of the run done (steps or CPU budget), set by the engine before each step."""
        self.networks: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.build()
        for net in self.networks.values():
            net.to(device)

    # ------------------------------------------------------------------ API
    @abstractmethod
    def build(self) -> None:
        """Create ``self.networks`` and ``self.optimizers``.

        Learning rates are the papers' base rates; the engine scales them by
        the schedule (constant, then linear decay to zero from
        :attr:`lr_decay_start` of the run's progress)."""

    @abstractmethod
    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One optimisation step; returns named scalar losses for the log."""

    @abstractmethod
    def generator(self) -> EnhancerNetwork:
        """The network whose weights make the enhancer (averaged by the engine's EMA)."""

    def enhance(self, low: Tensor, generator: EnhancerNetwork | None = None) -> Tensor:
        """Enhance a batch in [0, 1] with the generator's own ``enhance``; ``generator`` replaces the live one
        (e.g. its EMA)."""
        net = generator if generator is not None else self.generator()
        return net.enhance(low)

    def prepare_for_evaluation(self, generator: EnhancerNetwork, photos: Sequence[Tensor]) -> EnhancerNetwork:
        """The network to evaluate and save, given the trained ``generator``.

        ``photos`` are whole low-quality *training* photos (uint8 ``3 x H x W``).
        The default returns ``generator`` unchanged; batch-normalised recipes
        (GleNet) return a copy with statistics re-estimated on ``photos``.
        """
        return generator

    # -------------------------------------------------------------- helpers
    def autocast(self) -> contextlib.AbstractContextManager[None]:
        """Mixed precision when the preset asks for it (float16 on CUDA, bfloat16 on the CPU); else a no-op."""
        if self.amp_dtype is not None:
            return torch.autocast(self.device.type, dtype=self.amp_dtype)
        return contextlib.nullcontext()

    def optimise(self, name: str, loss: Tensor, retain_graph: bool = False) -> None:
        """Zero grads, back-propagate ``loss`` and step optimiser ``name`` (AMP-aware)."""
        opt = self.optimizers[name]
        opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward(retain_graph=retain_graph)
        self.scaler.step(opt)
        self.scaler.update()

    def after_step(self, step: int) -> None:
        """Called by the engine after every step (e.g. clipping BNCAGAN's rho)."""

    def train(self, mode: bool = True) -> None:
        for net in self.networks.values():
            net.train(mode)

    def state_dict(self) -> dict[str, Any]:
        return {
            "networks": {k: v.state_dict() for k, v in self.networks.items()},
            "optimizers": {k: v.state_dict() for k, v in self.optimizers.items()},
            "scaler": self.scaler.state_dict(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        for group in ("networks", "optimizers"):
            mine = getattr(self, group)
            theirs = state[group]
            if set(mine) != set(theirs):
                raise ValueError(
                    f"Checkpoint {group} {sorted(theirs)} do not match recipe "
                    f"{self.name!r} {group} {sorted(mine)}: it was written by another recipe."
                )
            for key, obj in mine.items():
                obj.load_state_dict(theirs[key])
        self.scaler.load_state_dict(state["scaler"])

    def parameters_count(self) -> dict[str, int]:
        return {k: sum(p.numel() for p in v.parameters()) for k, v in self.networks.items()}

    def iter_networks(self) -> Iterator[nn.Module]:
        return iter(self.networks.values())
