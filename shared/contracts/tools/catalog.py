"""The tools the agent may call: one entry per tool service, its function name for the model, its typed
arguments and output, and whether it changes something (then the critic sees every call first).

The planner offers the model exactly these definitions (OpenAI tool-calling protocol); the executor maps a
chosen function back to its service's ``tool.<name>.requests.v1`` topic.
"""

import functools
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from shared.contracts.tools.crm_writer import WriteCrm, WriteCrmOutput
from shared.contracts.tools.email_sender import SendReply, SendReplyOutput
from shared.contracts.tools.history import LookupCustomer, LookupCustomerOutput
from shared.contracts.tools.retriever import SearchHistory, SearchHistoryOutput


@dataclass(frozen=True)
class ToolSpec:
    function: str  # what the model calls it
    service: str  # the tool service: tool.<service>.requests.v1
    arguments: type[BaseModel]
    output: type[BaseModel]
    consequential: bool  # changes something outside: the critic checks every call before it runs
    description: str


TOOL_CATALOG: tuple[ToolSpec, ...] = (
    ToolSpec("search_history", "retriever", SearchHistory, SearchHistoryOutput, consequential=False,
             description="Search this tenant's earlier mail (hybrid: meaning and keywords), optionally for one "
                         "customer and since a time. Read only."),
    ToolSpec("lookup_customer", "history", LookupCustomer, LookupCustomerOutput, consequential=False,
             description="The customer's CRM record, open cases and past interactions. Read only."),
    ToolSpec("write_crm", "crm_writer", WriteCrm, WriteCrmOutput, consequential=True,
             description="Record one action in the CRM (log an interaction, open a refund case, update an "
                         "address, ...). Checked by policy before it runs; may need a person's approval."),
    ToolSpec("send_reply", "email_sender", SendReply, SendReplyOutput, consequential=True,
             description="Send a reply by e-mail to the mail's sender or an address on the CRM record. Checked "
                         "by policy before it runs; may need a person's approval."),
)

_BY_FUNCTION = {spec.function: spec for spec in TOOL_CATALOG}
_BY_SERVICE = {spec.service: spec for spec in TOOL_CATALOG}


def tool_by_function(function: str) -> ToolSpec:
    """The tool the model named; KeyError for a function the agent does not offer."""
    return _BY_FUNCTION[function]


def tool_by_service(service: str) -> ToolSpec:
    return _BY_SERVICE[service]


def openai_tool_definitions(specs: tuple[ToolSpec, ...] = TOOL_CATALOG) -> list[dict[str, Any]]:
    """The ``tools`` parameter of a chat completion: each tool's JSON schema from its pydantic model. Built once
    per catalog (every planning step sends it, and generating the schemas costs more than the step's own work);
    callers must not change what they get."""
    return _tool_definitions(specs)


@functools.cache
def _tool_definitions(specs: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    return [{"type": "function",
             "function": {"name": spec.function, "description": spec.description,
                          "parameters": spec.arguments.model_json_schema()}}
            for spec in specs]
