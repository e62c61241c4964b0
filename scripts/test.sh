#!/usr/bin/env bash
# Run the whole test suite as CI does. Extra arguments go to pytest (e.g. -m "not slow").
set -uo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False TOKENIZERS_PARALLELISM=false
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
exit $rc
