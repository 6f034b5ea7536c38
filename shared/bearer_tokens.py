"""Bearer tokens mapped to a principal and roles, kept in one YAML file that is reread when it changes (so a
new user needs no restart). The registry's API users and the evaluator's feedback users both live in one."""

import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
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


def write_tokens(path: Path, entries: dict[str, dict[str, object]], header: str) -> None:
    """Private to its owner (mode 600 in a 700 folder), replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    temporary = path.with_suffix(".tmp")
    temporary.touch(mode=0o600)
    temporary.chmod(0o600)
    temporary.write_text(header + yaml.safe_dump({"tokens": entries}, sort_keys=False), encoding="utf-8")
    temporary.replace(path)


def ensure_users(path: Path, users: Mapping[str, Sequence[str]], header: str, token_prefix: str) -> bool:
    """Give each of ``users`` (principal -> roles) a token unless it has one; a file from an older release gains
    the users added since. Returns whether it wrote the file."""
    entries: dict[str, dict[str, object]] = {}
    if path.exists():
        entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tokens") or {}
    present = {str(entry.get("principal")) for entry in entries.values()}
    missing = {name: roles for name, roles in users.items() if name not in present}
    if not missing:
        return False
    entries.update({token_prefix + secrets.token_urlsafe(32): {"principal": name, "roles": list(roles)}
                    for name, roles in missing.items()})
    write_tokens(path, entries, header)
    return True
