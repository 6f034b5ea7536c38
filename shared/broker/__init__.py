"""The one way a service gets a Kafka broker: traced, dead-lettering, with durable subscriber defaults."""

from shared.broker.factory import build_broker, durable_subscriber

__all__ = ["build_broker", "durable_subscriber"]
