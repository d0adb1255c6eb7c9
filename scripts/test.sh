#!/usr/bin/env bash
# Everything CI checks: the whole pytest suite on SQLite and on PostgreSQL, missing
# migrations, ruff and the import contracts (import-linter), and the demo server end to end
# (scripts/check_serve.sh). Every step runs even when an earlier one fails; the exit status is
# non-zero if any step failed. Extra arguments are passed to both pytest runs (and skip the
# end-to-end check).
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh

PY=.venv/bin/python
PG_ADMIN=(-h 127.0.0.1 -p 5432 -U postgres)
PG_URL=postgres://postgres@127.0.0.1:5432/budget

failed=()

# Run one named step; any non-zero exit is a failure. For pytest that includes exit code 5
# ("no tests collected"): a run that tests nothing must not pass.
step() {
    local name=$1
    shift
    printf '\n===== %s =====\n' "$name"
    local rc=0
    "$@" || rc=$?
    if [ "$rc" -ne 0 ]; then
        printf '===== %s: FAILED (exit %s) =====\n' "$name" "$rc"
        failed+=("$name (exit $rc)")
    fi
}

ensure_pg_database() {
    pg_isready -q "${PG_ADMIN[@]}" || {
        echo "PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2
        return 1
    }
    if ! psql "${PG_ADMIN[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'budget'" | grep -q 1; then
        createdb "${PG_ADMIN[@]}" budget
    fi
}

step "ruff check" "$PY" -m ruff check .
# The architecture contract (.importlinter): layers import only downward, the derivation is
# pure, no import cycles. A back-edge fails here before any test runs.
step "import contracts" .venv/bin/lint-imports --no-cache
step "makemigrations --check" env -u DATABASE_URL "$PY" manage.py makemigrations --check --dry-run
# Both runs spread the test files over PYTEST_WORKERS processes (pytest-xdist, one file per
# process at a time so a module's shared fixtures are built once; default: one per core, at
# most 4). PYTEST_WORKERS=1 runs them in this process.
WORKERS=${PYTEST_WORKERS:-$(python3 -c 'import os; print(min(4, os.cpu_count() or 1))')}
XDIST=()
if [ "$WORKERS" -gt 1 ]; then  # 0 or 1: in this process
    XDIST=(-n "$WORKERS" --dist loadfile)
fi
step "pytest (SQLite)" env -u DATABASE_URL "$PY" -m pytest "${XDIST[@]}" "$@"
if ensure_pg_database; then
    # pytest-django creates (and afterwards drops) the test database test_budget itself. The
    # browser journeys and the PDF layout tests ran on SQLite above; once is enough
    # (tests/conftest.py).
    step "pytest (PostgreSQL)" env DATABASE_URL="$PG_URL" "$PY" -m pytest "${XDIST[@]}" -m "not browser and not layout" "$@"
else
    failed+=("PostgreSQL database budget unavailable: tests not run on PostgreSQL")
fi
# The demo end to end (serve.sh, a publish from the desk, stop): a full run only, not when
# pytest arguments select some tests.
if [ $# -eq 0 ]; then
    step "serve.sh end to end" bash scripts/check_serve.sh
fi

echo
if [ ${#failed[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}"
    exit 1
fi
echo "All checks passed (SQLite and PostgreSQL)."
