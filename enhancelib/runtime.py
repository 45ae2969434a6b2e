"""Process-wide settings that change speed, never results.

:func:`configure` applies them; entry points (``python -m enhancelib``, the
training engine, a chapter's setup, the benchmark scripts) call it first,
before torch is imported where they can.  Importing ``enhancelib`` changes
nothing in the process.

Large tensors on a CPU are allocated by the C library.  glibc serves blocks
above a threshold (128 KiB to 32 MiB, adapted at run time) with a fresh
``mmap`` and hands them back with ``munmap`` when they are freed.  The kernel
then supplies every 4 KiB page of the next large tensor again, zeroed, on
first touch, one page fault at a time.  A 512 x 512 forward pass allocates
hundreds of megabytes of short-lived activations, so in a virtual machine,
where page faults are expensive, memory-bound operations (a broadcast
multiply, a padding, a depthwise convolution) can spend more time faulting
pages in than computing.  :func:`reuse_freed_memory` tells glibc to keep
freed memory in the process and reuse it.

The setting changes no number a network computes: only which addresses the
tensors live at.  It does change how much CPU time a step costs, so a run
trained with a CPU-seconds budget takes more steps with it.  The book's
recorded runs use the default allocator; the speed benchmarks are recorded
both ways.
"""
from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import sys

__all__ = ["KEPT_LABEL", "add_reuse_argument", "allocator_setting", "configure", "freed_memory_reused",
           "reuse_freed_memory"]

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_KEEP_BYTES = 2**31 - 1  # largest value mallopt accepts: free memory at the heap top is kept up to 2 GiB

KEPT_LABEL = "freed memory kept (glibc mallopt)"
"""How benchmark headers and run provenance name the setting."""

_reused = False


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") else None


def reuse_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse instead of unmapping it; return whether it did.

    Two ``mallopt`` calls: ``M_MMAP_MAX = 0`` serves every block from the heap
    (no per-tensor ``mmap``), and ``M_TRIM_THRESHOLD = 2 GiB`` stops the heap
    from being trimmed back to the OS after each large free.  The process's
    resident memory therefore stays near its peak until it exits.

    The call affects the whole process from then on and cannot be undone
    cleanly, so libraries should not make it on import: ``python -m enhancelib
    enhance`` and the benchmark scripts make it, and a notebook may.  Returns
    False, changing nothing, where the C library is not glibc (macOS, Windows,
    musl).
    """
    global _reused
    libc = _glibc()
    if libc is None:
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    ok = bool(libc.mallopt(_M_MMAP_MAX, 0)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES))
    _reused = _reused or ok
    return ok


def configure(reuse_freed_memory: bool = False) -> bool:
    """Apply the process-wide speed settings; entry points call this first, before importing torch.

    * ``OMP_WAIT_POLICY=PASSIVE`` (unless the environment sets it): OpenMP
      threads that spin while waiting for work steal the CPU from each other
      on a shared or busy machine (a GleNet step went from 6 s to 47 s);
      passive waiting costs nothing on a quiet one.  OpenMP reads it when
      torch is first imported, so it takes effect only if ``configure`` runs
      before that; child processes inherit it either way.
    * ``torch.set_flush_denormal(True)``: subnormal floats make CPU kernels up
      to ten times slower, and the papers' small initialisations (orthogonal,
      gain 0.02) produce them in quantities.  It can be set at any time, but
      reaches only the calling thread and threads created later, so it has its
      full effect before the first parallel torch operation.
    * with ``reuse_freed_memory=True``, :func:`reuse_freed_memory`.

    Idempotent: calling it again changes nothing more.  Returns whether freed
    memory is kept for reuse (False when not asked for).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    torch.set_flush_denormal(True)
    if not reuse_freed_memory:
        return False
    # looked up at call time: the parameter hides the function, and tests replace the function
    return bool(globals()["reuse_freed_memory"]())


def freed_memory_reused() -> bool:
    """Whether :func:`reuse_freed_memory` succeeded in this process (for provenance lines)."""
    return _reused


def allocator_setting(reuse: bool) -> str:
    """Apply :func:`reuse_freed_memory` if ``reuse``; describe the allocator for a benchmark's header."""
    if not reuse:
        return "default allocator"
    return KEPT_LABEL if reuse_freed_memory() else "mallopt unavailable: default allocator"


def add_reuse_argument(parser: argparse.ArgumentParser) -> None:
    """Add the benchmark scripts' ``--reuse-freed-memory`` flag to an ``argparse`` parser."""
    parser.add_argument("--reuse-freed-memory", action="store_true",
                        help="keep freed memory in the process (glibc mallopt) instead of re-faulting fresh pages")
