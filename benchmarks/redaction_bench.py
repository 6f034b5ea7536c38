"""How long PII redaction takes for a realistic 5 KB and 50 KB business mail, and where the time goes.

Run: ``uv run python benchmarks/redaction_bench.py``. Besides the redactor's own p50/p99 it times each stage
(pre-filter, pattern recognizers, NER on the candidate windows, placeholders) and, in the same run, spaCy NER
over the whole body: the ratio between the two says what the pre-filter buys on this machine.
"""

import statistics
import time
from collections.abc import Callable

import spacy

from services.gateway.person_names import MODEL_PATH, load_ner_pipeline, ner_candidate_windows
from services.gateway.redaction import PiiRedactor, assign_placeholders

SENDER = "Dana Whitfield <dana.whitfield@northwind-retail.example>"
SUBJECT = "Re: Refund for order AC-558213 and invoice INV-2026-0931"
OPENING = """Hello Priya,

thanks for the quick reply. As discussed, the 12 standing desks on order AC-558213 arrived on 23 November with
two damaged frames; the other ten are fine and already in use. Please refund EUR 418.00 for the two units by
4 December 2026, or send replacements, whichever your warehouse can do faster. The refund can go to our usual
account DE89 3704 0044 0532 0130 00, the reference on our side is PO-4471.

Invoice INV-2026-0931 still lists 40 hours of onboarding, while the framework contract covers 32 hours at
EUR 95.00 per hour. Could you send a corrected invoice (total EUR 3,040.00 net) before 31.12.2026? Our
accounts team closes the books on that date and cannot book open items into the new year.

Order lines as confirmed on 2 November:
  Pos 1  SD-1400 standing desk, oak, 160x80      12 x EUR 209.00   EUR 2,508.00
  Pos 2  CM-22 cable tray, black                 12 x EUR  14.50   EUR   174.00
  Pos 3  Delivery and assembly, Leeds LS1 4AP     1 x EUR 180.00   EUR   180.00
  Total net                                                          EUR 2,862.00

For the replacements, deliveries are accepted Monday to Friday between 08:00 and 15:00 at Dock 4. The site
manager needs the delivery note in advance; please send it to dana.whitfield@northwind-retail.example or call
me on +44 113 496 0032 if anything is unclear.

Kind regards,
Dana Whitfield
Purchasing, Northwind Retail
17 Canal Street, Leeds LS1 4AP
"""
QUOTED = """
On {day} November 2026 at 10:{minute:02d}, Acme Support wrote:
> Thank you for your message about order AC-{order}. We have opened case CS-2026-{case} and asked the
> warehouse in Rotterdam to check the stock of SD-1400 frames. Replacement parts usually ship within
> three working days; a refund is booked within five working days once the carrier has collected the
> damaged goods. The carrier collection for shipment 00340434{case}0 is planned for the next business day.
> Please keep the original packaging if possible. Our reference for this request is RMA-{order}.
>
> Best regards,
> Acme Customer Service
> Acme Office Furniture Ltd, Unit 7, Harbour Road, Hull HU1 2AB
"""


def business_body(size_bytes: int) -> str:
    """The opening message, then as many quoted earlier replies as fit: realistic thread shape, few PII values."""
    parts, number = [OPENING], 0
    while len("".join(parts).encode()) < size_bytes:
        parts.append(QUOTED.format(day=22 - number % 20, minute=number % 60, order=558213 - number,
                                   case=4100 + number))
        number += 1
    return "".join(parts).encode()[:size_bytes].decode(errors="ignore")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed_ms(action: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def stage_timings_ms(redactor: PiiRedactor, texts: tuple[str, ...], runs: int) -> dict[str, list[float]]:
    """The same steps as PiiRedactor.redact, each timed on its own."""
    stages: dict[str, list[float]] = {"pre-filter": [], "pattern recognizers": [], "NER on windows": [],
                                      "placeholders": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        windows = [ner_candidate_windows(text) for text in texts]
        t1 = time.perf_counter()
        patterns = [redactor.find_patterns(text) for text in texts]
        t2 = time.perf_counter()
        persons = redactor.find_persons(texts, windows)
        t3 = time.perf_counter()
        assign_placeholders(texts, [found + names for found, names in zip(patterns, persons, strict=True)])
        t4 = time.perf_counter()
        for name, (start, end) in zip(stages, [(t0, t1), (t1, t2), (t2, t3), (t3, t4)], strict=True):
            stages[name].append((end - start) * 1000)
    return stages


def report(label: str, redactor: PiiRedactor, full_ner: dict[str, spacy.language.Language], size_bytes: int,
           runs: int, full_runs: int) -> None:
    body = business_body(size_bytes)
    texts = (SENDER, SUBJECT, body)
    for _ in range(5):  # warm-up: first calls allocate and fill caches
        redactor.redact(*texts)
    total = timed_ms(lambda: redactor.redact(*texts), runs)
    stages = stage_timings_ms(redactor, texts, runs)
    windows = [ner_candidate_windows(text) for text in texts]
    window_chars = sum(end - start for text_windows in windows for start, end in text_windows)
    results = redactor.redact(*texts)
    counts = {t: sum(r.counts.get(t, 0) for r in results) for t in sorted({t for r in results for t in r.counts})}

    print(f"\n{label}: body {len(body.encode())} bytes, {sum(map(len, windows))} NER windows "
          f"covering {window_chars} chars ({window_chars / sum(map(len, texts)):.1%} of the text)")
    print(f"  redacted: {counts}")
    print(f"  redact(sender, subject, body)  p50 {percentile(total, 0.5):7.2f} ms   "
          f"p99 {percentile(total, 0.99):7.2f} ms   ({runs} runs)")
    stage_p50 = {name: statistics.median(samples) for name, samples in stages.items()}
    for name, samples in stages.items():
        share = stage_p50[name] / sum(stage_p50.values())
        print(f"    {name:<22} p50 {stage_p50[name]:7.2f} ms   p99 {percentile(samples, 0.99):7.2f} ms   {share:6.1%}")
    ner_on_windows = stage_p50["NER on windows"]
    for pipeline_label, nlp in full_ner.items():
        nlp(body)
        full = timed_ms(lambda: nlp(body), full_runs)  # noqa: B023 - timed within this iteration
        print(f"  for comparison, NER over the whole body, {pipeline_label:<16} p50 {percentile(full, 0.5):8.2f} ms"
              f"   ({full_runs} runs; {percentile(full, 0.5) / ner_on_windows:5.1f}x NER on windows, "
              f"{percentile(full, 0.5) / percentile(total, 0.5):5.1f}x the whole redaction)")


def main() -> None:
    started = time.perf_counter()
    redactor = PiiRedactor()
    print(f"PiiRedactor() loaded in {(time.perf_counter() - started) * 1000:.0f} ms (once per process)")
    full_ner = {
        "ner only": load_ner_pipeline(),  # the redactor's own pipeline
        "tok2vec + ner": spacy.load(MODEL_PATH, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer",
                                                         "senter"]),
    }
    report("5 KB mail", redactor, full_ner, 5 * 1024, runs=200, full_runs=50)
    report("50 KB mail", redactor, full_ner, 50 * 1024, runs=50, full_runs=10)


if __name__ == "__main__":
    main()
