"""The history tool on the tool-service machinery: a LookupCustomer call in (read only, no approval needed), the
model-safe view of the CRM record back as LookupCustomerOutput.

``register`` declares what the tool consumes and publishes (the AsyncAPI document is generated from it);
``provide`` hands the handler its dependencies."""

from dataclasses import dataclass

from faststream.kafka import KafkaBroker

from services.tools.history.crm_reader import CrmUnavailable, CustomerSource
from services.tools.history.lookup import model_safe_view
from services.tools.history.settings import HistorySettings
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.tools.history import LookupCustomer
from shared.tool_service import (
    CallResults,
    RateGate,
    ToolDefinition,
    ToolPublishers,
    ToolReply,
    ToolServiceDeps,
    provide_tool,
    register_tool,
)

TOOL_NAME = "history"


@dataclass(frozen=True)
class HistoryDeps:
    crm: CustomerSource
    results: CallResults
    rate_gate: RateGate | None


def definition(settings: HistorySettings) -> ToolDefinition[LookupCustomer]:
    return ToolDefinition(tool=TOOL_NAME, service_name=settings.service_name, arguments=LookupCustomer,
                          consequential=False, consumer_group=settings.consumer_group,
                          description="Look up one customer's CRM record by customer key; key = mail id.")


@dataclass(frozen=True)
class LookupCustomers:
    crm: CustomerSource

    async def __call__(self, call: ToolCallMessage, arguments: LookupCustomer) -> ToolReply:
        try:
            customer = await self.crm.customer_by_key(call.tenant, arguments.customer_key)
        except CrmUnavailable as unavailable:
            return ToolReply.failed(str(unavailable))
        return ToolReply.ok(model_safe_view(customer))


def register(broker: KafkaBroker, settings: HistorySettings) -> ToolPublishers:
    return register_tool(broker, definition(settings))


def provide(broker: KafkaBroker, deps: HistoryDeps) -> None:
    provide_tool(broker, ToolServiceDeps(handler=LookupCustomers(deps.crm), results=deps.results,
                                         rate_gate=deps.rate_gate))
