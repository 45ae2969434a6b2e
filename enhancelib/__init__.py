"""enhancelib: unpaired photo enhancement (QAGAN, UEGAN, GleNet, BNCAGAN), reproduced.

The few names a reader needs at the top level:

>>> import enhancelib
>>> enhancer = enhancelib.pretrained("uegan")     # a recorded main model, ready to use
>>> out = enhancer(image)                           # N x 3 x H x W in [0, 1]

Importing the package changes nothing in the process (no torch import, no
settings): entry points call :func:`enhancelib.runtime.configure` first.
"""
from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.inference import Enhancer

__version__ = "0.1.0"
__all__ = ["PRETRAINED", "pretrained", "__version__"]

#: Main model of each chapter, report 003's Charbonnier variant of UEGAN and our CPU-scale variants (``_longer``: the
#: haze diagnosis of chapter 05 applied, 3x the cpu budget) -> its recorded run under data/runs/.
PRETRAINED: dict[str, str] = {
    "uegan": "uegan/full-seed0",
    "uegan_charbonnier": "uegan/charbonnier-seed5",
    "uegan_longer": "uegan/quality-0.05-budget-3x-seed0",
    "glenet": "glenet/unpaired-seed0",
    "glenet_paired": "glenet/paired-gen-len",
    "qagan": "qagan/full-seed0",
    "qagan_longer": "qagan/cycle-4-budget-3x-seed0",
    "bncagan": "bncagan/full-seed0",
    "bncagan_longer": "bncagan/adversarial-0.05-budget-3x-seed0",
}


def pretrained(name: str, device: str = "cpu") -> "Enhancer":
    """Load the recorded main model ``name`` for inference with one call (its generator alone, see
    :mod:`enhancelib.inference`)."""
    from enhancelib.config import ParameterError
    from enhancelib.inference import load_run_enhancer
    from enhancelib.paths import RUNS_DIR

    if name not in PRETRAINED:
        close = difflib.get_close_matches(name, list(PRETRAINED), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ParameterError(f"Unknown pretrained model {name!r}; available: {sorted(PRETRAINED)}.{hint}")
    path = RUNS_DIR / PRETRAINED[name]
    if not (path / "generator.pt").is_file():
        raise FileNotFoundError(
            f"The recorded model {name!r} is not in this checkout ({path} has no generator.pt). "
            f"Train it with: python -m enhancelib reproduce {path}"
        )
    return load_run_enhancer(path, device, fix=f"restore {path / 'generator.pt'} from the repository, "
                             f"retrain it with `python -m enhancelib reproduce {path}`, or pass another model")
