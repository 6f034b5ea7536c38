"""Where each source's signing keys live: one file per source, newest key first, at most two active."""

import base64
import secrets
from pathlib import Path

from services.gateway.source_auth import MAX_ACTIVE_KEYS
from shared.errors import UserError


class SourceKeyring:
    """Keys under ``<root>/<source_id>/keys``, one base64 key per line, newest first."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, source_id: str) -> Path:
        if not source_id or "/" in source_id or source_id.startswith("."):
            raise UserError(f"invalid source id {source_id!r}")
        return self.root / source_id / "keys"

    def active_keys(self, source_id: str) -> list[bytes]:
        try:
            lines = self._file(source_id).read_text().split()
        except FileNotFoundError:
            return []
        return [base64.b64decode(line) for line in lines[:MAX_ACTIVE_KEYS]]

    def signing_key(self, source_id: str) -> bytes:
        keys = self.active_keys(source_id)
        if not keys:
            raise UserError(
                f"no signing key for source {source_id!r} in {self._file(source_id)}: add the source to "
                "config/gateway-policy.yaml and run `mailspine up` (local development), or install its key",
            )
        return keys[0]

    def rotate(self, source_id: str) -> None:
        """Put a new key first; the previous one stays active until the next rotation."""
        path = self._file(source_id)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        previous = path.read_text().split() if path.exists() else []
        fresh = base64.b64encode(secrets.token_bytes(32)).decode()
        path.write_text("\n".join([fresh, *previous[: MAX_ACTIVE_KEYS - 1]]) + "\n")
        path.chmod(0o600)

    def ensure(self, source_id: str) -> bool:
        """Give a source its first key if it has none; returns True when one was created."""
        if self.active_keys(source_id):
            return False
        self.rotate(source_id)
        return True
