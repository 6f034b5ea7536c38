"""Who may do what in the console: the roles per person (config/console-roles.yaml), the review SLAs and the claim
length, and the console-only people's local-development sign-in tokens (generated on first run, mode 600)."""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from shared.bearer_tokens import ensure_users

Role = Literal["reader", "reviewer", "release_manager", "pii_revealer"]
DECIDING_ROLES: frozenset[str] = frozenset({"reviewer", "release_manager"})
REVEALING_ROLE = "pii_revealer"  # sees the values behind a review's placeholders; each reveal is audited

HEADER = """\
# Console sign-in tokens (local development). One entry per token:
#   TOKEN: {principal: NAME, roles: [...]}   (the roles that count are in config/console-roles.yaml)
# The console rereads this file when it changes.
"""


class ReviewSla(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: int = Field(default=240, gt=0, description="minutes")
    tenants: dict[str, int] = Field(default_factory=dict)

    def minutes_for(self, tenant: str) -> int:
        return self.tenants.get(tenant, self.default)


class ConsolePeople(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    users: dict[str, list[Role]] = Field(default_factory=dict)
    review_sla_minutes: ReviewSla = Field(default_factory=ReviewSla)
    claim_seconds: int = Field(default=300, gt=0)

    @classmethod
    def load(cls, path: Path) -> "ConsolePeople":
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    def roles_of(self, name: str | None) -> frozenset[str]:
        """A person not listed may read, nothing more."""
        return frozenset(self.users.get(name or "", ["reader"]))


def ensure_console_tokens(path: Path, people: ConsolePeople) -> bool:
    """A sign-in token for every person listed, unless they have one. Returns whether it wrote the file."""
    return ensure_users(path, {name: list(roles) for name, roles in people.users.items()}, HEADER, "msc_")
