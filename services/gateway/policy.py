"""Authorization: which source may deliver for which tenant and mailbox (config/gateway-policy.yaml)."""

from fnmatch import fnmatchcase
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.contracts.mail import QuarantineReason
from shared.errors import QuarantineMail, UserError


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
        if not any(fnmatchcase(mailbox.lower(), pattern.lower()) for pattern in patterns):
            raise QuarantineMail(QuarantineReason.UNAUTHORIZED,
                                 f"source {source_id!r} may not deliver to mailbox {mailbox!r} of tenant {tenant!r}")
