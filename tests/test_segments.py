"""Segmented encoding: joined frames decode like a whole-file encode, and the header is right.

Real espeak-ng speech, real ffmpeg/libmp3lame encodes; the checks use ffmpeg's decoder, ffprobe
and mutagen, never our own parser. The codec's noise floor is the RMS error of a whole-file
encode (plain ffmpeg, as the encoder was before segments) against its own input, resampled to
44.1 kHz by the same ffmpeg; the difference between the segmented and the whole-file encode
around each join must stay under it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import mutagen.mp3
import numpy as np
import pytest

from rtr_audio import mp3frames, pcm, segments
from rtr_audio.assemble import GRID, Placement, Timeline, layout, stream_pcm
from rtr_audio.cache import Clip, ClipStore
from rtr_audio.loudness import frame_energies
from rtr_audio.master import BITRATE, LAME_QUALITY, OUTPUT_RATE, encode, encoder_settings
from rtr_audio.plan import EpisodePlan, SilenceItem, SpeechItem
from rtr_audio.script import Script
from tests.audio_probe import ffprobe

pytestmark = pytest.mark.xdist_group("segments")

SENTENCES = (
    "You are welcome here, just as you are.",
    "Let the breath come and go on its own.",
    "Notice the weight of your hands, resting.",
    "There is nothing you need to fix right now.",
    "When you are ready, open your eyes slowly.",
)
JOIN_FRAMES = 4  # frames each side of a join compared with the whole-file encode


def _speak(text: str, path: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(path), text], check=True)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(pcm.RATE), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.int16)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> tuple[ClipStore, dict[str, int]]:
    """Five real espeak-ng clips in a clip store; their lengths by key."""
    root = tmp_path_factory.mktemp("clips")
    store = ClipStore(root / "clips")
    lengths = {}
    for i, text in enumerate(SENTENCES):
        samples = _speak(text, root / f"{i}.wav")
        store.save(f"clip{i}", Clip(samples, frame_energies(samples.astype(np.float32)
                                                            / 32768.0)))
        lengths[f"clip{i}"] = len(samples)
    return store, lengths


def _plan(keys: list[str], pauses: list[float]) -> EpisodePlan:
    items: list[SilenceItem | SpeechItem] = [SilenceItem(0.3)]
    for key, pause in zip(keys, pauses, strict=True):
        items += [SpeechItem(key, key, "x.md:1"), SilenceItem(pause)]
    return EpisodePlan(Script.__new__(Script), tuple(items), -19.0)


def _whole_file_encode(timeline: Timeline, store: ClipStore, gain: float, dest: Path) -> None:
    """The episode as the encoder made it before segments: one ffmpeg run, ffmpeg's header."""
    command = ["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", str(pcm.RATE), "-ac", "1",
               "-i", "pipe:0", "-af", f"volume={gain:.3f}dB:precision=float,aresample=44100",
               "-ac", "1", "-ar", "44100", "-codec:a", "libmp3lame", "-b:a", BITRATE,
               "-compression_level", str(LAME_QUALITY), "-write_xing", "1",
               "-id3v2_version", "0", "-map_metadata", "-1", "-f", "mp3", str(dest)]
    subprocess.run(command, input=b"".join(stream_pcm(timeline, store)), check=True)


def _source(timeline: Timeline, store: ClipStore, gain: float) -> np.ndarray:
    """The encoder's input at 44.1 kHz (the same ffmpeg gain and resampler), as int16."""
    command = ["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(pcm.RATE), "-ac", "1",
               "-i", "pipe:0", "-af", f"volume={gain:.3f}dB:precision=float,aresample=44100",
               "-f", "s16le", "-"]
    raw = subprocess.run(command, input=b"".join(stream_pcm(timeline, store)),
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.int16).astype(np.float64)


def _decode(path: Path) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.int16).astype(np.float64)


def _db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x)))) / 32768.0
    return 20 * np.log10(max(rms, 1e-12))


def _encode_each_segment_alone(timeline: Timeline, store: ClipStore, gain: float,
                               tmp: Path) -> Path:
    """Every segment from its own ffmpeg run (the worst case for the joins), joined."""
    encoder = segments.Encoder("ffmpeg", BITRATE, LAME_QUALITY, OUTPUT_RATE)
    segs = segments.segments(timeline, gain, encoder_settings())
    seg_store = segments.SegmentStore(tmp / "segments")
    for i in range(len(segs)):
        segments.encode_runs(timeline, store, segs, [i], gain, encoder, seg_store)
    dest = tmp / "segmented.mp3"
    segments.write_episode(segments.load_all(segs, seg_store), timeline.total * 2, 64, dest)
    return dest


