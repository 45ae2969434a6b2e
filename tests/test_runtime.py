"""reuse_freed_memory: large tensors come from the heap, not from per-tensor mmap; configure() and a
side-effect-free import."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from enhancelib import runtime

REPO = Path(__file__).resolve().parents[1]

needs_glibc = pytest.mark.skipif(runtime._glibc() is None, reason="needs glibc")

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


@needs_glibc
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


# Importing enhancelib changes nothing in the process; configure() applies the speed settings.
_SETTINGS_PROBE = textwrap.dedent("""
    import os, sys
    import enhancelib, enhancelib.runtime
    print("torch-imported" if "torch" in sys.modules else "torch-not-imported")
    print(os.environ.get("OMP_WAIT_POLICY", "unset"))
    import torch
    print(float(torch.tensor(1e-40, dtype=torch.float32) * 1) != 0)
    assert enhancelib.runtime.configure() is False
    print(os.environ.get("OMP_WAIT_POLICY", "unset"))
    print(float(torch.tensor(1e-40, dtype=torch.float32) * 1) != 0)
    enhancelib.runtime.configure()              # idempotent
    print(float(torch.tensor(1e-40, dtype=torch.float32) * 1) != 0)
""")


def test_importing_enhancelib_changes_nothing_and_configure_applies_the_settings():
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", _SETTINGS_PROBE], capture_output=True, text=True, check=True,
                         cwd=REPO, env=env).stdout.split()
    assert out == ["torch-not-imported", "unset", "True", "PASSIVE", "False", "False"]


def test_configure_keeps_a_wait_policy_the_environment_chose():
    env = {**os.environ, "OMP_WAIT_POLICY": "ACTIVE"}
    code = "import os, enhancelib.runtime as r; r.configure(); print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO, env=env)
    assert out.stdout.strip() == "ACTIVE"


def test_configure_can_keep_freed_memory(allocator_calls):
    assert runtime.configure(reuse_freed_memory=True) is False   # the recorder stands in for glibc here
    assert allocator_calls == ["reuse_freed_memory"]
    runtime.configure()
    assert allocator_calls == ["reuse_freed_memory"]
