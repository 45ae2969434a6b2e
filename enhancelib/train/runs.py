"""Recorded runs: load one if its configuration matches, else train.

A recorded run is a folder ``data/runs/<chapter>/<name>/`` holding

``config.json``        the full configuration (:meth:`RunSpec.config`)
``provenance.json``    commit, preset, seed, steps, device, times, VGG weights
``train_log.jsonl``    losses every few steps
``eval_log.jsonl``     validation and test PSNR/SSIM during training
``metrics.json``       final test (PSNR, SSIM, NIQE) and validation metrics
``per_image_test.csv`` the final metrics of every test image
``samples/``           a few input | output | target strips
``generator.pt``       half-precision generator weights (main models only)
``<network>.pt``       other networks a chapter's figures need (the recipe's ``kept_networks``)

Runs that a reader starts with other parameters go to ``runs-local/`` (or
``$ENHANCELIB_RUNS``) so that the recorded ones are never overwritten by
accident; ``python -m enhancelib reproduce data/runs/<chapter>/<name>``
regenerates a recorded run in place.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import torch
from torch import Tensor

from enhancelib import paths
from enhancelib.nn.state import float_state
from enhancelib.train.checkpoint import check_compatible, load_checkpoint
from enhancelib.train.lock import LOCK_NAME, run_lock
from enhancelib.train.logs import read_log
from enhancelib.train.spec import RunSpec, _jsonable

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.recipes.base import Recipe

__all__ = ["RecordedRun", "load_run", "load_or_train", "record", "reproduce", "list_runs"]


@dataclass
class RecordedRun:
    """A finished run read from its folder."""

    path: Path

    @cached_property
    def config(self) -> dict[str, Any]:
        return json.loads((self.path / "config.json").read_text())

    @cached_property
    def provenance(self) -> dict[str, Any]:
        return json.loads((self.path / "provenance.json").read_text())

    @cached_property
    def metrics(self) -> dict[str, Any]:
        return json.loads((self.path / "metrics.json").read_text())

    @property
    def spec(self) -> RunSpec:
        return RunSpec.from_config(self.config)

    @cached_property
    def train_log(self) -> pd.DataFrame:
        return pd.DataFrame(read_log(self.path / "train_log.jsonl"))

    @cached_property
    def eval_log(self) -> pd.DataFrame:
        return pd.DataFrame(read_log(self.path / "eval_log.jsonl"))

    @cached_property
    def per_image(self) -> pd.DataFrame:
        return pd.read_csv(self.path / "per_image_test.csv")

    @property
    def samples(self) -> list[Path]:
        return sorted((self.path / "samples").glob("*.jpg"))

    @property
    def has_weights(self) -> bool:
        return (self.path / "generator.pt").is_file()

    def weights_state(self) -> dict[str, Tensor]:
        """The generator's weights: ``generator.pt`` if kept, else the full checkpoint's EMA."""
        if self.has_weights:
            state = load_checkpoint(self.path / "generator.pt")["state_dict"]
        elif (self.path / "checkpoint.pt").is_file():
            ckpt = load_checkpoint(self.path / "checkpoint.pt")
            state = ckpt["ema"] or None
            if state is None:
                raise FileNotFoundError(f"{self.path} has no averaged generator in its checkpoint.")
        else:
            raise FileNotFoundError(
                f"{self.path} keeps no generator weights (only main models do); "
                f"retrain it with: python -m enhancelib reproduce {self.path}"
            )
        return float_state(state)

    def network_state(self, name: str) -> dict[str, Tensor]:
        """Last-step weights of one of the recipe's networks (e.g. ``"degrader"``).

        From ``<name>.pt`` if the record keeps it (the recipe's ``kept_networks``),
        else from the full ``checkpoint.pt`` of the machine that trained the run.
        """
        if (self.path / f"{name}.pt").is_file():
            state = load_checkpoint(self.path / f"{name}.pt")["state_dict"]
        elif (self.path / "checkpoint.pt").is_file():
            networks = load_checkpoint(self.path / "checkpoint.pt")["recipe"]["networks"]
            if name not in networks:
                raise KeyError(f"{self.path}: the run has no network {name!r}; it has {sorted(networks)}")
            state = networks[name]
        else:
            raise FileNotFoundError(
                f"{self.path} keeps no {name}.pt and has no checkpoint.pt; "
                f"retrain it with: python -m enhancelib reproduce {self.path}"
            )
        return float_state(state)

    def recipe(self, device: str | torch.device = "cpu") -> Recipe:
        """Rebuild the run's recipe with its generator weights loaded (training's view of a run: every network,
        VGG included; to enhance photos, :func:`enhancelib.inference.load_run_enhancer` builds the generator
        alone)."""
        from enhancelib.config import resolve_preset
        from enhancelib.nn.vgg import load_vgg

        spec = self.spec
        cls = spec.recipe_class()
        preset = resolve_preset(spec.resolved_preset(), {"device": str(device), "amp": False})
        backbone = load_vgg(spec.backbone) if cls.uses_backbone else None
        recipe = cls(preset, torch.device(device), spec.options, backbone)
        generator = recipe.generator()
        state = self.weights_state()
        check_compatible(state, generator, f"The weights in {self.path}")
        generator.load_state_dict(state)
        generator.eval()
        return recipe


def load_run(path: str | Path) -> RecordedRun:
    path = Path(path)
    if not (path / "metrics.json").is_file():
        raise FileNotFoundError(
            f"{path} is not a finished run (no metrics.json). Train it with "
            f"python -m enhancelib reproduce {path}, or check the path."
        )
    return RecordedRun(path)


def _matches(path: Path, spec: RunSpec) -> bool:
    try:
        return same_config(json.loads((path / "config.json").read_text()), spec) and (path / "metrics.json").is_file()
    except (OSError, json.JSONDecodeError):
        return False


def same_config(recorded: dict[str, Any], spec: RunSpec) -> bool:
    """True when a recorded ``config.json`` describes the run ``spec`` would train.

    A recipe option added after a run was recorded is missing from its
    configuration; such an option's default keeps the behaviour the recipe had
    before, so the record still matches a spec that leaves it at the default.
    """
    wanted = spec.config()
    if recorded == wanted:
        return True
    defaults = spec.recipe_class().options_type.defaults()
    options = dict(recorded.get("options", {}))
    for key, value in wanted["options"].items():
        if key not in options and key in defaults and _jsonable(defaults[key]) == value:
            options[key] = value
    return {**recorded, "options": options} == wanted


def load_or_train(spec: RunSpec, chapter: str, name: str, *, progress: bool = True,
                  keep_weights: bool = False) -> RecordedRun:
    """The recorded run ``data/runs/<chapter>/<name>`` if it was made with ``spec``; else train.

    A run trained here (because the spec differs from the record, e.g. another
    preset) goes to ``runs-local/<chapter>/<name>-<digest>`` and resumes there
    if it was interrupted.
    """
    recorded = paths.RUNS_DIR / chapter / name
    if _matches(recorded, spec):
        return RecordedRun(recorded)
    target = paths.local_runs_dir() / chapter / f"{name}-{spec.digest()}"
    if not _matches(target, spec):
        from enhancelib.train.engine import train
        train(spec, target, keep_weights=keep_weights, progress=progress)
    return RecordedRun(target)


def record(spec: RunSpec, chapter: str, name: str, *, keep_weights: bool = False,
           progress: bool = True) -> RecordedRun:
    """Train ``spec`` as the recorded run ``data/runs/<chapter>/<name>`` (resuming if cut off)."""
    from enhancelib.train.engine import train

    path = paths.RUNS_DIR / chapter / name
    train(spec, path, keep_weights=keep_weights, progress=progress)
    return RecordedRun(path)


def reproduce(path: str | Path, *, progress: bool = True) -> RecordedRun:
    """Train the run recorded in ``path`` again from its ``config.json``, in place.

    An unfinished checkpoint left by an interrupted reproduction is resumed;
    otherwise the old record is replaced.
    """
    from enhancelib.train.engine import train

    path = Path(path)
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"{path} has no config.json: not a recorded run.")
    spec = RunSpec.from_config(json.loads(config_file.read_text()))
    keep_weights = (path / "generator.pt").is_file()
    ckpt = path / "checkpoint.pt"
    with run_lock(path):  # no other writer while the old record is cleared and retrained
        resumable = ckpt.is_file() and not load_checkpoint(ckpt).get("complete", False)
        for item in path.iterdir():
            if item.name in ("config.json", LOCK_NAME) or (resumable and item.name != "metrics.json"):
                continue
            shutil.rmtree(item) if item.is_dir() else item.unlink()
        train(spec, path, keep_weights=keep_weights, progress=progress)
    return RecordedRun(path)


def list_runs(chapter: str | None = None) -> list[RecordedRun]:
    """All finished recorded runs (of one chapter)."""
    base = paths.RUNS_DIR / chapter if chapter else paths.RUNS_DIR
    return [RecordedRun(p.parent) for p in sorted(base.rglob("metrics.json"))]
