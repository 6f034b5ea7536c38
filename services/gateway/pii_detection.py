"""The span one recognizer found in a text: what the redactor collects and turns into placeholders."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Detection:
    start: int
    end: int
    entity_type: str
    score: float
    spreads: bool = True  # False: replaced where found, not at every other occurrence of the same string
