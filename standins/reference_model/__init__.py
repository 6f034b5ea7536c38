"""The reference model: a deterministic, rule-based stand-in that speaks the OpenAI protocol (not a language
model), so tests, `make up` and the offline eval run without a real one. See MODEL_CARD.md."""

MODEL_ID = "mailspine-reference-rules"
EMBEDDING_MODEL_ID = "multilingual-e5-small"
OWNER = "mailspine-reference"
