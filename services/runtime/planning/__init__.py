"""The agent's planner: given the mail, its trusted facts, the thread's memory and what this run's calls
returned, which tool calls come next (services/runtime/planning/planner.py)."""

from services.runtime.planning.call_validation import DroppedCall, accept_tool_calls
from services.runtime.planning.planner import PLAN_PROMPT, plan_next
from services.runtime.planning.steps import OBSERVATION_STATUSES, Observation, PlanInput, PlannedCall, PlanStep

__all__ = ["OBSERVATION_STATUSES", "PLAN_PROMPT", "DroppedCall", "Observation", "PlanInput", "PlanStep",
           "PlannedCall", "accept_tool_calls", "plan_next"]
