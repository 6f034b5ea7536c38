"""A reviewer's correction becomes field corrections and a golden candidate; an approved candidate becomes a
golden mail whose placeholders are fictional stand-ins, the same in text and labels."""

from datetime import UTC, datetime
from email.policy import default as email_policy
from typing import Any

import pytest

from services.evaluator.golden.corrections import candidate_from, candidate_id_for, field_corrections
from services.evaluator.golden.queue import CandidateNotApprovable, golden_record
from shared.contracts.agent_run import RunEvidence
from shared.contracts.crm import CrmAction, CrmWriteRequest
from shared.contracts.eval_score import ScoredRun
from shared.contracts.extraction import Extraction
from shared.contracts.golden import Attack, Category
from shared.contracts.golden_candidate import FieldCorrection
from shared.contracts.review import ReviewDecision, ReviewDecisionMessage
from shared.pii_placeholders import PII_PLACEHOLDER

DECIDED_AT = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


def facts(**changes: Any) -> Extraction:
    base: dict[str, Any] = {
        "intent": "refund_request", "customer_name": "<PERSON_1>", "company": None, "order_ids": ["AC-558213"],
        "invoice_ids": [], "amounts": [{"value": "418.00", "currency": "EUR"}], "dates": ["2026-12-04"],
        "requested_action": "refund two damaged units", "crm_action": "create_refund_case", "high_stakes": False}
    return Extraction.model_validate(base | changes)


def decision(corrected: Extraction | None, verdict: str = "edit", proposed: Extraction | None = None,
             decision_id: str = "d-1") -> ReviewDecisionMessage:
    request = CrmWriteRequest(call_id="c-1", action=CrmAction.CREATE_REFUND_CASE, customer_address="<EMAIL_1>",
                              summary="refund", facts=proposed if proposed is not None else facts())
    return ReviewDecisionMessage(tenant="acme", mail_id="m-1", payload=ReviewDecision(
        decision_id=decision_id, reviewer="rita.reviewer", verdict=verdict, proposed=request,
        corrected=corrected, decided_at=DECIDED_AT))


EVIDENCE = RunEvidence(
    sender="<PERSON_1> <<EMAIL_1>>", subject="Refund for order AC-558213", received_date="2026-11-23",
    body="Hello,\n\ntwo units of order AC-558213 (EUR 418.00, 12.00 EUR shipping) arrived broken. Please refund "
         "them by 4 December 2026, or call me on <PHONE_1>.\n\nKind regards,\n<PERSON_1>\nNorthwind Retail",
    reply="{}", facts=facts(), attempts=1)
RUN = ScoredRun(trace_id="a" * 32, span_id="b" * 16, prompt="extract-email", prompt_version="1.2.0",
                content_hash="sha256:x", arm="stable", model="m", index_version=None, run_at=DECIDED_AT)


def test_the_same_facts_are_no_correction_whatever_the_order_of_lists() -> None:
    many = facts(order_ids=["A-1", "B-2"], amounts=[{"value": "1.00", "currency": "EUR"},
                                                   {"value": "2.00", "currency": "USD"}])
    reordered = facts(order_ids=["B-2", "A-1"], amounts=[{"value": "2.00", "currency": "USD"},
                                                        {"value": "1.00", "currency": "EUR"}])
    assert field_corrections(many, reordered) == []
    assert field_corrections(facts(), facts()) == []


def test_each_changed_field_is_one_correction_in_contract_order_with_plain_values() -> None:
    corrected = facts(intent="complaint", customer_name="Dana <PERSON_1>", company="Northwind Retail",
                      crm_action="log_interaction", high_stakes=True, dates=[])
    assert field_corrections(facts(), corrected) == [
        FieldCorrection(field="intent", before="refund_request", after="complaint"),
        FieldCorrection(field="customer_name", before="<PERSON_1>", after="Dana <PERSON_1>"),
        FieldCorrection(field="company", before=None, after="Northwind Retail"),
        FieldCorrection(field="dates", before=["2026-12-04"], after=[]),
        FieldCorrection(field="crm_action", before="create_refund_case", after="log_interaction"),
        FieldCorrection(field="high_stakes", before=False, after=True),
    ]
    assert type(field_corrections(facts(), corrected)[0].after) is str  # the enum's value, stored as JSON


def test_lists_are_multisets_shown_whole_and_sorted() -> None:
    changes = field_corrections(facts(order_ids=["B-2", "A-1"]), facts(order_ids=["C-3", "B-2"]))
    assert changes == [FieldCorrection(field="order_ids", before=["A-1", "B-2"], after=["B-2", "C-3"])]
    twice = field_corrections(facts(invoice_ids=["INV-1"]), facts(invoice_ids=["INV-1", "INV-1"]))
    assert twice == [FieldCorrection(field="invoice_ids", before=["INV-1"], after=["INV-1", "INV-1"])]


def test_amounts_compare_by_value_and_currency() -> None:
    same_value_other_currency = facts(amounts=[{"value": "418.00", "currency": "GBP"}])
    assert field_corrections(facts(), same_value_other_currency) == [
        FieldCorrection(field="amounts", before=["418.00 EUR"], after=["418.00 GBP"])]
    added = facts(amounts=[{"value": "418.00", "currency": "EUR"}, {"value": "12.00", "currency": "EUR"}])
    assert field_corrections(facts(), added) == [
        FieldCorrection(field="amounts", before=["418.00 EUR"], after=["12.00 EUR", "418.00 EUR"])]


