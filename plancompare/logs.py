"""Logging for the library: a quiet jieba and timed pipeline stages.

plancompare logs through the ``plancompare`` logger and never configures
handlers itself (a ``NullHandler`` keeps Python from printing warnings
twice); the CLI's ``-v`` or ``logging.basicConfig(level=logging.INFO)`` in a
notebook shows the stages with their timings.

jieba sets its own logger to DEBUG with a stderr handler when it is first
imported and then prints ``Building prefix dict from the default dictionary …``
on every first use. A filter on that logger (filters survive jieba's
``setLevel``) drops its records below WARNING unless ``plancompare`` itself
logs at DEBUG level.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("plancompare")


class _QuietJieba(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or log.isEnabledFor(logging.DEBUG)


def setup() -> None:
    """Install the jieba filter and the library's NullHandler (idempotent)."""
    jieba_log = logging.getLogger("jieba")
    if not any(isinstance(f, _QuietJieba) for f in jieba_log.filters):
        jieba_log.addFilter(_QuietJieba())
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Log ``name`` when it starts and its wall time when it ends (INFO)."""
    log.info("%s …", name)
    t0 = time.perf_counter()
    yield
    log.info("%s: done in %.2f s", name, time.perf_counter() - t0)
