"""`mailspine guardrails eval`: detection and false-positive rates of the injection guardrail.

Dev data (attack dev split, data/guardrails/benign_mails.jsonl) trains the classifier and is where the
thresholds were chosen, from out-of-fold scores. Held-out data (attack held-out split by content hash,
data/guardrails/benign_heldout.jsonl, written separately) is only ever scored, never tuned on.
"""

import hashlib
import time
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from offline_eval.guardrail_corpus import ATTACKS_FILE
from services.gateway.guardrails.classifier import InjectionClassifier, load_or_train, read_jsonl, train
from services.gateway.guardrails.rules import score_rules
from services.gateway.guardrails.verdict import Thresholds, combine
from shared.settings import REPO_ROOT, PathSettings

BENIGN_DEV = REPO_ROOT / "data" / "guardrails" / "benign_mails.jsonl"
BENIGN_HELDOUT = REPO_ROOT / "data" / "guardrails" / "benign_heldout.jsonl"
# held-out benign mails written to contain wording a detector might wrongly react to
HARD_HELDOUT_IDS = REPO_ROOT / "data" / "guardrails" / "benign_heldout.hard_ids.txt"


def mail_text(row: dict) -> str:
    return f"{row['subject']}\n\n{row['body']}"


def embed(attack: str, host: dict) -> str:
    """An attack as it arrives in mail: inside an ordinary business message."""
    paragraphs = host["body"].split("\n\n")
    middle = max(1, len(paragraphs) // 2)
    return mail_text({**host, "body": "\n\n".join([*paragraphs[:middle], attack, *paragraphs[middle:]])})


@dataclass(frozen=True)
class Rates:
    n: int
    flagged_or_blocked: float
    blocked: float


def rates(scores: list[float], thresholds: Thresholds) -> Rates:
    array = np.asarray(scores)
    return Rates(len(scores), float((array >= thresholds.flag).mean()), float((array >= thresholds.block).mean()))


def combined_scores(texts: list[str], classifier: InjectionClassifier) -> list[float]:
    return [combine(score_rules(text).score, classifier.score(text)) for text in texts]


def out_of_fold_scores(attacks: list[str], benign: list[str], folds: int = 5) -> tuple[list[float], list[float]]:
    """Dev scores from models that never saw the scored item: the honest basis for choosing thresholds."""
    texts, labels = attacks + benign, np.array([1] * len(attacks) + [0] * len(benign))
    scores = np.zeros(len(texts))
    for train_index, test_index in StratifiedKFold(folds, shuffle=True, random_state=7).split(texts, labels):
        fold_attacks = [texts[i] for i in train_index if labels[i] == 1]
        fold_benign = [texts[i] for i in train_index if labels[i] == 0]
        classifier = InjectionClassifier(train(fold_attacks, fold_benign))
        for i in test_index:
            scores[i] = combine(score_rules(texts[i]).score, classifier.score(texts[i]))
    return list(scores[: len(attacks)]), list(scores[len(attacks) :])


def evaluate(thresholds: Thresholds = Thresholds()) -> dict[str, Rates]:
    rows = read_jsonl(ATTACKS_FILE)
    attacks_dev = [r["text"] for r in rows if r["split"] == "dev"]
    attacks_heldout = [r["text"] for r in rows if r["split"] == "heldout"]
    benign_dev = [mail_text(r) for r in read_jsonl(BENIGN_DEV)]
    heldout_rows = read_jsonl(BENIGN_HELDOUT)
    benign_heldout = [mail_text(r) for r in heldout_rows]
    hard_ids = set(HARD_HELDOUT_IDS.read_text().split())

    print(f"corpus: {len(attacks_dev)} dev / {len(attacks_heldout)} held-out attacks; "
          f"{len(benign_dev)} dev / {len(benign_heldout)} held-out benign mails", flush=True)
    started = time.monotonic()
    print("dev: 5-fold out-of-fold scores ...", flush=True)
    oof_attacks, oof_benign = out_of_fold_scores(attacks_dev, benign_dev)
    print(f"held-out: scoring with the model trained on all dev data ({time.monotonic() - started:.0f}s so far) ...",
          flush=True)
    classifier = load_or_train(ATTACKS_FILE, BENIGN_DEV, PathSettings().cache / "models")
    heldout_benign_scores = combined_scores(benign_heldout, classifier)
    # each attack hidden inside a held-out benign mail, chosen by the attack's hash
    hosts = [heldout_rows[int(hashlib.sha256(a.encode()).hexdigest()[:8], 16) % len(heldout_rows)]
             for a in attacks_heldout]
    return {
        "dev attacks (out-of-fold)": rates(oof_attacks, thresholds),
        "dev benign mails (out-of-fold)": rates(oof_benign, thresholds),
        "held-out attacks": rates(combined_scores(attacks_heldout, classifier), thresholds),
        "held-out attacks inside benign mail": rates(
            combined_scores([embed(a, h) for a, h in zip(attacks_heldout, hosts, strict=True)], classifier),
            thresholds),
        "held-out benign mails": rates(heldout_benign_scores, thresholds),
        "held-out benign mails, hard subset": rates(
            [score for row, score in zip(heldout_rows, heldout_benign_scores, strict=True) if row["id"] in hard_ids],
            thresholds),
    }


def print_report(results: dict[str, Rates], thresholds: Thresholds = Thresholds()) -> None:
    print(f"\nthresholds: flag >= {thresholds.flag}, block >= {thresholds.block}")
    print(f"{'set':<40} {'n':>5} {'flag or block':>14} {'block':>8}")
    for name, r in results.items():
        print(f"{name:<40} {r.n:>5} {r.flagged_or_blocked:>14.1%} {r.blocked:>8.1%}")
    print("(for attack sets the rate is the detection rate; for benign sets it is the false-positive rate)")
