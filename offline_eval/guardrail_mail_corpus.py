"""Builds the mail-borne attack corpus and its benign look-alikes from hand-written parts.

Each hand-written payload (data/guardrails/mail_corpus_parts.yaml) goes into several business mails of its own
split (dev payloads into dev benign mails, held-out payloads into held-out ones) through several carriers: hidden
with zero-width characters or homoglyphs, quoted inside an earlier message of the thread, at the top, in the middle
or in a postscript. The output is committed, so every run evaluates the same mails; rebuild it with
`mailspine guardrails mail-corpus`.
"""

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path

import yaml

from services.gateway.guardrails.classifier import read_jsonl
from shared.settings import REPO_ROOT

GUARDRAIL_DATA = REPO_ROOT / "data" / "guardrails"
PARTS_FILE = GUARDRAIL_DATA / "mail_corpus_parts.yaml"
MAIL_ATTACKS_FILE = GUARDRAIL_DATA / "mail_attacks.jsonl"
MAIL_LOOKALIKES_FILE = GUARDRAIL_DATA / "mail_lookalikes.jsonl"
HOSTS = {"dev": GUARDRAIL_DATA / "benign_mails.jsonl", "heldout": GUARDRAIL_DATA / "benign_heldout.jsonl"}
QUOTED_KINDS = frozenset({"quoted_staff_note", "quoted_thread"})
ZERO_WIDTH_KINDS = frozenset({"zero_width"})

_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
_HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і", "y": "у", "s": "ѕ",
               "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "T": "Т", "H": "Н", "M": "М", "B": "В"}


def _seeded(*parts: str) -> random.Random:
    # reproducible choices of carriers and hosts, not secrets
    return random.Random(int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16))  # noqa: S311


def _zero_width(text: str, rng: random.Random) -> str:
    out = []
    for index, char in enumerate(text):
        out.append(char)
        if char.isalpha() and index + 1 < len(text) and text[index + 1].isalpha() and rng.random() < 0.45:
            out.append(rng.choice(_INVISIBLE))
    return "".join(out)


def _homoglyphs(text: str, rng: random.Random) -> str:
    return "".join(_HOMOGLYPHS[c] if c in _HOMOGLYPHS and rng.random() < 0.6 else c for c in text)


_OBFUSCATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "zero_width": _zero_width,
    "homoglyphs": _homoglyphs,
    "zero_width+homoglyphs": lambda text, rng: _zero_width(_homoglyphs(text, rng), rng),
    "soft_hyphens": lambda text, rng: "".join(c + "\u00ad" if c.isalpha() and rng.random() < 0.3 else c for c in text),
}


def _quote(lines: str, marker: str) -> str:
    return "\n".join(f"{marker} {line}".rstrip() for line in lines.split("\n"))


def _quoted_carriers(payload: str, host: dict) -> dict[str, str]:
    """The host's text is the newest message; the payload sits in an earlier message from the company."""
    earlier = f"Hello,\n\nthank you for contacting Acme customer service.\n\n{payload}\n\nBest regards,\nAcme Support"
    reply = host["body"]
    return {
        "quoted_reply": f"{reply}\n\nOn Tue, 3 Mar 2026 at 10:14, Acme Support <support@acme.example> wrote:\n"
                        f"{_quote(earlier, '>')}",
        "outlook_original": f"{reply}\n\n-----Original Message-----\nFrom: Acme Customer Service <care@acme.example>\n"
                            f"Sent: Monday, March 2, 2026 4:51 PM\nSubject: RE: {host['subject']}\n\n{earlier}",
        "nested_quote": f"{reply}\n\n> On 2 Mar 2026, a customer wrote:\n> > Any update?\n>\n"
                        f"> Acme Support wrote earlier:\n{_quote(_quote(earlier, '>'), '>')}",
        "forwarded": f"{reply}\n\n---------- Forwarded message ---------\nFrom: Acme Support Team <team@acme.example>\n"
                     f"Date: Mon, 2 Mar 2026\nSubject: {host['subject']}\n\n{earlier}",
    }


def _placed_carriers(payload: str, host: dict) -> dict[str, str]:
    paragraphs = host["body"].split("\n\n")
    middle = max(1, len(paragraphs) // 2)
    return {
        "top": f"{payload}\n\n{host['body']}",
        "middle": "\n\n".join([*paragraphs[:middle], payload, *paragraphs[middle:]]),
        "postscript": f"{host['body']}\n\nP.S. {payload}",
        "inline": "\n\n".join([f"{paragraphs[0]} {payload}", *paragraphs[1:]]),
    }


def _carriers(kind: str, payload: str, host: dict, rng: random.Random) -> dict[str, tuple[str, str]]:
    """carrier name -> (the mail body, the text that was put into the host mail)"""
    if kind in QUOTED_KINDS:
        # the earlier message around the payload is the company's ordinary reply, not part of the attack
        return {name: (body, payload) for name, body in _quoted_carriers(payload, host).items()}
    if kind in ZERO_WIDTH_KINDS:
        obfuscated = {name: obfuscate(payload, rng) for name, obfuscate in _OBFUSCATIONS.items()}
        return {name: (_placed_carriers(text, host)["middle"], text) for name, text in obfuscated.items()}
    return {name: (body, payload) for name, body in _placed_carriers(payload, host).items()}


def _mails(section: dict, split: str, hosts: list[dict], per_payload: int, id_prefix: str) -> list[dict]:
    rows = []
    for kind, payloads in section.items():
        for number, payload in enumerate(payloads, start=1):
            rng = _seeded(split, kind, payload)
            carriers = _carriers(kind, payload, hosts[rng.randrange(len(hosts))], rng)
            for carrier in rng.sample(sorted(carriers), min(per_payload, len(carriers))):
                host = hosts[rng.randrange(len(hosts))]
                body, inserted = _carriers(kind, payload, host, rng)[carrier]
                rows.append({"id": f"{id_prefix}-{split}-{kind}-{number:02d}-{carrier}", "split": split, "kind": kind,
                             "payload": f"{kind}-{number:02d}", "carrier": carrier, "host": host["id"],
                             "subject": host["subject"], "body": body, "inserted": inserted.strip()})
    return rows


def build_mail_corpus(parts_file: Path = PARTS_FILE) -> dict[str, int]:
    parts = yaml.safe_load(parts_file.read_text())
    attacks, lookalikes = [], []
    for split, host_file in HOSTS.items():
        hosts = read_jsonl(host_file)
        attacks += _mails(parts[split]["attacks"], split, hosts, per_payload=4, id_prefix="mail-attack")
        lookalikes += _mails(parts[split]["lookalikes"], split, hosts, per_payload=3, id_prefix="lookalike")
    for target, rows in ((MAIL_ATTACKS_FILE, attacks), (MAIL_LOOKALIKES_FILE, lookalikes)):
        target.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    counts: dict[str, int] = {}
    for label, rows in (("attack", attacks), ("look-alike", lookalikes)):
        for row in rows:
            key = f"{label} {row['kind']}:{row['split']}"
            counts[key] = counts.get(key, 0) + 1
    return counts
