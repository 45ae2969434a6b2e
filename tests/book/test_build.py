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
