"""An install from before per-service Redis users keeps its data: old keys move under their service's prefix."""

import uuid

from infra.redis_key_moves import move_old_keys
from infra.servers.redis import RedisServer


def test_old_keys_move_with_their_ttl_and_never_over_a_newer_key() -> None:
    run = uuid.uuid4().hex
    with RedisServer().operator_client() as redis:
        redis.set(f"crm_writer:written:{run}", "1", ex=600)
        redis.set(f"eval:run:{run}", "old")
        redis.set(f"evaluator:run:{run}", "new")  # written by the new evaluator meanwhile: kept
        redis.set(f"mailspine:registry:names:{run}", "stale view")
        assert move_old_keys(redis) >= 1
        assert redis.get(f"tool-crm-writer:written:{run}") == b"1"
        assert 0 < redis.ttl(f"tool-crm-writer:written:{run}") <= 600
        assert redis.get(f"evaluator:run:{run}") == b"new"
        assert not redis.exists(f"crm_writer:written:{run}", f"mailspine:registry:names:{run}")
        redis.delete(f"tool-crm-writer:written:{run}", f"eval:run:{run}", f"evaluator:run:{run}")
