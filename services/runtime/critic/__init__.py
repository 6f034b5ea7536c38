"""The critic: checks every consequential tool call before it runs (agent policy, trusted facts, provenance,
optionally a semantic check) and says allow, deny or needs_human, with reasons."""

from services.runtime.critic.policy import AgentPolicy, IntentRule, load_policy
from services.runtime.critic.review import SemanticCheck, review_call
from services.runtime.critic.rules import policy_verdict
from services.runtime.critic.verdict import CriticVerdict, Evidence, Verdict, strictest

__all__ = ["AgentPolicy", "CriticVerdict", "Evidence", "IntentRule", "SemanticCheck", "Verdict", "load_policy",
           "policy_verdict", "review_call", "strictest"]
