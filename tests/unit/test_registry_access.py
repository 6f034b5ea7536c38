import stat
from pathlib import Path

import pytest

from shared.bearer_tokens import Principal, TokenTable, read_tokens
from shared.prompts.access import (
    LOCAL_USERS,
    AccessDenied,
    add_user,
    authorize_publish,
    authorize_release,
    ensure_local_tokens,
)

OWNER = Principal("ana.kovacs", frozenset({"reader"}))
RELEASE = Principal("rel.manager", frozenset({"release_manager"}))
EDITOR = Principal("editor", frozenset({"editor"}))
VIEWER = Principal("viewer", frozenset({"reader"}))
GUARD = Principal("evaluator", frozenset({"reader", "canary_guard"}))


def test_a_canary_guard_may_roll_back_a_canary_and_nothing_else() -> None:
    authorize_release(GUARD, "extract-email", "ana.kovacs", "roll back", "canary")
    for action, label in (("roll back", "production"), ("promote", "canary"), ("promote", "production")):
        with pytest.raises(AccessDenied):
            authorize_release(GUARD, "extract-email", "ana.kovacs", action, label)


def test_a_tokens_file_from_an_older_release_gains_the_missing_local_users(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    add_user(path, "ana.kovacs", ["reader"])
    assert ensure_local_tokens(path)
    principals = {p.name for p in read_tokens(path).values()}
    assert principals == set(LOCAL_USERS)
    assert not ensure_local_tokens(path)


def test_only_the_owner_or_a_release_manager_may_promote_or_roll_back() -> None:
    authorize_release(OWNER, "extract-email", "ana.kovacs", "promote")
    authorize_release(RELEASE, "extract-email", "ana.kovacs", "promote")
    for principal in (EDITOR, VIEWER):
        with pytest.raises(AccessDenied, match=r"only its owner \(ana.kovacs\) or a release manager"):
            authorize_release(principal, "extract-email", "ana.kovacs", "promote")


def test_owner_editor_and_release_manager_may_publish_and_a_reader_may_not() -> None:
    for principal in (OWNER, EDITOR, RELEASE):
        authorize_publish(principal, "extract-email", "ana.kovacs", "ana.kovacs")
    with pytest.raises(AccessDenied, match="may not publish"):
        authorize_publish(VIEWER, "extract-email", "ana.kovacs", "ana.kovacs")


def test_an_editor_cannot_make_themselves_owner() -> None:
    with pytest.raises(AccessDenied, match="may not change the owner"):
        authorize_publish(EDITOR, "extract-email", "ana.kovacs", "editor")
    authorize_publish(RELEASE, "extract-email", "ana.kovacs", "someone.else")


def test_local_tokens_are_private_and_a_new_user_is_picked_up_without_restart(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "registry" / "tokens.yaml"
    assert ensure_local_tokens(path) and not ensure_local_tokens(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    table = TokenTable(path)
    owner_token = table.token_of("ana.kovacs")
    assert owner_token and table.authenticate(owner_token) == Principal("ana.kovacs", frozenset({"reader"}))
    assert {p for p in ("ana.kovacs", "rel.manager", "viewer", "editor") if table.token_of(p)} == {
        "ana.kovacs", "rel.manager", "viewer", "editor"}
    token = add_user(path, "new.editor", ["editor"])
    assert table.authenticate(token) == Principal("new.editor", frozenset({"editor"}))
    assert table.authenticate("msr_not-a-token") is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
