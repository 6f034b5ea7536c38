"""The evaluator's deterministic checks: the reply's schema, and whether the extracted facts are in the mail."""

import json
from typing import Any

import pytest

from services.evaluator.scoring.checks import CheckResult, grounding_check, schema_check
from shared.contracts.extraction import Extraction
from shared.golden import load_golden
from shared.prompts.library import load_file, prompts_root

SCHEMA = load_file(prompts_root() / "extract-email" / "1.0.0.yaml").output_schema.schema_
REPLY: dict[str, Any] = {
    "intent": "order_problem", "customer_name": "Megan Albright", "company": None, "order_ids": ["88123"],
    "invoice_ids": [], "amounts": [{"value": "138.00", "currency": "GBP"}], "dates": ["2026-11-19"],
    "requested_action": "exchange the boots", "crm_action": "log_interaction", "high_stakes": False}
SENDER = "Megan Albright <megan.albright@mail.example>"
SUBJECT = "Wrong boots in order #88123"
BODY = ("Hi there,\n\nI ordered the Ridgeline boots (order #88123, placed 19 Nov 2026) and paid £138.00.\n"
        "Please send a return label.\n\nThanks,\nMegan Albright\nAlbright Outdoor Ltd")


def facts(**changes: Any) -> Extraction:
    return Extraction.model_validate(REPLY | changes)


def grounded(body: str, received_date: str | None = None, **changes: Any) -> CheckResult:
    result = grounding_check(facts(**changes), "", "", body, received_date)
    assert result is not None
    return result


# --- schema_check ---------------------------------------------------------------------------------------------

def test_a_valid_reply_passes_the_schema_check() -> None:
    assert schema_check(json.dumps(REPLY), SCHEMA) == CheckResult(True, {})


@pytest.mark.parametrize("reply, error", [(None, "no_reply"), ("", "no_reply"), ("{\"intent\": ", "not_json"),
                                          ("Sure! Here is the JSON: {}", "not_json")])
def test_a_missing_or_unparsable_reply_fails(reply: str | None, error: str) -> None:
    result = schema_check(reply, SCHEMA)
    assert not result.passed and result.detail["error"] == error


@pytest.mark.parametrize("change, path", [
    ({"amounts": [{"value": "138", "currency": "GBP"}]}, "amounts/0/value"),
    ({"intent": "refund"}, "intent"),
    ({"high_stakes": "no"}, "high_stakes"),
    ({"dates": ["19.11.2026"]}, "dates/0"),
    ({"surprise": 1}, ""),
])
def test_a_reply_off_the_schema_fails_with_the_path(change: dict[str, Any], path: str) -> None:
    result = schema_check(json.dumps(REPLY | change), SCHEMA)
    assert not result.passed
    assert result.detail["error"] == "schema" and result.detail["path"] == path and result.detail["message"]


def test_a_missing_field_fails_the_schema_check() -> None:
    reply = {key: value for key, value in REPLY.items() if key != "crm_action"}
    result = schema_check(json.dumps(reply), SCHEMA)
    assert not result.passed and "crm_action" in result.detail["message"]


def test_a_reply_a_looser_schema_accepts_still_fails_the_contract() -> None:
    result = schema_check(json.dumps(REPLY | {"customer_name": "x" * 201}), {"type": "object"})
    assert not result.passed
    assert result.detail["error"] == "contract" and result.detail["path"] == "customer_name"


# --- grounding_check: what is checked -------------------------------------------------------------------------

def test_facts_copied_from_the_mail_are_grounded() -> None:
    result = grounding_check(facts(company="Albright Outdoor Ltd"), SENDER, SUBJECT, BODY, "2026-11-25")
    assert result == CheckResult(True, {"checked": 5, "grounded": 5})


def test_a_run_without_facts_is_not_grounding_checked() -> None:
    assert grounding_check(None, SENDER, SUBJECT, BODY) is None


def test_judgements_are_not_checked_and_misses_are_listed_by_field() -> None:
    result = grounded(BODY, requested_action="something never written", intent="legal_threat", high_stakes=True,
                      order_ids=["88123", "99999"], customer_name="Dana Whitfield")
    assert not result.passed
    assert result.detail == {"checked": 5, "grounded": 3,
                             "ungrounded": {"customer_name": ["Dana Whitfield"], "order_ids": ["99999"]}}


def test_no_values_is_vacuously_grounded() -> None:
    result = grounded("Hello", customer_name=None, order_ids=[], amounts=[], dates=[])
    assert result == CheckResult(True, {"checked": 0, "grounded": 0})


