"""Pass/fail scores as proportions: Wilson and Newcombe intervals, the two-proportion z-test, Holm's correction,
and an always-valid sequential test (mSPRT) that a canary may be watched with after every score."""

import math
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()


def _z(confidence: float) -> float:
    return _NORMAL.inv_cdf(1 - (1 - confidence) / 2)


@dataclass(frozen=True)
class Proportion:
    """k passes out of n scores. With n == 0 the rate is nan and the Wilson interval is all of [0, 1]."""

    k: int
    n: int

    def __post_init__(self) -> None:
        if not 0 <= self.k <= self.n:
            raise ValueError(f"a proportion needs 0 <= k <= n, got k={self.k} n={self.n}")

    @property
    def rate(self) -> float:
        return self.k / self.n if self.n else math.nan

    def wilson(self, confidence: float = 0.95) -> tuple[float, float]:
        """The Wilson score interval: unlike the Wald interval it stays inside [0, 1] and is not zero-width at
        k == 0 or k == n, which is where pass rates near 97 % live."""
        if self.n == 0:
            return 0.0, 1.0
        z2 = _z(confidence) ** 2
        p = self.rate
        centre = (p + z2 / (2 * self.n)) / (1 + z2 / self.n)
        half = math.sqrt(z2) / (1 + z2 / self.n) * math.sqrt(p * (1 - p) / self.n + z2 / (4 * self.n**2))
        low = 0.0 if self.k == 0 else max(0.0, centre - half)
        high = 1.0 if self.k == self.n else min(1.0, centre + half)
        return low, high


@dataclass(frozen=True)
class Comparison:
    """current against baseline. delta = current − baseline; interval is Newcombe's hybrid score interval for it;
    p_value is two-sided (pooled z-test), p_worse one-sided for "current is worse"."""

    baseline: Proportion
    current: Proportion
    delta: float
    interval: tuple[float, float]
    z: float
    p_value: float
    p_worse: float
    confidence: float


def compare_proportions(baseline: Proportion, current: Proportion, confidence: float = 0.95) -> Comparison:
    """Never raises on thin data. If either side has n == 0: delta nan, interval (−1, 1), z 0, both p-values 1.
    If both sides are all passes or all fails the pooled variance is 0: z 0 and both p-values 1 (no evidence)."""
    if baseline.n == 0 or current.n == 0:
        return Comparison(baseline, current, math.nan, (-1.0, 1.0), 0.0, 1.0, 1.0, confidence)
    delta = current.rate - baseline.rate
    low_b, high_b = baseline.wilson(confidence)
    low_c, high_c = current.wilson(confidence)
    # Newcombe (1998) method 10: each side's Wilson half-widths, in the direction they push the difference
    low = delta - math.hypot(current.rate - low_c, high_b - baseline.rate)
    high = delta + math.hypot(high_c - current.rate, baseline.rate - low_b)
    pooled = (baseline.k + current.k) / (baseline.n + current.n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / baseline.n + 1 / current.n))
    z = delta / se if se > 0 else 0.0
    p_value = 2 * _NORMAL.cdf(-abs(z)) if se > 0 else 1.0
    p_worse = _NORMAL.cdf(z) if se > 0 else 1.0
    return Comparison(baseline, current, delta, (max(-1.0, low), min(1.0, high)), z, p_value, p_worse,
                      confidence)


def holm_adjusted(p_values: dict[str, float]) -> dict[str, float]:
    """Holm step-down adjusted p-values: hypothesis i is rejected at level alpha iff its adjusted p <= alpha."""
    ordered = sorted(p_values.items(), key=lambda item: (item[1], item[0]))
    m = len(ordered)
    adjusted: dict[str, float] = {}
    running = 0.0
    for rank, (name, p) in enumerate(ordered):
        running = max(running, min(1.0, (m - rank) * p))  # monotone, so a later hypothesis never beats an earlier
        adjusted[name] = running
    return adjusted


def holm(p_values: dict[str, float], alpha: float) -> set[str]:
    """Holm–Bonferroni: which hypotheses are rejected with the family-wise error rate kept at alpha."""
    return {name for name, p in holm_adjusted(p_values).items() if p <= alpha}


# The mixing prior N(0, tau²) on the true difference says which effects the test is tuned to find fastest: it
# spends its power on differences of about tau. Drops worth a rollback are 5 to 20 points of pass rate, so
# tau = 0.1 (10 points) sits in their middle; a much smaller tau chases 1-point noise-sized effects and a much
# larger one waits for drops nobody needs a statistician to see.
DEFAULT_TAU = 0.1


@dataclass(frozen=True)
class SequentialComparison:
    """One look of the mSPRT at treatment against control. worse is only ever True with enough_data.

    statistic is the mixture likelihood ratio Λ (for H0: equal rates), threshold 1/alpha, p_value min(1, 1/Λ).
    interval holds every true delta the data do not yet reject at this look; the guarantee (it covers the true
    delta at all looks at once with probability >= 1 − alpha) also lets a caller keep the running intersection."""

    control: Proportion
    treatment: Proportion
    delta: float
    statistic: float
    threshold: float
    p_value: float
    interval: tuple[float, float]
    worse: bool
    enough_data: bool


def _pooled_variance(control: Proportion, treatment: Proportion) -> float:
    """Variance of the difference under H0, from both arms together. Half a pass and half a fail are added so it
    stays > 0 when every score so far passed (or failed), where a plug-in variance of 0 would make any
    difference look infinitely significant."""
    pooled = (control.k + treatment.k + 0.5) / (control.n + treatment.n + 1)
    return pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n)


def always_valid_comparison(control: Proportion, treatment: Proportion, alpha: float = 0.05,
                            tau: float = DEFAULT_TAU, min_samples: int = 30) -> SequentialComparison:
    """Is treatment worse than control? Safe to call after every new score (Johari, Pekelis & Walsh, "Always Valid
    Inference", normal approximation): the chance of ever calling an equal treatment worse stays <= alpha however
    often one looks. Below min_samples scores in either arm the normal approximation is too rough, so it never
    rejects there; with no scores at all in an arm delta is nan and the interval is (−1, 1)."""
    threshold = 1 / alpha
    if control.n == 0 or treatment.n == 0:
        return SequentialComparison(control, treatment, math.nan, 1.0, threshold, 1.0, (-1.0, 1.0), False, False)
    delta = treatment.rate - control.rate
    v = _pooled_variance(control, treatment)
    t2 = tau * tau
    log_lr = 0.5 * math.log(v / (v + t2)) + t2 * delta * delta / (2 * v * (v + t2))
    statistic = math.exp(min(log_lr, 700.0))  # capped so it stays a finite float (and valid JSON) on huge drops
    half = math.sqrt(2 * v * (v + t2) / t2 * (math.log(threshold) + 0.5 * math.log((v + t2) / v)))
    enough = min(control.n, treatment.n) >= min_samples
    worse = enough and delta < 0 and log_lr >= math.log(threshold)
    return SequentialComparison(control, treatment, delta, statistic, threshold, min(1.0, 1 / statistic),
                                (max(-1.0, delta - half), min(1.0, delta + half)), worse, enough)
