"""The render cache: one file per rendered clip, named by the hash of everything that shapes it.

A clip file holds the processed PCM (mono int16 at ``pcm.RATE``) and its loudness frames, with a
CRC so a truncated or damaged entry is detected and rendered again instead of being published.
Files are written under a temporary name and renamed, so a reader never sees half a clip.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rtr_audio import pcm
from rtr_audio.files import atomic_write

if TYPE_CHECKING:
    import numpy as np

MAGIC = b"RTRCLIP1"
_HEADER = struct.Struct("<8sIIII")  # magic, rate, samples, frames, crc32
CLIP_FORMAT = 9  # bump when processing changes so old clips are not reused


def digest(*parts: object) -> str:
    """A stable hash of JSON-serialisable parts."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


@dataclass(frozen=True)
class Clip:
    samples: np.ndarray  # int16
    energies: np.ndarray  # float32, one per pcm.FRAME samples

    @property
    def seconds(self) -> float:
        return len(self.samples) / pcm.RATE


class ClipStore:
    """Clips on disk under ``root`` (``Layout.clips``)."""

    def __init__(self, root: Path):
        self.root = root
        # Lengths already read from disk: a build's check of what to render and each episode's
        # layout ask for every clip (10,000 file opens each on a 100-episode show). Only clips
        # found whole are kept; ``save`` and ``discard`` forget them.
        self._lengths: dict[str, int] = {}

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.clip"

    def has(self, key: str) -> bool:
        """Cheap check used to plan work: present with a plausible size (no checksum)."""
        return self.length(key) is not None

    def length(self, key: str) -> int | None:
        """Samples in the clip, or None when it is missing or its size is wrong."""
        if key in self._lengths:
            return self._lengths[key]
        path = self.path(key)
        try:
            with path.open("rb") as handle:
                magic, _rate, samples, frames, _crc = _HEADER.unpack(handle.read(_HEADER.size))
            size = path.stat().st_size
        except (OSError, struct.error):
            return None
        if magic != MAGIC or size != _HEADER.size + samples * 2 + frames * 4:
            return None
        self._lengths[key] = samples
        return samples

    def load(self, key: str) -> Clip | None:
        """The clip, or None when missing or damaged (the caller renders it again)."""
        try:
            data = self.path(key).read_bytes()
            magic, rate, samples, frames, crc = _HEADER.unpack_from(data)
        except (OSError, struct.error):
            return None
        # Here, not at the top: numpy (a tenth of a second) only when a clip is loaded, never in
        # a build that reuses every episode.
        import numpy as np

        body = memoryview(data)[_HEADER.size:]
        if (magic != MAGIC or rate != pcm.RATE or len(body) != samples * 2 + frames * 4
                or zlib.crc32(body) != crc):
            return None
        int16 = np.frombuffer(body[: samples * 2], dtype="<i2")
        energies = np.frombuffer(body[samples * 2:], dtype="<f4")
        return Clip(int16, energies)

    def save(self, key: str, clip: Clip) -> None:
        body = clip.samples.astype("<i2").tobytes() + clip.energies.astype("<f4").tobytes()
        header = _HEADER.pack(MAGIC, pcm.RATE, len(clip.samples), len(clip.energies),
                              zlib.crc32(body))
        atomic_write(self.path(key), header + body)
        self._lengths.pop(key, None)

    def discard(self, key: str) -> None:
        self._lengths.pop(key, None)
        self.path(key).unlink(missing_ok=True)
