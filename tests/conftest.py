"""Shared fixtures. The TĐKT corpus index is built once per test session (ingest + embeddings +
BM25) and reused by every module that needs it; modules that define their own builder use the
same folder and marker, so whichever runs first builds it."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "tdkt"


def build_tdkt_index(tmp_path_factory) -> tuple[Path, dict]:
    base = tmp_path_factory.getbasetemp()
    root = base / "tdkt-index"
    marker = base / "tdkt-index.json"
    if marker.exists():
        return root, json.loads(marker.read_text())
    from ingest.batch import ingest_paths
    from ingest.store import DocumentStore
    from index.search import sync_index

    t0 = time.perf_counter()
    report = ingest_paths([CORPUS], DocumentStore(root))
    assert not report.failures, report.failures
    t1 = time.perf_counter()
    res = sync_index(root, chroma_url=None)
    info = {"ingest_s": round(t1 - t0, 1), "sync_s": round(time.perf_counter() - t1, 1), "sync": res,
            "provisions": report.provisions}
    print(f"\n[index build] ingest {info['ingest_s']} s, sync {info['sync_s']} s "
          f"(embedding {res.get('embed_seconds')} s for {res['embedded']} chunks), {res['chunks']} chunks, "
          f"{res['units']} units", file=sys.stderr)
    marker.write_text(json.dumps(info))
    return root, info


@pytest.fixture(scope="session")
def shared_tdkt_index(tmp_path_factory) -> Path:
    if not CORPUS.exists():
        pytest.skip(f"corpus not found: {CORPUS}")
    return build_tdkt_index(tmp_path_factory)[0]
