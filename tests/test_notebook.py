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


def test_recorded_benchmark_variant_names_its_script(tmp_path, monkeypatch):
    monkeypatch.setattr(provenance, "REPO_ROOT", tmp_path)
    missing = recorded_benchmark("bench_glenet.reused-memory")
    assert "record_benchmarks.py bench_glenet`" in missing and "scripts/bench_glenet.py" in missing
    speed = tmp_path / "data" / "runs" / "benchmark" / "speed"
    speed.mkdir(parents=True)
    (speed / "bench_glenet.reused-memory.txt").write_text("# header\nLEN 120 ms\n")
    shown = recorded_benchmark("bench_glenet.reused-memory")
    assert "LEN 120 ms" in shown and "speed/bench_glenet.reused-memory.txt" in shown
