"""Build the Jupyter Book and refuse to call a build with warnings a success.

``jupyter-book build --all -W --keep-going <repo>`` executes every notebook
in ``_toc.yml`` (``execute_notebooks: force``), turns every Sphinx warning
into an error, and keeps going so that all of them are reported at once.
The log is echoed live and scanned afterwards, so the summary lists every
warning even if a future Sphinx stops failing on some of them.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from enhancelib.paths import REPO_ROOT

__all__ = ["BuildError", "BuildResult", "jupyter_book_command", "find_warnings", "build_book"]

# Sphinx/docutils report "path:line: WARNING: message" (or "ERROR:", ...).  Kernel
# notices such as "[IPKernelApp] WARNING | ..." are not build warnings.
_WARNING = re.compile(r"(^|\s)(WARNING|ERROR|CRITICAL|SEVERE):|CellExecutionError|Traceback \(most recent call last\)")


class BuildError(RuntimeError):
    """The book did not build, or built with warnings."""


@dataclass
class BuildResult:
    html_dir: Path
    seconds: float
    warnings: list[str] = field(default_factory=list)

    @property
    def index(self) -> Path:
        return self.html_dir / "index.html"

    @property
    def pages(self) -> list[Path]:
        """The site's HTML pages (not the theme's templates under ``_static``)."""
        return sorted(p for p in self.html_dir.rglob("*.html")
                      if not p.relative_to(self.html_dir).parts[0].startswith("_"))


def jupyter_book_command() -> list[str]:
    """``jupyter-book`` of the running interpreter's environment (falls back to PATH)."""
    beside = Path(sys.executable).parent / "jupyter-book"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("jupyter-book")
    if found is None:
        raise BuildError("jupyter-book is not installed: run `make install` (or pip install 'jupyter-book<2').")
    return [found]


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def find_warnings(log: str) -> list[str]:
    """Lines of a build log that report a warning or an error (colour codes removed)."""
    lines = (_ANSI.sub("", line).rstrip() for line in log.splitlines())
    return [line for line in lines if _WARNING.search(line)]


def build_book(root: Path = REPO_ROOT, *, strict: bool = True, rebuild_all: bool = True,
               echo: bool = True) -> BuildResult:
    """Build ``root``'s book into ``root/_build/html``.

    ``strict`` fails on any warning (``-W --keep-going``); ``rebuild_all``
    empties ``_build/html`` and rewrites every page (needed after vendored
    JavaScript changed).  The repo
    root is put on ``PYTHONPATH`` so the notebooks import ``enhancelib`` even
    where the package is not installed.
    """
    command = [*jupyter_book_command(), "build", str(root)]
    if rebuild_all:
        command.append("--all")
    if strict:
        command += ["-W", "--keep-going"]
    html_dir = root / "_build" / "html"
    if rebuild_all and html_dir.is_dir():
        shutil.rmtree(html_dir)  # Sphinx never deletes outputs: no stale pages or static files
    env = dict(os.environ)
    # The book shows every chapter with its default parameters: a preset chosen
    # for the test run (ENHANCELIB_PRESET=smoke) must not leak into it.
    env.pop("ENHANCELIB_PRESET", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger notice on stderr
    start = time.monotonic()
    lines: list[str] = []
    with subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, bufsize=1) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
        code = process.wait()
    result = BuildResult(html_dir, time.monotonic() - start, find_warnings("".join(lines)))
    if code != 0:
        details = "\n".join(result.warnings[-40:]) or "".join(lines[-40:])
        raise BuildError(f"jupyter-book build failed (exit code {code}):\n{details}")
    if strict and result.warnings:
        raise BuildError("The book built with warnings:\n" + "\n".join(result.warnings))
    if not result.index.is_file():
        raise BuildError(f"The build finished but {result.index} is missing.")
    return result
