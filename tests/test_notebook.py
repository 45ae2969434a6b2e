"""Display helpers of enhancelib.notebook."""
import enhancelib.train.provenance as provenance
from enhancelib.notebook import recorded_benchmark


def test_recorded_benchmark_shows_the_file_or_the_command(tmp_path, monkeypatch):
    monkeypatch.setattr(provenance, "REPO_ROOT", tmp_path)
    missing = recorded_benchmark("bench_uegan")
    assert "not recorded yet" in missing and "record_benchmarks.py bench_uegan" in missing
    speed = tmp_path / "data" / "runs" / "benchmark" / "speed"
    speed.mkdir(parents=True)
    (speed / "bench_uegan.txt").write_text("# header\nG forward 512: 470 ms\n")
    shown = recorded_benchmark("bench_uegan")
    assert "G forward 512: 470 ms" in shown and "data/runs/benchmark/speed/bench_uegan.txt" in shown
    assert shown.count("```") == 2