def _bed(timeline: Timeline, store: ClipStore, tmp: Path) -> tuple[Timeline, ClipStore]:
    """The timeline as one clip with quiet noise (-45 dBFS) under everything, as a bed would
    be: no join falls in digital silence, so the bit reservoir holds data at every join."""
    samples = np.frombuffer(b"".join(stream_pcm(timeline, store)), dtype=np.int16)
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 32768 * 10 ** (-45 / 20), len(samples))
    mixed = np.clip(samples + noise, -32768, 32767).astype(np.int16)
    bed_store = ClipStore(tmp / "bed")
    bed_store.save("bed", Clip(mixed, frame_energies(mixed.astype(np.float32) / 32768.0)))
    return Timeline((Placement(0, len(mixed), "bed"),), (), (), len(mixed),
                    timeline.boundaries), bed_store


@pytest.mark.slow  # real espeak-ng speech and ffmpeg encodes
@pytest.mark.parametrize("bed", [False, True], ids=["silence", "noise-bed"])
def test_joins_decode_like_a_whole_file_encode(spoken, tmp_path: Path, bed: bool) -> None:
    store, lengths = spoken
    timeline = layout(_plan(list(lengths), [1.5, 2.0, 1.3, 3.0, 1.0]), lengths)
    assert len(timeline.boundaries) == 5  # a boundary in each silence of 1.2 s or more
    assert all(b % GRID == 0 for b in timeline.boundaries)
    if bed:
        timeline, store = _bed(timeline, store, tmp_path)
    gain = 1.5
    whole, joined = tmp_path / "whole.mp3", None
    _whole_file_encode(timeline, store, gain, whole)
    joined = _encode_each_segment_alone(timeline, store, gain, tmp_path)

    source, reference, ours = _source(timeline, store, gain), _decode(whole), _decode(joined)
    assert len(ours) == len(reference) == len(source) == timeline.total * 2  # gapless
    noise_floor = _db(reference - source)
    half = JOIN_FRAMES * 1152
    for boundary in timeline.boundaries[1:]:
        at = boundary * 2  # 44.1 kHz
        window = slice(at - half, at + half)
        difference = _db(ours[window] - reference[window])
        assert difference < noise_floor, (boundary, difference, noise_floor)
        # No click: around the join our error against the input is the codec's own.
        assert _db(ours[window] - source[window]) <= _db(reference[window] - source[window]) + 3
    # And over the whole episode, no worse than the whole-file encode (within 1 dB).
    assert _db(ours - source) <= noise_floor + 1.0


@pytest.mark.slow  # real espeak-ng speech and ffmpeg encodes
def test_header_read_right_by_ffprobe_and_mutagen(spoken, tmp_path: Path) -> None:
    store, lengths = spoken
    timeline = layout(_plan(list(lengths), [1.5, 2.0, 1.3, 3.0, 1.0]), lengths)
    whole = tmp_path / "whole.mp3"
    _whole_file_encode(timeline, store, 0.0, whole)
    ours = _encode_each_segment_alone(timeline, store, 0.0, tmp_path)

    info = mutagen.mp3.MP3(ours).info
    assert info.length * 44100 == pytest.approx(timeline.total * 2, abs=0.5)
    assert info.bitrate_mode == mutagen.mp3.BitrateMode.CBR
    assert info.sample_rate == 44100 and info.channels == 1
    # ffprobe: the frame count from the Info header (duration = frames × 1152 / 44100), the
    # same as ffmpeg's own header of the whole-file encode, and as many frames as it reads.
    theirs, mine = ffprobe(whole), ffprobe(ours)
    assert float(mine["format"]["duration"]) == pytest.approx(
        float(theirs["format"]["duration"]), abs=1e-6)
    counted = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "a:0", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", str(ours)],
        capture_output=True, text=True, check=True).stdout.strip()
    frames = round(float(mine["format"]["duration"]) * 44100 / 1152)
    assert int(counted) == frames
    # Field by field against ffmpeg's header for the same audio (Info frame, mono: Xing at
    # byte 21, LAME tag at 141): the frame count, encoder delay and padding are equal; the byte
    # count and music length are the file's size (each encode pads frames to 64 kbps on its
    # own, so sizes differ by a byte or two from the whole-file encode's); the TOC within
    # 2/256 of the file; the music CRC is the CRC-16 of the audio after the Info frame.
    data, ref = ours.read_bytes(), whole.read_bytes()
    assert data[21:33] == ref[21:33] and data[162:165] == ref[162:165]
    assert int.from_bytes(data[33:37], "big") == int.from_bytes(data[169:173], "big") == len(data)
    assert abs(len(data) - len(ref)) <= 8
    assert int.from_bytes(data[173:175], "big") == _crc16_arc(data[208:])
    assert max(abs(a - b) for a, b in zip(data[37:137], ref[37:137], strict=True)) <= 2


