#!/usr/bin/env bash
# Idempotent machine set-up for a Debian 12 host (run as root, or as a user with sudo):
# Debian packages, the Python virtualenv with pinned requirements, and a running PostgreSQL.
# Every step is skipped when already done, so repeated runs take a second or two.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '[setup] %s\n' "$*"; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }

SUDO=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
fi

# --- Debian packages --------------------------------------------------------------------
# fonts-noto-cjk: Chinese glyphs for PDF output; poppler-utils: pdftotext/pdfinfo to inspect
# PDFs; chromium: headless browser; wrk: the load generator of `benchmark_public`;
# libpango-1.0-0/libpangoft2-1.0-0 are WeasyPrint's system libraries, and python3-venv provides
# `python3 -m venv` on Debian.
PACKAGES=(fonts-noto-cjk poppler-utils chromium libpango-1.0-0 libpangoft2-1.0-0 python3-venv wrk)
missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg -s "$pkg" 2>/dev/null | sed -n 's/^Status: //p' || true)
    if [ "$status" != "install ok installed" ]; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
else
    log "Debian packages present"
fi

# --- Python virtualenv ------------------------------------------------------------------
py_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; }

if [ -x .venv/bin/python ] && ! py_ok .venv/bin/python; then
    warn ".venv is broken or older than Python 3.11; recreating it"
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    PYTHON=${PYTHON:-}
    if [ -z "$PYTHON" ]; then
        for candidate in python3 python3.13 python3.12 python3.11; do
            if command -v "$candidate" >/dev/null 2>&1 && py_ok "$candidate"; then
                PYTHON=$candidate
                break
            fi
        done
    fi
    if [ -z "$PYTHON" ]; then
        echo "[setup] ERROR: Python 3.11 or newer is required (set PYTHON=/path/to/python3)" >&2
        exit 1
    fi
    log "creating .venv with $PYTHON ($("$PYTHON" --version 2>&1))"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when the requirement files change (or the venv was recreated).
STAMP=.venv/.requirements.sha256
req_hash=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$req_hash" ]; then
    log "Python requirements up to date"
else
    log "installing Python requirements"
    .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
    echo "$req_hash" >"$STAMP"
fi

# --- PostgreSQL -------------------------------------------------------------------------
# Only the PostgreSQL test run needs it; the app itself defaults to SQLite.
pg_ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1; }

if pg_ready; then
    log "PostgreSQL is accepting connections"
elif ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /etc/postgresql ]; then
    warn "PostgreSQL is not running and no cluster is installed (only needed for scripts/test.sh)"
else
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    log "starting PostgreSQL $version"
    "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
        pg_ready && break
        sleep 1
    done
    if pg_ready; then
        log "PostgreSQL is accepting connections"
    else
        warn "PostgreSQL did not become ready on 127.0.0.1:5432"
    fi
fi

log "done ($ROOT)"
