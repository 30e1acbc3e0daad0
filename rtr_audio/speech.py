"""The project's speech layer: captions text, sentences, the lexicon, and the engine's text.

Three views of one paragraph flow through here:

* ``clean_markup`` gives the text a listener reads in captions and transcripts (Markdown and
  HTML gone, typography kept).
* ``Lexicon.apply`` swaps in the writer's pronunciations, then ``to_spoken`` hands the rest to
  the text normaliser (``rtr_audio.normalize``: one module per semiotic class, vocabulary in
  data files, the order in ``normalize.pipeline``), keeping lexicon replacements verbatim. The
  engine only ever sees letters, spaces and ``.,?!;:'()-``.
* ``split_sentences`` cuts a paragraph into short utterances, because the pyttsx3/espeak driver
  misbehaves on long ones. An abbreviation's period ("Ph.D.", "U.S.", "7 a.m.") does not end a
  sentence unless the sentence really ends there.

A writer who wants a number read another way writes it in the lexicon (``"988": nine eight
eight``); numbers after call/text/dial are read digit by digit already (``normalize.telephone``).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rtr_audio.errors import Problem, cut
from rtr_audio.files import read_text
from rtr_audio.normalize import normalize, vocab
from rtr_audio.normalize.cardinal import number_words, year_words
from rtr_audio.normalize.ordinal import ordinal_words
from rtr_audio.normalize.rules import WINDOW as _WINDOW
from rtr_audio.normalize.rules import alternation, is_midsentence, starts_sentence
from rtr_audio.normalize.tidy import SLOT_BASE as _SLOT_BASE

__all__ = [
    "MAX_WORDS",
    "Lexicon",
    "clean_markup",
    "number_words",
    "ordinal_words",
    "split_sentences",
    "to_spoken",
    "year_words",
]

# Longest utterance handed to the engine; espeak through pyttsx3 drops or truncates long ones.
MAX_WORDS = 40

# ``Lexicon.apply`` wraps each replacement in these private-use characters so ``to_spoken`` can
# leave the writer's pronunciation exactly as written (no acronym spelling inside "nuh-SAH").
_LEX_OPEN, _LEX_CLOSE = "\ue000", "\ue001"
# While ``to_spoken`` works, each protected replacement becomes one character of plane 15's
# private-use area (``_SLOT_BASE``): no rule matches it, so context rules still see a "word".

_Repl = Callable[[re.Match[str]], str]

def _word_list(text: str) -> tuple[str, ...]:
    """Word tables written as one string, so they read as prose and stay short."""
    return tuple(text.split())


def _sub(pattern: str, repl: str | _Repl, flags: int = 0) -> Callable[[str], str]:
    """A step that applies one regex substitution (compiled once)."""
    compiled = re.compile(pattern, flags)
    return lambda text: compiled.sub(repl, text)


_LAST_WORD = re.compile(r"(\S+)$")


# --------------------------------------------------------------------------- clean_markup

_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags' letters, symbols
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats (☀ ✔ ❤)
    "\u2b00-\u2bff"  # arrows and stars (⭐)
    "\u2300-\u23ff"  # technical (⌚ ⏰)
    "\ufe00-\ufe0f"  # variation selectors that turn text into emoji
    "\u200d"  # zero-width joiner gluing emoji sequences
    "\u20e3"  # combining keycap
    "\U000e0020-\U000e007f"  # tag characters of subdivision flags
    "]+"
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u2060\ufeff\u00ad]")
_CUE = re.compile(r"\[\s*(?:pause\b[^\]]*|bell)\s*\]", re.IGNORECASE)

_MARKUP_STEPS: tuple[Callable[[str], str], ...] = (
    _sub(r"<!--.*?(?:-->|$)", " ", re.DOTALL),
    _sub(r"<((?:https?://|mailto:)[^>\s]+|[^>\s@]+@[^>\s]+)>", r"\1"),  # autolinks keep text
    _sub(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>", " "),
    _sub(r"!\[[^\]]*\]\([^)]*\)", " "),  # images are not narration
    _sub(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)", r"\1"),
    _sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1"),
    _sub(r"(`+)(.+?)\1", lambda m: m.group(2).strip()),
    _sub(r"(?<!\\)(\*\*\*|___)(?=\S)(.+?)(?<=\S)(?<!\\)\1", r"\2"),
    _sub(r"(?<!\\)(\*\*|__)(?=\S)(.+?)(?<=\S)(?<!\\)\1", r"\2"),
    _sub(r"(?<![\\\w*])\*(?=[^\s*])(.+?)(?<=[^\s\\*])\*(?![\w*])", r"\1"),
    _sub(r"(?<![\\\w])_(?=[^\s_])(.+?)(?<=[^\s\\_])_(?!\w)", r"\1"),
    _sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1"),
    _sub(r"(?m)^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,2}[.)][ \t]+)", ""),
    _sub(r"\\([\\`*_{}\[\]()#+\-.!<>~|])", r"\1"),
    html.unescape,
    lambda text: _CUE.sub(" ", text),
    lambda text: _EMOJI.sub(" ", text),
    lambda text: _ZERO_WIDTH.sub("", text),
    _sub(f"[{_LEX_OPEN}{_LEX_CLOSE}]", ""),
    lambda text: " ".join(text.split()),
    _sub(r"(?<=\S) +([,.;:!?])(?=\s|$)", r"\1"),  # a removed emoji left "word ."
)


def clean_markup(text: str) -> str:
    """Text as captions and transcripts show it: no Markdown, HTML, emoji or cues."""
    for step in _MARKUP_STEPS:
        text = step(text)
    return text.strip()


# "10 000" with a no-break or thin space groups thousands (a plain space may separate numbers).
_THOUSANDS_SPACE = re.compile(r"(?<=\d)[\u00a0\u202f\u2009](?=\d{3}(?!\d))")


def _protect(text: str) -> tuple[str, list[str]]:
    """Replace each lexicon replacement with one placeholder character."""
    kept: list[str] = []

    def slot(m: re.Match[str]) -> str:
        kept.append(" ".join(m.group(1).split()))
        return chr(_SLOT_BASE + len(kept) - 1)

    pattern = f"{_LEX_OPEN}([^{_LEX_OPEN}{_LEX_CLOSE}]*){_LEX_CLOSE}"
    return re.sub(pattern, slot, text), kept


def without_lexicon_replacements(text: str) -> str:
    """``Lexicon.apply`` output with the writer's replacements taken out (for checks that
    look only at what the normaliser will read)."""
    return re.sub(f"{_LEX_OPEN}[^{_LEX_OPEN}{_LEX_CLOSE}]*{_LEX_CLOSE}", " ", text)


def _restore(text: str, kept: list[str]) -> str:
    for i, value in enumerate(kept):
        text = text.replace(chr(_SLOT_BASE + i), value)
    return text


def to_spoken(text: str, language: str = "en-us") -> str:
    """What the engine receives: ``clean_markup`` text with numbers, dates, abbreviations,
    acronyms and symbols written out as words (``normalize``; ``language`` decides day-first
    dates), and lexicon replacements left as written.

    Returns "" when nothing speakable is left (e.g. a line of emoji)."""
    text, kept = _protect(text)
    text = _THOUSANDS_SPACE.sub(",", text)  # before clean_markup turns the space into " "
    text = normalize(clean_markup(text), language)
    return _restore(text, kept)


# --------------------------------------------------------------------------- sentences

# Titles: their period never ends a sentence before a capitalised word ("Dr. Evil").
_NEVER_FINAL = frozenset(_word_list("dr mr mrs ms prof st mt"))
# "at 7 a.m. Monday", "10 a.m. PST": a time's "a.m." before a day, month or time zone does
# not end the sentence.
# Weekday abbreviations ("Tues. 4th Feb.", "Sat. March 3") go on to their date too.
_WEEKDAYS = frozenset(_word_list("mon tue tues wed thu thur thurs fri sat sun"))
_BEFORE_DATES = frozenset(_word_list("a.m p.m")) | _WEEKDAYS
_DATE_WORD = re.compile(
    r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\b|(?:January|February|March|"
    r"April|May|June|July|August|September|October|November|December)\b"
    rf"|(?:{alternation(list(vocab.words('time_zones')))})\b"  # the zones ``time`` reads
)
# Abbreviations that precede numbers: "Nov. 20", "No. 5", "p. 12", "vol. 2".
_BEFORE_NUMBERS = frozenset(
    _word_list("jan feb mar apr jun jul aug sep sept oct nov dec no nos p pp vol ch fig tel")
) | _WEEKDAYS
_SENTENCE_NEXT = re.compile(r"\s+[\"'“‘(\[]*(\S)")
_CANDIDATE_END = re.compile(r"(?:[.!?]+|…)[\"'”’)\]]*(?=\s)")


def _is_sentence_end(text: str, m: re.Match[str]) -> bool:
    following = _SENTENCE_NEXT.match(text, m.end())
    if not following:
        return True
    first = following.group(1)
    if not (first.isupper() or first.isdigit()):
        return False  # "e.g. this", "a.m. then", "I wonder… maybe"
    mark = m.group().rstrip("\"'”’)]")
    if mark != ".":
        return True
    word = _LAST_WORD.search(text[max(0, m.start() - _WINDOW) : m.start()])
    if not word:
        return True
    token = word.group(1).lstrip("\"'“‘([").lower()
    if token in _NEVER_FINAL or (first.isdigit() and token in _BEFORE_NUMBERS):
        return False
    if is_midsentence(word.group(1).lstrip("\"'“‘([")):  # "the U.S. Army" / "U.S. Then"
        return starts_sentence(text[following.start(1) : following.start(1) + _WINDOW].split()[0])
    if token in _BEFORE_DATES and _DATE_WORD.match(text, following.start(1)):
        return False
    return not re.fullmatch(r"[A-Z]", word.group(1).lstrip("\"'“‘(["))  # "J. K. Rowling"


def _chunk(sentence: str, max_words: int) -> list[str]:
    """Split an over-long sentence at clause punctuation, else evenly at word boundaries."""
    chunks: list[str] = []
    current: list[str] = []
    for clause in re.split(r"(?<=[,;:—–])\s+", sentence):
        words = clause.split()
        if len(words) > max_words:
            chunks.extend(_flush(current))
            current = []
            pieces = math.ceil(len(words) / max_words)
            size = math.ceil(len(words) / pieces)
            chunks.extend(" ".join(words[i : i + size]) for i in range(0, len(words), size))
        elif len(current) + len(words) > max_words:
            chunks.extend(_flush(current))
            current = words
        else:
            current += words
    chunks.extend(_flush(current))
    return chunks


def _flush(words: list[str]) -> list[str]:
    return [" ".join(words)] if words else []


def split_sentences(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Sentences of a paragraph, each at most ``max_words`` words, never empty."""
    text = " ".join(text.split())
    sentences: list[str] = []
    start = 0
    for m in _CANDIDATE_END.finditer(text):
        if _is_sentence_end(text, m):
            sentences.append(text[start : m.end()])
            start = m.end()
    sentences.append(text[start:])
    out: list[str] = []
    for sentence in (s.strip() for s in sentences):
        if sentence:
            too_long = len(sentence.split()) > max_words
            out.extend(_chunk(sentence, max_words) if too_long else [sentence])
    return out