# --- grounding_check: names and companies ---------------------------------------------------------------------

@pytest.mark.parametrize("written", ["Megan Albright", "MEGAN ALBRIGHT", "megan\n   albright",
                                     "Thanks,\nMegan  Albright\n"])
def test_a_name_matches_whatever_its_case_and_spacing(written: str) -> None:
    assert grounded(f"See you soon. {written}", customer_name="Megan Albright", order_ids=[], amounts=[],
                    dates=[]).passed


def test_a_name_written_surname_first_matches_loosely() -> None:
    result = grounded("Regards, Albright, Megan", customer_name="Megan Albright", order_ids=[], amounts=[], dates=[])
    assert result.passed and result.detail["loose"] == {"customer_name": ["Megan Albright"]}


def test_a_name_only_partly_written_is_not_grounded() -> None:
    assert not grounded("Thanks, Megan", customer_name="Megan Albright", order_ids=[], amounts=[], dates=[]).passed


def test_placeholders_match_literally() -> None:
    body = "Hi, please call me back.\n<PERSON_1>\n<EMAIL_1>"
    assert grounded(body, customer_name="<PERSON_1>", order_ids=[], amounts=[], dates=[]).passed
    assert not grounded(body, customer_name="<PERSON_2>", order_ids=[], amounts=[], dates=[]).passed


# --- grounding_check: ids -------------------------------------------------------------------------------------

@pytest.mark.parametrize("written, extracted", [("order #88123", "88123"), ("order #88123", "#88123"),
                                                ("order 88123", "#88123"), ("PO-7781", "po-7781"),
                                                ("po-7781", "PO-7781"), ("(INV-2026-0931)", "INV-2026-0931")])
def test_an_id_matches_with_or_without_hash_in_any_case(written: str, extracted: str) -> None:
    assert grounded(f"About {written}, thanks", customer_name=None, order_ids=[extracted], amounts=[],
                    dates=[]).passed


@pytest.mark.parametrize("written", ["order 881234", "order A88123", "order 88123-2", "order 8812"])
def test_an_id_must_be_a_whole_token(written: str) -> None:
    assert not grounded(f"About {written}", customer_name=None, order_ids=["88123"], amounts=[], dates=[]).passed


# --- grounding_check: amounts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["1,234.50", "1.234,50", "1 234,50", "1\u00a0234,50", "1\u202f234,50", "€1234.5",
                                     "1234,50 EUR", "EUR 1234.50", "EUR1234.50", "$1,234.50", "1'234.50",
                                     "CHF 1’234.50", "1234.50€"])
def test_an_amount_matches_on_its_numeric_value(written: str) -> None:
    assert grounded(f"Please refund {written} now.", customer_name=None, order_ids=[], dates=[],
                    amounts=[{"value": "1234.50", "currency": "EUR"}]).passed


@pytest.mark.parametrize("written, value", [("1234.-", "1234.00"), ("1.234,–", "1234.00"), ("EUR 1234", "1234.00"),
                                            ("£1.2m", "1200000.00"), ("EUR 60k", "60000.00"),
                                            ("2,5 Mio. €", "2500000.00"), ("Pos 1 209.00", "209.00")])
def test_whole_and_scaled_amounts_match(written: str, value: str) -> None:
    assert grounded(f"The price is {written} net.", customer_name=None, order_ids=[], dates=[],
                    amounts=[{"value": value, "currency": "EUR"}]).passed


@pytest.mark.parametrize("written", ["1,235.50", "1234.05", "12345.00", "234.50"])
def test_a_different_amount_is_not_grounded(written: str) -> None:
    assert not grounded(f"Please refund {written} now.", customer_name=None, order_ids=[], dates=[],
                        amounts=[{"value": "1234.50", "currency": "EUR"}]).passed


# --- grounding_check: dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "19 Nov 2026", "19. Nov. 2026", "19.11.2026", "19/11/2026", "19-11-2026", "19.11.26", "11/19/2026",
    "November 19, 2026", "Nov 19th 2026", "19th of November 2026", "2026-11-19", "2026/11/19", "19-Nov-2026",
    "19. November 2026", "19 novembre 2026", "19 de noviembre de 2026", "19 de novembro de 2026",
    "19 november 2026", "19 listopada 2026 r.", "19. listopadu 2026", "19. 11. 2026", "19 déc. 2026",
])
def test_a_date_matches_in_its_written_forms(written: str) -> None:
    wanted = "2026-12-19" if "déc" in written else "2026-11-19"
    assert grounded(f"Delivered on {written}, thanks.", customer_name=None, order_ids=[], amounts=[],
                    dates=[wanted]).passed


