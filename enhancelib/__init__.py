"""enhancelib: unpaired photo enhancement (QAGAN, UEGAN, GleNet, BNCAGAN), reproduced.

The few names a reader needs at the top level:

>>> import enhancelib
>>> enhancer = enhancelib.pretrained("uegan")     # a recorded main model, ready to use
>>> out = enhancer(image)                           # N x 3 x H x W in [0, 1]
"""
from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.train.runs import Enhancer

import os as _os

# OpenMP threads that spin while waiting for work steal the CPU from each
# other on a shared or busy machine (a GleNet step went from 6 s to 47 s);
# passive waiting costs nothing on a quiet one. Takes effect only when set
# before torch is first imported.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch as _torch  # noqa: E402

# Subnormal floats make CPU kernels up to ten times slower, and the papers'
# small initialisations (orthogonal, gain 0.02) produce them in quantities.
# Flushing them to zero must happen before torch starts its worker threads.
_torch.set_flush_denormal(True)

__version__ = "0.1.0"
__all__ = ["PRETRAINED", "pretrained", "__version__"]

#: Main model of each chapter (and report 003's Charbonnier variant of UEGAN) -> its recorded run under data/runs/.
PRETRAINED: dict[str, str] = {
    "uegan": "uegan/full-seed0",
    "uegan_charbonnier": "uegan/charbonnier-seed5",
    "glenet": "glenet/unpaired-seed0",
    "glenet_paired": "glenet/paired-gen-len",
    "qagan": "qagan/full-seed0",
    "bncagan": "bncagan/full-seed0",
}


def pretrained(name: str, device: str = "cpu") -> "Enhancer":
    """Load the recorded main model ``name`` for inference with one call."""
    from enhancelib.config import ParameterError
    from enhancelib.paths import RUNS_DIR
    from enhancelib.train.runs import load_run

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
    from enhancelib.inference import load_run_enhancer

    run = load_run(path)
    return load_run_enhancer(run.path, device, fix=f"restore {path / 'generator.pt'} from the repository, "
                             f"retrain it with `python -m enhancelib reproduce {path}`, or pass another model")
