"""Test helpers that talk to the real servers: send mail, read topics back, poll Jaeger."""

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from infra.topic_reader import read_records
from shared.contracts.mail import InboundMail
from shared.mail_publisher import inbound_from_eml, publish_inbound


def unique_mail(subject: str = "Refund for order AC-558213", body: str = "Please refund EUR 418.00.") -> bytes:
    token = uuid.uuid4().hex
    return (
        f"From: Dana Whitfield <dana.{token[:6]}@northwind.example>\r\n"
        f"To: support@acme.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{token}@northwind.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def send_mails(count: int, source_id: str = "test-mx") -> list[InboundMail]:
    mails = [inbound_from_eml(unique_mail(), source_id=source_id, tenant="acme") for _ in range(count)]
    asyncio.run(publish_inbound(mails))
    return mails


def read_until(topic: str, done: Callable[[list[dict[str, Any]]], bool], timeout: float) -> list[dict[str, Any]]:
    return asyncio.run(read_records(topic, until=done, timeout=timeout))


def wait_for(condition: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
