"""Run the speed benchmarks and keep their output where the chapters show it.

Each benchmark script runs in its own process; its printed output is written
to ``data/runs/benchmark/speed/<script>.txt`` under a header that says when,
at which commit, on which CPU and at what load average it was measured.  The
model benchmarks run a second time with ``--reuse-freed-memory`` (glibc keeps
freed memory instead of re-faulting fresh pages, see ``enhancelib.runtime``),
written to ``<script>.reused-memory.txt``. The
chapters display these files next to the papers' timings. Timings taken on a
busy machine are slower than on a quiet one: compare the load averages in the
header before comparing two files.

    python scripts/record_benchmarks.py                     # every benchmark
    python scripts/record_benchmarks.py bench_uegan bench_bncagan

``bench_public_code`` (the public UEGAN and BNCAGAN code itself, timed beside
ours) is recorded only when named, because it needs checkouts of those
repositories: set ``ENHANCELIB_UEGAN_CODE`` and ``ENHANCELIB_BNCAGAN_CODE``
to their folders, then ``python scripts/record_benchmarks.py bench_public_code``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from enhancelib.study.speed_records import REUSED_MEMORY_SUFFIX  # noqa: E402
from enhancelib.train.provenance import cpu_description, git_commit  # noqa: E402

SPEED_DIR = REPO / "data" / "runs" / "benchmark" / "speed"
SCRIPTS = ["bench_uegan", "bench_glenet", "bench_qagan", "bench_bncagan", "bench_metrics", "bench_statistics"]
# arguments each script is recorded with: UEGAN's public-code organisation is timed beside ours,
# as bench_bncagan always does, so that the recorded file compares both under the same load
RECORD_ARGS: dict[str, list[str]] = {"bench_uegan": ["--ablations"]}
# scripts recorded a second time with the allocator setting, to <script>.reused-memory.txt
REUSED_MEMORY = ("bench_uegan", "bench_glenet", "bench_qagan", "bench_bncagan")


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def record(name: str, extra_args: list[str], suffix: str = "") -> Path:
    script = REPO / "scripts" / f"{name}.py"
    if not script.is_file():
        known = ", ".join(SCRIPTS + ["bench_public_code"])
        raise SystemExit(f"No benchmark script scripts/{name}.py; known ones: {known}")
    before, start = load_average(), time.time()
    done = subprocess.run([sys.executable, str(script), *extra_args], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    commit, cpu = git_commit(), cpu_description()
    header = [
        f"# scripts/{name}.py {' '.join(extra_args)}".rstrip(),
        f"# measured {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} in {time.time() - start:.0f} s",
        f"# commit {commit['commit'][:12]}{' (enhancelib modified)' if commit['enhancelib_modified'] else ''}",
        f"# cpu {cpu['cpu_model']}, {os.cpu_count()} logical cores, vector ISA {cpu['cpu_vector_isa']}, "
        f"native bfloat16 {'yes' if cpu['cpu_native_bfloat16'] else 'no'}; load average (1, 5, 15 min) "
        f"before {before}, after {load_average()}",
    ]
    SPEED_DIR.mkdir(parents=True, exist_ok=True)
    path = SPEED_DIR / f"{name}{suffix}.txt"
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(header) + "\n" + done.stdout)
    tmp.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scripts", nargs="*", default=SCRIPTS, help=f"default: {' '.join(SCRIPTS)}")
    args = parser.parse_args()
    for name in args.scripts:
        print(f"{name} ...", flush=True)
        print(f"  wrote {record(name, RECORD_ARGS.get(name, [])).relative_to(REPO)}")
        if name in REUSED_MEMORY:
            path = record(name, [*RECORD_ARGS.get(name, []), "--reuse-freed-memory"], REUSED_MEMORY_SUFFIX)
            print(f"  wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
