"""The one way a service gets a Kafka broker: traced, dead-lettering, with durable subscriber defaults."""

from shared.broker.coalesced_commits import CoalescedCommits
from shared.broker.factory import build_broker, durable_subscriber
from shared.broker.offset_ledger import OffsetCommitter, OffsetLedger

__all__ = ["CoalescedCommits", "OffsetCommitter", "OffsetLedger", "build_broker", "durable_subscriber"]
