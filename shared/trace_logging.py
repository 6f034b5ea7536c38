"""Logging whose every line carries the current trace and span id, so a log line leads to its trace."""

import logging
import sys

from opentelemetry import trace

_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(service)s trace=%(trace_id)s span=%(span_id)s] %(message)s"


class TraceContextFilter(logging.Filter):
    def __init__(self, service_name: str) -> None:
        super().__init__()
        self.service_name = service_name

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.service = self.service_name
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else "-"
        record.span_id = format(context.span_id, "016x") if context.is_valid else "-"
        return True


def setup_logging(service_name: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TraceContextFilter(service_name))
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    # SASL/PLAIN without TLS is the documented local setup (loopback only); aiokafka warns on every connect
    logging.getLogger("aiokafka.conn").setLevel(logging.ERROR)
    # one INFO line per HTTP request (the prompt client's health probe every second, each model call) drowns the
    # log; the spans carry those calls
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