# --------------------------------------------------------------------------- lexicon

_YAML_TYPE_NAMES = {
    "tag:yaml.org,2002:bool": "a yes/no value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "empty (null)",
    "tag:yaml.org,2002:timestamp": "a date",
}


def _key_pattern(key: str) -> str:
    """Regex for one key: any whitespace between words, either apostrophe."""
    words = [re.escape(word).replace("'", "['’]") for word in key.split()]
    body = r"\s+".join(words)
    return f"(?i:{body})" if key == key.lower() else body


@dataclass(frozen=True)
class Lexicon:
    """Writer's pronunciations, ``word: how to say it``.

    A key with any capital matches exactly ("RTR" matches "RTR" and "RTR's", not "rtr" or
    "RTRX"); an all-lowercase key matches the word in any capitalisation ("Shalom" at a
    sentence start). Longer keys win, so "Peter Levine" beats "Levine"."""

    entries: tuple[tuple[str, str], ...] = ()

    @classmethod
    def load(cls, path: Path) -> tuple[Lexicon, list[Problem]]:
        """Read ``path``; a missing file is an empty lexicon. Bad entries are reported and
        left out."""
        if not path.exists():
            return cls(), []
        text, problems = read_text(path)  # UTF-8 and NUL checks with a line, BOM and CRLF
        if text is None:
            return cls(), problems
        # Imported here: YAML is needed only to read the lexicon, not to normalise text.
        from rtr_audio.yamlsrc import load_mapping

        located, problems = load_mapping(text, path)
        if located is None:
            return cls(), problems
        bad_keys = _typed_key_problems(text, path)
        problems += bad_keys.values()
        entries: dict[str, str] = {}
        for key, value in located.values.items():
            line = located.lines[key]
            if line in bad_keys:
                continue
            problem = _entry_problem(key, value)
            words = " ".join(key.split())  # "Peter  Levine" and "Peter Levine" are one key
            if not problem and words in entries:
                problem = f"duplicate key `{cut(words)}`"
            if problem:
                problems.append(Problem(path, line, problem))
            else:
                entries[words] = " ".join(value.split())
        return cls(tuple(entries.items())), sorted(problems, key=lambda p: p.line or 0)

    @cached_property
    def _table(self) -> tuple[dict[str, str], dict[str, str]]:
        exact = {key: key for key, _ in self.entries if key != key.lower()}
        folded = {key.lower(): key for key, _ in self.entries if key == key.lower()}
        return exact, folded

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        # Longest first so multi-word keys win; exact-case keys before folded ones of equal
        # length so "US" and "us" can both be entries.
        keys = sorted((key for key, _ in self.entries), key=lambda k: (-len(k), k == k.lower(), k))
        alternatives = "|".join(_key_pattern(key) for key in keys)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def apply(self, text: str) -> tuple[str, tuple[str, ...]]:
        """Replace whole-word matches; return the new text and the sorted keys used.

        Replacements are wrapped in invisible markers so ``to_spoken`` keeps them verbatim
        (``clean_markup`` removes the markers if this text ever reaches captions)."""
        if self._pattern is None:
            return text, ()
        values = dict(self.entries)
        exact, folded = self._table
        used: set[str] = set()

        def replace(m: re.Match[str]) -> str:
            found = " ".join(m.group().replace("’", "'").split())
            key = exact.get(found) or folded.get(found.lower())
            if key is None:  # a case match .lower() cannot map back ("İ"); leave it
                return m.group()
            used.add(key)
            return f"{_LEX_OPEN}{values[key]}{_LEX_CLOSE}"

        return self._pattern.sub(replace, text), tuple(sorted(used))

    def digest(self, used: tuple[str, ...]) -> str:
        """Short stable hash of the used entries, for render cache keys. A key no longer in
        the lexicon hashes differently from any value it had."""
        values = dict(self.entries)
        pairs = [[key, values.get(key)] for key in sorted(set(used))]
        payload = json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _typed_key_problems(text: str, path: Path) -> dict[int, Problem]:
    """Keys YAML reads as something other than text (``yes:``, ``1984:``), by line.

    ``load_mapping`` turns keys into strings, so the node tags are re-read here."""
    # Imported here, as load_mapping is above: YAML is needed only to read the lexicon.
    import yaml

    node = yaml.compose(text, Loader=yaml.SafeLoader)
    found: dict[int, Problem] = {}
    if not isinstance(node, yaml.MappingNode):
        return found
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            found[line] = Problem(path, line, "a lexicon key must be a word or phrase")
        elif key_node.tag in _YAML_TYPE_NAMES:
            what = _YAML_TYPE_NAMES[key_node.tag]
            shown_key = cut(key_node.value)
            message = f'key `{shown_key}` is read as {what}; quote it: "{shown_key}"'
            found[line] = Problem(path, line, message)
    return found


def _entry_problem(key: str, value: object) -> str | None:
    if not key.strip():
        return "a lexicon key is empty or only whitespace"
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"`{cut(key)}` has no pronunciation; write `{cut(key)}: how to say it`"
    if not isinstance(value, str):
        kind = "a yes/no value" if isinstance(value, bool) else type(value).__name__
        return f"`{cut(key)}`: the pronunciation must be text, not {kind}; quote it"
    return None
