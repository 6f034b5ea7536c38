"""Every Kafka topic, its version and its retention. Names carry the schema version."""

from dataclasses import dataclass

MAIL_INBOUND = "mail.inbound.v1"
MAIL_ACCEPTED = "mail.accepted.v1"
MAIL_QUARANTINE = "mail.quarantine.v1"
MAIL_OUTBOUND = "mail.outbound.v1"
CRM_WRITES = "crm.writes.v1"
CRM_ACKS = "crm.acks.v1"
REVIEW_REQUESTS = "review.requests.v1"
REVIEW_DECISIONS = "review.decisions.v1"
AGENT_RUNS = "agent.runs.v1"
EVAL_SCORES = "eval.scores.v1"
REGISTRY_PROMPTS = "registry.prompts.v1"
REGISTRY_EVENTS = "registry.events.v1"
AUDIT_LOG = "audit.log.v1"

TOOLS = ("crm_writer", "retriever", "history", "email_sender")

SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
FOREVER = -1


def tool_requests(tool: str) -> str:
    return f"tool.{tool}.requests.v1"


def tool_results(tool: str) -> str:
    return f"tool.{tool}.results.v1"


def dead_letter_topic(topic: str) -> str:
    """``mail.accepted.v1`` -> ``mail.accepted.dlq.v1``."""
    base, _, version = topic.rpartition(".")
    return f"{base}.dlq.{version}"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    retention_ms: int = SEVEN_DAYS_MS
    compacted: bool = False
    large_messages: bool = False

    def configs(self, max_message_bytes: int) -> dict[str, str]:
        configs = {"retention.ms": str(self.retention_ms)}
        if self.compacted:
            configs["cleanup.policy"] = "compact"
        if self.large_messages:
            configs["max.message.bytes"] = str(max_message_bytes)
        return configs


def _primary_topics() -> list[TopicSpec]:
    specs = [
        # raw mail may be oversize on purpose; the gateway decides, the broker must not
        TopicSpec(MAIL_INBOUND, large_messages=True),
        # the gateway accepts mail up to its own limit (10 MiB by default), so the parsed mail can be large too
        TopicSpec(MAIL_ACCEPTED, large_messages=True),
        TopicSpec(MAIL_QUARANTINE, large_messages=True),
        TopicSpec(MAIL_OUTBOUND),
        TopicSpec(CRM_WRITES),
        TopicSpec(CRM_ACKS),
        TopicSpec(REVIEW_REQUESTS),
        TopicSpec(REVIEW_DECISIONS),
        TopicSpec(AGENT_RUNS),
        TopicSpec(EVAL_SCORES),
        TopicSpec(REGISTRY_PROMPTS, retention_ms=FOREVER, compacted=True),
        TopicSpec(REGISTRY_EVENTS, retention_ms=FOREVER),
        TopicSpec(AUDIT_LOG, retention_ms=FOREVER),
    ]
    for tool in TOOLS:
        specs += [TopicSpec(tool_requests(tool)), TopicSpec(tool_results(tool))]
    return specs


def all_topics() -> list[TopicSpec]:
    """The primary topics and one dead-letter topic for each; dead letters keep the source's size limit."""
    primary = _primary_topics()
    dead_letters = [
        TopicSpec(dead_letter_topic(spec.name), large_messages=spec.large_messages)
        for spec in primary
        if not spec.compacted
    ]
    return primary + dead_letters
