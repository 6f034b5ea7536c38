"""The SMTP relay stand-in's parts: its user table and its maildir delivery; and how the gateway seals the
sender's address for the email sender's recipient rule."""

import mailbox
from pathlib import Path

from shared.pii_placeholders import is_pii_placeholder
from shared.pii_vault import SENDER_ADDRESS_FIELD, with_sender_address
from shared.settings import PathSettings
from shared.smtp_relay import EMAIL_SENDER_USER, smtp_relay_password_file
from standins.smtp_relay.credentials import RelayCredentials
from standins.smtp_relay.maildir_delivery import AUTHENTICATED_AS_HEADER, ENVELOPE_TO_HEADER, MaildirDelivery


def test_only_a_known_user_with_its_own_password_logs_in() -> None:
    credentials = RelayCredentials({EMAIL_SENDER_USER: "sender-secret"})
    assert credentials.user_for(EMAIL_SENDER_USER, "sender-secret") == EMAIL_SENDER_USER
    assert credentials.user_for(EMAIL_SENDER_USER, "wrong") is None
    assert credentials.user_for("tool-crm-writer", "sender-secret") is None
    assert credentials.user_for("tool-crm-writer", "") is None


def test_the_user_table_is_read_from_each_users_password_file(tmp_path: Path) -> None:
    paths = PathSettings(home=tmp_path)
    assert RelayCredentials.load(paths).passwords == {}
    password_file = smtp_relay_password_file(EMAIL_SENDER_USER, paths)
    password_file.parent.mkdir(parents=True)
    password_file.write_text("from-the-file\n")
    assert RelayCredentials.load(paths).user_for(EMAIL_SENDER_USER, "from-the-file") == EMAIL_SENDER_USER


def test_a_delivered_message_lands_in_the_maildir_stamped_with_its_sender_account(tmp_path: Path) -> None:
    delivery = MaildirDelivery(tmp_path / "state" / "maildir")
    key = delivery.deliver(b"Subject: Hi\r\nTo: dana@northwind.example\r\n\r\nHello.\r\n", EMAIL_SENDER_USER,
                           ["dana@northwind.example"])
    message = mailbox.Maildir(tmp_path / "state" / "maildir", create=False)[key]
    assert message[AUTHENTICATED_AS_HEADER] == EMAIL_SENDER_USER
    assert message[ENVELOPE_TO_HEADER] == "dana@northwind.example"
    assert message["Subject"] == "Hi"


def test_the_senders_address_is_sealed_beside_the_placeholders_under_a_name_no_placeholder_has() -> None:
    originals = {"<EMAIL_1>": "dana@northwind.example", "<PERSON_1>": "Dana"}
    assert with_sender_address(originals, "<EMAIL_1>") == {**originals, SENDER_ADDRESS_FIELD: "dana@northwind.example"}
    assert with_sender_address(originals, "<EMAIL_2>") == originals  # no sender address was redacted
    assert not is_pii_placeholder(SENDER_ADDRESS_FIELD)