def _crc16_arc(data: bytes) -> int:
    """CRC-16/ARC, table-driven, written here independently of the code under test."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


@pytest.mark.slow  # real espeak-ng speech and ffmpeg encodes
def test_an_edit_encodes_only_the_segment_it_touched(spoken, tmp_path: Path) -> None:
    store, lengths = spoken
    keys = list(lengths)
    before = layout(_plan(keys, [1.5, 2.0, 1.3, 3.0, 1.0]), lengths)
    cache = tmp_path / "segments"
    first = encode(before, store, -19.0, tmp_path / "a.mp3", cache)
    assert first.segments_encoded == len(before.boundaries)
    # The third sentence replaced by a longer one: the later segments move by whole frames.
    edited = [keys[0], keys[1], keys[4], keys[3], keys[4]]
    after = layout(_plan(edited, [1.5, 2.0, 1.3, 3.0, 1.0]), lengths)
    second = encode(after, store, -19.0, tmp_path / "b.mp3", cache, first.gain_db)
    assert second.gain_db == first.gain_db  # within the tolerance: the gain is kept
    assert second.segments_encoded == 1
    decoded = _decode(tmp_path / "b.mp3")
    assert len(decoded) == after.total * 2
    # The result equals a fresh whole-file encode of the edited episode within the noise.
    _whole_file_encode(after, store, second.gain_db, tmp_path / "w.mp3")
    reference, source = _decode(tmp_path / "w.mp3"), _source(after, store, second.gain_db)
    assert _db(decoded - source) <= _db(reference - source) + 1.0


def test_a_join_without_room_for_the_reservoir_is_refused() -> None:
    """The run before leaves no free bytes and the next frame needs some: no silent damage."""
    frame = bytearray(208)
    frame[0:4] = (0xFFFB5000 | 0b11 << 6).to_bytes(4, "big")
    full = bytes(frame)
    needy = bytearray(frame)
    needy[4], needy[5] = 0xFF, 0x80  # main_data_begin 511
    run_a = mp3frames.Run(full * 3, mp3frames.parse(full * 3), 0, 2)
    run_b = mp3frames.Run(full + bytes(needy), mp3frames.parse(full + bytes(needy)), 1, 2)
    with pytest.raises(mp3frames.FrameError):
        mp3frames.join([run_a, run_b])


@pytest.mark.slow  # real espeak-ng speech and ffmpeg encodes
def test_a_join_that_cannot_be_made_falls_back_to_one_whole_run(spoken, tmp_path: Path,
                                                                 monkeypatch) -> None:
    """If old and new frames cannot be joined, the episode is encoded in one run, which is
    always joinable; the result is still the timeline's exact length."""
    store, lengths = spoken
    keys = list(lengths)
    timeline = layout(_plan(keys, [1.5, 2.0, 1.3, 3.0, 1.0]), lengths)
    cache = tmp_path / "segments"
    encode(timeline, store, -19.0, tmp_path / "a.mp3", cache)
    edited = layout(_plan([keys[0], keys[2], keys[2], keys[3], keys[4]],
                          [1.5, 2.0, 1.3, 3.0, 1.0]), lengths)
    real_join_to, calls = mp3frames.join_to, []

    def refuse_once(runs, sink):
        calls.append(1)
        if len(calls) == 1:
            raise mp3frames.FrameError("no room at the join")
        return real_join_to(runs, sink)

    monkeypatch.setattr(mp3frames, "join_to", refuse_once)
    encode(edited, store, -19.0, tmp_path / "b.mp3", cache)
    assert len(calls) == 2
    assert len(_decode(tmp_path / "b.mp3")) == edited.total * 2


def test_runs_are_split_so_memory_does_not_grow_with_the_episode():
    """Consecutive segments go to ffmpeg in runs of at most max_run samples."""
    segs = [segments.Segment(i * 1000, (i + 1) * 1000, f"k{i}") for i in range(10)]
    groups = list(segments._bounded(iter([(0, 9)]), segs, 3000))
    assert groups == [(0, 2), (3, 5), (6, 8), (9, 9)]
    assert list(segments._bounded(iter([(2, 3), (7, 7)]), segs, 3000)) == [(2, 3), (7, 7)]
