"""Recorded speed benchmarks, read for the chapters (nothing is timed here).

``scripts/record_benchmarks.py`` runs each benchmark script and writes its
output, under a header (date, commit, CPU, load average), to
``data/runs/benchmark/speed/<record>.txt``.  These functions show such a file,
pick figures out of its timing lines and set two recordings, or the public
code and ours, side by side.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["REUSED_MEMORY_SUFFIX", "recorded_benchmark", "benchmark_medians", "benchmark_lookup",
           "allocator_comparison", "public_code_comparison", "describe_public_code_comparison", "throughput_table",
           "both_allocators", "bf16_kept_or_missing"]

REUSED_MEMORY_SUFFIX = ".reused-memory"
"""Suffix of a benchmark recorded with ``--reuse-freed-memory`` (``scripts/record_benchmarks.py``)."""


def _speed_file(record: str) -> Path:
    from enhancelib.paths import REPO_ROOT  # looked up per call: tests move the root

    return REPO_ROOT / "data" / "runs" / "benchmark" / "speed" / f"{record}.txt"


def recorded_benchmark(record: str) -> str:
    """The recorded output of a benchmark script as Markdown, or how to record it.

    ``record`` is a script's name (``"bench_uegan"``) or a script's name with
    the suffix of a variant (``"bench_uegan.reused-memory"``: the same script
    run with ``--reuse-freed-memory``).  ``scripts/record_benchmarks.py``
    writes each output with a header (date, commit, CPU, load average) to
    ``data/runs/benchmark/speed/<record>.txt``; chapters show that file rather
    than timing anything while the book builds.
    """
    from enhancelib.paths import REPO_ROOT

    script = record.split(".", 1)[0]
    path = _speed_file(record)
    if not path.is_file():
        return (f"The output of `scripts/{script}.py` ({record}) is not recorded yet; "
                f"`python scripts/record_benchmarks.py {script}` records it.")
    fence = "`" * 3
    return (f"Recorded output of `scripts/{script}.py` "
            f"(`{path.relative_to(REPO_ROOT).as_posix()}`):\n\n{fence}text\n{path.read_text().strip()}\n{fence}")


_MEDIAN_LINE = re.compile(r"^\s{2,}(?P<label>\S.*?)\s{2,}(?:wall\s+)?(?:median\s+)?(?P<ms>\d+(?:\.\d+)?) ms")


def benchmark_medians(record: str) -> dict[str, float]:
    """Label -> milliseconds of every timing line of a recorded benchmark ({} when not recorded).

    Reads the lines of ``data/runs/benchmark/speed/<record>.txt`` that name a
    computation and then its (median) time in ms, so that a chapter can set
    figures from two recordings side by side without copying them by hand.
    The first line with a label wins.
    """
    path = _speed_file(record)
    if not path.is_file():
        return {}
    medians: dict[str, float] = {}
    for line in path.read_text().splitlines():
        match = _MEDIAN_LINE.match(line)
        if match:
            medians.setdefault(match["label"].rstrip(":"), float(match["ms"]))
    return medians


def _first_with_prefix(medians: Mapping[str, float], prefix: str) -> float:
    return next((ms for label, ms in medians.items() if label.startswith(prefix)), float("nan"))


def benchmark_lookup(record: str, prefixes: Mapping[str, str]) -> dict[str, float]:
    """Name -> ms of the first timing line of ``record`` whose label starts with each prefix (NaN if none)."""
    medians = benchmark_medians(record)
    return {name: _first_with_prefix(medians, prefix) for name, prefix in prefixes.items()}


def allocator_comparison(script: str, rows: Mapping[str, tuple[str, str]],
                         published: Mapping[str, float]) -> pd.DataFrame:
    """A table of one benchmark recorded with both allocators, beside the public code's own figures.

    ``rows`` maps a row name to the label prefixes of (the public code's
    organisation, ours) in the recorded output; ``published`` maps the row
    name to the public code's own figure in ms.  Cells of a recording that is
    missing are left empty.
    """
    import pandas as pd

    pick = _first_with_prefix
    default, reused = benchmark_medians(script), benchmark_medians(script + REUSED_MEMORY_SUFFIX)
    table = pd.DataFrame({
        row: {
            "public organisation, default allocator (ms)": pick(default, public),
            "ours, default allocator (ms)": pick(default, ours),
            "public organisation, freed memory kept (ms)": pick(reused, public),
            "ours, freed memory kept (ms)": pick(reused, ours),
            "public code's own figure (ms)": published.get(row, float("nan")),
        }
        for row, (public, ours) in rows.items()
    }).T
    table["ours / public organisation, kept"] = (table["ours, freed memory kept (ms)"]
                                                 / table["public organisation, freed memory kept (ms)"])
    table["ours kept / public's own figure"] = (table["ours, freed memory kept (ms)"]
                                                / table["public code's own figure (ms)"])
    return table.round(2)


def public_code_comparison(paper: str, published: Mapping[str, float]) -> pd.DataFrame:
    """The public code and ours, timed round-robin in one recording, beside the public code's own figures.

    Reads ``data/runs/benchmark/speed/bench_public_code.txt`` (written by
    ``scripts/bench_public_code.py``, which imports the public repository's
    own modules); ``paper`` is the prefix of its lines (``"UEGAN"``,
    ``"BNCAGAN"``), ``published`` maps ``"forward"`` and ``"step"`` to the
    public code's figures in ms.  Cells of a missing recording are NaN.
    """
    import pandas as pd

    medians = benchmark_medians("bench_public_code")
    table = pd.DataFrame({
        kind: {
            "public code, this recording (ms)": _first_with_prefix(medians, f"{paper} public code, {kind}"),
            "ours, same recording (ms)": _first_with_prefix(medians, f"{paper} ours, {kind}"),
            "public code's own figure (ms)": published.get(kind, float("nan")),
        }
        for kind in ("forward", "step")
    }).T
    table["ours / public code"] = table["ours, same recording (ms)"] / table["public code, this recording (ms)"]
    table["public code here / its own figure"] = (table["public code, this recording (ms)"]
                                                 / table["public code's own figure (ms)"])
    return table.round(2)


def describe_public_code_comparison(table: pd.DataFrame, published: Mapping[str, float]) -> str:
    """What :func:`public_code_comparison`'s table says, in the sentences a chapter prints."""
    ratio, machine = table["ours / public code"], table["public code here / its own figure"]
    if ratio.isna().any():
        return ("The public code has not been timed here yet: with checkouts of the public repositories, "
                "`ENHANCELIB_UEGAN_CODE=... ENHANCELIB_BNCAGAN_CODE=... python scripts/record_benchmarks.py "
                "bench_public_code` records it.")
    verdict = ("ours is faster on both" if (ratio < 1).all() else
               "ours is slower on the " + " and the ".join(ratio[ratio >= 1].index))
    figures = f"{published['forward']:.0f} and {published['step']:.0f} ms"
    return (f"Timed against the public code itself in the same minutes, our forward pass takes "
            f"{ratio['forward']:.2f} x its time and our training step {ratio['step']:.2f} x: {verdict}. In this "
            f"recording the public code ran {machine['forward']:.2f} x and {machine['step']:.2f} x the time of its own "
            f"figures ({figures}). "
            + ("Those figures therefore came from a faster machine or session, and only the ratio measured on one "
               "machine, the column 'ours / public code', says whether ours is slower."
               if (machine > 1).all() else
               "The machine was not slower than the one behind those figures, so they can be compared as well."))


