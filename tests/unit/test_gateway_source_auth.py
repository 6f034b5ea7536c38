from collections.abc import Callable
from pathlib import Path

import pytest

from services.gateway.policy import DeliveryPolicy
from services.gateway.source_auth import check_freshness, parse_timestamp, verify_signature
from services.gateway.source_keys import SourceKeyring
from shared.contracts.mail import QuarantineReason
from shared.errors import QuarantineMail, UserError
from shared.mail_signature import sign

RAW = b"From: a@b.example\r\nMessage-ID: <1@b.example>\r\n\r\nhello"


def _reason(call: Callable[[], object]) -> QuarantineReason:
    with pytest.raises(QuarantineMail) as refusal:
        call()
    return refusal.value.reason


def test_a_signature_made_with_an_active_key_verifies() -> None:
    key = b"k" * 32
    verify_signature([key], sign(key, RAW, 1700000000, "<1@b.example>"), RAW, 1700000000, "<1@b.example>")


def test_forged_tampered_and_unsigned_mail_is_refused() -> None:
    key, other = b"k" * 32, b"x" * 32
    good = sign(key, RAW, 1700000000, "<1@b.example>")
    assert _reason(lambda: verify_signature([key], sign(other, RAW, 1700000000, "<1@b.example>"), RAW,
                                            1700000000, "<1@b.example>")) == QuarantineReason.FORGED_SIGNATURE
    assert _reason(lambda: verify_signature([key], good, RAW + b"!", 1700000000, "<1@b.example>")) \
        == QuarantineReason.FORGED_SIGNATURE
    assert _reason(lambda: verify_signature([key], good, RAW, 1700000001, "<1@b.example>")) \
        == QuarantineReason.FORGED_SIGNATURE
    assert _reason(lambda: verify_signature([key], good, RAW, 1700000000, "<2@b.example>")) \
        == QuarantineReason.FORGED_SIGNATURE
    assert _reason(lambda: verify_signature([key], None, RAW, 1700000000, "<1@b.example>")) \
        == QuarantineReason.UNSIGNED
    assert _reason(lambda: verify_signature([], good, RAW, 1700000000, "<1@b.example>")) \
        == QuarantineReason.UNKNOWN_SOURCE


def test_rotation_keeps_two_keys_active_and_retires_the_third(tmp_path: Path) -> None:
    keyring = SourceKeyring(tmp_path)
    keyring.rotate("mx")
    first = keyring.signing_key("mx")
    keyring.rotate("mx")
    second = keyring.signing_key("mx")
    assert second != first and keyring.active_keys("mx") == [second, first]
    verify_signature(keyring.active_keys("mx"), sign(first, RAW, 1, "<1@b.example>"), RAW, 1, "<1@b.example>")
    keyring.rotate("mx")
    assert first not in keyring.active_keys("mx")
    assert _reason(lambda: verify_signature(keyring.active_keys("mx"), sign(first, RAW, 1, "<1@b.example>"), RAW, 1,
                                            "<1@b.example>")) == QuarantineReason.FORGED_SIGNATURE
    with pytest.raises(UserError, match="no signing key for source 'unknown'"):
        keyring.signing_key("unknown")


def test_timestamps_outside_the_skew_window_are_expired() -> None:
    check_freshness(1000, now=1000 + 299, skew_seconds=300)
    check_freshness(1000, now=1000 - 299, skew_seconds=300)
    assert _reason(lambda: check_freshness(1000, now=1000 + 301, skew_seconds=300)) == QuarantineReason.EXPIRED
    assert _reason(lambda: check_freshness(1000, now=1000 - 301, skew_seconds=300)) == QuarantineReason.EXPIRED
    assert _reason(lambda: parse_timestamp("yesterday")) == QuarantineReason.UNSIGNED


def test_the_policy_allows_only_listed_tenants_and_mailboxes(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("sources:\n  mx:\n    tenants:\n"
                           "      acme: ['*@acme.example']\n      beta: [sales@beta.example]\n")
    policy = DeliveryPolicy.load(policy_file)
    policy.authorize("mx", "acme", "Support@Acme.example")
    policy.authorize("mx", "beta", "sales@beta.example")
    assert _reason(lambda: policy.authorize("mx", "beta", "support@beta.example")) == QuarantineReason.UNAUTHORIZED
    assert _reason(lambda: policy.authorize("mx", "gamma", "x@gamma.example")) == QuarantineReason.UNAUTHORIZED
    assert _reason(lambda: policy.authorize("mx", "acme", "x@acme.example.evil")) == QuarantineReason.UNAUTHORIZED
    assert _reason(lambda: policy.authorize("other", "acme", "a@acme.example")) == QuarantineReason.UNKNOWN_SOURCE


def test_an_invalid_policy_file_is_a_clear_error(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("sources:\n  mx:\n    tenant: {}\n")
    with pytest.raises(UserError, match=r"policy file .* is invalid"):
        DeliveryPolicy.load(policy_file)
    with pytest.raises(UserError, match="does not exist"):
        DeliveryPolicy.load(tmp_path / "missing.yaml")
