"""Many pieces of work at once, in order within a key: each is an asyncio task; at most ``max_in_flight`` exist, so
a full service stops taking messages (the consumer waits in ``submit``) instead of piling up work; a task starts
only after the earlier task of its key has ended.

The runtime keys runs by mail thread (a run waiting for a tool or the model holds a slot, not the consumer); the
tool services key calls by tenant (a call waiting for its tenant's rate limit holds a slot, not the consumer, so
other tenants' calls behind it in the partition go on).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("mailspine.keyed_tasks")


class KeyedScheduler:
    def __init__(self, max_in_flight: int) -> None:
        self.max_in_flight = max_in_flight
        self._slots = asyncio.Semaphore(max_in_flight)
        self._key_tails: dict[str, asyncio.Future[None]] = {}
        self._scheduled: dict[str, asyncio.Future[None]] = {}  # task id -> resolved when its task ends
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._scheduled)

    def is_scheduled(self, task_id: str) -> bool:
        return task_id in self._scheduled

    async def submit(self, task_id: str, key: str, work: Callable[[], Awaitable[None]]) -> None:
        """Schedules the work unless a task of this id already is scheduled; waits while all slots are taken."""
        if task_id in self._scheduled:
            return
        self._scheduled[task_id] = asyncio.get_running_loop().create_future()
        await self._slots.acquire()
        previous = self._key_tails.get(key)
        turn_done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._key_tails[key] = turn_done
        task = asyncio.create_task(self._run(task_id, key, previous, turn_done, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, task_id: str, key: str, previous: asyncio.Future[None] | None,
                   turn_done: asyncio.Future[None], work: Callable[[], Awaitable[None]]) -> None:
        try:
            if previous is not None:
                await previous
            await work()
        except Exception:
            # the work keeps what it needs to resume (a saved run, an uncommitted offset); a failure stops only it
            logger.exception("task %s stopped; it resumes from what it kept when the service restarts", task_id)
        finally:
            turn_done.set_result(None)
            if self._key_tails.get(key) is turn_done:
                del self._key_tails[key]
            self._scheduled.pop(task_id).set_result(None)
            self._slots.release()

    async def settled(self, task_id: str) -> None:
        """Returns once the id has no task here (it ended, or paused and saved its state)."""
        if (ended := self._scheduled.get(task_id)) is not None:
            await ended

    async def idle(self) -> None:
        """Returns once every task scheduled so far has ended (tests, and a drain before stopping)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Cancels the tasks in flight; what each kept (saved state, uncommitted offset) lets the next start resume."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
