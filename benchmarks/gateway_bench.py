"""Gateway benchmark: per-mail latency of the full decision (in process, real Redis) for 5 KB and 50 KB
mails with the share of each stage, then mails/s through one gateway process over the real Kafka.

Run: uv run python -m benchmarks.gateway_bench   (starts or reuses the local servers and services)
"""

import asyncio
import statistics
import time
import uuid
from collections import defaultdict

from infra.service_processes import start_services
from infra.stack import prepare_models, up_infra
from infra.topic_reader import read_records
from services.gateway.app import build_deps
from services.gateway.pipeline import Evidence, admit
from services.gateway.settings import GatewaySettings
from shared.contracts.topics import MAIL_ACCEPTED
from shared.mail_publisher import inbound_from_eml, inbound_headers, publish_inbound
from shared.mail_sources import SourceKeyring
from shared.settings import RedisSettings

PARAGRAPH = (
    "Regarding order AC-558213 placed on 4 November 2026: the pallet of 12 standing desks arrived with two "
    "damaged frames and a missing cable tray. Our receiving team documented the damage on delivery note "
    "DN-44172 and the carrier signed it off. We would like a refund of EUR 418.00 for the two units or "
    "replacements shipped before 4 December, whichever your warehouse can manage sooner.\n\n"
)


def mail_of_size(target_bytes: int) -> bytes:
    token = uuid.uuid4().hex
    body = "Hello Acme support,\n\nmy name is Dana Whitfield, purchasing lead at Northwind Retail.\n\n"
    while len(body) < target_bytes - 400:
        body += PARAGRAPH
    body += ("You can reach me on +44 20 7946 0958 or dana.whitfield@northwind.example.\n\n"
             "Kind regards,\nDana Whitfield\n")
    return (f"From: Dana Whitfield <dana.whitfield@northwind.example>\r\nTo: support@acme.example\r\n"
            f"Subject: Damaged desks on AC-558213\r\nMessage-ID: <{token}@northwind.example>\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def in_process(size: int, runs: int) -> None:
    settings = GatewaySettings()
    redis = RedisSettings.for_user(settings.service_name).client()
    deps = build_deps(settings, redis)
    key = SourceKeyring(settings.source_keys_dir).signing_key("test-mx")
    totals: list[float] = []
    stages: dict[str, list[float]] = defaultdict(list)
    for run in range(runs + 10):
        mail = inbound_from_eml(mail_of_size(size), source_id="test-mx", tenant="acme")
        headers = {k: v.decode() for k, v in inbound_headers(mail, key)}
        record = mail.model_dump_json().encode()
        evidence = Evidence()
        started = time.perf_counter()
        await admit(record, headers, f"bench:{run}", deps, evidence)
        elapsed = (time.perf_counter() - started) * 1000
        if run >= 10:  # warm-up excluded
            totals.append(elapsed)
            for stage, ms in evidence.stage_ms.items():
                stages[stage].append(ms)
    await redis.aclose()
    mean_total = statistics.mean(totals)
    print(f"\n{size // 1024} KB mail, {runs} runs in one process: p50 {percentile(totals, 0.5):.1f} ms, "
          f"p99 {percentile(totals, 0.99):.1f} ms, {1000 / mean_total:.0f} mails/s")
    for stage, values in stages.items():
        share = statistics.mean(values) / mean_total
        print(f"  {stage:<24} p50 {percentile(values, 0.5):7.2f} ms   share of mean {share:6.1%}")


async def through_kafka(count: int) -> None:
    mails = [inbound_from_eml(mail_of_size(5 * 1024), source_id="test-mx", tenant="acme") for _ in range(count)]
    wanted = {mail.mail_id for mail in mails}
    started = time.perf_counter()
    await publish_inbound(mails)
    published = time.perf_counter()
    await read_records(MAIL_ACCEPTED, until=lambda rs: wanted <= {r.get("mail_id") for r in rs}, timeout=300)
    finished = time.perf_counter()
    print(f"\nthrough Kafka, one gateway process: {count} x 5 KB mails accepted {finished - started:.1f}s after the "
          f"first publish ({published - started:.1f}s publishing): "
          f"{count / (finished - started):.0f} mails/s end to end")


def main() -> None:
    up_infra()
    prepare_models()
    asyncio.run(in_process(5 * 1024, 300))
    asyncio.run(in_process(50 * 1024, 100))
    start_services()
    asyncio.run(through_kafka(300))


if __name__ == "__main__":
    main()
