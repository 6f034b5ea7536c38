"""How fast the review queue page loads with many open items.

    eval "$(python -m tests.support.isolated_stack)"   # or use the stack `mailspine up` started
    mailspine up --no-replay                           # the console and Kafka, Redis must be running
    python -m benchmarks.review_queue_bench [--items 1000] [--loads 20]

Publishes ``--items`` review requests for a tenant of its own to review.requests.v1 (as the runtime would, with
the runtime's principal), waits until the console has taken all of them off the topic, signs in as a reader and
loads /review ``--loads`` times, timing each complete response (wall clock, one machine). Prints p50, p95 and
max; the target is under 1 s. Then removes its tenant's items from the console's Redis view.
"""

import argparse
import asyncio
import re
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from aiokafka import AIOKafkaProducer
from redis import Redis

from infra.redis_acls import OPERATOR
from services.console.people import ConsolePeople
from services.console.settings import ConsoleSettings
from shared.bearer_tokens import TokenTable
from shared.contracts.crm import CrmAction, CrmWriteRequest
from shared.contracts.extraction import Extraction
from shared.contracts.review import ReviewRequest, ReviewRequestMessage
from shared.contracts.topics import REVIEW_REQUESTS
from shared.settings import KafkaSettings, RedisSettings

TARGET_SECONDS = 1.0
READER = "rhea.reader"
FACTS = Extraction(intent="refund_request", customer_name="<PERSON_1>", company=None, order_ids=["AC-558213"],
                   invoice_ids=[], amounts=[], dates=[], requested_action="refund the order",
                   crm_action="create_refund_case", high_stakes=True)


def requests_for(tenant: str, count: int) -> list[ReviewRequestMessage]:
    start = datetime.now(UTC) - timedelta(hours=3)
    return [ReviewRequestMessage(
        tenant=tenant, mail_id=f"bench-{uuid.uuid4().hex[:12]}", created_at=start + timedelta(seconds=i),
        payload=ReviewRequest(reason="high stakes: refund above the limit", proposed=CrmWriteRequest(
            call_id=uuid.uuid4().hex, action=CrmAction.CREATE_REFUND_CASE, customer_address="<EMAIL_1>",
            summary="Refund for order AC-558213", facts=FACTS))) for i in range(count)]


async def publish(messages: list[ReviewRequestMessage]) -> None:
    producer = AIOKafkaProducer(**KafkaSettings.for_principal("runtime").client_options(), enable_idempotence=True,
                                client_id="review-queue-bench")
    await producer.start()
    try:
        sent = [await producer.send(REVIEW_REQUESTS, m.model_dump_json().encode(), key=m.mail_id.encode())
                for m in messages]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def wait_until_queued(redis: Redis, tenant: str, count: int, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while (queued := int(redis.zcard(f"console:review:open:{tenant}"))) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"the console queued only {queued} of {count} requests within {timeout:.0f} s; is it "
                             "running (`mailspine status`)?")
        time.sleep(0.5)


def signed_in(settings: ConsoleSettings) -> httpx.Client:
    token = TokenTable(settings.people_tokens_file).token_of(READER)
    if token is None:
        raise SystemExit(f"no console token for {READER} in {settings.people_tokens_file}; start the console once")
    client = httpx.Client(base_url=settings.url, timeout=30.0, follow_redirects=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf, "the sign-in page carries no CSRF token"
    client.post("/login", data={"token": token, "csrf": csrf.group(1)}).raise_for_status()
    return client


def remove(redis: Redis, tenant: str, messages: list[ReviewRequestMessage]) -> None:
    redis.delete(f"console:review:open:{tenant}", *(f"console:review:item:{m.id}" for m in messages),
                 *(f"console:review:mail:{m.mail_id}" for m in messages))
    redis.srem("console:review:tenants", tenant)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    settings = ConsoleSettings()
    assert READER in ConsolePeople.load(settings.people_file).users, f"{READER} is not in {settings.people_file}"
    tenant = f"bench-{uuid.uuid4().hex[:6]}"
    messages = requests_for(tenant, args.items)
    redis = RedisSettings.for_user(OPERATOR).sync_client()  # the console's own user may not delete what it reads
    try:
        asyncio.run(publish(messages))
        wait_until_queued(redis, tenant, args.items)
        client = signed_in(settings)
        try:
            client.get("/review").raise_for_status()  # warm: templates compiled, connections open
            timings = []
            for _ in range(args.loads):
                started = time.perf_counter()
                page = client.get("/review")
                timings.append(time.perf_counter() - started)
                page.raise_for_status()
            rows = len(re.findall(r'class="item[^"]*" data-request', page.text))
        finally:
            client.close()
    finally:
        remove(redis, tenant, messages)
        redis.close()
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(0.95 * len(timings)))]
    print(f"review queue page, {args.items} open items of tenant {tenant} ({rows} rows on the page in all), "
          f"{args.loads} loads, {len(page.content) / 1024:.0f} KiB")
    p50, slowest = statistics.median(timings), timings[-1]
    print(f"  p50 {p50 * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   max {slowest * 1000:.0f} ms"
          f"   target < {TARGET_SECONDS * 1000:.0f} ms: {'met' if p95 < TARGET_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
