"""The internal audio format, in constants that cost no import (numpy stays unloaded).

Clips, timelines and the cache all hold mono int16 PCM at ``RATE``; loudness is kept per
``FRAME`` of samples (see ``dsp``).
"""

RATE = 22050  # samples per second: what espeak-ng and Piper's medium voices produce
FRAME = 441  # samples: 20 ms at RATE, the resolution of loudness bookkeeping
