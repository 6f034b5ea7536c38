"""Many runs at once, in order within a thread: each run is an asyncio task; at most ``max_in_flight`` exist, so
a full runtime stops taking mail (the consumer waits in ``submit``) instead of piling up work; a run starts only
after the earlier run of its thread has ended or paused for a person.

A run waiting for a tool or the model holds a slot, not the consumer; a run paused for a person holds neither.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("mailspine.runtime.scheduler")


class RunScheduler:
    def __init__(self, max_in_flight: int) -> None:
        self.max_in_flight = max_in_flight
        self._slots = asyncio.Semaphore(max_in_flight)
        self._thread_tails: dict[str, asyncio.Future[None]] = {}
        self._scheduled: dict[str, asyncio.Future[None]] = {}  # run id -> resolved when its task ends
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._scheduled)

    def is_scheduled(self, run_id: str) -> bool:
        return run_id in self._scheduled

    async def submit(self, run_id: str, thread_id: str, work: Callable[[], Awaitable[None]]) -> None:
        """Schedules the run unless it already is; waits while the runtime is full."""
        if run_id in self._scheduled:
            return
        self._scheduled[run_id] = asyncio.get_running_loop().create_future()
        await self._slots.acquire()
        previous = self._thread_tails.get(thread_id)
        turn_done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._thread_tails[thread_id] = turn_done
        task = asyncio.create_task(self._run(run_id, thread_id, previous, turn_done, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, run_id: str, thread_id: str, previous: asyncio.Future[None] | None,
                   turn_done: asyncio.Future[None], work: Callable[[], Awaitable[None]]) -> None:
        try:
            if previous is not None:
                await previous
            await work()
        except Exception:
            # the run's state is saved after every phase: it resumes from there at the next start
            logger.exception("run %s stopped; it resumes from its saved state when the runtime restarts", run_id)
        finally:
            turn_done.set_result(None)
            if self._thread_tails.get(thread_id) is turn_done:
                del self._thread_tails[thread_id]
            self._scheduled.pop(run_id).set_result(None)
            self._slots.release()

    async def settled(self, run_id: str) -> None:
        """Returns once the run has no task here (it ended, or paused and saved its state)."""
        if (ended := self._scheduled.get(run_id)) is not None:
            await ended

    async def stop(self) -> None:
        """Cancels the runs in flight; their saved states let the next start resume them."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
