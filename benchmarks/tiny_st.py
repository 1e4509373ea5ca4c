"""A tiny sentence-transformers model built locally, for tests and benchmarks without a model hub.

One ``StaticEmbedding`` module over a character vocabulary: no download, a
few kB, deterministic (seeded). It exercises the sentence-transformers
backend's whole path (``SentenceTransformer`` loading from a directory,
``encode``, the multi-process pool); its vectors mean nothing.

    python benchmarks/speed.py --backends st-tiny
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def build_tiny_st_model(path: Path, texts: Iterable[str], *, dim: int = 32, seed: int = 0) -> Path:
    """Save a ``StaticEmbedding`` model whose vocabulary is the characters of ``texts`` to ``path``."""
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer, models, pre_tokenizers

    try:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import StaticEmbedding

    chars = sorted({c for t in texts for c in t if not c.isspace()})
    vocab = {"[UNK]": 0, "[PAD]": 1, **{c: i + 2 for i, c in enumerate(chars)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    torch.manual_seed(seed)
    static = StaticEmbedding(tok, embedding_dim=dim)
    path.mkdir(parents=True, exist_ok=True)
    SentenceTransformer(modules=[static], device="cpu").save(str(path))
    return path