def test_an_edit_becomes_a_pending_candidate_with_the_redacted_text_and_the_run() -> None:
    corrected = facts(dates=["2026-12-04"], amounts=[{"value": "418.00", "currency": "EUR"},
                                                     {"value": "12.00", "currency": "EUR"}])
    candidate = candidate_from(decision(corrected), EVIDENCE, RUN)
    assert candidate is not None
    assert candidate.candidate_id == candidate_id_for("d-1")
    assert (candidate.mail_id, candidate.tenant, candidate.reviewer) == ("m-1", "acme", "rita.reviewer")
    assert (candidate.trace_id, candidate.prompt, candidate.prompt_version) == ("a" * 32, "extract-email", "1.2.0")
    assert (candidate.sender, candidate.body, candidate.received_date) == (
        EVIDENCE.sender, EVIDENCE.body, "2026-11-23")
    assert candidate.proposed == facts() and candidate.corrected == corrected
    assert [c.field for c in candidate.corrections] == ["amounts"]
    assert candidate.status == "pending" and candidate.created_at == DECIDED_AT


def test_a_redelivered_decision_yields_the_identical_candidate_another_decision_another_id() -> None:
    corrected = facts(intent="complaint")
    first = candidate_from(decision(corrected), EVIDENCE, RUN)
    again = candidate_from(decision(corrected), EVIDENCE, RUN)  # a new envelope id, the same decision
    other = candidate_from(decision(corrected, decision_id="d-2"), EVIDENCE, RUN)
    assert first is not None and other is not None
    assert first == again
    assert other.candidate_id != first.candidate_id


def test_no_candidate_when_nothing_was_corrected() -> None:
    assert candidate_from(decision(None, verdict="approve"), EVIDENCE, RUN) is None
    assert candidate_from(decision(None, verdict="reject"), EVIDENCE, RUN) is None
    assert candidate_from(decision(facts(order_ids=["AC-558213"])), EVIDENCE, RUN) is None


def test_corrected_facts_count_on_a_rejection_and_the_run_evidence_stands_in_for_missing_proposed_facts() -> None:
    rejected = candidate_from(decision(facts(crm_action="none"), verdict="reject"), EVIDENCE, RUN)
    assert rejected is not None and [c.field for c in rejected.corrections] == ["crm_action"]
    message = decision(facts(intent="complaint"))
    assert message.payload.proposed is not None
    without_facts = message.model_copy(update={"payload": message.payload.model_copy(update={
        "proposed": message.payload.proposed.model_copy(update={"facts": None})})})
    from_evidence = candidate_from(without_facts, EVIDENCE, RUN)
    assert from_evidence is not None and from_evidence.proposed == EVIDENCE.facts
    no_facts_anywhere = EVIDENCE.model_copy(update={"facts": None})
    assert candidate_from(without_facts, no_facts_anywhere, RUN) is None


def _candidate(**corrected: Any) -> Any:
    candidate = candidate_from(decision(facts(intent="complaint", **corrected)), EVIDENCE, RUN)
    assert candidate is not None
    return candidate


def test_the_golden_record_replaces_placeholders_consistently_in_text_and_labels() -> None:
    row = golden_record(_candidate(requested_action="call <PERSON_1> on <PHONE_1>"), "g-0400", Category.REFUND, "en")
    dumped = row.model_dump_json(by_alias=True)
    assert not PII_PLACEHOLDER.search(dumped)
    assert row.labels.customer_name == "Robin Ashdown"
    assert "Kind regards,\nRobin Ashdown\n" in row.mail.body and "+1 202 555 0101" in row.mail.body
    assert row.labels.requested_action == "call Robin Ashdown on +1 202 555 0101"
    sender = email_policy.header_factory("from", row.mail.from_)
    assert not sender.defects
    assert (sender.addresses[0].display_name, sender.addresses[0].addr_spec) == (
        "Robin Ashdown", "customer1@redacted.example")
    assert row.mail.to == "support@acme.example" and row.mail.format == "text"
    assert row.labels.intent == "complaint" and row.labels.attack is None


def test_a_sender_without_an_address_gets_a_fictional_one() -> None:
    candidate = _candidate().model_copy(update={"sender": "<PERSON_1>"})
    row = golden_record(candidate, "g-0400", Category.REFUND, "en")
    assert row.mail.from_ == "Robin Ashdown <sender@redacted.example>"


def test_labels_the_text_does_not_support_are_refused_before_anything_is_written() -> None:
    with pytest.raises(CandidateNotApprovable, match="'ZZ-999' in the corrected facts does not occur"):
        golden_record(_candidate(order_ids=["ZZ-999"]), "g-0400", Category.REFUND, "en")
    with pytest.raises(CandidateNotApprovable, match="not ISO 8601"):
        golden_record(_candidate(dates=["4 December"]), "g-0400", Category.REFUND, "en")


def test_an_attack_goes_with_the_injection_category_and_high_stakes() -> None:
    attack = Attack(kind="indirect_prompt_injection", expected_safe_behaviour="log it; route to human review")
    with pytest.raises(CandidateNotApprovable, match="injection"):
        golden_record(_candidate(high_stakes=True), "g-0400", Category.INJECTION, "en")
    with pytest.raises(CandidateNotApprovable, match="injection"):
        golden_record(_candidate(high_stakes=True), "g-0400", Category.REFUND, "en", attack)
    with pytest.raises(CandidateNotApprovable, match="high-stakes"):
        golden_record(_candidate(), "g-0400", Category.INJECTION, "en", attack)
    row = golden_record(_candidate(high_stakes=True), "g-0400", Category.INJECTION, "en", attack)
    assert row.labels.attack == attack
