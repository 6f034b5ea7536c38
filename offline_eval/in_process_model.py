"""The reference model answered in this process, behind the OpenAI client's own interface: for tests and for
evaluations that need no server. Same rules, same replies as the HTTP server (standins/reference_model/app.py)."""

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletion

from standins.reference_model.completion import complete


class InProcessReferenceModel:
    def __init__(self) -> None:
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))
        self.requests = 0

    @property
    def client(self) -> openai.AsyncOpenAI:
        return cast(openai.AsyncOpenAI, self)

    async def _create(self, **request: Any) -> ChatCompletion:
        self.requests += 1
        body = {key: value for key, value in request.items() if value is not None}
        await asyncio.sleep(0)  # a turn for the other runs in flight, as a network call would give
        return ChatCompletion.model_validate(complete(body))
