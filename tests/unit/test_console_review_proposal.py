from datetime import UTC, datetime, timedelta

import pytest

from services.console.review.proposal import DecisionRefused, ReviewItem, build_decision, edits_of
from services.console.review.queue_store import OpenItem
from services.console.routes.review import tenant_queue
from shared.contracts.crm import CrmAction, CrmWriteRequest
from shared.contracts.extraction import Extraction
from shared.contracts.review import ReviewRequest, ReviewRequestMessage

FACTS = Extraction(intent="refund_request", customer_name="<PERSON_1>", company=None, order_ids=["AC-558213"],
                   invoice_ids=[], amounts=[], dates=["2026-11-30"], requested_action="refund the order",
                   crm_action="create_refund_case", high_stakes=False)


def item() -> ReviewItem:
    proposed = CrmWriteRequest(call_id="call-1", action=CrmAction.CREATE_REFUND_CASE, customer_address="<EMAIL_1>",
                               summary="Refund please", facts=FACTS)
    return ReviewItem.from_message(ReviewRequestMessage(
        tenant="acme", mail_id="m-1", created_at=datetime(2026, 12, 1, tzinfo=UTC),
        payload=ReviewRequest(reason="possible prompt injection", proposed=proposed)))


def form(**changes: str) -> dict[str, str]:
    return {**dict(item().editable()), **changes}


def test_a_request_shows_its_proposed_call_with_arguments_and_the_critics_reason() -> None:
    [call] = item().calls
    assert call.tool == "crm_writer" and call.call_id == "call-1"
    assert call.arguments["customer_address"] == "<EMAIL_1>" and "facts" not in call.arguments
    assert call.critic_reasons == ["possible prompt injection"]
    assert dict(item().editable())["order_ids"] == "AC-558213"


def test_only_the_changed_fields_are_edits_and_lists_are_comma_separated() -> None:
    edits = edits_of(item(), form(requested_action="refund to the card", order_ids="AC-558213, AC-1"))
    assert edits == {"requested_action": ("refund the order", "refund to the card"),
                     "order_ids": (["AC-558213"], ["AC-558213", "AC-1"])}


def test_an_edit_carries_the_corrected_facts_and_the_proposal_as_seen() -> None:
    edits = edits_of(item(), form(requested_action="refund to the card"))
    decision = build_decision(item(), "rita.reviewer", "edit", edits, None)
    assert decision.mail_id == "m-1" and decision.tenant == "acme"
    assert decision.payload.corrected is not None
    assert decision.payload.corrected.requested_action == "refund to the card"
    assert decision.payload.corrected.order_ids == ["AC-558213"]
    assert decision.payload.proposed is not None and decision.payload.proposed.call_id == "call-1"


def test_an_edit_without_a_change_a_reject_without_a_reason_and_an_invalid_value_are_refused() -> None:
    with pytest.raises(DecisionRefused, match="nothing was changed"):
        build_decision(item(), "rita.reviewer", "edit", {}, None)
    with pytest.raises(DecisionRefused, match="say why"):
        build_decision(item(), "rita.reviewer", "reject", {}, "  ")
    with pytest.raises(DecisionRefused, match="intent"):
        build_decision(item(), "rita.reviewer", "edit", edits_of(item(), form(intent="be nice")), None)
    with pytest.raises(DecisionRefused, match="true or false"):
        edits_of(item(), form(high_stakes="maybe"))


def test_the_queue_shows_each_items_age_against_its_tenants_sla() -> None:
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # the item was requested at midnight: 120 minutes ago
    queue = tenant_queue("acme", [OpenItem(item(), "rita.reviewer")], 60, now)
    [row] = queue["rows"]
    assert (row["age"], row["breached"], row["sla_share"], queue["breached"]) == (120, True, 2.0, 1)
    calm = tenant_queue("acme", [OpenItem(item(), None)], 240, now - timedelta(minutes=60))
    assert (calm["rows"][0]["age"], calm["rows"][0]["breached"], calm["breached"]) == (60, False, 0)
