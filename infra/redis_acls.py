"""Least privilege in Redis: which ACL user may touch which keys with which commands, as a redis-server ACL file.

Every service is its own user, named like the service, and owns the keys under ``<user>:``. Data shared on
purpose (the PII vault) is granted explicitly, read-only where reading is all a service does. The default user
is disabled, so a connection without credentials can run nothing. The file is rewritten from this table on every
start (and loaded into a running server), so the table is the only place a grant is stated.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from shared.pii_vault import PII_VAULT_PREFIX

OPERATOR = "mailspine"  # `mailspine` itself and the tests that inspect keys: every key, every command

# What a service may run: reads and writes of data, transactions (WATCH/MULTI) and Lua scripts (atomic rate
# limits), each still limited to the user's keys. Nothing that lists or flushes the keyspace, reads or changes
# the server's config, or watches other clients (KEYS, SCAN, FLUSHALL, CONFIG, MONITOR, CLIENT LIST, DEBUG, ...).
SERVICE_COMMANDS = (
    "-@all", "+@read", "+@write", "+@transaction", "+@connection", "+eval", "+evalsha", "+eval_ro", "+evalsha_ro",
    "+script|load", "+script|exists", "-@dangerous", "-@admin", "-scan", "-randomkey", "-select", "-move",
)


@dataclass(frozen=True)
class RedisAccess:
    user: str
    reads: tuple[str, ...] = ()  # key prefixes it may read beyond its own
    writes: tuple[str, ...] = ()  # key prefixes it may read and write beyond its own
    commands: tuple[str, ...] = ()  # beyond SERVICE_COMMANDS

    @property
    def prefix(self) -> str:
        return f"{self.user}:"

    def may_read(self, key: str) -> bool:
        return key.startswith((self.prefix, *self.reads, *self.writes))

    def may_write(self, key: str) -> bool:
        return key.startswith((self.prefix, *self.writes))


REDIS_ACCESS = (
    # seals the mail's PII originals; remembers each source's Message-IDs (the replay seen-set)
    RedisAccess("gateway", writes=(PII_VAULT_PREFIX,)),
    RedisAccess("runtime"),  # run state and working memory
    RedisAccess("tool-crm-writer", reads=(PII_VAULT_PREFIX,)),  # re-hydrates the customer's address
    RedisAccess("tool-email-sender", reads=(PII_VAULT_PREFIX,)),  # re-hydrates the recipient's address
    RedisAccess("tool-retriever"),
    RedisAccess("tool-history"),
    RedisAccess("history-indexer"),
    RedisAccess("crm-standin"),
    # the view is rebuilt on start: the stale keys under its prefix are found with SCAN
    RedisAccess("registry", commands=("+scan",)),
    RedisAccess("evaluator"),  # run index, aggregates, golden candidates
    # shows a review's real values to a person whose role allows it (each reveal audited)
    RedisAccess("console", reads=(PII_VAULT_PREFIX,)),
)

REDIS_USERS = (OPERATOR, *(access.user for access in REDIS_ACCESS))
SHARED_PREFIXES = tuple(sorted({p for a in REDIS_ACCESS for p in (*a.reads, *a.writes)}))


def access_for(user: str) -> RedisAccess:
    found = [access for access in REDIS_ACCESS if access.user == user]
    if not found:
        raise KeyError(f"no Redis ACL user {user!r} in infra/redis_acls.py REDIS_ACCESS")
    return found[0]


def acl_rules(access: RedisAccess) -> list[str]:
    """The ACL rules of one service user, without its password (``ACL SETUSER`` / ACL-file syntax)."""
    keys = [f"~{access.prefix}*", *(f"~{p}*" for p in access.writes), *(f"%R~{p}*" for p in access.reads)]
    return ["resetkeys", *keys, "resetchannels", *SERVICE_COMMANDS, *access.commands]


def acl_file(passwords: Mapping[str, str]) -> str:
    """The whole ACL file: the default user off, the operator, every service user (passwords as sha256)."""

    def password(user: str) -> str:
        return "#" + hashlib.sha256(passwords[user].encode()).hexdigest()

    lines = [
        "user default off resetpass resetkeys resetchannels -@all",
        f"user {OPERATOR} on {password(OPERATOR)} ~* &* +@all",
        *(f"user {a.user} on {password(a.user)} {' '.join(acl_rules(a))}" for a in REDIS_ACCESS),
    ]
    return "\n".join(lines) + "\n"
