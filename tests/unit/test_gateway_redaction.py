import re
import socket
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from faker import Faker

from services.gateway.person_names import ner_candidate_windows
from services.gateway.redaction import PiiRedactor, RedactionResult, placeholder_prefix

ENTITY_TYPES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "PERSON")


def _refuse_network(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the redactor opened a network connection")


@pytest.fixture(scope="module")
def redactor() -> Iterator[PiiRedactor]:
    """Built and exercised with sockets refused: loading and redacting never touch the network."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse_network)
        patch.setattr(socket, "getaddrinfo", _refuse_network)
        instance = PiiRedactor()
        instance.redact("Dana Whitfield <dana@northwind.example>", "Mail dana@northwind.com from 10.1.2.3")
    yield instance


def _placeholders(result: RedactionResult) -> dict[str, str]:
    return {entity.value: entity.placeholder for entity in result.entities}


@pytest.mark.parametrize(
    ("text", "value", "entity_type"),
    [
        ("Please write to dana.whitfield@northwind.example.", "dana.whitfield@northwind.example", "EMAIL_ADDRESS"),
        ("Copy accounts-payable+eu@brightline.co.uk on it.", "accounts-payable+eu@brightline.co.uk", "EMAIL_ADDRESS"),
        ("Call me on +44 20 7946 0958 after lunch.", "+44 20 7946 0958", "PHONE_NUMBER"),
        ("Our office line is (212) 555-0187.", "(212) 555-0187", "PHONE_NUMBER"),
        ("Tel. +49 30 901820 (Zentrale)", "+49 30 901820", "PHONE_NUMBER"),
        ("You can call me on +44(0)289018584 or write.", "+44(0)289018584", "PHONE_NUMBER"),
        ("Mobile +31 (0)6 1234 5678, office hours only.", "+31 (0)6 1234 5678", "PHONE_NUMBER"),
        ("Charge it to 4111 1111 1111 1111 please.", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("The Mastercard 5555555555554444 was declined.", "5555555555554444", "CREDIT_CARD"),
        ("Amex 3782 822463 10005 expires soon.", "3782 822463 10005", "CREDIT_CARD"),
        ("Refund to IBAN DE89 3704 0044 0532 0130 00 please.", "DE89 3704 0044 0532 0130 00", "IBAN_CODE"),
        ("Our account: GB82WEST12345698765432.", "GB82WEST12345698765432", "IBAN_CODE"),
        ("My SSN is 078-05-1121.", "078-05-1121", "US_SSN"),
        ("Social security number: 536-22-8726", "536-22-8726", "US_SSN"),
        ("The login came from 203.0.113.45 at night.", "203.0.113.45", "IP_ADDRESS"),
        ("Blocked address 2001:db8::8a2e:370:7334 on the firewall.", "2001:db8::8a2e:370:7334", "IP_ADDRESS"),
        ("Hello,\n\nthe desks arrived broken.\n\nKind regards,\nDana Whitfield\nSales", "Dana Whitfield", "PERSON"),
        ("Dear Mr. Olaf Brandt,\n\nthank you for your order.", "Olaf Brandt", "PERSON"),
        ("Hi, my name is Priya Raman and I ordered a kettle.", "Priya Raman", "PERSON"),
    ],
)
def test_each_type_is_replaced_with_its_typed_placeholder(
    redactor: PiiRedactor, text: str, value: str, entity_type: str,
) -> None:
    [result] = redactor.redact(text)
    placeholder = f"<{placeholder_prefix(entity_type)}_1>"
    assert value not in result.text
    assert placeholder in result.text
    assert any(e.entity_type == entity_type and e.value == value and e.placeholder == placeholder
               for e in result.entities)


def test_the_same_value_gets_the_same_placeholder_in_every_text_of_a_mail(redactor: PiiRedactor) -> None:
    sender, subject, body = redactor.redact(
        "Dana Whitfield <dana@northwind.example>",
        "Refund for Dana Whitfield",
        "Hello,\nplease reply to dana@northwind.example, and copy olaf@northwind.example and dana@northwind.example."
        "\n\nRegards,\nDana Whitfield",
    )
    assert sender.text == "<PERSON_1> <<EMAIL_1>>"
    assert subject.text == "Refund for <PERSON_1>"
    assert "reply to <EMAIL_1>, and copy <EMAIL_2> and <EMAIL_1>." in body.text
    assert body.text.endswith("Regards,\n<PERSON_1>")
    assert _placeholders(body) == {"dana@northwind.example": "<EMAIL_1>", "olaf@northwind.example": "<EMAIL_2>",
                                   "Dana Whitfield": "<PERSON_1>"}
    assert body.counts == {"EMAIL_ADDRESS": 3, "PERSON": 1}
    assert sender.counts == {"PERSON": 1, "EMAIL_ADDRESS": 1}


def test_a_name_found_in_the_sign_off_is_also_replaced_where_ner_did_not_look(redactor: PiiRedactor) -> None:
    [body] = redactor.redact("the parcel for dana whitfield and for Whitfield ltd.\n\nThanks,\nWhitfield")
    assert body.text == "the parcel for dana whitfield and for <PERSON_1> ltd.\n\nThanks,\n<PERSON_1>"


def test_a_first_name_after_a_greeting_is_replaced_even_when_the_model_misses_it(redactor: PiiRedactor) -> None:
    [result] = redactor.redact("Hello Priya,\n\nthe desks arrived.\n\nHi Chris and Jess, see above.")
    assert result.text == "Hello <PERSON_1>,\n\nthe desks arrived.\n\nHi <PERSON_2> and <PERSON_3>, see above."


def test_a_company_greeted_like_a_person_is_not_replaced_anywhere_else(redactor: PiiRedactor) -> None:
    [result] = redactor.redact("Dear Acme,\n\nthe Acme Ergo Desk arrived broken.\n\nDear Sir or Madam, thanks.")
    assert result.text.endswith("the Acme Ergo Desk arrived broken.\n\nDear Sir or Madam, thanks.")


def test_business_identifiers_amounts_and_dates_stay_intact(redactor: PiiRedactor) -> None:
    text = (
        "Order AC-558213, refund EUR 418.00 by 4 December 2026, invoice INV-2026-0931, PO-4471.\n"
        "The Acme Ergo Desk Pro from Northwind Traders GmbH was billed $1,250.00 on 31.12.2026; "
        "reference 558213, account 70-338-1204, invoice number 2024118230, qty 12, total 12 418,00 EUR.\n"
        "SKU HK-170-SS, RMA 20931, app 4.12.1, delivered 2026-12-04 at 09:15, tracking 5550 3318 8821 04."
    )
    [result] = redactor.redact("Refund AC-558213", text)[1:]
    assert result.text == text
    assert result.entities == () and result.counts == {}


def test_a_luhn_invalid_sixteen_digit_number_is_not_a_card(redactor: PiiRedactor) -> None:
    [result] = redactor.redact("Card 4111 1111 1111 1112 and 4111111111111112 were rejected.")
    assert "CREDIT_CARD" not in result.counts
    assert "4111 1111 1111 1112" in result.text and "4111111111111112" in result.text


def test_overlapping_detections_leave_one_whole_placeholder(redactor: PiiRedactor) -> None:
    # the IBAN's digit groups also parse as a German phone number; the checksum-validated IBAN wins
    [result] = redactor.redact("Phone or IBAN? DE89 3704 0044 0532 0130 00, call 030 1234567 for 192.168.0.1")
    assert result.text == "Phone or IBAN? <IBAN_1>, call <PHONE_1> for <IP_1>"
    assert re.fullmatch(r"(?:[^<>]|<[A-Z]+_\d+>)*", result.text)


def test_counts_are_occurrences_and_entities_are_distinct_values(redactor: PiiRedactor) -> None:
    [result] = redactor.redact("a@x.com, b@x.com, a@x.com; IP 10.0.0.1 and 10.0.0.1 and 10.0.0.2")
    assert result.counts == {"EMAIL_ADDRESS": 3, "IP_ADDRESS": 3}
    assert [e.placeholder for e in result.entities] == ["<EMAIL_1>", "<EMAIL_2>", "<IP_1>", "<IP_2>"]
    assert result.text == "<EMAIL_1>, <EMAIL_2>, <EMAIL_1>; IP <IP_1> and <IP_1> and <IP_2>"


def test_placeholder_prefixes() -> None:
    assert [placeholder_prefix(t) for t in ENTITY_TYPES] == ["EMAIL", "PHONE", "CARD", "IBAN", "SSN", "IP", "PERSON"]


# --- the NER pre-filter


def _windows(text: str) -> list[str]:
    return [text[start:end] for start, end in ner_candidate_windows(text)]


def test_windows_cover_greetings_titles_introductions_and_sign_offs() -> None:
    text = ("Dear Dana,\n\nthe order ships today. my name is priya, as you know. Ask Mr Brandt about it.\n"
            "\nKind regards,\nOlaf\nNorthwind")
    windows = _windows(text)
    assert any("Dana" in w for w in windows)
    assert any("Brandt" in w for w in windows)
    assert any(w.startswith("Kind regards,\nOlaf") for w in windows)
    assert not any("the order ships today" in w for w in windows)


def test_windows_cover_runs_of_capitalised_words_and_display_names() -> None:
    assert _windows("we spoke to Jennifer O'Neill-Smith yesterday") == ["we spoke to Jennifer O'Neill-Smith yesterday"]
    assert _windows("Dana <dana@northwind.example>") == ["Dana <dana@northwind.example>"]


def test_windows_keep_their_offsets_when_lowercasing_changes_the_length() -> None:
    text = "İstanbul office: Dear Ayşe Yılmaz, thanks"  # "İ".lower() is two characters long
    assert [text[s:e] for s, e in ner_candidate_windows(text)] == [text]


def test_text_without_cues_has_no_windows() -> None:
    assert ner_candidate_windows("order AC-558213: refund EUR 418.00 by 4 December 2026, thanks.") == []
    assert ner_candidate_windows("") == []


def test_windows_are_sorted_disjoint_stay_within_a_line_and_never_cut_words() -> None:
    text = ("x " * 60) + "then Anna Berg and Carl Dahl met " + ("y " * 60) + "\nDear Eva,\n" + "z" * 30
    windows = ner_candidate_windows(text)
    assert windows == sorted(windows)
    assert all(end <= next_start for (_, end), (next_start, _) in pairwise(windows))
    for start, end in windows:
        assert "\n" not in text[start:end]
        assert start == 0 or (text[start - 1] in " \n" and (end == len(text) or text[end] in " \n,"))
    assert any("Anna Berg and Carl Dahl" in text[s:e] for s, e in windows)
    assert all(e - s < 140 for s, e in windows)


# --- recall on seeded synthetic mail


def _synthetic_mail(fake: Faker, local: Faker, number: int) -> tuple[tuple[str, str, str], dict[str, str]]:
    pii = {
        "PERSON": fake.name(),
        "EMAIL_ADDRESS": fake.email(),
        "PHONE_NUMBER": local.phone_number(),
        "CREDIT_CARD": fake.credit_card_number(),
        "IBAN_CODE": fake.iban(),
        "US_SSN": fake.ssn(),
        "IP_ADDRESS": fake.ipv4(),
    }
    body = [
        f"Hello,\n\nmy name is {pii['PERSON']} and order AC-55{number:04d} (EUR 418.00) arrived damaged.\n"
        f"Please refund the card {pii['CREDIT_CARD']} or transfer to IBAN {pii['IBAN_CODE']}.\n"
        f"For the identity check: SSN {pii['US_SSN']}. I ordered from IP {pii['IP_ADDRESS']}.\n"
        f"You can call me on {pii['PHONE_NUMBER']} or write to {pii['EMAIL_ADDRESS']}.\n\n"
        f"Kind regards,\n{pii['PERSON']}\n",
        f"Hi team,\n\nplease update the customer record for {pii['PERSON']} (invoice INV-2026-{number:04d}).\n"
        f"New contact: {pii['EMAIL_ADDRESS']}, phone {pii['PHONE_NUMBER']}. The card on file "
        f"{pii['CREDIT_CARD']} expired; the customer asks for a bank transfer to {pii['IBAN_CODE']}.\n"
        f"Tax form: social security number {pii['US_SSN']}. Last login from {pii['IP_ADDRESS']}.\n\n"
        "Thanks,\nSupport desk",
        f"Dear Sir or Madam,\n\nmy card {pii['CREDIT_CARD']} was charged twice for PO-{number:04d}, "
        f"$1,250.00 each time. Please pay it back to IBAN {pii['IBAN_CODE']}.\nSSN: {pii['US_SSN']}\n"
        f"The shop showed my IP address as {pii['IP_ADDRESS']}.\n\nBest regards,\n{pii['PERSON']}\n"
        f"Tel: {pii['PHONE_NUMBER']}\nE-mail: {pii['EMAIL_ADDRESS']}\n",
    ][number % 3]
    sender = f"{pii['PERSON']} <{pii['EMAIL_ADDRESS']}>" if number % 3 != 1 else "support@acme.example"
    return (sender, f"Order AC-55{number:04d}", body), pii


def _survives(entity_type: str, value: str, redacted: str) -> bool:
    if entity_type != "PERSON":
        return value in redacted
    words = [w for w in value.replace(".", " ").split()
             if w not in {"Dr", "Mr", "Mrs", "Ms", "Miss", "MD", "DDS", "DVM", "PhD", "Jr", "Sr", "II", "III", "IV"}]
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", redacted) for word in words)


def test_recall_per_entity_type_on_seeded_synthetic_mail(redactor: PiiRedactor) -> None:
    Faker.seed(1234)
    fake, locals_ = Faker("en_US"), (Faker("en_US"), Faker("en_GB"))
    found: dict[str, int] = dict.fromkeys(ENTITY_TYPES, 0)
    mails = 50
    for number in range(mails):
        texts, pii = _synthetic_mail(fake, locals_[number % 2], number)
        results = redactor.redact(*texts)
        redacted = "\n".join(result.text for result in results)
        detected_types = {e.entity_type for result in results for e in result.entities}
        for entity_type, value in pii.items():
            if entity_type in detected_types and not _survives(entity_type, value, redacted):
                found[entity_type] += 1
        assert ("AC-55" in redacted and "EUR 418.00" in redacted) or number % 3 != 0
    recall = {entity_type: found[entity_type] / mails for entity_type in ENTITY_TYPES}
    print("\nrecall per entity type on 50 seeded synthetic mails (Faker.seed(1234)):")
    for entity_type, share in recall.items():
        print(f"  {entity_type:<14} {share:6.1%}")
    floors = {"EMAIL_ADDRESS": 0.9, "CREDIT_CARD": 0.9, "IBAN_CODE": 0.9, "US_SSN": 0.9, "IP_ADDRESS": 0.9,
              "PHONE_NUMBER": 0.8, "PERSON": 0.8}
    assert {t: v for t, v in recall.items() if v < floors[t]} == {}
