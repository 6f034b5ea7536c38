"""Keys that moved under their service's own prefix when each service got its own Redis user. An install from
before keeps its data: `mailspine up` renames what it finds (with the operator's user; TTLs are kept)."""

from redis import Redis

from shared.redis_text import redis_text

MOVED = (
    ("crm_writer:written:", "tool-crm-writer:written:"),  # the CRM writer's idempotency keys
    ("eval:", "evaluator:"),  # the evaluator's run index, aggregates and golden candidates
)
# the registry's view is rebuilt from Kafka under registry:view on every start; the old copy is only removed
DROPPED = ("mailspine:registry:",)


def move_old_keys(operator: Redis) -> int:
    """Rename every key still under an old prefix (never over a key already at the new name). Returns how many."""
    moved = 0
    for old, new in MOVED:
        for raw in operator.scan_iter(match=f"{old}*", count=1000):
            key = redis_text(raw)
            moved += bool(operator.renamenx(key, new + key.removeprefix(old)))
    for old in DROPPED:
        stale = list(operator.scan_iter(match=f"{old}*", count=1000))
        if stale:
            operator.delete(*stale)
    return moved
