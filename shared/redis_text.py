"""Redis replies as text: our clients return bytes, redis-py types every reply as bytes or str."""


def redis_text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
