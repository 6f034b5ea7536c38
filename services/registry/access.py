"""Who may do what in the registry: bearer tokens mapped to a principal and roles, and the rules per action.

Tokens live in one YAML file (local development: generated on first run, mode 600). The registry rereads it
when it changes, so adding a user needs no restart:

    mailspine prompts add-user NAME --role editor     # prints the new token once

Roles: ``reader`` (read and resolve; every authenticated principal may), ``editor`` (publish new versions of
any prompt), ``release_manager`` (publish, promote and roll back any prompt). A prompt's owner (the ``owner``
of its newest version) may publish, promote and roll back that prompt.
"""

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

Role = Literal["reader", "editor", "release_manager"]
ROLES: tuple[Role, ...] = ("reader", "editor", "release_manager")

# the local-development users: the owner of extract-email, a release manager, a reader and an editor
LOCAL_USERS: dict[str, list[Role]] = {
    "ana.kovacs": ["reader"],
    "rel.manager": ["release_manager"],
    "viewer": ["reader"],
    "editor": ["editor"],
}

HEADER = """\
# Prompt-registry API bearer tokens (local development). One entry per token:
#   TOKEN: {principal: NAME, roles: [reader | editor | release_manager]}
# Add a user with `mailspine prompts add-user NAME --role ROLE`, or add an entry here (the registry rereads
# this file when it changes). A prompt's owner may promote and roll back that prompt without a role.
"""


class AccessDenied(Exception):
    """Authenticated, but not allowed: the message names the rule and who is allowed (HTTP 403)."""


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]

    def has(self, role: Role) -> bool:
        return role in self.roles


class TokenTable:
    """The tokens file, reloaded when its modification time changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded_mtime: float | None = None
        self._tokens: dict[str, Principal] = {}

    def authenticate(self, token: str) -> Principal | None:
        self._reload_if_changed()
        for known, principal in self._tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return principal
        return None

    def token_of(self, principal: str) -> str | None:
        self._reload_if_changed()
        return next((token for token, p in self._tokens.items() if p.name == principal), None)

    def _reload_if_changed(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            self._tokens, self._loaded_mtime = {}, None
            return
        if mtime != self._loaded_mtime:
            self._tokens = read_tokens(self.path)
            self._loaded_mtime = mtime


def read_tokens(path: Path) -> dict[str, Principal]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("tokens") or {}
    return {str(token): Principal(str(entry["principal"]), frozenset(entry.get("roles") or ()))
            for token, entry in entries.items()}


def _write_tokens(path: Path, entries: dict[str, dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    temporary = path.with_suffix(".tmp")
    temporary.touch(mode=0o600)
    temporary.chmod(0o600)
    temporary.write_text(HEADER + yaml.safe_dump({"tokens": entries}, sort_keys=False), encoding="utf-8")
    temporary.replace(path)


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
    _write_tokens(path, entries)
    return token


def ensure_local_tokens(path: Path) -> bool:
    """Create the tokens file with the local-development users unless it exists. Returns whether it did."""
    if path.exists():
        return False
    entries = {"msr_" + secrets.token_urlsafe(32): {"principal": name, "roles": list(roles)}
               for name, roles in LOCAL_USERS.items()}
    _write_tokens(path, entries)
    return True


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


def authorize_release(principal: Principal, prompt: str, owner: str | None, action: str) -> None:
    """Promote and roll back: only the prompt's owner or a release manager."""
    if principal.name != owner and not principal.has("release_manager"):
        raise AccessDenied(f"{principal.name} may not {action} {prompt}: only its owner ({owner}) or a release "
                           "manager may")
