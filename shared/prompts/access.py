"""Who may do what in the registry: bearer tokens mapped to a principal and roles, and the rules per action.

Tokens live in one YAML file (local development: generated on first run, mode 600). The registry rereads it
when it changes, so adding a user needs no restart:

    mailspine prompts add-user NAME --role editor     # prints the new token once

Roles: ``reader`` (read and resolve; every authenticated principal may), ``editor`` (publish new versions of
any prompt), ``release_manager`` (publish, promote and roll back any prompt), ``canary_guard`` (roll back a
canary and nothing else: the online evaluator's role). A prompt's owner (the ``owner``
of its newest version) may publish, promote and roll back that prompt.
"""

import secrets
from pathlib import Path
from typing import Literal

import yaml

from shared.bearer_tokens import Principal, ensure_users, write_tokens

Role = Literal["reader", "editor", "release_manager", "canary_guard"]
ROLES: tuple[Role, ...] = ("reader", "editor", "release_manager", "canary_guard")

# the local-development users: the owner of extract-email, a release manager, a reader and an editor
LOCAL_USERS: dict[str, list[Role]] = {
    "ana.kovacs": ["reader"],
    "rel.manager": ["release_manager"],
    "viewer": ["reader"],
    "editor": ["editor"],
    # the online evaluator: rolls back a canary that is significantly worse than production
    "evaluator": ["reader", "canary_guard"],
}

HEADER = """\
# Prompt-registry API bearer tokens (local development). One entry per token:
#   TOKEN: {principal: NAME, roles: [reader | editor | release_manager | canary_guard]}
# Add a user with `mailspine prompts add-user NAME --role ROLE`, or add an entry here (the registry rereads
# this file when it changes). A prompt's owner may promote and roll back that prompt without a role.
"""


class AccessDenied(Exception):
    """Authenticated, but not allowed: the message names the rule and who is allowed (HTTP 403)."""


def add_user(path: Path, principal: str, roles: list[Role]) -> str:
    """Give ``principal`` a new token (earlier tokens stay valid); returns it."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}; roles are {', '.join(ROLES)}")
    entries: dict[str, dict[str, object]] = {}
    if path.exists():
        entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tokens") or {}
    token = "msr_" + secrets.token_urlsafe(32)
    entries[token] = {"principal": principal, "roles": list(roles)}
    write_tokens(path, entries, HEADER)
    return token


def ensure_local_tokens(path: Path) -> bool:
    """Give every local-development user a token unless it has one. Returns whether it wrote the file."""
    return ensure_users(path, dict(LOCAL_USERS), HEADER, "msr_")


def authorize_publish(principal: Principal, prompt: str, current_owner: str | None, new_owner: str) -> None:
    """Publishing: the prompt's owner, an editor or a release manager. Handing a prompt to a new owner is the
    owner's or a release manager's decision (otherwise an editor could make themselves owner, then promote)."""
    may_publish = principal.has("editor") or principal.has("release_manager") or principal.name == current_owner
    if not may_publish:
        owner_text = f"its owner ({current_owner}), " if current_owner else ""
        raise AccessDenied(f"{principal.name} may not publish {prompt}: only {owner_text}an editor or a release "
                           "manager may")
    if current_owner is not None and new_owner != current_owner and not (
            principal.name == current_owner or principal.has("release_manager")):
        raise AccessDenied(f"{principal.name} may not change the owner of {prompt} from {current_owner} to "
                           f"{new_owner}: only the owner or a release manager may")


def authorize_release(principal: Principal, prompt: str, owner: str | None, action: str,
                      label: str | None = None) -> None:
    """Promote and roll back: only the prompt's owner or a release manager; a canary guard may roll back a
    canary (taking a canary away only ever returns traffic to the production version)."""
    if action == "roll back" and label == "canary" and principal.has("canary_guard"):
        return
    if principal.name != owner and not principal.has("release_manager"):
        raise AccessDenied(f"{principal.name} may not {action} {prompt}: only its owner ({owner}) or a release "
                           "manager may")
