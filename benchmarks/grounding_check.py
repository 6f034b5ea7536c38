"""How far the evaluator's grounding check agrees with the golden dataset's human labels, and what it catches.

Run: ``uv run python benchmarks/grounding_check.py``. Labels are human truth, so every labelled value should be
grounded in its mail: a miss is either a false alarm of the check or a label normalised beyond the text (a
relative date, a computed total). Then each label set is corrupted one value at a time (another mail's id or
name, an amount off by 1.00, a date off by a day) and the table says how often the check catches it. The
matcher was tuned on dev only; held-out is reported as measured. Golden mails carry no received date, so a
date written without a year matches on day and month alone; the "loose" column counts such matches.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from services.evaluator.scoring.checks import CheckResult, grounding_check
from services.evaluator.scoring.grounding import amount_values, date_mentions, fold, visible_text
from shared.contracts.extraction import Extraction
from shared.contracts.golden import Amount, GoldenMail
from shared.golden import load_golden

SPLITS = ("dev", "heldout", "all")


def facts_of(mail: GoldenMail) -> Extraction:
    return Extraction.model_validate(mail.labels.model_dump(exclude={"attack"}))


def check(mail: GoldenMail, facts: Extraction) -> CheckResult:
    result = grounding_check(facts, mail.mail.from_, mail.mail.subject, mail.mail.body)
    assert result is not None  # facts are given
    return result


def source_of(mail: GoldenMail) -> str:
    return "\n".join((mail.mail.from_, mail.mail.subject, visible_text(mail.mail.body)))


def _alnum(text: str) -> str:
    return re.sub(r"\W+", "", fold(text))


def miss_reason(label_field: str, value: str, source: str) -> str:
    """A rough category for a labelled value the check did not find, to tell false alarms from labels."""
    if label_field == "dates":
        wanted = date.fromisoformat(value)
        if any((month, day) == (wanted.month, wanted.day) for _, month, day in date_mentions(source)):
            return "day and month written, year differs"
        return "no such date written (relative or inferred)"
    if label_field == "amounts":
        amount, written = Decimal(value.split()[0]), amount_values(source)
        if any(a + b == amount or a * b == amount for a in written for b in written):
            return "computed from written numbers"
        return "no such number written"
    if label_field in ("order_ids", "invoice_ids"):
        return "written with other separators" if _alnum(value) in _alnum(source) else "id not written"
    words = re.findall(r"\w+", fold(value))
    found = [word for word in words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", fold(source))]
    return "some words written" if found else "not written"


@dataclass
class Agreement:
    mails: int = 0
    passed: int = 0
    checked: int = 0
    grounded: int = 0
    loose: int = 0
    misses: list[tuple[str, str, str, str]] = field(default_factory=list)  # mail, field, value, reason


def agreement(mails: list[GoldenMail]) -> Agreement:
    outcome = Agreement(mails=len(mails))
    for mail in mails:
        result = check(mail, facts_of(mail))
        outcome.passed += result.passed
        outcome.checked += result.detail["checked"]
        outcome.grounded += result.detail["grounded"]
        outcome.loose += sum(map(len, result.detail.get("loose", {}).values()))
        outcome.misses += [(mail.id, name, value, miss_reason(name, value, source_of(mail)))
                           for name, values in result.detail.get("ungrounded", {}).items() for value in values]
    return outcome


# --- corruptions: each returns the corrupted facts and the value the check must flag, or None if not applicable


def _donor(mails: list[GoldenMail], index: int, pick: Callable[[GoldenMail], str | None],
           taken: set[str]) -> str | None:
    """The value of the next mail (cyclically) that has one unlike any of this mail's own."""
    for offset in range(1, len(mails)):
        value = pick(mails[(index + offset) % len(mails)])
        if value and fold(value) not in taken:
            return value
    return None


def swap_id(label_field: str) -> Callable[[list[GoldenMail], int], tuple[Extraction, str] | None]:
    def corrupt(mails: list[GoldenMail], index: int) -> tuple[Extraction, str] | None:
        facts = facts_of(mails[index])
        ids: list[str] = getattr(facts, label_field)
        if not ids:
            return None
        donor = _donor(mails, index, lambda m: (getattr(m.labels, label_field) or [None])[0], {fold(i) for i in ids})
        return (facts.model_copy(update={label_field: [donor, *ids[1:]]}), donor) if donor else None
    return corrupt


def swap_text(label_field: str) -> Callable[[list[GoldenMail], int], tuple[Extraction, str] | None]:
    def corrupt(mails: list[GoldenMail], index: int) -> tuple[Extraction, str] | None:
        facts = facts_of(mails[index])
        own = getattr(facts, label_field)
        if not own:
            return None
        donor = _donor(mails, index, lambda m: getattr(m.labels, label_field), {fold(own)})
        return (facts.model_copy(update={label_field: donor}), donor) if donor else None
    return corrupt


