"""Per-process tracer provider. Each service names itself; spans go to Jaeger over OTLP/gRPC."""

from opentelemetry import propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.jaeger import JaegerPropagator
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.settings import TracingSettings

_provider: TracerProvider | None = None


def setup_tracing(service_name: str, settings: TracingSettings | None = None) -> TracerProvider:
    """Install the global tracer provider and propagators; safe to call more than once per process."""
    global _provider
    if _provider is not None:
        return _provider
    settings = settings or TracingSettings()
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name, SERVICE_VERSION: "0.1.0"}),
    )
    if settings.enabled:
        exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint, insecure=True)
        # short delay: `mailspine why` right after a mail should already see its spans
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    # W3C first (what we inject); Jaeger's uber-trace-id is accepted from older producers
    propagate.set_global_textmap(
        CompositePropagator(
            [TraceContextTextMapPropagator(), W3CBaggagePropagator(), JaegerPropagator()],
        ),
    )
    _provider = provider
    return provider


def shutdown_tracing() -> None:
    """Flush buffered spans; called when a process stops so its last spans are not lost."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)
        _provider.shutdown()
