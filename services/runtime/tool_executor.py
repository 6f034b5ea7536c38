"""The executor's wire side: a call goes out as a ToolCallMessage on ``tool.<service>.requests.v1``; its result
comes back on ``tool.<service>.results.v1`` and is matched by call id to the run waiting for it.

A waiting run holds no consumer: it awaits a future, which the results subscriber resolves. Each wait is bounded
by the call's deadline; when it passes the call ends as expired (the tool drops calls past their deadline too),
so a stopped tool service never hangs a run. A consequential call is waited for a grace longer: its tool checks
the deadline right before the effect, so an effect can happen just before the deadline with its result still in
flight, and the run must not record as expired what happened. Each call is one ``execute_tool`` span in the
mail's trace.

With several runtime processes in the group, a result may reach another process than the one whose run waits: that
process keeps it in Redis, so a waiting run also looks there every ``KEPT_RESULT_POLL_SECONDS``.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from opentelemetry import trace

from services.runtime.run_state import ObservedResult, RunState, StepCall
from services.runtime.run_store import RunStore
from shared.contracts.tool_calls import ToolCall, ToolCallMessage, ToolCallResult, ToolCallStatus
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime.executor")

KEPT_RESULT_POLL_SECONDS = 1.0
PublishCall = Callable[[str, ToolCallMessage], Awaitable[None]]  # (service, message)


def give_up_at(call: StepCall, consequential_grace: timedelta) -> datetime:
    """When the run stops waiting for the call's result: its deadline, plus the grace for a consequential call."""
    assert call.deadline is not None
    return call.deadline + (consequential_grace if call.consequential else timedelta(0))


class ToolExecutor:
    def __init__(self, store: RunStore, publish: PublishCall,
                 consequential_grace: timedelta = timedelta(seconds=30)) -> None:
        self.store, self.publish, self.consequential_grace = store, publish, consequential_grace
        self._waiting: dict[str, asyncio.Future[ToolCallResult]] = {}

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def deliver(self, result: ToolCallResult) -> bool:
        """Hands a result to the run waiting in this process, if one is; False when none is waiting."""
        future = self._waiting.get(result.call_id)
        if future is None or future.done():
            return False
        future.set_result(result)
        return True

    async def execute(self, state: RunState, call: StepCall) -> ObservedResult:
        """Sends the call (again, after a restart: the tool dedupes by call id) and waits for its result."""
        assert call.deadline is not None, "a call is sent only once its deadline is stored"
        with tracer.start_as_current_span(f"execute_tool {call.function}") as span:
            span.set_attributes({attributes.GEN_AI_OPERATION_NAME: "execute_tool", attributes.TOOL_NAME: call.function,
                                 attributes.TOOL_CALL_ID: call.call_id, "mailspine.tool.service": call.service,
                                 attributes.MAIL_ID: state.mail_id})
            result = await self._send_and_wait(state, call)
            span.set_attribute(attributes.OUTCOME, str(result.status))
            if result.reason:
                span.set_attribute("mailspine.tool.reason", result.reason[:500])
            return ObservedResult(status=str(result.status), output=result.output, reason=result.reason)

    async def _send_and_wait(self, state: RunState, call: StepCall) -> ToolCallResult:
        assert call.deadline is not None
        future = self._waiting.setdefault(call.call_id, asyncio.get_running_loop().create_future())
        try:
            if (known := await self.store.result(call.call_id)) is not None:
                return known  # it came back while the runtime was down
            # sent again within the grace too: the tool answers a call id it ran with that first result
            remaining = (give_up_at(call, self.consequential_grace) - datetime.now(UTC)).total_seconds()
            if remaining > 0:
                await self.publish(call.service, _message(state, call))
                if (result := await self._wait(call.call_id, future, remaining)) is not None:
                    return result
            return ToolCallResult(call_id=call.call_id, run_id=state.mail_id, tool=call.service,
                                  status=ToolCallStatus.EXPIRED,
                                  reason=f"no result from {call.service} by the deadline {call.deadline.isoformat()}")
        finally:
            self._waiting.pop(call.call_id, None)

    async def _wait(self, call_id: str, future: asyncio.Future[ToolCallResult], seconds: float
                    ) -> ToolCallResult | None:
        """The result, handed over in this process or kept in Redis by another one; None once ``seconds`` pass."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while (left := until - loop.time()) > 0:
            try:
                return await asyncio.wait_for(asyncio.shield(future), timeout=min(left, KEPT_RESULT_POLL_SECONDS))
            except TimeoutError:
                if (kept := await self.store.result(call_id)) is not None:
                    return kept
        return None


def _message(state: RunState, call: StepCall) -> ToolCallMessage:
    assert call.deadline is not None
    return ToolCallMessage(tenant=state.mail.tenant, mail_id=state.mail_id,
                           payload=ToolCall(call_id=call.call_id, run_id=state.mail_id, tool=call.service,
                                            arguments=call.arguments, deadline=call.deadline,
                                            thread_id=state.thread_id, approval=call.approval))
