"""The CRM stand-in's database: a SQLite file under the state dir. Customers (per tenant), their addresses with
customer keys, open cases, and every write received (accepted or rejected) by idempotency key, so a redelivered
write is recognised and acknowledged once."""

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shared.contracts.crm_read import CrmAddress, CrmCase, CrmCustomer, CrmInteraction
from shared.customer_keys import CustomerKeys
from standins.crm.rules import OPENS_A_CASE, IncomingWrite

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    tenant TEXT NOT NULL, customer_id TEXT NOT NULL, name TEXT, tier TEXT, postal_address TEXT,
    created_at TEXT NOT NULL, PRIMARY KEY (tenant, customer_id));
CREATE TABLE IF NOT EXISTS addresses (
    tenant TEXT NOT NULL, address TEXT NOT NULL, customer_key TEXT NOT NULL, customer_id TEXT NOT NULL,
    position INTEGER NOT NULL, PRIMARY KEY (tenant, address));
CREATE INDEX IF NOT EXISTS addresses_by_key ON addresses (tenant, customer_key);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, customer_id TEXT NOT NULL, action TEXT NOT NULL,
    opened_at TEXT NOT NULL, amount TEXT, currency TEXT, order_id TEXT, invoice_id TEXT, summary TEXT NOT NULL,
    status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS writes (
    idempotency_key TEXT PRIMARY KEY, tenant TEXT NOT NULL, mail_id TEXT NOT NULL, action TEXT NOT NULL,
    customer_id TEXT, accepted INTEGER NOT NULL, reason TEXT, summary TEXT, order_id TEXT, invoice_id TEXT,
    amount TEXT, currency TEXT, new_address TEXT, received_at TEXT NOT NULL, acknowledged INTEGER NOT NULL);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class RecordedWrite:
    idempotency_key: str
    action: str
    accepted: bool
    reason: str | None
    acknowledged: bool


class CrmDatabase:
    """One connection, used by one thread at a time (the stand-in is one process)."""

    def __init__(self, path: Path, keys: CustomerKeys) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.executescript(SCHEMA)
        self.keys = keys
        self.lock = threading.Lock()

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def is_empty(self) -> bool:
        with self.lock:
            return bool(self.connection.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == 0)

    def add_customer(self, tenant: str, addresses: list[str], name: str | None = None, tier: str | None = None,
                     customer_id: str | None = None) -> str:
        with self.transaction() as db:
            return self._add_customer(db, tenant, addresses, name, tier, customer_id)

    def _add_customer(self, db: sqlite3.Connection, tenant: str, addresses: list[str], name: str | None,
                      tier: str | None, customer_id: str | None) -> str:
        customer_id = customer_id or f"C-{uuid.uuid4().hex[:10]}"
        db.execute("INSERT INTO customers VALUES (?, ?, ?, ?, NULL, ?)", (tenant, customer_id, name, tier, _now()))
        for position, address in enumerate(addresses):
            db.execute("INSERT INTO addresses VALUES (?, ?, ?, ?, ?)",
                       (tenant, address.lower(), self.keys.of(address), customer_id, position))
        return customer_id

    def customer_of_address(self, tenant: str, address: str) -> str | None:
        with self.lock:
            row = self.connection.execute("SELECT customer_id FROM addresses WHERE tenant = ? AND address = ?",
                                          (tenant, address.lower())).fetchone()
        return None if row is None else str(row["customer_id"])

    def recorded_write(self, idempotency_key: str) -> RecordedWrite | None:
        with self.lock:
            row = self.connection.execute("SELECT * FROM writes WHERE idempotency_key = ?",
                                          (idempotency_key,)).fetchone()
        if row is None:
            return None
        return RecordedWrite(row["idempotency_key"], row["action"], bool(row["accepted"]), row["reason"],
                             bool(row["acknowledged"]))

    def record(self, tenant: str, mail_id: str, write: IncomingWrite, problem: str | None) -> RecordedWrite:
        """Apply an accepted write (new customer, new case, new postal address) and record every write, in one
        transaction, unacknowledged until ``mark_acknowledged``."""
        with self.transaction() as db:
            customer_id = None
            if problem is None:
                customer_id = self._apply(db, tenant, write)
            db.execute("INSERT INTO writes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                       (write.idempotency_key, tenant, mail_id, write.action, customer_id, problem is None, problem,
                        write.summary, write.order_id, write.invoice_id, write.amount, write.currency,
                        write.new_address, _now()))
        return RecordedWrite(write.idempotency_key, write.action, problem is None, problem, False)

    def _apply(self, db: sqlite3.Connection, tenant: str, write: IncomingWrite) -> str:
        row = db.execute("SELECT customer_id FROM addresses WHERE tenant = ? AND address = ?",
                         (tenant, write.customer_address.lower())).fetchone()
        customer_id = str(row["customer_id"]) if row else self._add_customer(
            db, tenant, [write.customer_address], None, None, None)
        if write.action == "update_address":
            db.execute("UPDATE customers SET postal_address = ? WHERE tenant = ? AND customer_id = ?",
                       (write.new_address, tenant, customer_id))
        if write.action in OPENS_A_CASE:
            db.execute("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
                       (f"CASE-{uuid.uuid4().hex[:10]}", tenant, customer_id, write.action, _now(), write.amount,
                        write.currency, write.order_id, write.invoice_id, write.summary))
        return customer_id

    def mark_acknowledged(self, idempotency_key: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE writes SET acknowledged = 1 WHERE idempotency_key = ?", (idempotency_key,))

    def customer_by_key(self, tenant: str, customer_key: str) -> CrmCustomer | None:
        with self.lock:
            row = self.connection.execute("SELECT customer_id FROM addresses WHERE tenant = ? AND customer_key = ?",
                                          (tenant, customer_key)).fetchone()
        return None if row is None else self.customer(tenant, str(row["customer_id"]))

    def customer(self, tenant: str, customer_id: str) -> CrmCustomer | None:
        with self.lock:
            db = self.connection
            person = db.execute("SELECT * FROM customers WHERE tenant = ? AND customer_id = ?",
                                (tenant, customer_id)).fetchone()
            if person is None:
                return None
            addresses = db.execute("SELECT address, customer_key FROM addresses WHERE tenant = ? AND customer_id = ? "
                                   "ORDER BY position, address", (tenant, customer_id)).fetchall()
            cases = db.execute("SELECT * FROM cases WHERE tenant = ? AND customer_id = ? AND status = 'open' "
                               "ORDER BY opened_at", (tenant, customer_id)).fetchall()
            interactions = db.execute("SELECT received_at, action, summary, mail_id FROM writes WHERE tenant = ? AND "
                                      "customer_id = ? AND accepted = 1 ORDER BY received_at DESC LIMIT 50",
                                      (tenant, customer_id)).fetchall()
        return CrmCustomer(
            tenant=tenant, customer_id=customer_id, customer_key=addresses[0]["customer_key"], name=person["name"],
            tier=person["tier"], postal_address=person["postal_address"],
            addresses=[CrmAddress(address=a["address"], customer_key=a["customer_key"]) for a in addresses],
            open_cases=[CrmCase(case_id=c["case_id"], action=c["action"], opened_at=c["opened_at"], amount=c["amount"],
                                currency=c["currency"], order_id=c["order_id"], invoice_id=c["invoice_id"],
                                summary=c["summary"]) for c in cases],
            interactions=[CrmInteraction(at=i["received_at"], action=i["action"], summary=i["summary"] or "",
                                         mail_id=i["mail_id"]) for i in interactions])
