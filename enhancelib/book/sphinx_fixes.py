"""Sphinx extension: small fixes the static book needs (listed in _config.yml).

Inline scripts registered once appear twice on every page with Sphinx 7.4:
the builder keeps the copy added with ``filename=None`` and adds the
registry's copy again with ``filename=''`` when writing starts.  A repeated
``const`` declaration (sphinx-thebe's ``THEBE_JS_URL``) then throws a
``SyntaxError`` in the browser console.  This extension drops exact
duplicates (same file, same attributes, same inline body) from each page.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sphinx.application import Sphinx

__all__ = ["setup"]


def _asset_key(asset: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    filename = getattr(asset, "filename", None) or (asset if isinstance(asset, str) else "")
    attributes = getattr(asset, "attributes", {}) or {}
    return str(filename or ""), tuple(sorted((str(k), str(v)) for k, v in attributes.items()))


def drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                           doctree: Any) -> None:
    """Keep the first of identical ``<script>`` entries of a page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for asset in scripts:
        key = _asset_key(asset)
        if key in seen:
            continue
        seen.add(key)
        unique.append(asset)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    # Late priority: after the themes and myst-nb added their page scripts.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
