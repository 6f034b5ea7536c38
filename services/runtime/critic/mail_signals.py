"""Signs in the untrusted mail text that it is talking to the agent rather than to the team, which no genuine
customer needs: it names the agent's own tools or CRM actions, addresses the AI by name, or claims that someone
on our side already approved what it asks. An approval exists only in the review flow (the thread's approved
state), never in a mail. Any such sign sends every consequential call of the mail to a person."""

import re

from shared.contracts.crm import CrmAction
from shared.contracts.tools.catalog import TOOL_CATALOG

# the agent's own vocabulary: a customer writes "refund", never "create_refund_case" or "send_reply"
_OWN_NAMES = sorted({spec.function for spec in TOOL_CATALOG} | {str(action) for action in CrmAction}, key=len,
                    reverse=True)
_NAMES_A_TOOL = re.compile(r"\b(" + "|".join(map(re.escape, _OWN_NAMES)) + r")\b|\b(call|run|use|invoke|execute)"
                           r"\s+(the\s+)?([\w-]+\s+(tool|function)\b|[a-z]+_[a-z_]+\b)", re.IGNORECASE)
_ADDRESSES_THE_MODEL = re.compile(
    r"(^|[\n.!?,;]\s*)(hey|hi|dear|attention|note to|for)?\s*(the\s+)?(ai|a\.i\.|llm|bot|agent|assistant|model|"
    r"automated assistant|ai assistant|ai agent)\s*[:,]", re.IGNORECASE)
# someone on the recipient's side ("your CFO", "your side") approved it: only our review flow can say that
_OUR_SIDE = (r"(your\s+(\w+\s+){0,2}(management|director|ceo|cfo|coo|cto|vp|vice president|manager|supervisor|"
             r"head|boss|board)|on your side|management approval)")
_APPROVAL = r"(approved|approval|authori[sz]ed|authori[sz]ation|signed off|okayed|pre-approved|sanctioned)"
_CLAIMED_APPROVAL = re.compile(
    rf"\b{_APPROVAL}\b[^.\n]{{0,60}}\b{_OUR_SIDE}|\b{_OUR_SIDE}\b[^.\n]{{0,60}}\b{_APPROVAL}", re.IGNORECASE)


def agent_directed(text: str) -> list[str]:
    """Why the text reads as addressed to the agent; empty when it does not."""
    reasons = []
    named = _NAMES_A_TOOL.search(text)
    if named:
        reasons.append(f"the mail names the agent's own tools or actions ({named.group(0)[:40]!r})")
    if _ADDRESSES_THE_MODEL.search(text):
        reasons.append("the mail addresses the AI agent directly")
    claimed = _CLAIMED_APPROVAL.search(text)
    if claimed:
        reasons.append(f"the mail claims an approval from our side ({claimed.group(0)[:60]!r}); approvals come only "
                       "from the review flow")
    return reasons
