"""reuse_freed_memory: large tensors come from the heap, not from per-tensor mmap."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from enhancelib import runtime

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(runtime._glibc() is None, reason="needs glibc")

# Run in a child process: the setting is process-wide and would leak into other tests.
_PROBE = textwrap.dedent("""
    import ctypes, sys
    import torch
    from enhancelib.runtime import reuse_freed_memory, freed_memory_reused

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
            "keepcost")]

    libc = ctypes.CDLL("libc.so.6")
    if not hasattr(libc, "mallinfo2"):
        print("no-mallinfo2"); sys.exit(0)
    libc.mallinfo2.restype = MallInfo2
    if sys.argv[1] == "reuse":
        assert reuse_freed_memory() and freed_memory_reused()
    before = libc.mallinfo2().hblkhd
    x = torch.ones(16 * 2**20)          # 64 MiB
    mapped = libc.mallinfo2().hblkhd - before
    heap = libc.mallinfo2().arena
    print(mapped, heap, float(x.sum()))
""")


def _probe(mode: str) -> tuple[int, int, float] | None:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True, cwd=REPO).stdout
    if out.startswith("no-mallinfo2"):
        return None
    mapped, heap, total = out.split()
    return int(mapped), int(heap), float(total)


def test_default_allocator_maps_large_tensors_and_reuse_moves_them_to_the_heap():
    default, reused = _probe("default"), _probe("reuse")
    if default is None or reused is None:
        pytest.skip("glibc without mallinfo2")
    mib = 2**20
    assert default[0] >= 64 * mib            # a fresh mapping per large tensor
    assert reused[0] == 0                    # nothing mapped: served from the heap ...
    assert reused[1] >= 64 * mib             # ... which grew to hold it
    assert default[2] == reused[2] == 16 * mib   # and the numbers are the same


def test_flag_starts_false_in_a_fresh_process():
    out = subprocess.run([sys.executable, "-c", "from enhancelib.runtime import freed_memory_reused as f; print(f())"],
                         capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.strip() == "False"
