"""The vector store: chromadb, behind llama-index's ChromaVectorStore.

Embedded (``chromadb.PersistentClient(<index>/chroma)``) by default, or a ``chroma run``
server when a URL is given (``TDKT_CHROMA_URL``); the rest of the code is the same. Chroma
never embeds anything itself: chunks are added with their vectors, queries carry theirs, and
the collection is created without an embedding function (chroma's default one downloads a
model, which the offline machine cannot do).
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np

# The graph's build parameters are fixed when a collection is made, so they are part of its name:
# a folder built with other ones gets a new collection (its vectors re-added from the embedding
# cache, nothing embedded again) and the old one is dropped.
HNSW_BUILD = {"ef_construction": 400, "max_neighbors": 32}
EMBEDDED_COLLECTION = "tdkt_chunks_m32"


def collection_name(index_dir: Path, url: str | None) -> str:
    """One collection per index folder: on a shared server, named after the folder's path."""
    if not url:
        return EMBEDDED_COLLECTION
    h = hashlib.sha1(str(Path(index_dir).resolve()).encode("utf-8")).hexdigest()[:12]
    return f"tdkt_{h}_m32"


def open_client(index_dir: Path, url: str | None = None):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if url:
        u = urlparse(url if "://" in url else f"http://{url}")
        return chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or (443 if u.scheme == "https" else 8000),
                                   ssl=u.scheme == "https", settings=settings)
    path = Path(index_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


# HNSW breadth of a query. Chroma's default (100) equals the ~100 chunks the search asks for,
# so its approximate answer drops some of them and varies between builds and even between
# processes over the same files (a gold clause at dense rank ~80 came and went). 400 makes the
# list practically exact at a cost of ~1 ms on 28k chunks, provided the graph is built well:
# with chroma's default build (ef_construction 100, 16 neighbours) 83 of the 499 TĐKT questions
# still got another top-120 than exact cosine; with HNSW_BUILD, none (index/vector.py history).
EF_SEARCH = 400


def open_collection(client, name: str):
    col = client.get_or_create_collection(
        name=name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH, **HNSW_BUILD}},
        metadata={"tdkt": "provision chunks, multilingual-e5-small, passage: prefix"},
    )
    try:  # collections made before EF_SEARCH existed keep chroma's default until told
        if (col.configuration.get("hnsw") or {}).get("ef_search", EF_SEARCH) < EF_SEARCH:
            col.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
    except Exception as exc:  # pragma: no cover - an older server without configuration support
        logging.getLogger(__name__).warning("could not raise chroma's ef_search on %s: %s", name, exc)
    return col


class VectorStore:
    """A chroma collection of chunk vectors, wrapped for llama-index."""

    def __init__(self, index_dir: Path, url: str | None = None):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.index_dir = Path(index_dir)
        self.url = url or None
        self.client = open_client(self.index_dir, self.url)
        self.name = collection_name(self.index_dir, self.url)
        self.collection = open_collection(self.client, self.name)
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    # -- bookkeeping -------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.collection.count())

    def doc_summary(self) -> dict[str, dict[str, Any]]:
        """doc → {"fp": set of fingerprints, "version": set, "count": chunks, "shas": set}."""
        out: dict[str, dict[str, Any]] = {}
        n = self.count()
        step = 5000
        for off in range(0, n, step):
            got = self.collection.get(include=["metadatas"], limit=step, offset=off)
            for m in got["metadatas"] or []:
                d = out.setdefault(m.get("doc", ""), {"fp": set(), "version": set(), "count": 0, "shas": set()})
                d["fp"].add(m.get("fp"))
                d["version"].add(m.get("units_version"))
                d["shas"].add(m.get("sha"))
                d["count"] += 1
        return out

    def doc_chunk_count(self, doc: str) -> int:
        got = self.collection.get(where={"doc": doc}, include=[])
        return len(got["ids"])

    def delete_doc(self, doc: str) -> int:
        n = self.doc_chunk_count(doc)
        if n:
            self.collection.delete(where={"doc": doc})
        return n

    def add(self, nodes: list) -> None:
        """Add llama-index TextNodes that already carry their embeddings."""
        for i in range(0, len(nodes), 1000):
            self.store.add(nodes[i:i + 1000])