def throughput_table(path: Path | None = None) -> pd.DataFrame:
    """The recorded training-throughput benchmark (``scripts/bench_throughput.py --record``): per recipe and
    setting, steps per CPU-second, the ratio to today's engine, wall seconds per step and the largest weight
    difference from today's after the timed steps (0: bit-identical)."""
    import json

    import pandas as pd

    from enhancelib.paths import REPO_ROOT  # looked up per call: tests move the root

    path = path or REPO_ROOT / "data" / "runs" / "benchmark" / "throughput" / "throughput.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not recorded; run: python scripts/bench_throughput.py --record")
    record = json.loads(path.read_text())
    order = ("today", "reuse", "1-thread", "channels-last", "compile")
    rows = [{"recipe": recipe, "setting": setting, "steps per CPU-second": row["steps_per_cpu_second"],
             "x today": row["speedup"], "wall s per step": row["wall_seconds_per_step"],
             "largest weight change": row["max_weight_difference"]}
            for recipe, settings in record["results"].items()
            for setting, row in sorted(settings.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99)]
    return pd.DataFrame(rows).set_index(["recipe", "setting"])


def both_allocators(record: str, lines: Mapping[str, str]) -> pd.DataFrame:
    """:func:`benchmark_lookup` of ``record`` and of its freed-memory-kept recording (rows ``default allocator``,
    ``freed memory kept``); NaN where a line is not recorded."""
    import pandas as pd

    return pd.DataFrame({label: benchmark_lookup(name, lines) for name, label in
                         ((record, "default allocator"), (record + REUSED_MEMORY_SUFFIX, "freed memory kept"))}).T


def bf16_kept_or_missing(table: pd.DataFrame, record: str) -> tuple[Mapping[str, float], str | None]:
    """The ``freed memory kept`` row of a :func:`both_allocators` table with bfloat16 lines, and, where its
    ``step bfloat16 (ms)`` is not recorded, the sentence that says how to record it (else None)."""
    import math

    kept = table.loc["freed memory kept"]
    if math.isfinite(float(kept["step bfloat16 (ms)"])):
        return kept, None
    return kept, (f"The bfloat16 lines are not recorded yet: `python scripts/record_benchmarks.py {record}` records "
                  "them on a CPU with native bfloat16 (avx512_bf16 or AMX).")
