"""Proportions, their intervals and tests: published values, edge cases, and the sequential test under peeking."""

import math
import random

import pytest

from benchmarks.drift_false_alarms import BinomialDraws, simulate_canaries
from services.evaluator.stats import Proportion, always_valid_comparison, compare_proportions, holm, holm_adjusted

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, Wilson score method
WILSON_PUBLISHED = [((81, 263), (0.2553, 0.3662)), ((15, 148), (0.0624, 0.1605)), ((0, 20), (0.0, 0.1611)),
                    ((1, 29), (0.0061, 0.1718))]
# Newcombe (1998), "Interval estimation for the difference between independent proportions", Table II, method 10
NEWCOMBE_PUBLISHED = [((56, 70), (48, 80), (0.0524, 0.3339)), ((9, 10), (3, 10), (0.1705, 0.8090)),
                      ((5, 56), (0, 29), (-0.0381, 0.1926)), ((0, 10), (0, 20), (-0.1611, 0.2775)),
                      ((10, 10), (0, 10), (0.6075, 1.0))]
# a binomial tolerance for seeded simulations: three standard deviations of a rate of alpha over the runs
ALPHA = 0.05


def _tolerance(runs: int) -> float:
    return 3 * math.sqrt(ALPHA * (1 - ALPHA) / runs)


@pytest.mark.parametrize(("counts", "expected"), WILSON_PUBLISHED)
def test_wilson_matches_published_values(counts: tuple[int, int], expected: tuple[float, float]) -> None:
    low, high = Proportion(*counts).wilson()
    assert low == pytest.approx(expected[0], abs=1e-4) and high == pytest.approx(expected[1], abs=1e-4)


@pytest.mark.parametrize(("first", "second", "expected"), NEWCOMBE_PUBLISHED)
def test_newcombe_interval_matches_published_values(first: tuple[int, int], second: tuple[int, int],
                                                    expected: tuple[float, float]) -> None:
    # Newcombe reports first − second; here current − baseline, so the first sample is the current window
    comparison = compare_proportions(baseline=Proportion(*second), current=Proportion(*first))
    assert comparison.delta == pytest.approx(first[0] / first[1] - second[0] / second[1])
    assert comparison.interval[0] == pytest.approx(expected[0], abs=1e-4)
    assert comparison.interval[1] == pytest.approx(expected[1], abs=1e-4)


def test_z_test_squared_is_pearsons_chi_square() -> None:
    a, b, c, d = 48, 32, 56, 14  # baseline passes/fails, current passes/fails
    comparison = compare_proportions(Proportion(a, a + b), Proportion(c, c + d))
    n = a + b + c + d
    chi_square = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    assert comparison.z**2 == pytest.approx(chi_square)
    assert comparison.z > 0 and comparison.p_value == pytest.approx(2 * (1 - comparison.p_worse))
    assert comparison.p_value == pytest.approx(0.00805, abs=1e-4)


def test_a_worse_current_has_a_small_one_sided_p() -> None:
    comparison = compare_proportions(Proportion(90, 100), Proportion(60, 100))
    assert comparison.delta == pytest.approx(-0.3)
    assert comparison.p_worse < 1e-5 and comparison.p_worse == pytest.approx(comparison.p_value / 2)
    assert comparison.interval[1] < 0


def test_thin_data_does_not_crash() -> None:
    empty = compare_proportions(Proportion(0, 0), Proportion(3, 5))
    assert math.isnan(empty.delta) and empty.interval == (-1.0, 1.0) and empty.p_value == empty.p_worse == 1.0
    all_pass = compare_proportions(Proportion(40, 40), Proportion(50, 50))
    assert all_pass.delta == 0 and all_pass.p_value == 1.0 and all_pass.interval[0] < 0 < all_pass.interval[1]
    assert math.isnan(Proportion(0, 0).rate) and Proportion(0, 0).wilson() == (0.0, 1.0)
    assert Proportion(7, 7).wilson()[1] == 1.0
    with pytest.raises(ValueError):
        Proportion(5, 3)


def test_holm_steps_down_and_stops_at_the_first_acceptance() -> None:
    assert holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.005}, 0.05) == {"d", "a"}
    # Bonferroni (0.05 / 3) would reject only x; Holm's later steps have larger thresholds
    assert holm({"x": 0.01, "y": 0.02, "z": 0.04}, 0.05) == {"x", "y", "z"}
    assert holm({"x": 0.01, "y": 0.02, "z": 0.06}, 0.05) == {"x", "y"}
    assert holm({}, 0.05) == set()
    assert holm_adjusted({"x": 0.01, "y": 0.011, "z": 0.5}) == pytest.approx({"x": 0.03, "y": 0.03, "z": 0.5})


def test_the_sequential_test_rejects_a_large_drop_and_not_an_equal_pair() -> None:
    drop = always_valid_comparison(Proportion(900, 1000), Proportion(60, 100))
    assert drop.worse and drop.enough_data and drop.statistic >= drop.threshold == pytest.approx(20)
    assert drop.interval[1] < 0 and drop.p_value < 0.05
    equal = always_valid_comparison(Proportion(900, 1000), Proportion(90, 100))
    assert not equal.worse and equal.statistic < 1 and equal.interval[0] < 0 < equal.interval[1]


def test_the_sequential_test_never_calls_a_better_or_a_thin_canary_worse() -> None:
    better = always_valid_comparison(Proportion(600, 1000), Proportion(95, 100))
    assert better.statistic >= better.threshold and not better.worse
    thin = always_valid_comparison(Proportion(900, 1000), Proportion(0, 20))
    assert not thin.enough_data and not thin.worse
    all_pass = always_valid_comparison(Proportion(500, 500), Proportion(50, 50))
    assert math.isfinite(all_pass.statistic) and not all_pass.worse
    empty = always_valid_comparison(Proportion(0, 0), Proportion(10, 10))
    assert not empty.worse and empty.interval == (-1.0, 1.0)


def test_the_always_valid_interval_covers_the_true_delta_at_every_look() -> None:
    draws = BinomialDraws(random.Random(11))
    streams, missed = 300, 0
    for _ in range(streams):
        control, canary = Proportion(0, 0), Proportion(0, 0)
        for _ in range(50):
            control = Proportion(control.k + draws.draw(30, 0.9), control.n + 30)
            canary = Proportion(canary.k + draws.draw(10, 0.8), canary.n + 10)
            low, high = always_valid_comparison(control, canary).interval
            if not low <= -0.1 <= high:
                missed += 1
                break
    assert missed / streams <= ALPHA + _tolerance(streams)


def test_peeking_at_every_look_stays_within_alpha_for_the_sequential_test_only() -> None:
    runs = 600
    outcomes = simulate_canaries(runs, seed=5, drop=0.0)
    sequential = sum(o.sequential is not None for o in outcomes) / runs
    peeking_z = sum(o.peeking_z is not None for o in outcomes) / runs
    assert sequential <= ALPHA + _tolerance(runs)
    # the same simulation shows the naive repeated z-test inflating, so it can catch an invalid rule
    assert peeking_z > ALPHA + _tolerance(runs)
