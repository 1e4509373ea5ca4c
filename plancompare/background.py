"""The background: a fixed sample of ordinary sentences from real work reports.

Two questions are answered against it:

* how common a word is (:func:`term_share`): a word found in many ordinary
  sentences (建设, 医疗) is no evidence that a plan deals with a theme;
* how close a theme comes to ordinary sentences (:func:`query_stats`): cosine
  scales differ per model and per theme, so a sentence's score is read relative
  to the theme's own background distribution (a z-score), which puts every
  theme and every backend on one scale.

The sample (``data/background.txt.gz``, 4,000 sentences) is built by
``scripts/make_background.py`` from ``../shared/corpus`` without the documents
of the evaluation set.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable
from importlib import resources
from typing import Literal

import numpy as np

EncodeFn = Callable[[list[str], Literal["query", "passage"]], np.ndarray]
# sentences embedded for the score statistics (enough for a stable mean and spread)
N_EMBEDDED = 1000


@functools.cache
def sentences() -> tuple[str, ...]:
    """The background sentences, in their fixed order."""
    raw = (resources.files("plancompare") / "data" / "background.txt.gz").read_bytes()
    return tuple(gzip.decompress(raw).decode("utf-8").split("\n"))


@functools.cache
def _joined() -> str:
    return "\n".join(sentences())


@functools.lru_cache(maxsize=65536)
def term_share(term: str) -> float:
    """Occurrences of ``term`` per background sentence (≈ the share of sentences holding it).

    >>> term_share("建设") > 0.05 and term_share("托育") < 0.01
    True
    """
    return _joined().count(term) / len(sentences())


def query_stats(encode: EncodeFn, queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each query's cosine over the embedded background.

    ``encode`` is the backend's (cached) encoder; the background is embedded once
    per backend and then read from the cache.
    """
    if not queries:
        return np.zeros(0, np.float32), np.ones(0, np.float32)
    bg = encode(list(sentences()[:N_EMBEDDED]), "passage")
    q = encode(queries, "query")
    sims = bg @ q.T
    return sims.mean(axis=0).astype(np.float32), np.maximum(sims.std(axis=0), 1e-3).astype(np.float32)
