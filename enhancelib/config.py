"""Presets and parameter validation.

Every notebook and every command resolves one of three presets:

``smoke``
    seconds long, for continuous integration: tiny images, a handful of steps.
``cpu``
    what the book shows: about 15 minutes of training per model on two CPU
    cores.  The budget is counted in *process CPU seconds* (15 min x 2 cores),
    so a busy machine slows a run down but does not shorten its training, and
    every method gets the same amount of computation.
``gpu``
    the papers' settings (batch size, crop size, number of steps) on CUDA with
    mixed precision.  A recipe may override fields with its own paper's values.

Device, AMP and batch size always come from the resolved preset, never from
the code that trains.
"""
from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = [
    "Preset",
    "PRESETS",
    "ParameterError",
    "resolve_preset",
    "validate_parameters",
]


class ParameterError(ValueError):
    """An unknown preset or parameter, or a value of the wrong kind."""


@dataclass(frozen=True)
class Preset:
    """Everything that changes between a CI run, a CPU run and a GPU run."""

    name: str
    device: str
    """``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when available)."""
    amp: bool
    """Mixed precision: float16 autocast + loss scaling on CUDA, bfloat16 autocast on the CPU
    (see :mod:`enhancelib.nn.precision`)."""
    batch_size: int
    load_long_side: int
    """Training photos are resized once so that their long side is this."""
    crop: int
    """Side of the random square crop taken from a loaded photo."""
    train_size: int
    """The crop is resized to this side before it reaches the network."""
    eval_long_side: int
    """Test and validation images are evaluated at this long side."""
    max_steps: int
    """Upper bound on optimisation steps."""
    budget_cpu_seconds: float | None
    """Training stops when this much process CPU time was spent in steps."""
    eval_every: int
    """Steps between evaluations on the validation and test splits."""
    eval_images: int | None
    """How many validation/test images the periodic evaluation uses (None: all)."""
    checkpoint_every: int
    """Steps between resumable checkpoints."""
    ema_decay: float
    """Decay of the exponential moving average of the generator (0: off)."""
    num_threads: int | None
    """torch.set_num_threads for the run (None: leave as is)."""
    log_every: int
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Recipe-specific values (e.g. the papers' epoch counts)."""

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["extra"] = dict(self.extra)
        return data


PRESETS: dict[str, Preset] = {
    "smoke": Preset(
        name="smoke", device="cpu", amp=False, batch_size=2,
        load_long_side=96, crop=48, train_size=32, eval_long_side=64,
        max_steps=3, budget_cpu_seconds=None, eval_every=3, eval_images=2,
        checkpoint_every=2, ema_decay=0.0, num_threads=None, log_every=1,
    ),
    "cpu": Preset(
        name="cpu", device="cpu", amp=False, batch_size=4,
        load_long_side=384, crop=192, train_size=96, eval_long_side=512,
        max_steps=100_000, budget_cpu_seconds=15 * 60 * 2, eval_every=250,
        eval_images=None, checkpoint_every=100, ema_decay=0.999,
        num_threads=2, log_every=10,
    ),
    "gpu": Preset(
        name="gpu", device="cuda", amp=True, batch_size=10,
        load_long_side=768, crop=512, train_size=256, eval_long_side=512,
        max_steps=100_000, budget_cpu_seconds=None, eval_every=2000,
        eval_images=None, checkpoint_every=1000, ema_decay=0.999,
        num_threads=None, log_every=50,
    ),
}


def _suggest(name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def resolve_preset(
    name: str | Preset,
    overrides: Mapping[str, Any] | None = None,
    paper_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Preset:
    """Return the preset ``name`` with recipe and user overrides applied.

    ``paper_overrides`` maps a preset name to the recipe's own values for it
    (a paper's batch size on the ``gpu`` preset, say); ``overrides`` are the
    caller's and win.  Unknown names fail with the list of allowed ones.
    """
    if isinstance(name, Preset):
        preset = name
    else:
        if name not in PRESETS:
            allowed = sorted(PRESETS)
            raise ParameterError(
                f"Unknown preset {name!r}; choose one of {allowed}.{_suggest(str(name), allowed)}"
            )
        preset = PRESETS[name]
    fields = {f.name for f in dataclasses.fields(Preset)} - {"name"}
    merged: dict[str, Any] = {}
    for source in ((paper_overrides or {}).get(preset.name, {}), overrides or {}):
        for key, value in source.items():
            if key not in fields:
                allowed = sorted(fields)
                raise ParameterError(
                    f"Unknown preset field {key!r}; allowed fields are {allowed}.{_suggest(key, allowed)}"
                )
            merged[key] = value
    if "extra" in merged:
        merged["extra"] = {**preset.extra, **merged["extra"]}
    return dataclasses.replace(preset, **merged) if merged else preset


def validate_parameters(given: Mapping[str, Any], allowed: Mapping[str, Any]) -> dict[str, Any]:
    """Check notebook or command parameters against their defaults.

    ``allowed`` maps each known parameter to its default value.  A name that is
    not known, or a value whose type differs from the default's, fails with a
    message naming the allowed parameters.  Returns defaults updated by
    ``given``.
    """
    result = dict(allowed)
    for key, value in given.items():
        if key not in allowed:
            names = sorted(allowed)
            raise ParameterError(
                f"Unknown parameter {key!r}; this notebook takes {names}.{_suggest(key, names)}"
            )
        default = allowed[key]
        if default is not None and value is not None and not isinstance(value, type(default)):
            if not (isinstance(default, float) and isinstance(value, int)):
                raise ParameterError(
                    f"Parameter {key!r} should be {type(default).__name__}, got {value!r}"
                )
        result[key] = value
    if "preset" in result and isinstance(result["preset"], str) and result["preset"] not in PRESETS:
        resolve_preset(result["preset"])  # raises with the allowed names
    return result
