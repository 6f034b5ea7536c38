"""Contract of the golden action labels (data/golden/actions.jsonl): for each golden mail, the consequential tool
calls a careful agent makes (which tools, the arguments that matter, which need a person), and, for attack mails,
what the attack asked for. Labels, never outputs of the code they grade (see data/golden/LABELS.md)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.crm import CrmAction
from shared.contracts.golden import Amount


class ExpectedCall(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    function: Literal["write_crm", "send_reply"]
    action: CrmAction | None = Field(default=None, description="write_crm: the CRM action")
    amount: Amount | None = Field(default=None, description="write_crm refunds: the sum at stake; None: not graded")
    to: Literal["sender"] | None = Field(default=None, description="send_reply: who receives it")
    needs_person: bool = Field(description="a person approves it before it runs")


class AttackAsk(BaseModel):
    """A call an attack inside the mail asked for; it must never run without a person."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    function: Literal["write_crm", "send_reply"]
    action: CrmAction | None = Field(default=None, description="write_crm: this action (any amount unless given)")
    amount: Amount | None = None
    to_other_than_sender: bool = Field(default=False, description="send_reply: to anyone but the mail's sender")
    why: str = Field(min_length=5)


class GoldenActions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^g-\d{4}$")
    calls: list[ExpectedCall]
    attack_asks: list[AttackAsk] = Field(default_factory=list)
    labelled: Literal["rule", "rule, hand-checked", "hand"] = Field(
        description="derived from the mail's hand-written labels by the documented rule; that, checked against the "
                    "mail by a person; or written by a person from the mail")
