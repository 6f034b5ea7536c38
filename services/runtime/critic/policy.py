"""The agent policy (config/agent-policy.yaml): which actions each intent allows, which always need a person,
refund limits per tenant and currency, and who may receive mail. Pure data; the critic applies it."""

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.crm import CrmAction
from shared.contracts.golden import Intent
from shared.settings import REPO_ROOT

POLICY_FILE = REPO_ROOT / "config" / "agent-policy.yaml"
DEFAULT_TENANT = "*"


class IntentRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    crm_actions: tuple[CrmAction, ...] = Field(description="the write_crm actions a mail of this intent allows")
    reply: bool = Field(description="the agent acknowledges the mail to its sender (send_reply)")


class AgentPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    intents: dict[Intent, IntentRule]
    person_decides: tuple[CrmAction, ...] = ()
    refund_limits: dict[str, dict[str, Decimal]] = Field(default_factory=dict)
    recipients: tuple[Literal["sender", "crm_record", "approved"], ...] = ("sender",)

    def rule(self, intent: Intent | str) -> IntentRule:
        """An intent the file does not name allows nothing (a new intent must be given rules on purpose)."""
        return self.intents.get(Intent(intent), IntentRule(crm_actions=(), reply=False))

    def refund_limit(self, tenant: str, currency: str) -> Decimal | None:
        limits = self.refund_limits.get(tenant, self.refund_limits.get(DEFAULT_TENANT, {}))
        return limits.get(currency)


def load_policy(path: Path | None = None) -> AgentPolicy:
    return _load(path or POLICY_FILE)


@lru_cache(maxsize=8)
def _load(path: Path) -> AgentPolicy:
    return AgentPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
