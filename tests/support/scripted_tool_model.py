"""A scripted stand-in for chat completions that answers with tool calls, for unit tests of the planner: each
reply is a list of (function, arguments) pairs (arguments as a dict, or as raw text to test bad JSON)."""

import json
from types import SimpleNamespace
from typing import Any, cast

import openai

ToolReply = list[tuple[str, dict[str, Any] | str]]


class ScriptedToolModel:
    def __init__(self, *replies: ToolReply, model: str = "scripted") -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.model = model
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    @property
    def client(self) -> openai.AsyncOpenAI:
        return cast(openai.AsyncOpenAI, self)

    async def _create(self, **request: Any) -> object:
        self.requests.append(request)
        calls = [SimpleNamespace(id=f"call_{i}", type="function",
                                 function=SimpleNamespace(name=name, arguments=args if isinstance(args, str)
                                                          else json.dumps(args)))
                 for i, (name, args) in enumerate(self.replies.pop(0))]
        message = SimpleNamespace(content=None, tool_calls=calls or None)
        return SimpleNamespace(model=self.model, usage=SimpleNamespace(prompt_tokens=300, completion_tokens=40),
                               choices=[SimpleNamespace(message=message)])
