"""The machinery every tool service shares: typed arguments, approval, deadline, idempotency by call id, rate
limits, one span per call, and the result on ``tool.<tool>.results.v1``. A tool service declares a
``ToolDefinition`` and writes one handler; ``register_tool`` and ``provide_tool`` do the rest."""

from shared.tool_service.call_results import CallResults, InMemoryCallResults, RedisCallResults
from shared.tool_service.definition import ToolDefinition, ToolHandler, ToolReply
from shared.tool_service.execution import (
    DeadlinePassedBeforeEffect,
    InvalidToolCall,
    ToolServiceDeps,
    ensure_before_deadline,
    execute_call,
)
from shared.tool_service.rate_limits import RateGate, ToolLimitsFile, redis_rate_limit_storage
from shared.tool_service.subscriber import CallDispatch, ToolPublishers, provide_tool, register_tool

__all__ = [
    "CallDispatch",
    "CallResults",
    "DeadlinePassedBeforeEffect",
    "InMemoryCallResults",
    "InvalidToolCall",
    "RateGate",
    "RedisCallResults",
    "ToolDefinition",
    "ToolHandler",
    "ToolLimitsFile",
    "ToolPublishers",
    "ToolReply",
    "ToolServiceDeps",
    "ensure_before_deadline",
    "execute_call",
    "provide_tool",
    "redis_rate_limit_storage",
    "register_tool",
]
