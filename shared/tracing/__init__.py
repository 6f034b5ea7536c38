"""Tracing set up in one place: OTel SDK, OTLP export to Jaeger, W3C and Jaeger header propagation."""

from shared.tracing.setup import setup_tracing, shutdown_tracing

__all__ = ["setup_tracing", "shutdown_tracing"]
