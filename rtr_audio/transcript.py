"""Transcripts and chapter files: WebVTT, SRT and Podcasting 2.0 JSON chapters.

Everything here is plain text out of typed cues and chapters, so the same captions feed the
``.vtt``/``.srt`` files, the feed and the web page. Times are rounded to whole milliseconds once,
up front, so a cue can never print as ``00:00:60.000`` or overlap its neighbour by rounding.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence

from rtr_audio.model import Chapter, Cue

MAX_CUE_CHARS = 90  # about two lines of subtitles; longer captions are split
CHAPTERS_VERSION = "1.2.0"

_CLAUSE_END = re.compile(r"[,;:—–)]$|\.\.\.$|…$")


def clock(seconds: float, decimal: str = ".") -> str:
    """``HH:MM:SS.mmm`` (WebVTT, Podlove chapters) or, with ``decimal=","``, SRT's form."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{ms:03d}"


def caption_cues(cues: Iterable[Cue], max_chars: int = MAX_CUE_CHARS) -> list[Cue]:
    """Cues ready to print: sorted, non-overlapping, never empty, none much over ``max_chars``.

    Text is put on one line (a blank line inside a cue would end it early in SRT and VTT).
    A caption that does not fit is split into several cues that share its time span in
    proportion to their length, so each piece is on screen about while it is being said.
    """
    ordered = sorted(
        (Cue(_ms(c.start), _ms(c.end), " ".join(c.text.split())) for c in cues),
        key=lambda c: (c.start, c.end),
    )
    out: list[Cue] = []
    for index, cue in enumerate(ordered):
        end = cue.end
        if index + 1 < len(ordered):
            end = min(end, ordered[index + 1].start)  # overlapping captions confuse players
        if cue.text and end > cue.start:
            out.extend(split_cue(Cue(cue.start, end, cue.text), max_chars))
    return out


def split_cue(cue: Cue, max_chars: int = MAX_CUE_CHARS) -> list[Cue]:
    """One caption as one or more cues covering exactly its span, shared by character count."""
    pieces = _split_text(cue.text, max_chars)
    if len(pieces) == 1:
        return [cue]
    total = sum(len(p) for p in pieces)
    span = cue.end - cue.start
    out, done = [], 0
    for piece in pieces:
        start = cue.start + span * done / total
        done += len(piece)
        end = cue.start + span * done / total
        out.append(Cue(_ms(start), _ms(end), piece))
    return [c for c in out if c.end > c.start]


def _split_text(text: str, max_chars: int) -> list[str]:
    """Balanced pieces of at most ``max_chars`` (unless one word is longer), cut between words.

    Each cut aims at an even share of what is left and prefers a clause boundary nearby, so a
    100-character sentence becomes two halves rather than 90 + 10.
    """
    words = text.split(" ")
    pieces: list[str] = []
    while len(" ".join(words)) > max_chars and len(words) > 1:
        rest = len(" ".join(words))
        target = rest / math.ceil(rest / max_chars)
        cut = _best_cut(words, target, max_chars)
        pieces.append(" ".join(words[:cut]))
        words = words[cut:]
    pieces.append(" ".join(words))
    return pieces


def _best_cut(words: list[str], target: float, max_chars: int) -> int:
    """How many words to take: nearest ``target`` length, clause ends count as 12 chars closer."""
    best, best_score = 1, math.inf
    length = -1
    for count, word in enumerate(words[:-1], start=1):
        length += len(word) + 1
        if length > max_chars and count > 1:
            break
        score = abs(length - target) - (12 if _CLAUSE_END.search(word) else 0)
        if score < best_score:
            best, best_score = count, score
    return best


def to_vtt(cues: Iterable[Cue]) -> str:
    """A WebVTT file: header, then numbered cues ``HH:MM:SS.mmm --> HH:MM:SS.mmm``."""
    blocks = ["WEBVTT"]
    for number, cue in enumerate(caption_cues(cues), start=1):
        blocks.append(f"{number}\n{clock(cue.start)} --> {clock(cue.end)}\n{vtt_escape(cue.text)}")
    return "\n\n".join(blocks) + "\n"


def vtt_escape(text: str) -> str:
    # In a cue payload `<` starts a tag and `&` an entity; `>` is escaped so "-->" can't appear.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_srt(cues: Iterable[Cue]) -> str:
    """A SubRip file: 1-based cue numbers, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, text, blank line.

    Every cue ends with a blank line, the last one too: SubRip readers that split on blank lines
    (and the ``srt`` package's composer) expect it. SRT has no escaping; the text is written as
    is, on one line, so it cannot end a cue early.
    """
    return "".join(
        f"{number}\n{clock(cue.start, ',')} --> {clock(cue.end, ',')}\n{cue.text}\n\n"
        for number, cue in enumerate(caption_cues(cues), start=1)
    )


def chapter_spans(chapters: Sequence[Chapter], duration: float) -> list[tuple[Chapter, float]]:
    """Each chapter (sorted, inside the audio) with its end: the next start, the last at the end.

    Shared by JSON chapters, Podlove chapters and ID3 CHAP frames so all three always agree.
    """
    inside = sorted((c for c in chapters if 0 <= c.start < duration), key=lambda c: c.start)
    ends = [c.start for c in inside[1:]] + [duration] if inside else []
    return list(zip(inside, ends, strict=True))


def chapters_json(chapters: Sequence[Chapter], duration: float, title: str) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0) with the episode title as metadata."""
    document = {
        "version": CHAPTERS_VERSION,
        "title": title,
        "chapters": [
            {"startTime": _seconds(c.start), "endTime": _seconds(end), "title": c.title}
            for c, end in chapter_spans(chapters, duration)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _ms(seconds: float) -> float:
    return round(seconds * 1000) / 1000


def _seconds(value: float) -> float:
    return round(float(value), 3)
