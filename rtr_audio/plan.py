"""Planning: a parsed script becomes a flat list of sounds and silences with cache keys.

The silence between two sounds is decided here, once: an explicit ``[pause]`` replaces the
automatic gap at that point (so ``[pause 5s]`` is exactly five seconds of silence); otherwise the
longest automatic gap that applies (sentence, list item, paragraph, heading) is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtr_audio import pcm, speech
from rtr_audio.bed import Bed, bed_for
from rtr_audio.cache import CLIP_FORMAT, digest
from rtr_audio.script import PLAIN, Bell, Block, Delivery, Pause, Script, Speech
from rtr_audio.settings import MAX_RATE, MIN_RATE, ShowSettings
from rtr_audio.tasks import ClipTask, Voice

__all__ = ["ClipTask", "EpisodePlan", "Voice", "plan_episode"]

LEAD_IN = 0.6  # seconds of silence before the first sound, so players don't clip the start
TAIL = 2.0  # and after the last, so the episode does not end abruptly
# Between the clips of one sentence that a span cuts in two: about a word boundary's breath.
WORD_GAP = 0.12
_SENTENCE_END = ".?!…:;\"'”’)"


@dataclass(frozen=True)
class SpeechItem:
    key: str
    caption: str
    where: str


@dataclass(frozen=True)
class BellItem:
    key: str


@dataclass(frozen=True)
class SilenceItem:
    seconds: float


@dataclass(frozen=True)
class ChapterItem:
    title: str


Item = SpeechItem | BellItem | SilenceItem | ChapterItem


@dataclass(frozen=True)
class EpisodePlan:
    script: Script
    items: tuple[Item, ...]
    loudness: float
    tasks: dict[str, ClipTask] = field(default_factory=dict)
    bell_key: str | None = None
    bed: Bed | None = None  # mixed under the voice when mastering (None: silence in pauses)


def delivery_rate(rate: int, delivery: Delivery) -> int:
    """Words per minute for speech under ``delivery``'s spans (``[rate N]``, ``[slow]``)."""
    scaled = round((delivery.rate or rate) * delivery.scale)
    return max(MIN_RATE, min(MAX_RATE, scaled))


def bell_key(loudness: float) -> str:
    return digest("bell", CLIP_FORMAT, pcm.RATE, loudness)


def spoken_heading(text: str) -> str:
    """Headings end with a full stop so the engine reads them with a falling, final tone."""
    return text if text.rstrip()[-1:] in ".?!:" else text.rstrip() + "."


@dataclass
class _Planner:
    script: Script
    show: ShowSettings
    lexicon: speech.Lexicon
    voice: Voice
    items: list[Item] = field(default_factory=list)
    tasks: dict[str, ClipTask] = field(default_factory=dict)
    pending_pause: float | None = None
    pending_gap: float = LEAD_IN
    uses_bell: bool = False
    pending_chapter: str | None = None

    def sound(self, item: SpeechItem | BellItem) -> None:
        silence = self.pending_pause if self.pending_pause is not None else self.pending_gap
        if silence > 0:
            self.items.append(SilenceItem(round(silence, 6)))
        if self.pending_chapter is not None:
            # After the silence, so seeking to a chapter lands just before its heading is said.
            self.items.append(ChapterItem(self.pending_chapter))
            self.pending_chapter = None
        self.items.append(item)
        self.pending_pause, self.pending_gap = None, 0.0

    def gap(self, seconds: float) -> None:
        self.pending_gap = max(self.pending_gap, seconds)

    def pause(self, seconds: float) -> None:
        self.pending_pause = (self.pending_pause or 0.0) + seconds

    def speak(self, text: str, line: int, delivery: Delivery = PLAIN,
              continued: bool = False) -> None:
        """Plan the sentences of ``text``; ``continued``: the same sentence goes on in the next
        part (a span starts or ends inside it), so only a word's gap follows its last words."""
        voice = self.voice.named(delivery.voice)
        rate = delivery_rate(voice.rate, delivery)
        caption_source = speech.clean_markup(text)
        sentences = speech.split_sentences(caption_source)
        for index, sentence in enumerate(sentences):
            spoken, used = self.lexicon.apply(sentence)
            spoken = speech.to_spoken(spoken, self.show.language)
            if not spoken.strip():
                continue
            # Soft is in the key only when used, so clips without spans keep their keys.
            soft = ("soft",) if delivery.soft else ()
            key = digest("speech", CLIP_FORMAT, voice.engine, voice.fingerprint, rate, spoken,
                         self.lexicon.digest(used), pcm.RATE, self.show.loudness, *soft)
            where = f"{self.script.path}:{line}"
            if key not in self.tasks:
                self.tasks[key] = ClipTask(key, spoken, voice.engine, voice.voice, rate,
                                           self.show.loudness, where, soft=delivery.soft)
            self.sound(SpeechItem(key, sentence, where))
            ends = sentence.rstrip()[-1:] in _SENTENCE_END
            if continued and index == len(sentences) - 1 and not ends:
                self.gap(WORD_GAP)
            else:
                self.gap(self.script.gaps.sentence)

    def block(self, block: Block) -> None:
        gaps = self.script.gaps
        if block.kind == "heading":
            self.gap(gaps.heading)
            self.pending_chapter = speech.clean_markup(block.text)
        for part, following in zip(block.parts, (*block.parts[1:], None), strict=True):
            if isinstance(part, Speech):
                text = spoken_heading(part.text) if block.kind == "heading" else part.text
                self.speak(text, part.line, part.delivery, isinstance(following, Speech))
            elif isinstance(part, Pause):
                self.pause(part.seconds)
            elif isinstance(part, Bell):
                self.uses_bell = True
                self.sound(BellItem(bell_key(self.show.loudness)))
        after = {"heading": gaps.heading, "paragraph": gaps.paragraph, "item": gaps.list_item}
        self.gap(after[block.kind])


def plan_episode(
    script: Script, show: ShowSettings, lexicon: speech.Lexicon, voice: Voice
) -> EpisodePlan:
    planner = _Planner(script, show, lexicon, voice)
    for block in script.blocks:
        planner.block(block)
    ending = planner.pending_pause if planner.pending_pause is not None else TAIL
    planner.items.append(SilenceItem(ending))
    items = _chapter_at_start(planner.items, script.title)
    return EpisodePlan(script, tuple(items), show.loudness, planner.tasks,
                       bell_key(show.loudness) if planner.uses_bell else None,
                       bed_for(show.bed if script.bed is None else script.bed, show.bed_level,
                               show.bed_duck))


def _chapter_at_start(items: list[Item], title: str) -> list[Item]:
    """Chapters must cover the whole episode: narration before the first heading gets one too."""
    first_sound = next((i for i, item in enumerate(items)
                        if isinstance(item, SpeechItem | BellItem)), len(items))
    first_chapter = next((i for i, item in enumerate(items) if isinstance(item, ChapterItem)),
                         None)
    if first_chapter is None or first_chapter < first_sound:
        return items
    return [ChapterItem(title), *items]
