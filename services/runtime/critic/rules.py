"""The critic's deterministic checks of one proposed call: the agent policy (which actions the mail's intent
allows, refund limits, who may receive mail), the trusted facts (the CRM action they call for, high stakes) and
provenance (a consequential value from the untrusted mail text). Pure: no model, no I/O."""

from decimal import Decimal
from typing import Any

from services.runtime.critic.policy import AgentPolicy
from services.runtime.critic.provenance import Origin, embedded_sensitive_values, origin, trusted_values
from services.runtime.critic.verdict import CriticVerdict, Evidence, Verdict, strictest
from services.runtime.planning.steps import PlannedCall
from shared.contracts.crm import CrmAction
from shared.contracts.golden import CrmActionLabel
from shared.contracts.tools.catalog import tool_by_function

# consequential fields whose value must come from a trusted source (else a person decides)
CONSEQUENTIAL_FIELDS = {"write_crm": ("customer_address", "amount", "new_address"), "send_reply": ()}
# free-text fields that must not smuggle bank details or e-mail addresses in from the mail
FREE_TEXT_FIELDS = {"write_crm": ("summary", "new_address"), "send_reply": ("subject", "body")}


def _deny(reason: str) -> CriticVerdict:
    return CriticVerdict(Verdict.DENY, (reason,))


def _person(reason: str) -> CriticVerdict:
    return CriticVerdict(Verdict.NEEDS_HUMAN, (reason,))


def _crm_action_checks(arguments: dict[str, Any], evidence: Evidence, policy: AgentPolicy) -> list[CriticVerdict]:
    facts, action = evidence.facts, str(arguments.get("action"))
    rule = policy.rule(facts.intent)
    if action not in rule.crm_actions:
        return [_deny(f"the policy allows no {action} for a {facts.intent} mail")]
    checks = []
    if facts.crm_action == CrmActionLabel.NONE:
        checks.append(_deny(f"the facts call for no CRM action, the call asks for {action}"))
    elif action != facts.crm_action:
        checks.append(_person(f"the call asks for {action}, the facts call for {facts.crm_action}"))
    if action in policy.person_decides:
        checks.append(_person(f"{action} always needs a person's approval (agent policy)"))
    if action == CrmAction.CREATE_REFUND_CASE and arguments.get("amount") is not None:
        checks.append(_refund_limit(Decimal(str(arguments["amount"])), arguments.get("currency"), evidence, policy))
    return checks


def _refund_limit(amount: Decimal, currency: str | None, evidence: Evidence, policy: AgentPolicy) -> CriticVerdict:
    tenant = evidence.mail.tenant
    limit = policy.refund_limit(tenant, currency or "")
    if limit is None:
        return _person(f"no refund limit for tenant {tenant} in {currency or 'an unstated currency'}")
    if amount > limit:
        return _person(f"refund {amount} {currency} is above tenant {tenant}'s limit of {limit} {currency}")
    return CriticVerdict(Verdict.ALLOW, (f"refund {amount} {currency} within the limit of {limit} {currency}",))


def _recipient_check(arguments: dict[str, Any], evidence: Evidence, policy: AgentPolicy,
                     trusted: frozenset[str]) -> CriticVerdict:
    to = str(arguments.get("to", ""))
    allowed: set[str] = set()
    if "sender" in policy.recipients:
        allowed.add(evidence.mail.payload.sender_address)
    if "crm_record" in policy.recipients and evidence.crm_record:
        allowed.update((evidence.crm_record.get("customer") or {}).get("addresses") or [])
    if "approved" in policy.recipients:
        allowed.update(evidence.approved_state.get("recipients") or [])
    if to in allowed:
        return CriticVerdict(Verdict.ALLOW, (f"recipient {to} is the sender or on record",))
    where = origin(to, evidence, trusted)
    detail = "taken only from the mail text" if where == Origin.TAINTED else "from no trusted source"
    return _deny(f"recipient {to} is neither the sender nor on the customer's record ({detail})")


def _provenance_checks(call: PlannedCall, evidence: Evidence, trusted: frozenset[str]) -> list[CriticVerdict]:
    checks = []
    for field in CONSEQUENTIAL_FIELDS.get(call.function, ()):
        value = call.arguments.get(field)
        if value is None:
            continue
        where = origin(value, evidence, trusted)
        if where != Origin.TRUSTED:
            checks.append(_person(f"{field} {value!r} is {where}: not from the facts, the CRM record or an "
                                  "earlier approval"))
    for field in FREE_TEXT_FIELDS.get(call.function, ()):
        for value in embedded_sensitive_values(str(call.arguments.get(field) or "")):
            if origin(value, evidence, trusted) != Origin.TRUSTED:
                checks.append(_person(f"{field} carries {value}, bank details or an e-mail address from no "
                                      "trusted source"))
    return checks


def policy_verdict(call: PlannedCall, evidence: Evidence, policy: AgentPolicy) -> CriticVerdict:
    try:
        spec = tool_by_function(call.function)
    except KeyError:
        return _deny(f"unknown function {call.function!r}")
    if not spec.consequential:
        return CriticVerdict(Verdict.ALLOW, (f"{call.function} is read-only",))
    facts, rule = evidence.facts, policy.rule(evidence.facts.intent)
    trusted = trusted_values(evidence)
    checks: list[CriticVerdict] = []
    if call.function == "write_crm":
        checks += _crm_action_checks(call.arguments, evidence, policy)
    elif call.function == "send_reply":
        if not rule.reply:
            checks.append(_deny(f"the policy sends no reply for a {facts.intent} mail"))
        checks.append(_recipient_check(call.arguments, evidence, policy, trusted))
    checks += _provenance_checks(call, evidence, trusted)
    if facts.high_stakes:
        checks.append(_person(f"high stakes ({facts.intent}): a person decides before any action"))
    if evidence.mail.payload.requires_human_review:
        checks.append(_person("the gateway flagged the mail for a person (possible prompt injection)"))
    if not checks:
        return CriticVerdict(Verdict.ALLOW, (f"{call.function} within the agent policy",))
    return strictest(*checks)
