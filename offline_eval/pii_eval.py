"""`mailspine pii eval`: how much labelled personal data the gateway lets through, per language and entity type.

Each hand-labelled mail of data/pii/ (see its DATASHEET.md) is built as RFC 5322 (From, Reply-To, Cc, body) and
goes through the gateway's content stages, as in production. A labelled value counts where the gateway passes it
on (the From header, the subject, the body); it is caught when the accepted mail no longer holds it. Values that
must stay (order ids, amounts, company names) measure over-redaction. The golden set adds one figure: mails whose
sender display name reaches the runtime without a placeholder.
"""

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from offline_eval.golden_mail import build_inspector, prepare
from services.gateway.guardrails.classifier import read_jsonl
from services.gateway.pipeline import ContentInspector, Evidence, inspect_content
from shared.contracts.golden import GoldenMail
from shared.golden import load_golden
from shared.settings import REPO_ROOT
from shared.spotlight import DATAMARK

PII_DATA = REPO_ROOT / "data" / "pii"
SPLITS = {"dev": PII_DATA / "dev.jsonl", "heldout": PII_DATA / "heldout.jsonl"}
RECEIVED_AT = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


@dataclass
class Tally:
    total: int = 0
    caught: int = 0

    def add(self, caught: bool) -> None:
        self.total += 1
        self.caught += caught

    @property
    def rate(self) -> float:
        return self.caught / self.total if self.total else float("nan")


def rfc5322(row: dict) -> bytes:
    message = EmailMessage()
    message["From"] = row["from"]
    message["To"] = "service@acme.example"
    for header, key in (("Reply-To", "reply_to"), ("Cc", "cc")):
        if row.get(key):
            message[header] = row[key]
    message["Subject"] = row["subject"]
    message["Message-ID"] = f"<{row['id']}@pii.mailspine.example>"
    message["Date"] = format_datetime(RECEIVED_AT)
    message.set_content(row["body"])
    return message.as_bytes()


def accepted_text(row: dict, inspector: ContentInspector) -> str:
    content = inspect_content(rfc5322(row), f"<{row['id']}@pii.mailspine.example>", "service@acme.example",
                              RECEIVED_AT, inspector, Evidence())
    # datamarking replaces spaces: a two-word name must be looked for with its spaces back
    return json.dumps(content.accepted.model_dump(mode="json"), ensure_ascii=False).replace(DATAMARK, " ")


def evaluate_split(rows: list[dict], inspector: ContentInspector) -> dict[str, dict[str, Tally]]:
    """Tallies keyed by entity type (and "kept" for values that must survive), then by language and "all"."""
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for row in rows:
        passed_on = "\n".join((row["from"], row["subject"], row["body"]))
        output = accepted_text(row, inspector)
        for label in row["pii"]:
            if label["value"] in passed_on:
                for language in (row["language"], "all"):
                    tallies[label["type"]][language].add(label["value"] not in output)
        for value in row["keep"]:
            for language in (row["language"], "all"):
                tallies["kept"][language].add(value in output)
    return tallies


def sender_names_in_clear(rows: list[GoldenMail], inspector: ContentInspector) -> tuple[int, int]:
    """Golden mails with a display name in From, and how many reach the runtime with a word of that name in clear
    anywhere (From, subject, body: a signature's first name counts). Company display names count too."""
    with_name = in_clear = 0
    for row in rows:
        words = re.findall(r"[^\W\d_]{3,}", parseaddr(row.mail.from_)[0])
        prepared = prepare(row, inspector)
        if not words or prepared.content is None:
            continue
        accepted = prepared.content.accepted
        passed = "\n".join((accepted.sender, accepted.subject, accepted.body)).replace(DATAMARK, " ")
        with_name += 1
        in_clear += any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", passed) for word in words)
    return with_name, in_clear


def evaluate() -> dict[str, object]:
    inspector = build_inspector()
    results: dict[str, object] = {split: evaluate_split(read_jsonl(path), inspector) for split, path in SPLITS.items()}
    for split in ("dev", "heldout"):
        results[f"golden {split}"] = sender_names_in_clear(load_golden(split), inspector)
    return results


def print_report(results: dict[str, object]) -> None:
    for split in SPLITS:
        tallies = results[split]
        assert isinstance(tallies, dict)
        languages = [*sorted({lang for by_lang in tallies.values() for lang in by_lang if lang != "all"}), "all"]
        print(f"\n{split}: share of labelled values that do not pass the gateway (kept: share that must and do)")
        print(f"{'entity':<15}" + "".join(f"{lang:>11}" for lang in languages))
        for entity, by_language in sorted(tallies.items()):
            cells = [f"{t.rate:6.0%} {t.caught:>2}/{t.total:<2}" if (t := by_language.get(lang)) else f"{'-':>11}"
                     for lang in languages]
            print(f"{entity:<15}" + "".join(f"{cell:>11}" for cell in cells))
    for split in ("dev", "heldout"):
        golden = results[f"golden {split}"]
        assert isinstance(golden, tuple)
        with_name, in_clear = golden
        print(f"golden {split}: {in_clear} of {with_name} mails with a sender display name pass a word of it "
              "in clear (company names included, which may pass)")
