"""Redis rows of the least-privilege matrix, derived from infra/redis_acls.py REDIS_ACCESS: every service user
against every key prefix (its own, every other service's, every shared one), read and write, and the commands no
service may run (asked with ACL DRYRUN, so a wrongly allowed FLUSHALL would not flush the test stack)."""

import uuid
from functools import partial

from redis.exceptions import NoPermissionError

from infra.redis_acls import OPERATOR, REDIS_ACCESS, SHARED_PREFIXES, RedisAccess
from shared.redis_text import redis_text
from shared.settings import RedisSettings
from tests.support.access_matrix import Probe

# commands that list, flush or reconfigure the server, watch other clients, or broadcast
FORBIDDEN_COMMANDS = (
    ("FLUSHALL",), ("FLUSHDB",), ("KEYS", "*"), ("SCAN", "0"), ("RANDOMKEY",), ("CONFIG", "GET", "*"),
    ("CONFIG", "SET", "appendonly", "no"), ("ACL", "SETUSER", "intruder"), ("ACL", "LIST"), ("SHUTDOWN",),
    ("DEBUG", "SLEEP", "0"), ("MONITOR",), ("CLIENT", "LIST"), ("CLIENT", "KILL", "ID", "1"), ("SCRIPT", "FLUSH"),
    ("INFO",), ("PUBLISH", "anything", "x"), ("SUBSCRIBE", "anything"), ("SWAPDB", "0", "1"), ("SELECT", "1"),
)


class RedisProbes:
    """One client per user (the operator's for ACL DRYRUN); every probe key is new and expires on its own."""

    def __init__(self) -> None:
        self.clients = {user: RedisSettings.for_user(user).client()
                        for user in (OPERATOR, *(access.user for access in REDIS_ACCESS))}
        self.run = uuid.uuid4().hex[:8]

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    def _key(self, prefix: str, user: str) -> str:
        return f"{prefix}least-privilege-probe:{self.run}:{user}"

    async def may_read(self, user: str, prefix: str) -> bool:
        try:
            await self.clients[user].get(self._key(prefix, user))
            return True
        except NoPermissionError:
            return False

    async def may_write(self, user: str, prefix: str) -> bool:
        try:
            await self.clients[user].set(self._key(prefix, user), "probe", px=5000)
            return True
        except NoPermissionError:
            return False

    async def may_run(self, user: str, command: tuple[str, ...]) -> bool:
        answer = redis_text(await self.clients[OPERATOR].execute_command("ACL", "DRYRUN", user, *command))
        if answer == "OK":
            return True
        if "no permissions" in answer:
            return False
        raise AssertionError(f"ACL DRYRUN {user} {' '.join(command)}: {answer}")


def _granted_command(access: RedisAccess, command: tuple[str, ...]) -> bool:
    return f"+{command[0].lower()}" in access.commands


def redis_probes(redis: RedisProbes) -> list[Probe]:
    prefixes = sorted({access.prefix for access in REDIS_ACCESS} | set(SHARED_PREFIXES))
    probes = []
    for access in REDIS_ACCESS:
        u = access.user
        for prefix in prefixes:
            probes.append(Probe("redis", u, f"{prefix}*", "read", access.may_read(prefix),
                                partial(redis.may_read, u, prefix)))
            probes.append(Probe("redis", u, f"{prefix}*", "write", access.may_write(prefix),
                                partial(redis.may_write, u, prefix)))
        for command in FORBIDDEN_COMMANDS:
            probes.append(Probe("redis", u, "the server", " ".join(command), _granted_command(access, command),
                                partial(redis.may_run, u, command)))
    return probes