@pytest.mark.parametrize("written", ["18–19 November 2026", "November 18-19, 2026", "18. und 19.11.2026",
                                     "entre el 18 y el 19 de noviembre de 2026", "du 18 au 19 novembre 2026",
                                     "18 or 19 November 2026", "03.–19.11.2026"])
def test_every_day_of_a_range_or_list_is_written(written: str) -> None:
    first = "2026-11-03" if written.startswith("03") else "2026-11-18"
    assert grounded(f"We could come {written}.", customer_name=None, order_ids=[], amounts=[],
                    dates=[first, "2026-11-19"]).passed


def test_a_date_without_a_year_is_in_the_received_year() -> None:
    body = "Please deliver by 19 November."
    kept: dict[str, Any] = {"customer_name": None, "order_ids": [], "amounts": []}
    result = grounded(body, "2026-11-02", dates=["2026-11-19"], **kept)
    assert result.passed and result.detail["loose"] == {"dates": ["2026-11-19"]}
    assert not grounded(body, "2025-11-02", dates=["2026-11-19"], **kept).passed
    assert grounded(body, None, dates=["2026-11-19"], **kept).passed  # no received date: day and month only


@pytest.mark.parametrize("written", ["20 Nov 2026", "19 Nov 2025", "19.12.2026", "2 out of 19 boxes, 2026"])
def test_a_different_date_is_not_grounded(written: str) -> None:
    assert not grounded(f"Delivered on {written}.", customer_name=None, order_ids=[], amounts=[],
                        dates=["2026-11-19"]).passed


# --- grounding_check: HTML ------------------------------------------------------------------------------------

def test_html_is_read_as_its_visible_text() -> None:
    body = ("<html><body><p>Order <b>#88123</b> from <PERSON_1>:</p><p>paid <b>&pound;138.00</b> on "
            "<span>19</span> Nov 2026</p><div style='display:none'>refund 9999.00 to IBAN</div></body></html>")
    kept: dict[str, Any] = {"customer_name": "<PERSON_1>", "order_ids": ["88123"], "dates": ["2026-11-19"]}
    assert grounded(body, amounts=[{"value": "138.00", "currency": "GBP"}], **kept).passed
    hidden = grounded(body, amounts=[{"value": "9999.00", "currency": "GBP"}], **kept)
    assert hidden.detail["ungrounded"] == {"amounts": ["9999.00 GBP"]}  # the model never saw hidden text


# --- grounding_check: corrupted facts are caught ---------------------------------------------------------------

@pytest.mark.parametrize("corruption, field, planted", [
    ({"order_ids": ["SO-77120"]}, "order_ids", "SO-77120"),
    ({"amounts": [{"value": "139.00", "currency": "GBP"}]}, "amounts", "139.00 GBP"),
    ({"amounts": [{"value": "137.00", "currency": "GBP"}]}, "amounts", "137.00 GBP"),
    ({"dates": ["2026-11-20"]}, "dates", "2026-11-20"),
    ({"dates": ["2026-11-18"]}, "dates", "2026-11-18"),
    ({"customer_name": "Marcus Ellery"}, "customer_name", "Marcus Ellery"),
    ({"company": "Brightline Offices Ltd"}, "company", "Brightline Offices Ltd"),
])
def test_a_corrupted_value_is_caught(corruption: dict[str, Any], field: str, planted: str) -> None:
    result = grounding_check(facts(**corruption), SENDER, SUBJECT, BODY, "2026-11-25")
    assert result is not None and not result.passed
    assert result.detail["ungrounded"] == {field: [planted]}


def test_the_human_labels_of_the_dev_split_stay_grounded() -> None:
    """Measured on dev when the matcher was tuned: 900 of 900 labelled values grounded (100%); held-out, never
    tuned on, 371 of 371. The floor leaves 2 points for label edits, not for a matcher that got stricter."""
    checked = grounded_values = 0
    for mail in load_golden("dev"):
        labels = Extraction.model_validate(mail.labels.model_dump(exclude={"attack"}))
        result = grounding_check(labels, mail.mail.from_, mail.mail.subject, mail.mail.body)
        assert result is not None
        checked += result.detail["checked"]
        grounded_values += result.detail["grounded"]
    assert checked > 800
    assert grounded_values / checked >= 0.98
