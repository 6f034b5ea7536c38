"""The Redis ACL table as redis-server reads it, and how a service's settings find its credentials."""

import hashlib
from pathlib import Path

import pytest

from infra.redis_acls import OPERATOR, REDIS_ACCESS, REDIS_USERS, access_for, acl_file, acl_rules
from shared.errors import UserError
from shared.pii_vault import PII_VAULT_PREFIX
from shared.settings import RedisSettings


def test_the_default_user_is_off_and_every_user_has_its_own_hashed_password() -> None:
    passwords = {user: f"secret-of-{user}" for user in REDIS_USERS}
    lines = acl_file(passwords).splitlines()
    assert lines[0].startswith("user default off ")
    assert "+@all" not in lines[0]
    for user, line in zip(REDIS_USERS, lines[1:], strict=True):
        assert line.startswith(f"user {user} on #{hashlib.sha256(passwords[user].encode()).hexdigest()} ")
        assert passwords[user] not in line


def test_a_service_owns_its_prefix_and_nothing_else_unless_granted() -> None:
    gateway, writer, runtime = access_for("gateway"), access_for("tool-crm-writer"), access_for("runtime")
    assert gateway.may_write(f"{PII_VAULT_PREFIX}m-1") and gateway.may_write("gateway:seen:x")
    assert writer.may_read(f"{PII_VAULT_PREFIX}m-1") and not writer.may_write(f"{PII_VAULT_PREFIX}m-1")
    assert not runtime.may_read(f"{PII_VAULT_PREFIX}m-1") and not runtime.may_read("gateway:seen:x")
    assert "~tool-crm-writer:*" in acl_rules(writer) and f"%R~{PII_VAULT_PREFIX}*" in acl_rules(writer)
    # "gateway:" is not a prefix of "gateway-other:" keys
    assert not gateway.may_read("gateway-other:x")


def test_services_may_neither_list_nor_flush_nor_configure() -> None:
    for access in REDIS_ACCESS:
        rules = acl_rules(access)
        assert rules[rules.index("-@all"):].count("-@dangerous") == 1  # after every grant of a category
        assert rules.index("-@dangerous") > rules.index("+@write")
        assert ("+scan" in rules) == (access.user == "registry")
    assert OPERATOR not in {access.user for access in REDIS_ACCESS}


def test_an_unknown_user_is_named(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="no Redis ACL user 'nobody'"):
        access_for("nobody")


def test_settings_read_the_users_own_password_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILSPINE_HOME", str(tmp_path))
    monkeypatch.delenv("MAILSPINE_REDIS_PASSWORD", raising=False)
    folder = tmp_path / "secrets" / "redis" / "gateway"
    folder.mkdir(parents=True)
    (folder / "mailspine_redis_password").write_text("gateway-password\n")
    options = RedisSettings.for_user("gateway").client_options()
    assert (options["username"], options["password"]) == ("gateway", "gateway-password")


def test_missing_credentials_say_how_to_configure_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILSPINE_HOME", str(tmp_path))
    monkeypatch.delenv("MAILSPINE_REDIS_PASSWORD", raising=False)
    with pytest.raises(UserError, match=r"user 'runtime'.*MAILSPINE_REDIS_PASSWORD.*mailspine up"):
        RedisSettings.for_user("runtime").client()
    with pytest.raises(UserError, match=r"RedisSettings\.for_user"):
        RedisSettings().client()
