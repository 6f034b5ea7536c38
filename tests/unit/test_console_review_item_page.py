"""The review item page as rendered: the agent's lookups (search hits with their mails, the customer's record),
the mail shown as its sender wrote it (no spotlight marks), and revealed values marked only when revealed."""

from datetime import UTC, datetime

from services.console.review.proposal import ReviewItem
from services.console.web import User, templates
from shared.bearer_tokens import Principal
from shared.contracts.extraction import Extraction
from shared.contracts.review import Lookup, ProposedCall, ReviewEvidence, ReviewRequest, ReviewRequestMessage
from shared.contracts.tool_calls import arguments_hash
from shared.spotlight import spotlight

WRITE = {"action": "create_refund_case", "customer_address": "<EMAIL_1>", "summary": "Refund AC-1 for <PERSON_1>"}
HIT = {"mail_id": "m-earlier", "thread_id": None, "customer_key": None, "subject": "Where is my refund?",
       "excerpt": "refund <PERSON_1>", "intent": "refund_request", "crm_action": "log_interaction", "outcome": "crm",
       "received_at": "2026-11-30T10:00:00+00:00", "score": 0.81}
FACTS = Extraction(intent="refund_request", customer_name="<PERSON_1>", company=None, order_ids=["AC-1", "AC-2"],
                   invoice_ids=[], amounts=[{"value": "12.00", "currency": "EUR"}], dates=[],
                   requested_action="refund", crm_action="create_refund_case", high_stakes=True)
CUSTOMER = {"found": True, "customer": {"customer_key": "cust_0123456789abcdef01234567", "customer_id": "C-7",
                                        "address_keys": [], "tier": "gold"},
            "open_cases": [{"case_id": "K-1", "action": "create_refund_case", "opened_at": "2026-11-29T09:00:00"}],
            "interactions": []}


def item() -> ReviewItem:
    lookups = [Lookup(call_id="c-search", function="search_history", arguments={"query": "refund AC-1"}, status="ok",
                      output={"hits": [HIT], "index_version": "v1"}),
               Lookup(call_id="c-lookup", function="lookup_customer", arguments={"customer_key": "cust_x"},
                      status="ok", output=CUSTOMER)]
    call = ProposedCall(call_id="c-write", function="write_crm", arguments=WRITE, arguments_hash=arguments_hash(WRITE),
                        reasons=["high stakes", "flagged"])
    return ReviewItem.from_message(ReviewRequestMessage(
        tenant="acme", mail_id="m-1", created_at=datetime(2026, 12, 1, tzinfo=UTC),
        payload=ReviewRequest(reason="high stakes", calls=[call],
                              evidence=ReviewEvidence(facts=FACTS, lookups=lookups))))


def page(revealed: dict[str, str], roles: frozenset[str] = frozenset({"reviewer", "pii_revealer"})) -> str:
    user = User(token=None, principal=Principal(name="rita.reviewer", roles=frozenset()), console_roles=roles)
    mail = {"sender": spotlight("<PERSON_1> <EMAIL_1>"), "subject": spotlight("Refund AC-1"),
            "body": spotlight("Please refund AC-1.")}
    return templates.env.get_template("review_item.html").render(
        item=item(), user=user, csrf="t", notice=None, mail=mail, revealed=revealed, holder=None, decision=None,
        fields=[], comment="", error=None)


def test_the_lookups_show_each_hit_and_the_customers_record() -> None:
    html = page({})
    assert 'data-function="search_history"' in html and 'tr class="hit" data-mail="m-earlier"' in html
    assert "Where is my refund?" in html and "0.810" in html and 'href="/mail/m-earlier"' in html
    assert "Customer C-7" in html and "tier gold" in html and "K-1" in html
    assert "high stakes</span>; <span class=\"critic-reason\">flagged" in html


def test_the_extracted_facts_are_shown_beside_the_proposed_call() -> None:
    html = page({})
    assert '<tr data-fact="order_ids"><th>order_ids</th><td>AC-1, AC-2</td></tr>' in html
    assert '<tr data-fact="amounts"><th>amounts</th><td>12.00 EUR</td></tr>' in html
    assert '<tr data-fact="high_stakes"><th>high_stakes</th><td>true</td></tr>' in html
    revealed = page({"<PERSON_1>": "Ana Kovacs"})
    assert '<tr data-fact="customer_name"><th>customer_name</th><td><mark class="revealed" ' in revealed


def test_the_mail_is_shown_as_written_and_values_only_when_revealed() -> None:
    hidden = page({})
    assert "UNTRUSTED_MAIL_TEXT" not in hidden and "Please refund AC-1." in hidden
    assert "&lt;EMAIL_1&gt;" in hidden and "ana@example.com" not in hidden and 'id="reveal"' in hidden
    shown = page({"<EMAIL_1>": "ana@example.com"})
    assert '<mark class="revealed" title="&lt;EMAIL_1&gt;">ana@example.com</mark>' in shown
    assert 'id="revealed-notice"' in shown and 'id="reveal"' not in shown
    assert 'id="reveal"' not in page({}, roles=frozenset({"reviewer"}))  # no role, no button
