# The two commands of the README: `make run` (set up, ingest the corpus, list it) and `make test`.
VENV := .venv
TDKT := $(VENV)/bin/tdkt

.PHONY: setup run test bench

setup:
	bash scripts/setup.sh

run: setup
	$(TDKT) ingest
	$(TDKT) documents

test: setup
	bash scripts/test.sh

bench: setup
	$(VENV)/bin/python -m eval.bench
