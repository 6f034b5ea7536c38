"""``mailspine quality``: is it getting worse? The recent window against the one before it, from the online
evaluator's aggregates in Redis (so it answers even while the evaluator is down)."""

import argparse
import asyncio
import json
import re
from datetime import timedelta
from typing import Any

from services.evaluator.drift.aggregates import QualityStore
from services.evaluator.drift.detection import DriftReport
from services.evaluator.drift.quality_report import QualityQuestion, answer
from services.evaluator.settings import EvaluatorSettings
from shared.errors import UserError
from shared.settings import RedisSettings

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    found = _DURATION.match(text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration: write e.g. 30m, 6h or 7d")
    value = float(found.group(1))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a window must be longer than zero")
    return timedelta(**{_UNITS[found.group(2)]: value})


async def _report(question: QualityQuestion) -> DriftReport:
    settings = EvaluatorSettings()
    redis = RedisSettings.for_user(settings.service_name).client()  # the evaluator's aggregates, as the evaluator
    try:
        return await answer(QualityStore(redis, settings.bucket_seconds, settings.run_ttl_seconds), question)
    finally:
        await redis.aclose()


def _rate(side: dict[str, Any]) -> str:
    if side["rate"] is None:
        return "-"
    low, high = side["ci"]
    return f"{side['rate']:.3f} [{low:.3f}, {high:.3f}] n={side['n']}"


def _span(window: timedelta) -> str:
    seconds = window.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def render(report: DriftReport, question: QualityQuestion) -> str:
    scope = ", ".join(f"{k}={v}" for k, v in question.where().items() if v) or "all prompts, tenants and models"
    lines = [("YES" if report.worse else "NO") + f" — {report.headline()}", "",
             f"scope: {scope}; the last {_span(question.window)} against the {_span(question.baseline)} before it; "
             f"family-wise alpha {report.alpha} (Holm)", "",
             f"{'metric':<20} {'before':<32} {'now':<32} {'change [95% CI]':<28} {'p (Holm)':<9} verdict"]
    for finding in report.to_dict()["findings"]:
        if finding["delta"] is None:
            change, p = "-", "-"
        else:
            low, high = finding["delta_ci"]
            change = f"{finding['delta']:+.3f} [{low:+.3f}, {high:+.3f}]"
            p = f"{finding['p_adjusted']:.3g}" if finding["p_adjusted"] is not None else "-"
        verdict = finding["direction"] + (f" ({finding['reason']})" if finding["reason"] else "")
        lines.append(f"{finding['metric']:<20} {_rate(finding['baseline']):<32} {_rate(finding['current']):<32} "
                     f"{change:<28} {p:<9} {verdict}")
    lines += ["", "coinciding changes:"] + [f"  {c}" for c in report.coinciding_changes or ["none recorded"]]
    return "\n".join(lines)


def cmd_quality(args: argparse.Namespace) -> None:
    if not 0 < args.alpha < 1:
        raise UserError(f"--alpha {args.alpha}: a significance level is between 0 and 1, e.g. 0.05")
    question = QualityQuestion(prompt=args.prompt, tenant=args.tenant, model=args.model, window=args.window,
                               baseline=args.baseline, alpha=args.alpha, min_samples=args.min_samples)
    report = asyncio.run(_report(question))
    print(json.dumps(report.to_dict(), indent=2) if args.json else render(report, question))
    if args.fail_if_worse and report.worse:
        raise SystemExit(1)


def register(subparsers: Any) -> None:
    quality = subparsers.add_parser(
        "quality", help="is it getting worse? the last window against the one before it, with the effect size")
    quality.add_argument("--prompt", help="one prompt (default: every prompt)")
    quality.add_argument("--tenant", help="one tenant (default: every tenant)")
    quality.add_argument("--model", help="one model (default: every model)")
    quality.add_argument("--window", type=duration, default=timedelta(hours=1), help="the recent window (default 1h)")
    quality.add_argument("--baseline", type=duration, default=timedelta(hours=24),
                         help="the window before it to compare with (default 24h)")
    quality.add_argument("--alpha", type=float, default=0.05, help="family-wise significance level (default 0.05)")
    quality.add_argument("--min-samples", type=int, default=30, help="scores per metric and window before testing")
    quality.add_argument("--json", action="store_true", help="print the report as JSON")
    quality.add_argument("--fail-if-worse", action="store_true", help="exit 1 when the answer is yes")
    quality.set_defaults(run=cmd_quality)
