"""How often drift detection and the canary guard raise a false alarm on noise, and how fast they catch real drops.

    python -m benchmarks.drift_false_alarms [--windows 2000] [--canaries 1000] [--seed 7]

Simulated pass/fail scores, seeded and deterministic. Drift: baseline and current windows (50, 200 or 1000 runs)
drawn with the same true rates for all six metrics (each 0.6 to 0.97; reviews and thumbs score only some runs);
any "worse" is a false alarm. Canary: production and a canary (10, 25 or 50 % of traffic) with a look after
every 10 canary scores up to 500 (50 looks). The mSPRT is compared with a z-test at alpha 0.05 repeated at every
look (peeking, which inflates false alarms) and with one z-test at 500 canary scores (no peeking, no early stop).
"""

import argparse
import bisect
import math
import random
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.evaluator.drift.detection import WindowSummary, detect_drift
from services.evaluator.stats import Proportion, always_valid_comparison, compare_proportions
from shared.contracts.eval_score import (
    CRM_ACCEPTED,
    GROUNDED,
    JUDGE_ACCEPTABLE,
    METRICS,
    REVIEW_UNEDITED,
    SCHEMA_VALID,
    THUMBS_UP,
)

ALPHA = 0.05
TRUE_RATES = (0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97)
WINDOW_RUNS = (50, 200, 1000)
# not every run earns every score: CRM acks, reviews and thumbs arrive for a share of the runs
SCORED_SHARE = {JUDGE_ACCEPTABLE: 1.0, SCHEMA_VALID: 1.0, GROUNDED: 1.0, CRM_ACCEPTED: 0.6, REVIEW_UNEDITED: 0.3,
                THUMBS_UP: 0.1}
CANARY_SHARES = (0.1, 0.25, 0.5)
CANARY_BASE_RATES = (0.8, 0.9, 0.97)
LOOK_EVERY = 10
MAX_CANARY = 500
DROPS = (0.05, 0.10, 0.20)


class BinomialDraws:
    """Binomial draws by inverting a cached CDF: the stdlib of Python 3.11 has no binomial sampler, and the
    simulations reuse a few (n, p) pairs millions of times."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._cdfs: dict[tuple[int, float], list[float]] = {}

    def draw(self, n: int, p: float) -> int:
        cdf = self._cdfs.get((n, p))
        if cdf is None:
            cdf = self._cdfs[(n, p)] = _binomial_cdf(n, p)
        return min(bisect.bisect_left(cdf, self.rng.random()), n)


def _binomial_cdf(n: int, p: float) -> list[float]:
    log_p, log_q = math.log(p), math.log1p(-p)
    total, cdf = 0.0, []
    for k in range(n + 1):
        total += math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p
                          + (n - k) * log_q)
        cdf.append(total)
    return cdf


def _window(draws: BinomialDraws, runs: int, rates: dict[str, float], start: datetime) -> WindowSummary:
    metrics = {}
    for metric in METRICS:
        n = round(runs * SCORED_SHARE[metric])
        metrics[metric] = Proportion(draws.draw(n, rates[metric]) if n else 0, n)
    mix: dict[str, Counter[str | None]] = {"prompt_version": Counter({"1.0.0": runs}), "model": Counter({"m": runs}),
           "index_version": Counter({"v1": runs})}
    return WindowSummary(start, start + timedelta(days=1), metrics, mix)


def noise_false_alarms(windows: int, seed: int, progress: bool = False) -> dict[int, Proportion]:
    """Per window size: how many noise-only window pairs detect_drift called worse, out of how many."""
    rng = random.Random(seed)
    draws = BinomialDraws(rng)
    alarms, counts = Counter[int](), Counter[int]()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(windows):
        runs = WINDOW_RUNS[i % len(WINDOW_RUNS)]
        rates = {metric: rng.choice(TRUE_RATES) for metric in METRICS}
        baseline = _window(draws, runs, rates, t0)
        current = _window(draws, runs, rates, t0 + timedelta(days=1))
        alarms[runs] += detect_drift(baseline, current, [], alpha=ALPHA).worse
        counts[runs] += 1
        if progress and (i + 1) % max(1, windows // 5) == 0:
            print(f"  noise windows {i + 1}/{windows}", file=sys.stderr, flush=True)
    return {runs: Proportion(alarms[runs], counts[runs]) for runs in WINDOW_RUNS}


@dataclass(frozen=True)
class CanaryOutcome:
    """Canary scores at which each rule first called the canary worse; None: it never did."""

    sequential: int | None
    peeking_z: int | None
    final_z: int | None


def watch_canary(draws: BinomialDraws, control_rate: float, canary_rate: float, share: float) -> CanaryOutcome:
    control_per_look = round(LOOK_EVERY * (1 - share) / share)
    control, canary = Proportion(0, 0), Proportion(0, 0)
    sequential = peeking = None
    for _ in range(MAX_CANARY // LOOK_EVERY):
        control = Proportion(control.k + draws.draw(control_per_look, control_rate), control.n + control_per_look)
        canary = Proportion(canary.k + draws.draw(LOOK_EVERY, canary_rate), canary.n + LOOK_EVERY)
        if sequential is None and always_valid_comparison(control, canary, alpha=ALPHA).worse:
            sequential = canary.n
        if peeking is None and min(control.n, canary.n) >= 30 and _z_worse(control, canary):
            peeking = canary.n
    final = canary.n if _z_worse(control, canary) else None
    return CanaryOutcome(sequential, peeking, final)


def _z_worse(control: Proportion, canary: Proportion) -> bool:
    comparison = compare_proportions(control, canary, 1 - ALPHA)
    return comparison.p_value < ALPHA and comparison.delta < 0


def simulate_canaries(runs: int, seed: int, drop: float = 0.0) -> list[CanaryOutcome]:
    """runs canary rollouts whose true rate is drop below production's; drop 0 measures false alarms."""
    rng = random.Random(seed)
    draws = BinomialDraws(rng)
    bases = TRUE_RATES if drop == 0 else CANARY_BASE_RATES
    return [watch_canary(draws, bases[i % len(bases)], bases[i % len(bases)] - drop,
                         CANARY_SHARES[(i // len(bases)) % len(CANARY_SHARES)]) for i in range(runs)]


def _rate(p: Proportion) -> str:
    low, high = p.wilson()
    return f"{p.rate:6.1%} [{low:.1%}, {high:.1%}]"


def _detections(outcomes: list[CanaryOutcome], rule: str) -> tuple[Proportion, float | None]:
    found = [n for n in (getattr(o, rule) for o in outcomes) if n is not None]
    return Proportion(len(found), len(outcomes)), statistics.median(found) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=3000, help="noise-only window pairs for drift detection")
    parser.add_argument("--canaries", type=int, default=1200, help="simulated canary rollouts per scenario")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(f"drift detection: {args.windows} noise-only window pairs ...", file=sys.stderr, flush=True)
    by_size = noise_false_alarms(args.windows, args.seed, progress=True)
    scenarios = {0.0: "no difference"} | {d: f"drop {d * 100:.0f} pts" for d in DROPS}
    canaries = {}
    for i, (drop, name) in enumerate(scenarios.items()):
        print(f"canary guard: {args.canaries} rollouts, {name} ...", file=sys.stderr, flush=True)
        canaries[drop] = simulate_canaries(args.canaries, args.seed + 1 + i, drop)

    print(f"\nDrift detection on noise-only windows (alpha {ALPHA}, Holm over {len(METRICS)} metrics)")
    print(f"  {'runs/window':<12} {'windows':>8}  false alarms [95% CI]")
    for runs, alarms in by_size.items():
        print(f"  {runs:<12} {alarms.n:>8}  {_rate(alarms)}")
    total = Proportion(sum(p.k for p in by_size.values()), sum(p.n for p in by_size.values()))
    print(f"  {'all':<12} {total.n:>8}  {_rate(total)}")

    print(f"\nCanary guard: a look every {LOOK_EVERY} canary scores up to {MAX_CANARY} "
          f"({MAX_CANARY // LOOK_EVERY} looks), canary share {'/'.join(f'{s:.0%}' for s in CANARY_SHARES)}")
    header = "".join(f"  {name:>22}" for name in scenarios.values())
    print(f"  {'rule':<22}{header}")
    print(f"  {'':<22}  {'false alarms [95% CI]':>22}" + f"  {'detected, median n':>22}" * len(DROPS))
    for rule, label in (("sequential", "mSPRT, every look"), ("peeking_z", "z-test, every look"),
                        ("final_z", "z-test once at 500")):
        cells = [_rate(_detections(canaries[0.0], rule)[0])]
        for drop in DROPS:
            detected, median = _detections(canaries[drop], rule)
            cells.append(f"{detected.rate:6.1%}, n {median:>5.0f}" if median is not None else f"{detected.rate:6.1%}")
        print(f"  {label:<22}" + "".join(f"  {cell:>22}" for cell in cells))


if __name__ == "__main__":
    main()
