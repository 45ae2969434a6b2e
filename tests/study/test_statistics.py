"""The run statistics: the paired test over photos and the seed test over runs."""
import numpy as np
import pandas as pd
import pytest

from enhancelib.study.statistics import paired_test, seed_test


def test_paired_test_detects_a_consistent_improvement_and_its_direction():
    rng = np.random.default_rng(0)
    names = [f"i{k}" for k in range(20)]
    base = rng.normal(20, 2, 20)
    a = pd.DataFrame({"name": names, "psnr": base + 1 + rng.normal(0, 0.1, 20), "niqe": base})
    b = pd.DataFrame({"name": names[::-1], "psnr": base[::-1], "niqe": base[::-1] - 1})  # order differs
    result = paired_test(a, b, "psnr")
    assert result.n == 20 and result.mean_difference == pytest.approx(1.0, abs=0.1)
    assert result.p_value < 1e-3 and result.a_is_better
    # for NIQE lower is better: A's higher NIQE makes B the better one
    niqe_result = paired_test(a, b, "niqe")
    assert niqe_result.mean_difference == pytest.approx(1.0) and not niqe_result.a_is_better


def test_paired_test_finds_nothing_in_noise_and_rejects_mismatched_sets():
    rng = np.random.default_rng(1)
    names = [f"i{k}" for k in range(30)]
    a = pd.DataFrame({"name": names, "psnr": rng.normal(20, 1, 30)})
    b = pd.DataFrame({"name": names, "psnr": rng.normal(20, 1, 30)})
    assert paired_test(a, b, "psnr").p_value > 0.05
    assert paired_test(a, a, "psnr").p_value == 1.0
    with pytest.raises(ValueError, match="different images"):
        paired_test(a, b.iloc[:-1], "psnr")


def test_seed_test_matches_welchs_formula_and_says_when_a_difference_is_noise():
    a, b = [18.0, 18.4, 19.1], [17.2, 17.4, 17.6]
    # Welch: t = (mean_a - mean_b) / sqrt(s_a^2 / n_a + s_b^2 / n_b)
    va, vb = np.var(a, ddof=1) / 3, np.var(b, ddof=1) / 3
    t = (np.mean(a) - np.mean(b)) / np.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 2)  # Welch-Satterthwaite
    from scipy.stats import t as student
    result = seed_test(a, b)
    assert result.p_value == pytest.approx(2 * student.sf(abs(t), dof))
    assert result.mean_difference == pytest.approx(np.mean(a) - np.mean(b))
    assert result.std_b == pytest.approx(0.2)
    assert not result.beyond_seed_noise  # p = 0.06: a 1.1 dB gap, but seed 2 of A is far from the others
    separated = seed_test([19.0, 19.2, 19.4], b)
    assert separated.beyond_seed_noise and "beyond" in str(separated)
    wide = seed_test([16.9, 19.5, 18.0], [18.3, 18.4, 18.35])
    assert not wide.beyond_seed_noise and "within" in str(wide)


def test_seed_test_with_one_seed_reports_no_test_and_rejects_bad_input():
    single = seed_test([18.2], [17.2, 17.4, 17.6], unit="dB")
    assert np.isnan(single.p_value) and np.isnan(single.std_a) and not single.beyond_seed_noise
    assert "too few seeds" in str(single) and "+0.80 dB" in str(single)
    with pytest.raises(ValueError, match="at least one run"):
        seed_test([], [1.0])
    with pytest.raises(ValueError, match="non-finite"):
        seed_test([float("nan")], [1.0, 2.0])
