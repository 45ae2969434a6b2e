"""Append-only JSON-lines logs that survive interruption and resume cleanly."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

__all__ = ["JsonLog", "read_log"]


class JsonLog:
    """One JSON object per line; each row carries a ``step``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, row: Mapping[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(dict(row), sort_keys=True) + "\n")
            handle.flush()

    def rows(self) -> list[dict[str, Any]]:
        return read_log(self.path)

    def last_step(self) -> int | None:
        rows = self.rows()
        return rows[-1]["step"] if rows else None

    def truncate_after(self, step: int) -> None:
        """Drop rows written after ``step`` (they belong to steps a resume will redo)."""
        if not self.path.exists():
            return
        kept = [row for row in self.rows() if row["step"] <= step]
        text = "".join(json.dumps(row, sort_keys=True) + "\n" for row in kept)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON-lines log, ignoring a last line cut off by a crash."""
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows
