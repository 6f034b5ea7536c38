"""The injection verdict for one mail: rules and classifier combined, then pass, flag or block."""

from dataclasses import dataclass
from enum import StrEnum

from services.gateway.guardrails.classifier import InjectionClassifier
from services.gateway.guardrails.rules import score_rules


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a guardrail verdict, not a password
    FLAG = "flag"  # passes, marked so that a human reviews what the agent proposes
    BLOCK = "block"  # quarantined


@dataclass(frozen=True)
class Thresholds:
    """Chosen on the dev split only (see `mailspine guardrails eval`); never on held-out data."""

    flag: float = 0.5
    block: float = 0.85


@dataclass(frozen=True)
class InjectionAssessment:
    verdict: Verdict
    score: float
    rule_score: float
    classifier_score: float
    rule_hits: tuple[str, ...]


def combine(rule_score: float, classifier_score: float) -> float:
    # two independent signals: either can raise suspicion, agreement raises it further (noisy OR)
    return round(1.0 - (1.0 - rule_score) * (1.0 - classifier_score), 4)


def assess_injection(
    text: str,
    hidden_text: str,
    classifier: InjectionClassifier,
    thresholds: Thresholds = Thresholds(),
) -> InjectionAssessment:
    rules = score_rules(text, hidden_text)
    classifier_score = classifier.score(f"{text}\n\n{hidden_text}" if hidden_text else text)
    score = combine(rules.score, classifier_score)
    verdict = Verdict.BLOCK if score >= thresholds.block else Verdict.FLAG if score >= thresholds.flag else Verdict.PASS
    return InjectionAssessment(verdict, score, rules.score, classifier_score, rules.hits)
