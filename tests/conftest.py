"""Every test carries exactly one of the markers unit / integration / e2e, taken from its folder; the whole
session runs against its own stack (tests/support/isolated_stack.py), never the one `make up` started."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.isolated_stack import isolate_test_stack

# before any settings object is built, in this process and every process a test starts
isolate_test_stack()

_FOLDER_MARKERS = {"unit": pytest.mark.unit, "integration": pytest.mark.integration, "e2e": pytest.mark.e2e}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        marker = _FOLDER_MARKERS.get(folder, pytest.mark.integration)
        item.add_marker(marker)


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[None]:
    """The real Kafka, Redis, Jaeger and Weaviate: started (installed on first use) or reused if running.

    What the session started, it stops at the end; what was already running stays running."""
    from infra.stack import up_infra

    started = up_infra()
    yield
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="session")
def running_services(infrastructure: None) -> Iterator[None]:
    """The registry, gateway, runtime, CRM-writer and console processes (infra.service_processes.SERVICES), each its own
    OS process, consumers joined (the registry and the console: their HTTP health checks answering)."""
    from infra.service_processes import start_services, stop_services
    from infra.stack import prepare_models

    prepare_models()
    outcome = start_services()
    yield
    stop_services(names={name for name, what in outcome.items() if what == "started"})
