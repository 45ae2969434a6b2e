"""Mixed precision: which number format a preset's ``amp`` switch selects.

With ``amp`` on, the convolutions and matrix products of a training step run
in a 16-bit format while the weights, the optimiser state and every loss
reduction stay in float32 (:func:`torch.autocast`):

* on CUDA the format is **float16**, whose 10-bit mantissa is precise but whose
  range is narrow, so the loss is scaled before back-propagation
  (:class:`torch.amp.GradScaler`) to keep small gradients from underflowing;
* on the CPU it is **bfloat16**: float32's 8-bit exponent with a 7-bit
  mantissa.  The range is float32's, so no loss scaling is needed; the price
  is a relative rounding error of up to 2^-8 (0.4 %) on each product's inputs.

bfloat16 only pays on a CPU that multiplies it natively (x86 ``avx512_bf16``
or AMX, Arm ``bf16``); elsewhere oneDNN emulates it and a step gets slower, so
:func:`autocast_dtype` warns.  Evaluation, the recorded metrics and
``enhance`` always run in float32, whatever the training precision was.
"""
from __future__ import annotations

import argparse
import contextlib
import warnings
from typing import Iterator

import torch

__all__ = ["add_bfloat16_argument", "amp_format_name", "autocast_dtype", "bfloat16_inference", "cpu_has_native_bfloat16",
           "time_bfloat16"]

_FORMATS = {"cuda": torch.float16, "cpu": torch.bfloat16}
"""The 16-bit format ``amp`` selects on each device type."""


def cpu_has_native_bfloat16() -> bool:
    """True when oneDNN reports hardware bfloat16 support on this CPU."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a build without oneDNN
        return False


def autocast_dtype(amp: bool, device: torch.device) -> torch.dtype | None:
    """The autocast format for ``amp`` on ``device``: float16 (CUDA), bfloat16 (CPU), or None (off)."""
    if not amp:
        return None
    if device.type not in _FORMATS:
        raise ValueError(f"Mixed precision is not supported on device {device}; set amp=False.")
    if device.type == "cpu" and not cpu_has_native_bfloat16():
        warnings.warn(
            "amp=True on a CPU without native bfloat16 (avx512_bf16 / AMX): the 16-bit arithmetic is "
            "emulated and training will be slower than in float32. Set amp=False in the preset overrides.",
            stacklevel=2,
        )
    return _FORMATS[device.type]


def amp_format_name(amp: bool, device: torch.device) -> str | None:
    """The name of that format (``"bfloat16"``, ``"float16"``) for provenance, without the hardware check."""
    return str(_FORMATS[device.type]).removeprefix("torch.") if amp and device.type in _FORMATS else None


@contextlib.contextmanager
def bfloat16_inference() -> Iterator[None]:
    """``inference_mode`` with bfloat16 autocast on the CPU: faster on native hardware, and rounded.

    The speed benchmarks time it beside float32; nothing in the library
    enhances photos this way, since its outputs are not float32's."""
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        yield


def add_bfloat16_argument(parser: argparse.ArgumentParser) -> None:
    """``--emulated-bfloat16``: a benchmark's switch to time bfloat16 on a CPU that only emulates it."""
    parser.add_argument("--emulated-bfloat16", action="store_true",
                        help="time the bfloat16 lines even on a CPU without native bfloat16, where oneDNN emulates it "
                             "tens of times slower than float32 (a 512 px UEGAN forward takes minutes)")


def time_bfloat16(emulated_requested: bool = False) -> bool:
    """Whether a benchmark times its bfloat16 lines: on native hardware, or when asked to; says which.

    Emulated bfloat16 measures the emulation, not the format, and can turn a
    benchmark of minutes into one of hours, so it is skipped unless requested."""
    if cpu_has_native_bfloat16():
        print("native bfloat16 on this CPU: yes")
        return True
    if emulated_requested:
        print("native bfloat16 on this CPU: NO; the bfloat16 lines time oneDNN's emulation (--emulated-bfloat16)")
        return True
    print("native bfloat16 on this CPU: NO; bfloat16 lines skipped (emulated, tens of times slower; "
          "--emulated-bfloat16 times them anyway)")
    return False
