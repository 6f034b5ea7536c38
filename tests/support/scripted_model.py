"""A scripted stand-in for the OpenAI client's chat completions, for unit tests of a step's own logic: it
replies from a script (raising any exception in it) and records what it was asked."""

from types import SimpleNamespace
from typing import cast

import openai


class ScriptedModel:
    def __init__(self, *replies: object, model: str = "scripted", prompt_tokens: int = 100,
                 completion_tokens: int = 20) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []
        self.model, self.prompt_tokens, self.completion_tokens = model, prompt_tokens, completion_tokens
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    @property
    def client(self) -> openai.AsyncOpenAI:
        """This stand-in where the code under test takes an OpenAI client: it answers the one call they make."""
        return cast(openai.AsyncOpenAI, self)

    async def _create(self, **request: object) -> object:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        usage = SimpleNamespace(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens)
        return SimpleNamespace(model=self.model, usage=usage,
                               choices=[SimpleNamespace(message=SimpleNamespace(content=reply))])
