"""Which mails the online evaluator scores: decided once per mail by the gateway, carried in the Kafka headers.

The decision rides as W3C baggage (``baggage: mailspine.eval.sampled=...``). FastStream's telemetry middleware
copies a consumed message's baggage onto everything its handler publishes, so a mail sampled at the gateway is
sampled in the runtime, in every tool and in the evaluator, and no service decides again.

One uniform draw per mail (a hash of the mail id) is compared with the rate of each prompt the policy names,
and with the tenant's default rate (``*``) for every other prompt. The value lists the names the mail is
sampled for, so the rates nest: a mail sampled at 10% is also sampled by a prompt configured at 50%.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.settings import REPO_ROOT

BAGGAGE_KEY = "mailspine.eval.sampled"
EVERY_OTHER_PROMPT = "*"
DEFAULT_POLICY_FILE = REPO_ROOT / "config" / "eval-sampling.yaml"

Rate = float


class TenantSampling(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Rate | None = Field(default=None, ge=0.0, le=1.0, description="this tenant's rate for any prompt")
    prompts: dict[str, Rate] = Field(default_factory=dict, description="this tenant's rate per prompt name")


class SamplingPolicy(BaseModel):
    """Rates in [0, 1]. The most specific wins: tenant+prompt, then prompt, then tenant default, then default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Rate = Field(ge=0.0, le=1.0)
    prompts: dict[str, Rate] = Field(default_factory=dict)
    tenants: dict[str, TenantSampling] = Field(default_factory=dict)

    def model_post_init(self, _: object) -> None:
        per_tenant = ((f"{t}/{p}", r) for t, s in self.tenants.items() for p, r in s.prompts.items())
        rates = [*self.prompts.items(), *per_tenant]
        for name, rate in rates:
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"sampling rate of {name} is {rate}; a rate is a share between 0 and 1")

    def rate(self, tenant: str, prompt: str = EVERY_OTHER_PROMPT) -> Rate:
        own = self.tenants.get(tenant, TenantSampling())
        if prompt in own.prompts:
            return own.prompts[prompt]
        if prompt in self.prompts:
            return self.prompts[prompt]
        return own.default if own.default is not None else self.default

    def named_prompts(self, tenant: str) -> set[str]:
        return set(self.prompts) | set(self.tenants.get(tenant, TenantSampling()).prompts)

    def decide(self, mail_id: str, tenant: str) -> "SamplingDecision":
        draw = uniform_draw(mail_id)
        names = {p for p in self.named_prompts(tenant) if draw < self.rate(tenant, p)}
        if draw < self.rate(tenant):
            names.add(EVERY_OTHER_PROMPT)
        return SamplingDecision(frozenset(names), frozenset(self.named_prompts(tenant)))


def uniform_draw(mail_id: str) -> float:
    """A number in [0, 1) fixed by the mail id: a redelivered mail gets the same decision."""
    return int(hashlib.sha256(mail_id.encode()).hexdigest()[:15], 16) / 16 ** 15


@dataclass(frozen=True)
class SamplingDecision:
    sampled: frozenset[str]  # prompt names, and "*" for every prompt the policy does not name
    named: frozenset[str] = frozenset()  # the prompts the policy names (they are not covered by "*")

    def sampled_for(self, prompt: str) -> bool:
        if prompt in self.sampled:
            return True
        return prompt not in self.named and EVERY_OTHER_PROMPT in self.sampled

    def to_baggage(self) -> str:
        """``extract-email,*``; the named-but-not-sampled prompts follow a ``!`` so a reader knows them too."""
        value = ",".join(sorted(self.sampled))
        unsampled = sorted(self.named - self.sampled)
        return f"{value}!{','.join(unsampled)}" if unsampled else value

    @classmethod
    def from_baggage(cls, value: str | None) -> "SamplingDecision":
        """No baggage (a producer that predates sampling, or a message from outside) means not sampled."""
        if not value:
            return cls(frozenset())
        sampled, _, unsampled = value.partition("!")
        names = frozenset(n for n in sampled.split(",") if n)
        return cls(names, names | frozenset(n for n in unsampled.split(",") if n))


class SamplingPolicyError(ValueError):
    pass


def load_policy(path: Path | None = None) -> SamplingPolicy:
    path = path or DEFAULT_POLICY_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return SamplingPolicy.model_validate(data)
    except FileNotFoundError:
        raise SamplingPolicyError(f"no sampling policy at {path}; copy config/eval-sampling.yaml there or set "
                                  "MAILSPINE_GATEWAY_SAMPLING_POLICY") from None
    except (yaml.YAMLError, ValidationError, ValueError) as error:
        raise SamplingPolicyError(f"sampling policy {path} is invalid: {error}") from None
