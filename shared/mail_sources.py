"""Mail sources: which source may deliver for which tenant and mailbox, and each source's signing keys.

Read by the gateway (to authenticate and authorize) and by everything that signs as a source: `mailspine send`,
the LMTP ingest and `mailspine deliver`.
"""

import base64
import secrets
from fnmatch import fnmatchcase
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.contracts.mail import QuarantineReason
from shared.errors import QuarantineMail, UserError
from shared.settings import REPO_ROOT, PathSettings

MAX_ACTIVE_KEYS = 2  # two, so a key rotates without refusing mail signed a moment before the switch


class MailSourceSettings(BaseSettings):
    """Where the delivery policy and the signing keys are (the gateway's variables, shared by every signer)."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_GATEWAY_")

    policy_file: Path = REPO_ROOT / "config" / "gateway-policy.yaml"
    source_keys_dir: Path = Field(default_factory=lambda: PathSettings().secrets_dir / "sources")


class SourcePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tenants: dict[str, list[str]]


class DeliveryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, SourcePolicy]

    @classmethod
    def load(cls, path: Path) -> "DeliveryPolicy":
        try:
            return cls.model_validate(yaml.safe_load(path.read_text()))
        except FileNotFoundError:
            raise UserError(f"the gateway policy file {path} does not exist") from None
        except (yaml.YAMLError, ValidationError) as exc:
            raise UserError(f"the gateway policy file {path} is invalid: {exc}") from None

    def authorize(self, source_id: str, tenant: str, mailbox: str) -> None:
        source = self.sources.get(source_id)
        if source is None:
            raise QuarantineMail(QuarantineReason.UNKNOWN_SOURCE, f"source {source_id!r} is not in the policy")
        patterns = source.tenants.get(tenant)
        if patterns is None:
            raise QuarantineMail(QuarantineReason.UNAUTHORIZED,
                                 f"source {source_id!r} may not deliver for tenant {tenant!r}")
        if not _matches(mailbox, patterns):
            raise QuarantineMail(QuarantineReason.UNAUTHORIZED,
                                 f"source {source_id!r} may not deliver to mailbox {mailbox!r} of tenant {tenant!r}")

    def tenant_for(self, source_id: str, mailbox: str) -> str | None:
        """The tenant whose mailbox this is, among those the source may deliver for; None when there is none."""
        source = self.sources.get(source_id)
        if source is None:
            return None
        return next((tenant for tenant, patterns in source.tenants.items() if _matches(mailbox, patterns)), None)


def _matches(mailbox: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(mailbox.lower(), pattern.lower()) for pattern in patterns)


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
