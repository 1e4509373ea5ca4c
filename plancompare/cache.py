"""On-disk embedding cache: one SQLite file per backend name, rows keyed by text hash.

Keys come from :func:`plancompare.embed.cache_key` (sha256 of the prepared
text); values are float32 vectors stored as raw bytes. SQLite in WAL mode
makes concurrent runs (several notebooks, parallel CLI jobs) safe. A corrupt
file is reported (naming it), moved aside and rebuilt; an unwritable
directory is reported once and the run continues without caching.

>>> cache = EmbeddingCache("/tmp/plancompare-cache")            # doctest: +SKIP
>>> cache.put_many("use-m3", {"ab12": np.ones(512, np.float32)})  # doctest: +SKIP
>>> cache.get_many("use-m3", ["ab12", "cd34"]).keys()            # doctest: +SKIP
dict_keys(['ab12'])
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["CacheStats", "EmbeddingCache", "default_cache_dir"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, vec BLOB NOT NULL)"
_BATCH = 500  # SQLite host-parameter limit is 999 on old builds
# reads: fewer, longer statements where the limit is 32,766 (SQLite 3.32 and later)
_READ_BATCH = 5000 if sqlite3.sqlite_version_info >= (3, 32, 0) else _BATCH



def _select(conn: sqlite3.Connection, keys: list[str]) -> Iterator[tuple[str, int, bytes]]:
    """``(key, dim, vec)`` of the stored rows among ``keys``, in statements of ``_READ_BATCH`` keys."""
    for i in range(0, len(keys), _READ_BATCH):
        part = keys[i : i + _READ_BATCH]
        marks = ",".join("?" * len(part))
        yield from conn.execute(f"SELECT key, dim, vec FROM emb WHERE key IN ({marks})", part)

def default_cache_dir() -> Path:
    """``$PLANCOMPARE_CACHE`` if set, else ``~/.cache/plancompare``."""
    env = os.environ.get("PLANCOMPARE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "plancompare"


_HEAD = 1 << 20  # bytes hashed from each end of a big model file


def model_fingerprint(directory: str | os.PathLike[str]) -> str:
    """A short hash of a local model directory's files (names, sizes, contents).

    Small files (configs, tokenizer) are hashed whole; big weight files by size and
    their first and last MiB, so a multi-GB model costs milliseconds. Replacing the
    model at the same path changes the fingerprint, and so the cache file.
    """
    h = hashlib.sha256()
    root = Path(directory)
    files = sorted(f for f in root.rglob("*") if f.is_file() and ".cache" not in f.relative_to(root).parts)
    for f in files[:10_000]:
        size = f.stat().st_size
        h.update(f"{f.relative_to(root).as_posix()}\x1f{size}\x1f".encode())
        with open(f, "rb") as fh:
            if size <= 4 * _HEAD:
                h.update(fh.read())
            else:
                h.update(fh.read(_HEAD))
                fh.seek(-_HEAD, os.SEEK_END)
                h.update(fh.read(_HEAD))
    return h.hexdigest()[:12]


def _local_model_dir(name: str) -> Path | None:
    """The model directory of an ``st:`` backend name, when it is a local path."""
    if not name.startswith("st:"):
        return None
    model = name[3:].split("#prompts-", 1)[0]
    try:
        p = Path(model).expanduser()
        return p if p.is_dir() else None
    except OSError:
        return None


def _safe_name(name: str) -> str:
    # Readable prefix plus a hash, so "st:/a/b" and "st_/a/b" never share a file.
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[-60:] or "backend"
    return f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"


@dataclass
class CacheStats:
    """Lookups answered from disk (``hits``) and not (``misses``) since creation or :meth:`reset`."""

    hits: int = 0
    misses: int = 0
    writes: int = 0


class EmbeddingCache:
    """Embedding vectors on disk, keyed by ``(backend name, text hash)``.

    ``directory`` defaults to :func:`default_cache_dir`. Use
    :meth:`get_many` / :meth:`put_many`; :attr:`stats` counts hits and misses.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self.stats = CacheStats()
        self.disabled = False
        self._conns: dict[str, sqlite3.Connection] = {}
        self._fingerprints: dict[str, str] = {}
        self._checked = False
        # One cache object may be used from several threads (e.g. a notebook's executor).
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        state = "disabled" if self.disabled else f"hits={self.stats.hits}, misses={self.stats.misses}"
        return f"EmbeddingCache({str(self.directory)!r}, {state})"

    def path_for(self, name: str) -> Path:
        """The SQLite file that holds backend ``name``'s vectors.

        For a local ``st:`` model the name includes a fingerprint of the model's files,
        so another model saved at the same path never reuses the old vectors.
        """
        return self.directory / f"{_safe_name(self._keyed(name))}.sqlite"

    def _keyed(self, name: str) -> str:
        if name not in self._fingerprints:
            model = _local_model_dir(name)
            try:
                self._fingerprints[name] = f"{name}@{model_fingerprint(model)}" if model else name
            except OSError as e:  # unreadable model files: the model load will report it
                warnings.warn(f"embedding cache: cannot fingerprint model {model}: {e}", stacklevel=3)
                self._fingerprints[name] = name
        return self._fingerprints[name]

    # -- connections --------------------------------------------------------------

    def _disable(self, problem: str) -> None:
        if not self.disabled:
            warnings.warn(
                f"embedding cache directory {self.directory}: {problem}; continuing without a cache",
                stacklevel=4,
            )
        self.disabled = True
        self._close()

    def _usable_dir(self) -> bool:
        if self.disabled:
            return False
        if not self._checked:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                # unique per process and thread: concurrent runs must not delete each other's probe
                probe = self.directory / f".write-test-{os.getpid()}-{threading.get_ident()}"
                probe.write_bytes(b"")
                probe.unlink()
            except OSError as e:
                self._disable(f"not writable ({e.strerror or e})")
                return False
            self._checked = True
        return True

    def _open(self, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        # A 2 KiB vector fits once in a 4 KiB page but three times in 8 KiB: half the
        # file size and write time. Only takes effect when the file is new.
        conn.execute("PRAGMA page_size=8192")
        # WAL can fail on network file systems; the default rollback journal still locks correctly
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(_SCHEMA)
        conn.execute("SELECT count(*) FROM emb WHERE rowid < 0").fetchone()
        return conn

    def _conn(self, name: str) -> sqlite3.Connection | None:
        if name in self._conns:
            return self._conns[name]
        if not self._usable_dir():
            return None
        path = self.path_for(name)
        try:
            conn = self._open(path)
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and not _looks_corrupt(e):
                self._disable(f"cannot open {path.name} ({e})")
                return None
            conn = self._rebuild(path, e)
            if conn is None:
                return None
        self._conns[name] = conn
        return conn

    def _rebuild(self, path: Path, err: Exception) -> sqlite3.Connection | None:
        aside = path.with_name(path.name + ".corrupt")
        warnings.warn(
            f"embedding cache file {path} is corrupt ({err}); moved it to {aside.name} and starting it afresh",
            stacklevel=5,
        )
        try:
            for suffix in ("-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            os.replace(path, aside)
            return self._open(path)
        except (OSError, sqlite3.DatabaseError) as e:
            self._disable(f"cannot rebuild {path.name} ({e})")
            return None

    def _close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    def close(self) -> None:
        """Close open database files (they reopen on next use)."""
        self._close()

    # -- public API ---------------------------------------------------------------

    def get_many(self, name: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors found for ``keys`` under backend ``name`` (missing keys are absent)."""
        with self._lock:
            return self._get_many(name, list(dict.fromkeys(keys)))

    def _get_many(self, name: str, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        conn = self._conn(name)
        if conn is not None and keys:
            try:
                for key, dim, blob in _select(conn, keys):
                    if len(blob) == 4 * dim:  # a damaged row is a miss; put_many rewrites it
                        found[key] = np.frombuffer(blob, dtype=np.float32).copy()
            except sqlite3.DatabaseError as e:
                self._handle_runtime_error(name, e)
                found = {}
        self.stats.hits += len(found)
        self.stats.misses += len(keys) - len(found)
        return found

    def get_into(self, name: str, keys: Sequence[str], out: np.ndarray, rows: Sequence[int]) -> set[str]:
        """Copy the vector found for ``keys[i]`` into ``out[rows[i]]``; return the keys found.

        ``out`` is a C-contiguous float32 matrix; a stored vector counts as found
        only when its length is ``out``'s row length. The same rows as
        :meth:`get_many`, without a numpy array per row and a second copy of
        them all: each blob goes straight into its row (at several hundred
        plans that second copy was a second of a warm run, most of it the
        kernel handing out fresh pages).
        """
        if out.dtype != np.float32 or out.ndim != 2 or not out.flags.c_contiguous:
            raise ValueError("get_into needs a C-contiguous float32 matrix")
        with self._lock:
            return self._get_into(name, dict(zip(keys, rows, strict=True)), out)

    def _get_into(self, name: str, where: dict[str, int], out: np.ndarray) -> set[str]:
        found: set[str] = set()
        dim = out.shape[1]
        size = 4 * dim
        conn = self._conn(name)
        keys = list(where)
        if conn is not None and keys and size:
            buf = memoryview(out).cast("B")
            try:
                for key, d, blob in _select(conn, keys):
                    if d == dim and len(blob) == size:  # a damaged row is a miss; put_many rewrites it
                        at = where[key] * size
                        buf[at : at + size] = blob
                        found.add(key)
            except sqlite3.DatabaseError as e:
                self._handle_runtime_error(name, e)
                found = set()
        self.stats.hits += len(found)
        self.stats.misses += len(keys) - len(found)
        return found

    def put_many(self, name: str, items: Mapping[str, np.ndarray]) -> None:
        """Store vectors for backend ``name`` (existing keys are overwritten)."""
        if items:
            with self._lock:
                self._put_many(name, items)

    def _put_many(self, name: str, items: Mapping[str, np.ndarray]) -> None:
        conn = self._conn(name)
        if conn is None:
            return
        rows = []
        for key, vec in items.items():
            v = np.ascontiguousarray(vec, dtype=np.float32).reshape(-1)
            rows.append((key, int(v.size), v.tobytes()))
        try:
            with conn:  # one transaction: concurrent writers wait on SQLite's lock
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR REPLACE INTO emb (key, dim, vec) VALUES (?, ?, ?)", rows)
        except sqlite3.DatabaseError as e:
            self._handle_runtime_error(name, e)
            return
        self.stats.writes += len(rows)

    def _handle_runtime_error(self, name: str, e: sqlite3.DatabaseError) -> None:
        path = self.path_for(name)
        conn = self._conns.pop(name, None)
        if conn is not None:
            conn.close()
        if isinstance(e, sqlite3.OperationalError) and not _looks_corrupt(e):
            self._disable(f"error using {path.name} ({e})")
            return
        conn = self._rebuild(path, e)
        if conn is not None:
            self._conns[name] = conn

    def count(self, name: str) -> int:
        """Number of vectors stored for backend ``name``."""
        conn = self._conn(name)
        return 0 if conn is None else int(conn.execute("SELECT count(*) FROM emb").fetchone()[0])

    def clear(self, name: str | None = None) -> None:
        """Delete the cached vectors of backend ``name`` (all backends when ``None``)."""
        self._close()
        if not self.directory.is_dir():
            return
        files = [self.path_for(name)] if name is not None else list(self.directory.glob("*.sqlite"))
        for f in files:
            for p in (f, Path(str(f) + "-wal"), Path(str(f) + "-shm")):
                try:
                    p.unlink(missing_ok=True)
                except OSError as e:
                    warnings.warn(f"embedding cache: cannot delete {p}: {e}", stacklevel=2)

    def reset_stats(self) -> None:
        """Zero the hit/miss counters."""
        self.stats = CacheStats()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._close()


def _looks_corrupt(e: sqlite3.DatabaseError) -> bool:
    msg = str(e).lower()
    return any(
        s in msg for s in ("not a database", "malformed", "corrupt", "no such table", "file is encrypted")
    )
