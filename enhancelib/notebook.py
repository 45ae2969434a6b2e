"""Support for the chapters: parameters, presets and a few display helpers.

Each chapter starts with a cell tagged ``parameters`` whose first line is the
comment ``# Parameters of this chapter``; papermill adds its own cell (starting
``# Parameters``) after it when a reader passes values.  The next cell calls
:func:`chapter_setup`, which

* checks that every value papermill injected names a real parameter (a typo
  like ``-p sed 3`` fails instead of being silently ignored),
* lets the environment variable ``ENHANCELIB_PRESET`` choose the preset when
  papermill did not (this is how nbval runs the chapters on ``smoke``),
* resolves and prints the preset.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from typing import Any, Mapping

from enhancelib.config import ParameterError, Preset, resolve_preset, validate_parameters

__all__ = ["ChapterParameters", "chapter_setup"]

_OWN_HEADER = "# Parameters of this chapter"
_PAPERMILL_HEADER = "# Parameters"


@dataclass(frozen=True)
class ChapterParameters:
    """The validated parameters of a chapter run."""

    values: Mapping[str, Any]
    preset: Preset

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def quick(self) -> bool:
        """True on the smoke preset: chapters then shrink tables and figures."""
        return self.preset.name == "smoke"


def _assigned_names(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _injected_names() -> list[str]:
    """Names assigned by papermill's injected cell in this kernel session, if any."""
    try:
        from IPython import get_ipython
    except ImportError:
        return []
    shell = get_ipython()
    if shell is None:
        return []
    cells = shell.user_ns.get("In", [])
    names: list[str] = []
    for source in cells:
        text = source.lstrip()
        if text.startswith(_PAPERMILL_HEADER) and not text.startswith(_OWN_HEADER):
            names += _assigned_names(source)
    return names


def chapter_setup(namespace: Mapping[str, Any], defaults: Mapping[str, Any]) -> ChapterParameters:
    """Validate a chapter's parameters and resolve its preset.

    ``defaults`` lists every parameter the chapter takes with its default;
    ``namespace`` is the notebook's ``globals()``.
    """
    injected = _injected_names()
    unknown = [name for name in injected if name not in defaults]
    given = {name: namespace[name] for name in defaults if name in namespace}
    if unknown:
        validate_parameters({name: namespace.get(name) for name in unknown}, defaults)  # raises
    env_preset = os.environ.get("ENHANCELIB_PRESET")
    if env_preset and "preset" not in injected:
        given["preset"] = env_preset
    values = validate_parameters(given, defaults)
    if "preset" not in values:
        raise ParameterError("A chapter's parameters must include 'preset'.")
    preset = resolve_preset(values["preset"])
    shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
    print(f"Parameters: {shown}")
    print(f"Preset {preset.name!r}: device {preset.device}, batch {preset.batch_size}, "
          f"crops {preset.crop}->{preset.train_size}px, evaluation at {preset.eval_long_side}px"
          + (f", training budget {preset.budget_cpu_seconds / 60:.0f} CPU-minutes" if preset.budget_cpu_seconds else
             f", {preset.max_steps} steps"))
    return ChapterParameters(values, preset)
