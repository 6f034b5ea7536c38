"""What the planner takes and gives: the mail with its trusted facts, the thread's memory and what this run's
earlier calls returned; and the next calls to make (none: the plan is finished)."""

from dataclasses import dataclass
from typing import Any

from shared.contracts.agent_run import PromptUse
from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMail

# how a call of this run ended, as the executor reports it to the planner
OBSERVATION_STATUSES = ("ok", "refused", "failed", "expired", "denied", "rejected")


@dataclass(frozen=True)
class PlannedCall:
    function: str  # a function name from shared/contracts/tools/catalog.py TOOL_CATALOG
    arguments: dict[str, Any]  # validated against that tool's arguments model, as JSON


@dataclass(frozen=True)
class Observation:
    """What an earlier call of this run returned, or why it did not run."""

    function: str
    arguments: dict[str, Any]
    status: str  # one of OBSERVATION_STATUSES
    output: dict[str, Any]
    reason: str | None


@dataclass(frozen=True)
class PlanInput:
    mail: AcceptedMail  # spotlighted, redacted
    facts: Extraction  # the trusted, schema-checked extraction
    memory: dict[str, Any]  # the thread's working memory (opaque JSON)
    observations: tuple[Observation, ...]


@dataclass(frozen=True)
class PlanStep:
    calls: tuple[PlannedCall, ...]  # empty: the plan is finished
    prompt: PromptUse
    model: str
    input_tokens: int
    output_tokens: int