def shift_amount(delta: str) -> Callable[[list[GoldenMail], int], tuple[Extraction, str] | None]:
    def corrupt(mails: list[GoldenMail], index: int) -> tuple[Extraction, str] | None:
        facts = facts_of(mails[index])
        labelled = {Decimal(amount.value) for amount in facts.amounts}
        for position, amount in enumerate(facts.amounts):
            value = Decimal(amount.value) + Decimal(delta)
            if value >= 0 and value not in labelled:  # a shift onto another labelled amount is no corruption
                changed = Amount(value=f"{value:.2f}", currency=amount.currency)
                amounts = [*facts.amounts[:position], changed, *facts.amounts[position + 1 :]]
                return facts.model_copy(update={"amounts": amounts}), f"{changed.value} {changed.currency}"
        return None
    return corrupt


def shift_date(days: int) -> Callable[[list[GoldenMail], int], tuple[Extraction, str] | None]:
    def corrupt(mails: list[GoldenMail], index: int) -> tuple[Extraction, str] | None:
        facts = facts_of(mails[index])
        for position, value in enumerate(facts.dates):
            changed = (date.fromisoformat(value) + timedelta(days=days)).isoformat()
            if changed not in facts.dates:  # "15-16 April" shifted by a day is still a labelled date
                dates = [*facts.dates[:position], changed, *facts.dates[position + 1 :]]
                return facts.model_copy(update={"dates": dates}), changed
        return None
    return corrupt


CORRUPTIONS: dict[str, tuple[str, Callable[[list[GoldenMail], int], tuple[Extraction, str] | None]]] = {
    "order id from another mail": ("order_ids", swap_id("order_ids")),
    "invoice id from another mail": ("invoice_ids", swap_id("invoice_ids")),
    "amount + 1.00": ("amounts", shift_amount("1.00")),
    "amount - 1.00": ("amounts", shift_amount("-1.00")),
    "date + 1 day": ("dates", shift_date(1)),
    "date - 1 day": ("dates", shift_date(-1)),
    "customer name from another mail": ("customer_name", swap_text("customer_name")),
    "company from another mail": ("company", swap_text("company")),
}


def sensitivity(everything: list[GoldenMail], split: str) -> dict[str, tuple[int, int, list[str]]]:
    """Per corruption: (applicable, caught, the mails where it slipped through)."""
    outcome = {}
    for name, (label_field, corrupt) in CORRUPTIONS.items():
        applicable = caught = 0
        slipped: list[str] = []
        for index, mail in enumerate(everything):
            corrupted = corrupt(everything, index) if split in ("all", mail.split) else None
            if corrupted is None:
                continue
            facts, planted = corrupted
            applicable += 1
            if planted in check(mail, facts).detail.get("ungrounded", {}).get(label_field, []):
                caught += 1
            else:
                slipped.append(f"{mail.id}:{planted}")
        outcome[name] = (applicable, caught, slipped)
    return outcome


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def main() -> None:
    everything = load_golden("all")
    splits = {split: [m for m in everything if split in ("all", m.split)] for split in SPLITS}
    started = time.perf_counter()
    results = {}
    for split, mails in splits.items():
        print(f"checking {len(mails)} {split} mails against their own labels ...", flush=True)
        results[split] = agreement(mails)
    print(f"done in {time.perf_counter() - started:.1f}s\n")
    print("split     mails  passed  share   values  grounded  share   loose")
    for split, r in results.items():
        print(f"{split:8} {r.mails:6} {r.passed:7}  {_share(r.passed, r.mails)} {r.checked:7} "
              f"{r.grounded:9}  {_share(r.grounded, r.checked)} {r.loose:6}")
    print("\nungrounded labels (split, mail, field, value, reason):")
    for split in ("dev", "heldout"):
        for mail_id, name, value, reason in results[split].misses:
            print(f"  {split:8} {mail_id}  {name:13} {value:22} {reason}")
    if not results["all"].misses:
        print("  none")
    print("\nsensitivity: corrupted labels the check flags")
    print(f"{'corruption':34}" + "".join(f"{split:>18}" for split in SPLITS))
    started = time.perf_counter()
    outcomes = {split: sensitivity(everything, split) for split in SPLITS}
    for name in CORRUPTIONS:
        cells = [f"{c:>4}/{a:<4} {_share(c, a)}" for a, c, _ in (outcomes[s][name] for s in SPLITS)]
        print(f"{name:34}" + "".join(f"{cell:>18}" for cell in cells))
    print(f"(in {time.perf_counter() - started:.1f}s)\nslipped through (all):")
    for name in CORRUPTIONS:
        if slipped := outcomes["all"][name][2]:
            print(f"  {name}: {', '.join(slipped)}")


if __name__ == "__main__":
    main()
