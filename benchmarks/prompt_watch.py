"""A process that only follows the registry with a PromptClient and reports what it resolves.

    python -m benchmarks.prompt_watch --prompt NAME [--routing-key KEY] [--registry-url URL]

Prints one JSON line at start ("ready") and one each time the resolved version, arm or staleness changes,
with the wall-clock time it noticed (the rollback-delay benchmark and the registry tests read these lines).
"""

import argparse
import asyncio
import json
import logging
import time

from shared.prompts.client import PromptClient, PromptClientSettings
from shared.settings import KafkaSettings

POLL_SECONDS = 0.005  # resolve() is an in-memory lookup; polling it this often costs little


async def watch(args: argparse.Namespace) -> None:
    settings = PromptClientSettings(**({"registry_url": args.registry_url} if args.registry_url else {}))
    client = PromptClient(KafkaSettings.for_principal("runtime"), settings, client_id="prompt-watch")
    await client.start()
    seen = None
    try:
        while True:
            resolved = await client.resolve(args.prompt, "production", routing_key=args.routing_key)
            now = (resolved.version, resolved.arm, resolved.stale)
            if now != seen:
                event = "ready" if seen is None else "changed"
                print(json.dumps({"event": event, "t": time.time(), "version": resolved.version,
                                  "arm": resolved.arm, "stale": resolved.stale,
                                  "content_hash": resolved.content_hash}), flush=True)
                seen = now
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await client.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--routing-key")
    parser.add_argument("--registry-url")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    asyncio.run(watch(parser.parse_args()))


if __name__ == "__main__":
    main()
