"""Per-thread working memory: what earlier mails of the same thread extracted, did and still wait for, so a
follow-up mail is handled in its context. Kept in Redis at ``runtime:memory:<thread id>``, read when a run
starts and written when it ends or pauses for a person; both are spans. Long-term history is the retriever's."""

import json
from typing import Any

from opentelemetry import trace
from redis.asyncio import Redis

from services.runtime.run_state import RunState

tracer = trace.get_tracer("mailspine.runtime.memory")


def _key(thread_id: str) -> str:
    return f"runtime:memory:{thread_id}"


def mail_entry(state: RunState) -> dict[str, Any]:
    """What this run leaves for the next mail of its thread."""
    facts = state.extraction.facts.model_dump(mode="json") if state.extraction else None
    done = [{"function": call.function, "arguments": call.arguments, "status": call.result.status,
             "approved_by": call.approval.by if call.approval else None}
            for call in state.finished_calls() if call.result is not None]
    pending = [{"function": call.function, "arguments": call.arguments, "waiting_for": "review"}
               for call in state.calls if call.status == "reviewing"]
    return {"mail_id": state.mail_id, "facts": facts, "actions": done, "pending": pending}


def approved_state(memory: dict[str, Any]) -> dict[str, Any]:
    """The actions earlier mails of the thread executed with an approval: the critic's trusted provenance."""
    approved = [action for mail in memory.get("mails", []) for action in mail.get("actions", [])
                if action.get("status") == "ok" and action.get("approved_by")]
    recipients = [action["arguments"].get("to") for action in approved if action.get("function") == "send_reply"]
    return {"approved_actions": approved, "recipients": [to for to in recipients if to]}


class ThreadMemory:
    def __init__(self, redis: Redis, *, keep_mails: int, ttl_seconds: int) -> None:
        self.redis, self.keep_mails, self.ttl_seconds = redis, keep_mails, ttl_seconds

    async def read(self, thread_id: str) -> dict[str, Any]:
        with tracer.start_as_current_span("memory.read") as span:
            raw = await self.redis.get(_key(thread_id))
            memory: dict[str, Any] = json.loads(raw) if raw else {"mails": []}
            span.set_attributes({"mailspine.memory.thread": thread_id,
                                 "mailspine.memory.mails": len(memory.get("mails", []))})
            return memory

    async def write(self, state: RunState) -> None:
        """Adds (or replaces) this mail's entry; re-reads first, since later mails of the thread may have written."""
        with tracer.start_as_current_span("memory.write") as span:
            current = json.loads(await self.redis.get(_key(state.thread_id)) or "{}") or {"mails": []}
            mails = [mail for mail in current.get("mails", []) if mail.get("mail_id") != state.mail_id]
            mails = [*mails, mail_entry(state)][-self.keep_mails:]
            await self.redis.set(_key(state.thread_id), json.dumps({"mails": mails}), ex=self.ttl_seconds)
            span.set_attributes({"mailspine.memory.thread": state.thread_id, "mailspine.memory.mails": len(mails)})
