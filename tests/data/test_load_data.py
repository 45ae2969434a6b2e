"""load_data's argument checking."""
from __future__ import annotations

import pytest

from enhancelib.config import ParameterError
from enhancelib.data import SOURCES, load_data


def test_unknown_source_lists_the_allowed_ones() -> None:
    with pytest.raises(ParameterError, match=r"Unknown data source 'flickr'.*\['benchmark', 'fivek', 'folders'\]"):
        load_data("flickr")
    assert set(SOURCES) == {"benchmark", "fivek", "folders"}


def test_unknown_keyword_lists_the_allowed_ones() -> None:
    with pytest.raises(ParameterError, match=r"'benchmark' takes no argument\(s\) \['root'\].*none"):
        load_data("benchmark", "smoke", root="somewhere")
    with pytest.raises(ParameterError, match=r"\['lo'\].*'low', 'high', 'test_input', 'test_target'"):
        load_data("folders", "smoke", lo="a", high="b")


def test_unknown_preset_is_explained() -> None:
    with pytest.raises(ParameterError, match="Unknown preset"):
        load_data("benchmark", "laptop")
