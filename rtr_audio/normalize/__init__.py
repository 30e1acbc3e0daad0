"""Text normalisation by semiotic class (cardinal, ordinal, date, telephone…), one module per
class, vocabulary in ``data/``, the order in ``pipeline``.

The modules import each other by module path (``import rtr_audio.normalize.vocab as vocab``),
never through this package: it imports ``pipeline``, so that would be a cycle.
"""

from rtr_audio.normalize.pipeline import normalize

__all__ = ["normalize"]
