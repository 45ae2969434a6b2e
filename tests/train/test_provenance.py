"""Provenance: which processor made a record."""
from __future__ import annotations

from enhancelib.train import provenance


def test_cpu_description_names_the_processor_and_its_bfloat16_support(monkeypatch):
    monkeypatch.setattr(provenance, "cpu_has_native_bfloat16", lambda: False)
    described = provenance.cpu_description()
    assert described["cpu_native_bfloat16"] is False
    assert described["cpu_model"] and isinstance(described["cpu_model"], str)
    # the vector set is the one PyTorch dispatches to, e.g. "AVX2" or "AVX512" on x86 ("DEFAULT" without one)
    assert isinstance(described["cpu_vector_isa"], str) and described["cpu_vector_isa"]
    monkeypatch.setattr(provenance, "cpu_has_native_bfloat16", lambda: True)
    assert provenance.cpu_description()["cpu_native_bfloat16"] is True


def test_cpu_model_falls_back_when_proc_is_missing(monkeypatch):
    def missing(self):
        raise OSError("no /proc here")

    monkeypatch.setattr(provenance.Path, "read_text", missing)
    assert provenance.cpu_model()  # platform's answer, never empty
