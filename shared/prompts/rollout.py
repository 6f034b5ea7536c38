"""The canary split: which arm a routing key (sender address or thread id) falls into. Pure, so the registry
and every client agree on it without talking to each other, and a key keeps its arm across processes."""

import hashlib
from typing import Literal

BUCKETS = 10_000  # a percent has two decimals of resolution


def canary_bucket(prompt_name: str, routing_key: str) -> int:
    """A stable bucket in [0, 10000). The prompt name is mixed in, so one sender is not the canary of every
    prompt at once."""
    digest = hashlib.sha256(f"{prompt_name}\x00{routing_key}".encode()).hexdigest()
    return int(digest, 16) % BUCKETS


def choose_arm(prompt_name: str, routing_key: str | None, canary_percent: float) -> Literal["stable", "canary"]:
    """Without a routing key there is nothing to keep sticky, so the caller gets the stable arm."""
    if routing_key is None or canary_percent <= 0:
        return "stable"
    threshold = round(canary_percent * BUCKETS / 100)
    return "canary" if canary_bucket(prompt_name, routing_key) < threshold else "stable"
