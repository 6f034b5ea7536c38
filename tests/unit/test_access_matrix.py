"""The least-privilege matrix reports every row the server decided otherwise, and every row it could not ask."""

from tests.support.access_matrix import Probe, mismatches


async def _allowed() -> bool:
    return True


async def _denied() -> bool:
    return False


async def _broken() -> bool:
    raise ConnectionError("refused")


async def test_each_disagreement_and_each_unanswered_probe_is_reported() -> None:
    probes = [
        Probe("redis", "runtime", "runtime:*", "read", True, _allowed),
        Probe("redis", "runtime", "gateway:*", "read", False, _allowed),
        Probe("kafka", "gateway", "crm.writes.v1", "write", True, _denied),
        Probe("kafka", "runtime", "crm.writes.v1", "write", False, _broken),
    ]
    found = await mismatches(probes)
    assert found == [
        "redis: runtime read gateway:* must be denied, but was allowed",
        "kafka: gateway write crm.writes.v1 must be allowed, but was denied",
        "kafka: runtime write crm.writes.v1 must be denied: no decision (ConnectionError('refused'))",
    ]
