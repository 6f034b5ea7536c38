"""One agent run's actions, in-process: the planner and the critic exactly as the runtime calls them, with
simulated tool outputs instead of Kafka and the tool services.

Read-only calls return an empty history and a CRM record that knows the sender. A consequential call goes to
the critic: denied, it is observed as denied; allowed, or sent to a person, it is observed as done (the eval
assumes the reviewer approves the call as proposed, so it sees what the run would do next)."""

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import openai

from services.runtime.critic import (
    AgentPolicy,
    CriticVerdict,
    Evidence,
    PromptSemanticCheck,
    SemanticCheck,
    Verdict,
    review_call,
)
from services.runtime.planning import Observation, PlanInput, PlannedCall, plan_next
from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMail
from shared.contracts.tools.catalog import tool_by_function
from shared.prompts import PromptArtifact

MAX_STEPS = 6


@dataclass(frozen=True)
class ReviewedCall:
    call: PlannedCall
    verdict: CriticVerdict


@dataclass(frozen=True)
class ActionRun:
    reviewed: tuple[ReviewedCall, ...]  # every consequential call the planner proposed, with the critic's verdict
    steps: int
    input_tokens: int
    output_tokens: int
    finished: bool  # the planner said it was done within MAX_STEPS


class FixedPrompts:
    """A prompt resolver that serves the given artifacts (the versions under evaluation), as the registry would."""

    def __init__(self, *artifacts: PromptArtifact | None) -> None:
        self.artifacts = {a.name: a for a in artifacts if a is not None}

    async def resolve(self, name: str, label: str = "production", routing_key: str | None = None,
                      variables: dict[str, Any] | None = None) -> Any:
        if name not in self.artifacts:
            raise LookupError(f"this evaluation serves {sorted(self.artifacts)}, not {name}")
        artifact = self.artifacts[name]
        return SimpleNamespace(artifact=artifact, version=artifact.version, content_hash=artifact.content_hash or "",
                               label="eval", arm="eval", stale=False)


@dataclass(frozen=True)
class AgentSetup:
    """What decides the actions: the planner prompt, and the critic prompt of the semantic check (None: the
    deterministic policy alone)."""

    planner: PromptArtifact
    critic: PromptArtifact | None = None

    def semantic(self, llm: openai.AsyncOpenAI) -> SemanticCheck | None:
        return PromptSemanticCheck(llm, FixedPrompts(self.critic)) if self.critic is not None else None


def simulated_output(call: PlannedCall, mail: AcceptedMail) -> dict[str, Any]:
    sender = mail.payload.sender_address
    outputs: dict[str, dict[str, Any]] = {
        "search_history": {"hits": [], "index_version": "simulated"},
        "lookup_customer": {"found": True, "customer": {"customer_id": f"sim-{mail.mail_id}", "display_name": None,
                                                        "addresses": [sender], "tier": None},
                            "open_cases": [], "interactions": []},
        "write_crm": {"idempotency_key": f"sim-{mail.mail_id}", "published": True},
        "send_reply": {"message_id": f"<sim-{mail.mail_id}@mailspine.example>",
                       "delivered_to": [call.arguments.get("to", sender)]},
    }
    return outputs[call.function]


async def run_actions(llm: openai.AsyncOpenAI, setup: AgentSetup, mail: AcceptedMail, facts: Extraction,
                      policy: AgentPolicy) -> ActionRun:
    planner, semantic = FixedPrompts(setup.planner), setup.semantic(llm)
    observations: tuple[Observation, ...] = ()
    reviewed: list[ReviewedCall] = []
    crm_record: dict[str, Any] | None = None
    input_tokens = output_tokens = 0
    for step in range(1, MAX_STEPS + 1):
        planned = await plan_next(llm, planner, PlanInput(mail, facts, {}, observations), policy=policy)
        input_tokens += planned.input_tokens
        output_tokens += planned.output_tokens
        if not planned.calls:
            return ActionRun(tuple(reviewed), step, input_tokens, output_tokens, finished=True)
        for call in planned.calls:
            if not tool_by_function(call.function).consequential:
                output = simulated_output(call, mail)
                crm_record = output if call.function == "lookup_customer" else crm_record
                observations += (Observation(call.function, call.arguments, "ok", output, None),)
                continue
            verdict = await review_call(call, Evidence(mail, facts, crm_record, {}), policy, semantic)
            reviewed.append(ReviewedCall(call, verdict))
            if verdict.verdict == Verdict.DENY:
                observations += (Observation(call.function, call.arguments, "denied", {},
                                             "; ".join(verdict.reasons)),)
            else:
                observations += (Observation(call.function, call.arguments, "ok", simulated_output(call, mail),
                                             None),)
    return ActionRun(tuple(reviewed), MAX_STEPS, input_tokens, output_tokens, finished=False)
