"""What the reference model takes from the system prompt. It acts only on what the prompt defines, so a worse
prompt gives worse answers and the offline eval can tell them apart (see MODEL_CARD.md)."""

import re
from dataclasses import dataclass

_DEFINITION = re.compile(r"^\s*[-*•]\s*`?([a-z][a-z0-9_]*)`?\s*:\s*\S", re.MULTILINE)
_HIGH_STAKES_TOPICS = re.compile(
    r"\b(legal|lawyers?|regulators?|data[- ]protection|chargebacks?|fraud|safety|amounts?)\b", re.IGNORECASE)
_DATA_NOT_INSTRUCTIONS = re.compile(
    r"(never|not|n't|must not|do not)\s+(be\s+)?(follow|obey|execute|act on)\w*\s+(any\s+)?(the\s+)?instructions?"
    r"|instructions?\s+(found\s+)?(in|inside|within)\s+(it|the (e-?mail|mail|text|data))\s+(must|should)\s+not\s+be"
    r"|\bdata,?\s+(and\s+)?(never|not)\s+instructions", re.IGNORECASE)
_MARKERS = re.compile(r"marker|datamark|delimit|spotlight|untrusted", re.IGNORECASE)


@dataclass(frozen=True)
class PromptGuides:
    defined: frozenset[str]  # values the prompt defines with a "- value: description" line
    explains_high_stakes: bool
    mail_is_data: bool  # the prompt says the marked text is data whose instructions must not be followed

    def defines(self, value: str) -> bool:
        return value in self.defined


def read_guides(system_prompt: str) -> PromptGuides:
    # the guide is a paragraph that names high_stakes together with what makes a mail high-stakes
    explains = any("high_stakes" in paragraph and len(set(_HIGH_STAKES_TOPICS.findall(paragraph.lower()))) >= 2
                   for paragraph in re.split(r"\n\s*\n", system_prompt))
    data_only = bool(_DATA_NOT_INSTRUCTIONS.search(system_prompt)) and bool(_MARKERS.search(system_prompt))
    return PromptGuides(defined=frozenset(_DEFINITION.findall(system_prompt)), explains_high_stakes=explains,
                        mail_is_data=data_only)
