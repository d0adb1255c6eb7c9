"""Settings of the `db_worker` processes `benchmark_publish --like-demo` starts: the configured
settings module (`BENCH_BASE_SETTINGS`, default budgetsite.settings) unchanged, plus
`DISCLOSURE_PDF_WORKERS` from the environment when it is set there (the benchmark sets 1: each
worker lays its PDF out in its own process, so N workers use N cores)."""

import importlib
import os

_base = importlib.import_module(os.environ.get("BENCH_BASE_SETTINGS", "budgetsite.settings"))
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

if os.environ.get("DISCLOSURE_PDF_WORKERS"):
    DISCLOSURE_PDF_WORKERS = int(os.environ["DISCLOSURE_PDF_WORKERS"])
