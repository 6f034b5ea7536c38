"""Where runs live between steps: Redis, under the runtime's own ``runtime:`` keys.

``runtime:run:<mail id>`` holds a run's state while it is not finished; ``runtime:active`` names those runs, so a
starting runtime finds every run to resume. A finished run leaves ``runtime:done:<mail id>`` behind for a week,
so a redelivered mail is not run twice. ``runtime:call:<call id>`` maps a tool call to its run, and
``runtime:result:<call id>`` keeps the first result that came back for it.
``runtime:finished:<mail id>`` keeps, for a while, a finished run whose consequential call it recorded as expired
or failed (a late result corrects it). Everything here can be rebuilt from Kafka (mail.accepted.v1 and the tool
results topics): Redis is the runtime's view, not the system of record.
"""

from redis.asyncio import Redis

from services.runtime.run_state import RunState
from shared.contracts.tool_calls import ToolCallResult

ACTIVE = "runtime:active"
SEQUENCE = "runtime:sequence"
WEEK_SECONDS = 7 * 24 * 3600


def _run_key(mail_id: str) -> str:
    return f"runtime:run:{mail_id}"


def _finished_key(mail_id: str) -> str:
    return f"runtime:finished:{mail_id}"


class RunStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def next_sequence(self) -> int:
        return int(await self.redis.incr(SEQUENCE))

    async def save(self, state: RunState) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(_run_key(state.mail_id), state.model_dump_json())
            pipe.sadd(ACTIVE, state.mail_id)
            await pipe.execute()

    async def load(self, mail_id: str) -> RunState | None:
        raw = await self.redis.get(_run_key(mail_id))
        return RunState.model_validate_json(raw) if raw is not None else None

    async def admission(self, mail_id: str) -> tuple[bool, RunState | None, int]:
        """For a consumed mail, in one round trip: whether its run is done, its unfinished run if any, and the
        next sequence number (unused when the run exists: the sequence only orders, gaps are harmless)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.exists(f"runtime:done:{mail_id}")
            pipe.get(_run_key(mail_id))
            pipe.incr(SEQUENCE)
            done, raw, sequence = await pipe.execute()
        return bool(done), RunState.model_validate_json(raw) if raw is not None else None, int(sequence)

    async def is_done(self, mail_id: str) -> bool:
        return bool(await self.redis.exists(f"runtime:done:{mail_id}"))

    async def finish(self, state: RunState, keep_seconds: int | None = None) -> None:
        """``keep_seconds``: the finished state stays this long (a late result may still correct its record)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(f"runtime:done:{state.mail_id}", str(state.terminal), ex=WEEK_SECONDS)
            if keep_seconds:
                pipe.set(_finished_key(state.mail_id), state.model_dump_json(), ex=keep_seconds)
            pipe.delete(_run_key(state.mail_id))
            pipe.srem(ACTIVE, state.mail_id)
            await pipe.execute()

    async def keep_finished(self, state: RunState, keep_seconds: int) -> None:
        await self.redis.set(_finished_key(state.mail_id), state.model_dump_json(), ex=keep_seconds)

    async def load_finished(self, mail_id: str) -> RunState | None:
        raw = await self.redis.get(_finished_key(mail_id))
        return RunState.model_validate_json(raw) if raw is not None else None

    async def active_runs(self) -> list[RunState]:
        """Every unfinished run, in arrival order."""
        runs = [run for mail_id in await self.redis.smembers(ACTIVE)
                if (run := await self.load(mail_id.decode() if isinstance(mail_id, bytes) else mail_id))]
        return sorted(runs, key=lambda run: run.sequence)

    async def remember_calls(self, mail_id: str, call_ids: list[str]) -> None:
        if call_ids:
            async with self.redis.pipeline(transaction=False) as pipe:
                for call_id in call_ids:
                    pipe.set(f"runtime:call:{call_id}", mail_id, ex=WEEK_SECONDS)
                await pipe.execute()

    async def run_of_call(self, call_id: str) -> str | None:
        mail_id = await self.redis.get(f"runtime:call:{call_id}")
        return mail_id.decode() if isinstance(mail_id, bytes) else mail_id

    async def keep_result(self, result: ToolCallResult) -> bool:
        """The first result of a call wins (a tool may answer twice, a duplicate after a redelivery)."""
        return bool(await self.redis.set(f"runtime:result:{result.call_id}", result.model_dump_json(),
                                         nx=True, ex=WEEK_SECONDS))

    async def result(self, call_id: str) -> ToolCallResult | None:
        raw = await self.redis.get(f"runtime:result:{call_id}")
        return ToolCallResult.model_validate_json(raw) if raw is not None else None
