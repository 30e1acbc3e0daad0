"""MPEG-1 Layer III frames: parse a CBR stream, join runs of frames from different encodes, and
write the Xing/LAME ("Info") header of the whole file.

Shapes and units: frames of 1152 samples at 44.1 kHz (``SAMPLES_PER_FRAME``), mono, 64 kbps CBR
(208 or 209 bytes a frame, by the padding bit). Sources: ISO/IEC 11172-3 §2.4.1 (header, side
information, ``main_data_begin`` and the bit reservoir), the Xing VBR header, and the LAME tag
rev. 1 (encoder delay and padding, music length, CRC-16 of the audio and of the tag); the layout
is the one ffmpeg's mp3 muxer writes, which ``tests/test_segments.py`` compares byte for byte.

The bit reservoir: a frame's main data (its Huffman-coded samples) may begin up to 511 bytes
*before* its own header, in the unused tail of earlier frames' data slots (``main_data_begin``).
Frames cut out of one encode and put after frames of another are only valid when the bytes
they point back at are there: ``join`` copies them into the unused tail of the run before, or
moves the main data of the first frames forward where the run before has less room.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

SAMPLES_PER_FRAME = 1152
SAMPLE_RATE = 44100
HEADER_BYTES = 4
SIDE_INFO_BYTES = 17  # MPEG-1, mono
SLOT_START = HEADER_BYTES + SIDE_INFO_BYTES
MAX_BACK = 511  # main_data_begin is 9 bits
BITRATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
ENCODER_DELAY = 576  # samples LAME puts before the signal (the LAME tag's enc_delay)
DECODER_DELAY = 529  # samples of the decoder's filterbank, which players skip as well


class FrameError(ValueError):
    """The bytes are not the MPEG-1 Layer III mono CBR stream we write."""


@dataclass(frozen=True)
class Frame:
    offset: int  # byte offset in its stream
    size: int  # bytes, header included
    back: int  # main_data_begin, bytes
    data_bits: int  # part2_3_length of both granules: the main data this frame needs
    block_types: tuple[int, int]  # per granule: 0 long, 1 start, 2 short, 3 stop


def frame_size(header: int) -> int:
    """Bytes of the frame whose 4-byte header is ``header`` (MPEG-1 Layer III, 44.1 kHz)."""
    if header >> 21 != 0x7FF or (header >> 17) & 0xF != 0b1101:
        raise FrameError(f"not an MPEG-1 Layer III frame header: {header:08x}")
    kbps = BITRATES_KBPS[(header >> 12) & 0xF]
    if not kbps or (header >> 10) & 3 != 0:
        raise FrameError(f"unsupported bitrate or sample rate in header {header:08x}")
    return 144 * kbps * 1000 // SAMPLE_RATE + ((header >> 9) & 1)


def parse(data: bytes, start: int = 0) -> list[Frame]:
    """Every frame of ``data`` from byte ``start`` on; raises ``FrameError`` on a broken one."""
    frames: list[Frame] = []
    offset = start
    bits = SIDE_INFO_BYTES * 8
    while offset < len(data):
        if len(data) - offset < SLOT_START:
            raise FrameError(f"truncated frame at byte {offset}")
        size = frame_size(int.from_bytes(data[offset:offset + 4], "big"))
        side = int.from_bytes(data[offset + HEADER_BYTES:offset + SLOT_START], "big")

        def field(at: int, count: int, side: int = side) -> int:
            return (side >> (bits - at - count)) & ((1 << count) - 1)

        # Side information (ISO/IEC 11172-3 §2.4.1.7, mono): main_data_begin (9 bits),
        # private (5), scfsi (4), then 59 bits per granule: part2_3_length (12) first, and
        # window_switching_flag with block_type (3) 33 bits in.
        types = [field(18 + 59 * g + 33, 3) for g in (0, 1)]
        block = tuple((t >> 2) and (t & 3) for t in types)
        frames.append(Frame(offset, size, field(0, 9), field(18, 12) + field(77, 12),
                            (block[0], block[1])))
        offset += size
    return frames


def slot(frame: Frame) -> range:
    """Byte range of the frame's main-data slot (after header and side information)."""
    return range(frame.offset + SLOT_START, frame.offset + frame.size)


def is_info_frame(data: bytes, frame: Frame) -> bool:
    """True for the Xing/Info header frame an encoder writes first (it carries no audio)."""
    tag = data[frame.offset + SLOT_START:frame.offset + SLOT_START + 4]
    return tag in (b"Xing", b"Info")


@dataclass(frozen=True)
class Run:
    """Frames ``first`` to ``end`` (exclusive) of one encode's stream ``data`` (no Info frame)."""

    data: bytes
    frames: list[Frame]
    first: int
    end: int


# A granule's window must overlap the next one's: long or stop may be followed by long or start,
# start or short by short or stop (ISO/IEC 11172-3 §2.4.2.7, block_type).
_FOLLOWS_LONG_EDGE = {0, 3}


def _windows_fit(before: int, after: int) -> bool:
    return (before in _FOLLOWS_LONG_EDGE) == (after in (0, 1))


