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
    # with no rule hit, the classifier alone must be this sure: on its own it reacts to mail *about* prompts, AI
    # tools or CEO fraud as much as to attacks (dev, out-of-fold: 14.5% of the hard benign mails flagged at 0.5,
    # 5.8% at 0.8, for 99.4% -> 97.4% of the jailbreak strings)
    classifier_alone: float = 0.8
    # a rule hit lends the classifier's score weight only if the rule is one benign mail rarely trips: the weak
    # hits (a stray zero-width character, a tracking pixel, a link template, "send all invoices to") are there to
    # add up with others, and on their own they turned a middling classifier score into a flag (dev, out of fold)
    corroborating_rule: float = 0.3


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
    corroborated = rules.score >= thresholds.corroborating_rule or classifier_score >= thresholds.classifier_alone
    if not corroborated or score < thresholds.flag:
        verdict = Verdict.PASS
    else:
        verdict = Verdict.BLOCK if score >= thresholds.block else Verdict.FLAG
    return InjectionAssessment(verdict, score, rules.score, classifier_score, rules.hits)