class EmbeddingCache:
    """Chunk vectors by sha1 of the embedded text, beside the index (``<index>/embeddings/``).

    Lets a changed document re-embed only its changed chunks, a rebuild after a deleted chroma
    folder or a move to a chroma server skip the model entirely. Pruned to the live chunks at
    every sync, written atomically.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.vecs: dict[str, np.ndarray] = {}
        try:
            import json

            keys = json.loads((self.path / "keys.json").read_text(encoding="utf-8"))
            arr = np.load(self.path / "vectors.npy")
            if len(keys) == len(arr):
                self.vecs = dict(zip(keys, arr))
        except (OSError, ValueError):
            self.vecs = {}

    def get(self, sha: str) -> np.ndarray | None:
        return self.vecs.get(sha)

    def put(self, sha: str, vec: np.ndarray) -> None:
        self.vecs[sha] = np.asarray(vec, dtype=np.float32)

    def save(self, keep: set[str] | None = None) -> None:
        import json
        import shutil
        import tempfile

        if keep is not None:
            self.vecs = {k: v for k, v in self.vecs.items() if k in keep}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".embeddings-", dir=self.path.parent))
        try:
            keys = list(self.vecs)
            arr = np.stack([self.vecs[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
            np.save(tmp / "vectors.npy", arr)
            (tmp / "keys.json").write_text(json.dumps(keys), encoding="utf-8")
            old = None
            if self.path.exists():
                old = Path(tempfile.mkdtemp(prefix=".embeddings-old-", dir=self.path.parent))
                os.rename(self.path, old / "x")
            os.rename(tmp, self.path)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


# ---------------------------------------------------------------------------------------------
# llama-index retriever over the chunk vectors

try:
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
except ImportError:  # pragma: no cover
    BaseRetriever = object  # type: ignore[assignment,misc]


def unit_of_chunk(chunk_id: str) -> str:
    """"152/2025/NĐ-CP#d24.k2::0" → "152/2025/NĐ-CP#d24.k2"."""
    return chunk_id.rsplit("::", 1)[0]


class DenseRetriever(BaseRetriever):  # type: ignore[misc]
    """Nearest chunks by cosine in the chroma collection, for a query vector.

    ``search`` is the hot path (ids and cosines only: chroma returns them in ~2 ms, while
    fetching texts and metadata and rebuilding nodes costs ten times that). As a llama-index
    retriever it returns one NodeWithScore per chunk (score = cosine).
    """

    def __init__(self, vector: VectorStore, embed_query=None, top_k: int = 120, docs: list[str] | None = None):
        super().__init__()
        self.vector = vector
        self.embed_query = embed_query
        self.top_k = top_k
        self.docs = docs
        self._count = 0  # chunks the collection held when last counted

    def search(self, qvec: np.ndarray, top_k: int | None = None, docs=None) -> tuple[list[str], np.ndarray]:
        n = top_k or self.top_k
        # chroma wants n_results <= the collection's size. Counting costs ~2 ms a query, so count
        # only while the last count was below n: a collection that has since shrunk under n just
        # returns what it holds.
        if self._count < n:
            self._count = self.vector.count()
            n = min(n, max(1, self._count))
        where = {"doc": {"$in": sorted(docs)}} if docs else None
        kw = {"where": where} if where else {}
        res = self.vector.collection.query(query_embeddings=[np.asarray(qvec, dtype=np.float32).tolist()],
                                           n_results=n, include=["distances"], **kw)
        ids = res["ids"][0]
        cos = 1.0 - np.asarray(res["distances"][0], dtype=np.float64)  # cosine space: d = 1 - cos
        return ids, cos

    def _retrieve(self, query_bundle: "QueryBundle") -> list["NodeWithScore"]:
        q = query_bundle.embedding
        if q is None:
            if self.embed_query is None:
                raise ValueError("DenseRetriever needs a query embedding or an embed_query function")
            q = self.embed_query(query_bundle.query_str)
        ids, cos = self.search(np.asarray(q), self.top_k, self.docs)
        return [NodeWithScore(node=TextNode(id_=i, text="", metadata={"unit": unit_of_chunk(i)}), score=float(c))
                for i, c in zip(ids, cos)]
