"""The least-privilege matrix's rows: one credential, one resource, one action, and whether it must be allowed.

A probe asks the real server and returns True when the server allowed the action and False when it refused it;
any other answer raises, so a probe can only pass by the server's own decision. Probes run concurrently.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from infra.kafka_acls import ACCESS
from infra.weaviate_access import WEAVIATE_USERS
from shared.smtp_relay import SMTP_RELAY_USERS
from standins.crm.access import READERS


@dataclass(frozen=True)
class Probe:
    system: str  # kafka, redis, weaviate, crm-api, smtp-relay, ...
    credential: str  # whose credential (a principal, a user, "no credentials")
    resource: str  # a topic, a key prefix, a collection, an endpoint
    action: str  # read, write, a command, connect
    allowed: bool
    attempt: Callable[[], Awaitable[bool]] = field(compare=False, repr=False)

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "denied"
        return f"{self.system}: {self.credential} {self.action} {self.resource} must be {verdict}"


async def mismatches(probes: Iterable[Probe], concurrency: int = 64) -> list[str]:
    """Every probe whose server decision differs from its expectation (or that got no decision at all)."""
    gate = asyncio.Semaphore(concurrency)

    async def decide(probe: Probe) -> str | None:
        async with gate:
            try:
                allowed = await probe.attempt()
            except Exception as exc:  # noqa: BLE001 - reported with its row, so one bad probe names itself
                return f"{probe}: no decision ({exc!r})"
        if allowed != probe.allowed:
            return f"{probe}, but was {'allowed' if allowed else 'denied'}"
        return None

    found = await asyncio.gather(*(decide(probe) for probe in probes))
    return [line for line in found if line is not None]


def service_principals() -> list[str]:
    """Every service identity: each Kafka principal and each user of a downstream system. A system's rows try each
    one with the credential it would find as its own, so a credential handed to the wrong service shows up."""
    return sorted({access.principal for access in ACCESS} | set(WEAVIATE_USERS) | set(READERS)
                  | set(SMTP_RELAY_USERS))
