"""Build-log scanning: Sphinx warnings are caught, kernel notices are not."""
from enhancelib.book.build import find_warnings

LOG = """\
\x1b[01mreading sources... \x1b[39;49;00m[ 50%] book/intro
[IPKernelApp] WARNING | Kernel is running over TCP without encryption.
\x1b[01mpreparing documents... \x1b[39;49;00m\x1b[91mWARNING: unsupported theme option 'x' given\x1b[39;49;00m
/repo/notebooks/01_uegan.ipynb:12: WARNING: Non-consecutive header level increase; H1 to H3 [myst.header]
/repo/book/intro.md:3: ERROR: Unknown directive type "bibliograpy".
writing output... [100%] notebooks/01_uegan
build succeeded.
"""


def test_sphinx_warnings_and_errors_are_found():
    found = find_warnings(LOG)
    assert found == [
        "preparing documents... WARNING: unsupported theme option 'x' given",
        "/repo/notebooks/01_uegan.ipynb:12: WARNING: Non-consecutive header level increase; H1 to H3 [myst.header]",
        '/repo/book/intro.md:3: ERROR: Unknown directive type "bibliograpy".',
    ]


def test_a_clean_log_has_no_warnings():
    clean = "\n".join(line for line in LOG.splitlines() if "WARNING:" not in line and "ERROR:" not in line)
    assert find_warnings(clean) == []


def test_the_book_is_built_with_default_parameters_even_under_the_test_preset(monkeypatch, tmp_path):
    # `make test` sets ENHANCELIB_PRESET=smoke for the notebooks; the book it
    # builds for the browser test must still show the chapters' defaults.
    import subprocess

    from enhancelib.book import build as build_module

    seen = {}

    class FakePopen:
        def __init__(self, command, env, **kwargs):
            seen.update(env)
            self.stdout = iter(["build succeeded.\n"])

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def wait(self):
            return 0

    monkeypatch.setenv("ENHANCELIB_PRESET", "smoke")
    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    (tmp_path / "_build" / "html").mkdir(parents=True)
    (tmp_path / "_build" / "html" / "index.html").write_text("<html></html>")
    build_module.build_book(tmp_path, rebuild_all=False, echo=False)
    assert "ENHANCELIB_PRESET" not in seen and str(tmp_path) in seen["PYTHONPATH"]