def join(runs: list[Run]) -> bytes:
    """The runs' frames one after another, decodable: see ``join_to``."""
    out = bytearray()
    join_to(iter(runs), lambda data, _offsets: out.extend(data))
    return bytes(out)


def join_to(runs: Iterator[Run], sink: Callable[[bytes, list[int]], None]) -> None:
    """Hand ``sink`` the runs' frames one after another (bytes, and each frame's offset in
    them), with each run's first frames' main data made reachable: the bytes its first frame's
    ``main_data_begin`` points back at are copied into the unused tail of the run before (or,
    where that tail is shorter, the first frames' main data is moved forward and their
    ``main_data_begin`` rewritten). At most two runs are held in memory.

    Raises ``FrameError`` when that cannot be done (the run before leaves too little room, or
    the granules' windows at the join do not overlap as the standard requires); the caller then
    encodes across the join instead.
    """
    out = _Stream()
    before: Run | None = None
    for run in runs:
        first = len(out.offsets)
        out.append(run)
        if before is None:
            if run.frames[run.first].back:
                raise FrameError("the first run must begin with a self-contained frame")
        else:
            _mend(out, first, before, run)
        sink(*out.take(first))
        before = run
    sink(*out.take(len(out.offsets)))


class _Stream:
    """The joined frames, with every frame's byte offset and slot position."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.offsets: list[int] = []
        self.slots: list[int] = []  # slot position: main-data bytes before this frame's slot
        self._slot_total = 0

    def append(self, run: Run) -> None:
        base = len(self.data) - run.frames[run.first].offset
        for frame in run.frames[run.first:run.end]:
            self.offsets.append(base + frame.offset)
            self.slots.append(self._slot_total)
            self._slot_total += frame.size - SLOT_START
        last = run.frames[run.end - 1]
        self.data += run.data[run.frames[run.first].offset:last.offset + last.size]

    def take(self, count: int) -> tuple[bytes, list[int]]:
        """Remove the first ``count`` frames: their bytes and offsets."""
        if count == 0:
            return b"", []
        cut = self.offsets[count] if count < len(self.offsets) else len(self.data)
        data, offsets = bytes(self.data[:cut]), self.offsets[:count]
        del self.data[:cut]
        self.offsets = [o - cut for o in self.offsets[count:]]
        self.slots = self.slots[count:]
        return data, offsets

    def write(self, slot_pos: int, payload: bytes) -> None:
        """Write ``payload`` into the slot bytes from slot position ``slot_pos`` on."""
        i = bisect.bisect_right(self.slots, slot_pos) - 1
        if i < 0:
            raise FrameError("no room for main data before the first frame")
        done = 0
        while done < len(payload):
            if i >= len(self.offsets):
                raise FrameError("main data runs past the last frame")
            slot_start = self.offsets[i] + SLOT_START
            slot_size = self._slot_size(i)
            skip = slot_pos + done - self.slots[i]
            n = min(slot_size - skip, len(payload) - done)
            self.data[slot_start + skip:slot_start + skip + n] = payload[done:done + n]
            done += n
            i += 1

    def _slot_size(self, i: int) -> int:
        end = self.offsets[i + 1] if i + 1 < len(self.offsets) else len(self.data)
        return end - self.offsets[i] - SLOT_START

    def set_back(self, i: int, back: int) -> None:
        if not 0 <= back <= MAX_BACK:
            raise FrameError("main_data_begin out of range at the join")
        side = self.offsets[i] + HEADER_BYTES
        self.data[side] = back >> 1
        self.data[side + 1] = (self.data[side + 1] & 0x7F) | ((back & 1) << 7)


def _mend(out: _Stream, first: int, before: Run, run: Run) -> None:
    """Make ``run``'s frames, appended to ``out`` as frame ``first`` on, decodable there."""
    if not _windows_fit(before.frames[before.end - 1].block_types[1],
                        run.frames[run.first].block_types[0]):
        raise FrameError("the granules' windows at the join do not overlap")
    # Free bytes at the end of the run before: its encode's next frame's main_data_begin.
    room = before.frames[before.end].back if before.end < len(before.frames) else 0
    join_pos = out.slots[first]
    need = run.frames[run.first].back
    if need <= room:
        if need:
            out.write(join_pos - need, _read_slots(run, run.first, -need, need))
        return
    # Too little room: lay the first frames' main data from the room's start on, one after
    # another, until a frame's own place in its encode is reached again.
    cursor = join_pos - room
    for k, index in enumerate(range(run.first, run.end)):
        frame = run.frames[index]
        own_slot = out.slots[first + k]
        original = own_slot - frame.back
        if cursor <= original:  # the rest of the encode's own bytes before the join, if any
            if original < join_pos:
                out.write(original, _read_slots(run, run.first, original - join_pos,
                                                join_pos - original))
            return
        length = (frame.data_bits + 7) // 8
        if cursor + length > own_slot + frame.size - SLOT_START:
            raise FrameError("the run before leaves too little room at the join")
        out.write(cursor, _read_slots(run, index, -frame.back, length))
        out.set_back(first + k, own_slot - cursor)
        cursor += length
    raise FrameError("the join's main data never caught up with its encode")


