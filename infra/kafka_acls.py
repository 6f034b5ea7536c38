"""Least privilege on the broker: which principal may read and write which topic, applied as Kafka ACLs.

Every service is its own principal. A principal gets Read on the topics it consumes (and its consumer
group), Write on the topics it produces, and nothing else; the broker denies whatever no ACL allows.
"""

import asyncio
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import CreateAclsRequest

from shared.contracts.topics import (
    AGENT_RUNS,
    AUDIT_LOG,
    CRM_ACKS,
    CRM_WRITES,
    EVAL_SCORES,
    MAIL_ACCEPTED,
    MAIL_INBOUND,
    MAIL_OUTBOUND,
    MAIL_QUARANTINE,
    REGISTRY_EVENTS,
    REGISTRY_PROMPTS,
    REVIEW_DECISIONS,
    REVIEW_REQUESTS,
    TOOLS,
    dead_letter_topic,
    tool_requests,
    tool_results,
)
from shared.errors import InfraError
from shared.mail_publisher import MAIL_SOURCE  # mail servers, `mailspine send` and `mailspine deliver`
from shared.settings import KafkaSettings

ADMIN = "admin"  # the operator: creates topics and ACLs (a super user)
CRM = "crm"  # the CRM's connector: takes the writes, answers each with an accept or a reject
REVIEW_DASHBOARD = "review-dashboard"  # where reviewers approve, edit or reject proposed actions


@dataclass(frozen=True)
class Access:
    principal: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


ACCESS = (
    Access(MAIL_SOURCE, writes=(MAIL_INBOUND,)),
    # the LMTP ingest (services/mail_ingest): a mail source of its own, with its own password
    Access("mail-ingest", writes=(MAIL_INBOUND,)),
    Access("gateway", reads=(MAIL_INBOUND,), groups=("gateway",),
           writes=(MAIL_ACCEPTED, MAIL_QUARANTINE, AUDIT_LOG, dead_letter_topic(MAIL_INBOUND))),
    # the runtime's prompt client follows the registry topics without a consumer group: every replica must see
    # every registry event, so it reads all partitions itself (a shared group would split them)
    # the agent: calls every tool and reads every tool's results (its own group), and reads people's decisions
    Access("runtime", reads=(MAIL_ACCEPTED, REGISTRY_PROMPTS, REGISTRY_EVENTS, REVIEW_DECISIONS,
                             *(tool_results(tool) for tool in TOOLS)),
           groups=("runtime", "runtime-results", "runtime-decisions"),
           writes=(*(tool_requests(tool) for tool in TOOLS), REVIEW_REQUESTS, AGENT_RUNS, AUDIT_LOG,
                   *(dead_letter_topic(t) for t in (MAIL_ACCEPTED, REVIEW_DECISIONS,
                                                    *(tool_results(tool) for tool in TOOLS))))),
    Access("tool-crm-writer", reads=(tool_requests("crm_writer"),), groups=("tool-crm-writer",),
           writes=(CRM_WRITES, tool_results("crm_writer"), dead_letter_topic(tool_requests("crm_writer")))),
    Access("tool-email-sender", reads=(tool_requests("email_sender"),), groups=("tool-email-sender",),
           writes=(tool_results("email_sender"), MAIL_OUTBOUND, dead_letter_topic(tool_requests("email_sender")))),
    Access("tool-history", reads=(tool_requests("history"),), groups=("tool-history",),
           writes=(tool_results("history"), dead_letter_topic(tool_requests("history")))),
    Access(CRM, reads=(CRM_WRITES,), groups=("crm",), writes=(CRM_ACKS, dead_letter_topic(CRM_WRITES))),
    # the history indexer joins each accepted mail (redacted) with its run summary into the Weaviate history
    Access("history-indexer", reads=(MAIL_ACCEPTED, AGENT_RUNS), groups=("history-indexer", "history-indexer-runs"),
           writes=(dead_letter_topic(MAIL_ACCEPTED), dead_letter_topic(AGENT_RUNS))),
    Access("tool-retriever", reads=(tool_requests("retriever"),), groups=("tool-retriever",),
           writes=(tool_results("retriever"), dead_letter_topic(tool_requests("retriever")))),
    # the console: its review queue, mail pages and audit verification read these; it decides and audits
    Access(REVIEW_DASHBOARD, reads=(REVIEW_REQUESTS, MAIL_ACCEPTED, AUDIT_LOG, EVAL_SCORES),
           groups=("review-dashboard",),
           writes=(REVIEW_DECISIONS, AUDIT_LOG, *(dead_letter_topic(t) for t in (REVIEW_REQUESTS, MAIL_ACCEPTED,
                                                                                  AUDIT_LOG, EVAL_SCORES)))),
    # the online evaluator: run summaries and signals in, scores out; it reads the registry like the runtime
    # (its judge prompt, and which version is canary) and records canary rollbacks in the audit log
    Access("evaluator", reads=(AGENT_RUNS, CRM_ACKS, REVIEW_DECISIONS, EVAL_SCORES, REGISTRY_PROMPTS, REGISTRY_EVENTS),
           groups=("evaluator", "evaluator-signals", "evaluator-scores"),
           writes=(EVAL_SCORES, AUDIT_LOG, *(dead_letter_topic(t) for t in (AGENT_RUNS, CRM_ACKS, REVIEW_DECISIONS,
                                                                             EVAL_SCORES)))),
    # the prompt registry is the only writer of its topics; it rebuilds its view by reading them back
    Access("registry", reads=(REGISTRY_PROMPTS, REGISTRY_EVENTS),
           writes=(REGISTRY_PROMPTS, REGISTRY_EVENTS, AUDIT_LOG)),
)

KAFKA_PRINCIPALS = (ADMIN, *(access.principal for access in ACCESS))

# Kafka protocol codes (org.apache.kafka.common.acl / resource)
_TOPIC, _GROUP = 2, 3
_READ, _WRITE, _DESCRIBE = 3, 4, 8
_LITERAL = 3
_ALLOW = 3


def acl_bindings(access: tuple[Access, ...] = ACCESS) -> list[tuple[int, str, str, int]]:
    """(resource type, resource name, principal, operation) for every grant."""
    bindings = []
    for grant in access:
        principal = f"User:{grant.principal}"
        for topic in grant.reads:
            bindings += [(_TOPIC, topic, principal, _READ), (_TOPIC, topic, principal, _DESCRIBE)]
        for topic in grant.writes:
            bindings += [(_TOPIC, topic, principal, _WRITE), (_TOPIC, topic, principal, _DESCRIBE)]
        for group in grant.groups:
            bindings.append((_GROUP, group, principal, _READ))
    return bindings


async def apply_acls(kafka: KafkaSettings | None = None) -> int:
    """Create every grant (creating an existing ACL is a no-op). Returns how many were stated."""
    kafka = kafka or KafkaSettings.for_principal(ADMIN)
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    try:
        bindings = acl_bindings()
        # aiokafka has the CreateAcls protocol but no public call for it; send the requests directly
        responses = await asyncio.gather(*(
            admin._send_request(
                CreateAclsRequest(resource_type, name, _LITERAL, principal, "*", operation, _ALLOW),
            )
            for resource_type, name, principal, operation in bindings
        ))
        failures = [
            (binding, result)
            for binding, response in zip(bindings, responses, strict=True)
            for result in response.creation_responses
            if result[0] != 0
        ]
        if failures:
            raise InfraError(f"Kafka refused ACLs (binding, (error code, message)): {failures[:5]}")
        return len(bindings)
    finally:
        await admin.close()
