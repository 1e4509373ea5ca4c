"""Embedding cache misses on a Dask cluster (or any executor), the driver as the one cache writer.

The analysis itself runs on one machine: loading is cheap and everything
after embedding is fast on a warm cache. Only the model's batches go out.
:func:`plancompare.embed.encode_texts` prepares, de-duplicates and looks up
the texts on the driver, chunks the misses into the same batches a local run
uses, sends groups of batches to the workers (:func:`run_batches`), pools the
rows it gets back and writes them to its cache. Workers never touch the
cache: the SQLite file is safe for processes on one machine, not for a
network file system.

>>> from dask.distributed import Client                      # doctest: +SKIP
>>> plans = load_plans("corpus/", recursive=True,            # doctest: +SKIP
...                    executor=Client("tcp://scheduler:8786"))
>>> plans.coverage()                                         # doctest: +SKIP

From the command line: ``plancompare report corpus/ --recursive --dask tcp://scheduler:8786``.
Every worker needs plancompare (and the backend's package) installed; each
worker thread loads the model once and keeps it for later tasks.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from .embed import Embedder, Kind, encode_batch

__all__ = ["BATCHES_PER_TASK", "connect", "run_batches"]

#: Model batches per task: enough work (~1,000 chunks) to hide a task's round trip.
BATCHES_PER_TASK = 16

_local = threading.local()


def _worker_model(embedder: Embedder) -> Embedder:
    """This worker thread's copy of ``embedder``, its model loaded once and reused by later tasks.

    Per thread, because a Dask worker may run several tasks at once (or, with
    ``processes=False``, share the driver's objects) and a model object is
    not assumed to be thread-safe.
    """
    models: dict[tuple[Any, ...], Embedder] = _local.__dict__.setdefault("models", {})
    key = (type(embedder).__qualname__, embedder.name, getattr(embedder, "threads", None))
    if key not in models:
        clone = copy.copy(embedder)
        if hasattr(clone, "_model"):
            clone._model = None  # type: ignore[attr-defined]  # load a fresh one here
        models[key] = clone
    return models[key]


def encode_batches(embedder: Embedder, batches: list[list[str]], kind: Kind) -> list[np.ndarray]:
    """Worker task: each batch through the model, rows in order (the same call a local run makes)."""
    model = _worker_model(embedder)
    return [encode_batch(model, b, kind) for b in batches]


def run_batches(
    executor: Any,
    embedder: Embedder,
    batches: Sequence[list[str]],
    kind: Kind,
    *,
    per_task: int = BATCHES_PER_TASK,
) -> list[np.ndarray]:
    """Run model ``batches`` on ``executor`` in tasks of ``per_task`` batches; rows in batch order.

    ``executor``: a ``dask.distributed.Client``, a ``concurrent.futures``
    executor, or anything with ``submit(fn, *args)`` returning objects with
    ``result()``. Batches keep their composition, so the vectors are the ones
    a local run computes.
    """
    from .errors import EmbeddingBackendError

    groups = [list(batches[i : i + per_task]) for i in range(0, len(batches), per_task)]
    # Dask would hash the arguments to name each task; the texts are unique work, so skip that
    extra = {"pure": False} if hasattr(executor, "gather") else {}
    futures = [executor.submit(encode_batches, embedder, g, kind, **extra) for g in groups]
    try:
        results = [f.result() for f in futures]
    except Exception as e:
        raise EmbeddingBackendError(f"embedding with {embedder.name!r} on {executor!r} failed: {e}") from e
    return [m for part in results for m in part]


def connect(address: str) -> Any:
    """A ``dask.distributed.Client`` for a scheduler address (``tcp://host:8786``), with a clear error."""
    try:
        from dask.distributed import Client
    except ImportError as e:
        raise ValueError("--dask needs dask.distributed: pip install 'plancompare[dask]'") from e
    try:
        return Client(address, timeout="20s")
    except OSError as e:
        raise ValueError(f"could not reach the Dask scheduler at {address}: {e}") from e