def _read_slots(run: Run, index: int, rel: int, count: int) -> bytes:
    """``count`` slot bytes of ``run``'s encode from ``rel`` bytes after frame ``index``'s slot
    start (negative: before it, in earlier frames' slots)."""
    got = bytearray()
    i, pos = index, rel
    while pos < 0:  # walk back to the frame whose slot holds the first byte
        i -= 1
        if i < 0:
            raise FrameError("main data points before the start of its encode")
        pos += run.frames[i].size - SLOT_START
    while len(got) < count:
        if i >= len(run.frames):
            raise FrameError("main data runs past the end of its encode")
        frame = run.frames[i]
        chunk = run.data[frame.offset + SLOT_START + pos:frame.offset + frame.size]
        got += chunk[:count - len(got)]
        i, pos = i + 1, 0
    return bytes(got)


# --- the Xing/LAME ("Info") header ------------------------------------------------------------

INFO_FLAGS = 0x0F  # frames, bytes, TOC and quality fields present
TOC_ENTRIES = 100
LAME_VERSION = b"LAME3.100"  # the libmp3lame that encodes the frames (ffmpeg's libmp3lame)
LAME_TAG_CRC_SPAN = 190  # bytes the tag's CRC covers, as ffmpeg's muxer computes it


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (polynomial 0x8005 reflected, initial 0) of ``data``, continuing ``crc``:
    the LAME tag's music and tag CRC."""
    import anycrc  # here, not at the top: only an encode needs it (C speed: 4.8 MB in 1 ms)

    return int(anycrc.Model("CRC16-ARC").calc(data, crc))


def info_frame(audio: bytes, frames: int, samples: int, kbps: int) -> bytes:
    """``info_frame_from`` for ``audio`` held in memory (its ``frames`` frames)."""
    offsets = []
    offset = 0
    while offset < len(audio):
        offsets.append(offset)
        offset += frame_size(int.from_bytes(audio[offset:offset + 4], "big"))
    return info_frame_from(crc16(audio), offsets, len(audio), frames, samples, kbps)


def info_frame_from(music_crc: int, offsets: Sequence[int], audio_bytes: int, frames: int,
                    samples: int, kbps: int) -> bytes:
    """The first frame of the file: a silent frame carrying the Xing "Info" header (CBR) and
    the LAME tag for the audio frames that follow it (``frames`` of them, ``audio_bytes``
    long, starting at ``offsets``, whose CRC-16 is ``music_crc``) holding ``samples`` samples
    of signal at 44.1 kHz.

    Players use it for the exact duration (frames × 1152 − encoder delay − padding) and for
    seeking (the TOC); ffmpeg, ffprobe and mutagen read it. Raises ``FrameError`` if the
    samples do not fit the frames.
    """
    index = BITRATES_KBPS.index(kbps)
    size = 144 * kbps * 1000 // SAMPLE_RATE  # unpadded
    header = 0xFFFB0000 | index << 12 | 0b11 << 6  # MPEG-1 Layer III, no CRC, 44.1 kHz, mono
    padding = frames * SAMPLES_PER_FRAME - ENCODER_DELAY - samples
    if not 0 <= padding < 4096 or samples < 0:
        raise FrameError(f"{samples} samples do not fit {frames} frames")
    total = size + audio_bytes
    frame = bytearray(size)
    frame[0:4] = header.to_bytes(4, "big")
    at = SLOT_START
    frame[at:at + 16] = b"Info" + INFO_FLAGS.to_bytes(4, "big") + frames.to_bytes(4, "big") \
        + total.to_bytes(4, "big")
    frame[at + 16:at + 116] = _toc(offsets, frames, size, total)
    at += 120  # after the TOC, a 4-byte quality field left at 0, as ffmpeg writes it
    tag = bytearray(36)
    tag[0:9] = LAME_VERSION
    tag[9] = 0x01  # tag revision 0, CBR
    tag[20] = min(kbps, 255)  # CBR: the bitrate
    tag[21:24] = (ENCODER_DELAY << 12 | padding).to_bytes(3, "big")
    tag[28:32] = total.to_bytes(4, "big")  # music length: this frame and the audio
    tag[32:34] = music_crc.to_bytes(2, "big")
    frame[at:at + 36] = tag
    frame[at + 34:at + 36] = crc16(bytes(frame[:LAME_TAG_CRC_SPAN])).to_bytes(2, "big")
    return bytes(frame)


def _toc(offsets: Sequence[int], frames: int, info_size: int, total: int) -> bytes:
    """Xing TOC: for each percent of the duration, the byte position (×256 ÷ file size) of
    the frame that starts there."""
    toc = bytearray(TOC_ENTRIES)
    for i in range(TOC_ENTRIES):
        position = info_size + offsets[min(i * frames // TOC_ENTRIES, len(offsets) - 1)]
        toc[i] = min(255, position * 256 // total)
    return bytes(toc)
