"""Duplicated inline scripts (Sphinx 7.4) are dropped; distinct ones are kept in order."""
from sphinx.builders.html._assets import _JavaScript

from enhancelib.book.sphinx_fixes import drop_duplicate_scripts


def test_duplicate_inline_scripts_are_dropped():
    thebe = 'const THEBE_JS_URL = "x"'
    scripts = [
        _JavaScript("_static/doctools.js", priority=200),
        _JavaScript(None, body=thebe, priority=500),
        _JavaScript("_static/sphinx-thebe.js", priority=500),
        _JavaScript("", body=thebe, priority=500),         # the registry's copy
        _JavaScript("", body="let other = 1;", priority=500),
        _JavaScript("_static/doctools.js", priority=200),
    ]
    context = {"script_files": scripts}
    drop_duplicate_scripts(None, "page", "page.html", context, None)
    kept = context["script_files"]
    assert [getattr(s, "attributes", {}).get("body", s.filename) for s in kept] == [
        "_static/doctools.js", thebe, "_static/sphinx-thebe.js", "let other = 1;"]
