"""`python -m eval` is `python -m eval.bench` (the one command that measures everything)."""
import sys

from eval.bench import main

sys.exit(main())
