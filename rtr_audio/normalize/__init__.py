"""Text normalisation by semiotic class (cardinal, ordinal, date, telephone…), one module per
class, vocabulary in ``data/``, the order in ``pipeline``."""

from rtr_audio.normalize.pipeline import normalize

__all__ = ["normalize"]
