"""``spoken``: what the speech engine will receive, without rendering anything.

A writer asks "how will this be read?" of a whole script, of one text, or of a file of texts
(one per line). The text goes through exactly the steps a build uses: captions cleaned of
markup, split into sentences, the lexicon applied, then the normaliser (``speech.to_spoken``).
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rtr_audio import speech
from rtr_audio.errors import InputError, Problem
from rtr_audio.files import read_text
from rtr_audio.normalize.typography import other_script_words, transliterate
from rtr_audio.script import Speech, parse_script
from rtr_audio.settings import load_settings

if TYPE_CHECKING:
    from rtr_audio.project import Project


@dataclass(frozen=True)
class Clip:
    """One utterance: where it was written (``path:line``) and the engine's text."""

    where: str
    text: str


def engine_texts(text: str, lexicon: speech.Lexicon | None = None,
                 language: str = "en-us") -> list[str]:
    """Engine texts of the sentences of ``text`` (Markdown allowed), in order; sentences
    with nothing speakable left are dropped."""
    lexicon = lexicon or speech.Lexicon()
    out = []
    for sentence in speech.split_sentences(speech.clean_markup(text)):
        replaced, _used = lexicon.apply(sentence)
        said = speech.to_spoken(replaced, language=language)
        if said.strip():
            out.append(said)
    return out


def line_texts(lines: list[str], lexicon: speech.Lexicon | None = None,
               language: str = "en-us") -> list[str]:
    """One output per input line: the line's engine texts joined by a space ("" for "")."""
    return [" ".join(engine_texts(line, lexicon, language)) for line in lines]


def script_clips(path: Path) -> Iterator[Clip]:
    """Every clip of the script at ``path`` in order, with the show's lexicon and language
    (``show.yml`` and ``lexicon.yml`` beside it, when they are there and valid).

    Raises InputError when the script itself has problems."""
    # Imported here: planning loads numpy and the renderer, which --text and --file never need.
    from rtr_audio.plan import spoken_heading

    _require_regular_file(path, "a script (a Markdown file)")
    settings, _ = load_settings(path.parent / "show.yml")
    lexicon, _ = speech.Lexicon.load(path.parent / "lexicon.yml")
    script, problems = parse_script(path, settings)
    if script is None:
        raise InputError(problems)
    language = settings.language if settings else "en-us"
    for block in script.blocks:
        for part in block.parts:
            if isinstance(part, Speech):
                text = spoken_heading(part.text) if block.kind == "heading" else part.text
                for said in engine_texts(text, lexicon, language):
                    yield Clip(f"{path}:{part.line}", said)


def _require_regular_file(path: Path, wanted: str) -> None:
    """InputError (one ``path:1`` line) unless ``path`` is a regular file: reading a FIFO
    blocks until a writer comes, and a device such as ``/dev/zero`` never ends."""
    try:
        regular = stat.S_ISREG(path.stat().st_mode)
    except OSError as exc:
        raise InputError([Problem(path, 1, f"cannot be read: {exc.strerror}")]) from None
    if not regular:
        raise InputError([Problem(path, 1, "not a regular file (a device, pipe or folder): "
                                           f"give {wanted}")])


def file_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 text file (``path:line`` errors for undecodable input).

    Only a regular file is read: a device such as ``/dev/zero`` or a pipe may never end, and
    reading it whole would fill the memory (InputError, one line).
    """
    _require_regular_file(path, "a text file, one line per text to check")
    text, problems = read_text(path)
    if text is None:
        raise InputError(problems)
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def reading_warnings(project: Project) -> list[Problem]:
    """``path:line`` warnings for words in another script (Hebrew, Cyrillic, Chinese…) that
    the lexicon does not cover: they are read as transliterated, which may not be what the
    writer wants."""
    found = []
    for script in project.scripts:
        for block in script.blocks:
            for part in block.parts:
                if not isinstance(part, Speech):
                    continue
                text, _ = project.lexicon.apply(speech.clean_markup(part.text))
                text = speech.without_lexicon_replacements(text)
                for word in dict.fromkeys(other_script_words(text)):
                    found.append(Problem(script.path, part.line, (
                        f"warning: `{word}` is not in Latin letters; it will be read as "
                        f"\"{transliterate(word)}\". To choose the reading, add it to "
                        f"lexicon.yml, e.g. `{word}: how to say it`")))
    return found
