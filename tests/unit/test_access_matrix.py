"""The least-privilege matrix reports every row the server decided otherwise, and every row it could not ask."""

from tests.support.access_matrix import Probe, mismatches
from tests.support.weaviate_probes import WeaviateProbes, weaviate_probes


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


async def test_the_weaviate_rows_expect_what_the_roles_grant_the_retriever_reads_the_indexer_writes_none_deletes(
        ) -> None:
    weaviate = WeaviateProbes()
    try:
        rows = {(probe.credential, probe.action): probe.allowed for probe in weaviate_probes(weaviate)}
    finally:
        await weaviate.operator.aclose()
    assert rows[("tool-retriever", "read objects")] and not rows[("tool-retriever", "write an object")]
    assert rows[("history-indexer", "write an object")] and rows[("history-indexer", "create a tenant")]
    for user in ("tool-retriever", "history-indexer"):
        for action in ("delete an object", "delete its tenant", "delete the collection", "create a collection",
                       "read another collection"):
            assert rows[(user, action)] is False, (user, action)
    assert not any(allowed for (credential, _), allowed in rows.items()
                   if credential not in ("tool-retriever", "history-indexer"))
    assert ("runtime", "read objects") in rows and ("no credentials", "read objects") in rows
