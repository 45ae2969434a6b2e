"""Shared fixtures for the whole test suite."""
from __future__ import annotations

import pytest

import enhancelib.runtime as runtime

# the random-VGG ``backbone`` fixture of the recipe tests, shared with the training and study tests
pytest_plugins = ["tests.recipes.glenet_fixtures"]

# The session runs with the settings every entry point applies (the recorded numbers were made with them);
# tests/test_runtime.py checks, in child processes, that importing enhancelib alone applies none.
runtime.configure()


@pytest.fixture(autouse=True)
def allocator_calls(monkeypatch) -> list[str]:
    """Commands run in-process must not switch glibc's allocator for the whole test session.

    ``reuse_freed_memory`` is replaced by a recorder; the list it returns says who called it.
    ``tests/test_runtime.py`` checks the real function in child processes.
    """
    calls: list[str] = []

    def record() -> bool:
        calls.append("reuse_freed_memory")
        return False

    monkeypatch.setattr(runtime, "reuse_freed_memory", record)
    return calls
