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
"""
from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Iterator, Mapping, Sequence

import torch
from torch import Tensor, nn

from enhancelib.config import Preset
from enhancelib.nn.precision import autocast_dtype

Batch = dict[str, Tensor]

__all__ = ["Batch", "Recipe"]


class Recipe(ABC):
    """Base class of every paper's recipe.

    Subclasses set :attr:`name`, implement :meth:`build`, :meth:`train_step`
    and :meth:`generator`, and may override :meth:`enhance` when inference is
    more than ``generator()(x)`` (padding to a multiple of 16, curves applied
    at full resolution, ...).
    """

    name: ClassVar[str] = ""
    needs_pairs: ClassVar[bool] = False
    """True only for paired (supervised) recipes: batches then carry ``low_target``."""
    uses_backbone: ClassVar[bool] = True
    """Whether the recipe needs the VGG perceptual backbone."""
    default_options: ClassVar[Mapping[str, Any]] = {}
    """Architecture / loss options with their defaults (ablations change these)."""
    lr_decay_start: ClassVar[float | None] = 0.5
    """Fraction of the run after which learning rates decay linearly to 0 (None: constant)."""
    paper_overrides: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    """Preset fields this paper sets itself, per preset name (e.g. gpu batch size)."""
    kept_networks: ClassVar[tuple[str, ...]] = ()
    """Networks besides the generator that a main model's record keeps (``<name>.pt``, last-step
    weights in half precision) because a chapter's figures need them, e.g. GleNet's degrader."""

    def __init__(self, preset: Preset, device: torch.device, options: Mapping[str, Any] | None = None,
                 backbone: nn.Module | None = None) -> None:
        unknown = set(options or {}) - set(self.default_options)
        if unknown:
            raise ValueError(
                f"Recipe {self.name!r} has no option(s) {sorted(unknown)}; "
                f"its options are {sorted(self.default_options)}"
            )
        self.preset = preset
        self.device = device
        self.options: dict[str, Any] = {**self.default_options, **(options or {})}
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
    def generator(self) -> nn.Module:
        """The network whose weights make the enhancer (averaged by the engine's EMA)."""

    def enhance(self, low: Tensor, generator: nn.Module | None = None) -> Tensor:
        """Enhance a batch in [0, 1]; ``generator`` replaces the live one (e.g. its EMA)."""
        net = generator if generator is not None else self.generator()
        return net(low).clamp(0, 1)

    def prepare_for_evaluation(self, generator: nn.Module, photos: Sequence[Tensor]) -> nn.Module:
        """The network to evaluate and save, given the trained ``generator``.

        ``photos`` are whole low-quality *training* photos (uint8 ``3 x H x W``).
        The default returns ``generator`` unchanged; batch-normalised recipes
        (GleNet) return a copy with statistics re-estimated on ``photos``.
        """
        return generator

    # -------------------------------------------------------------- helpers
    def autocast(self) -> contextlib.AbstractContextManager[Any]:
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
