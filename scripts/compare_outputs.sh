#!/usr/bin/env bash
# Are the demo's outputs the same as those of another commit? For a change that must not change
# behaviour (a restructure): renders the demo disclosure with the stable commands
# (`load_demo`, `export_disclosure --format html|xlsx|pdf`, `export_tables`) once in this
# checkout and once in a temporary worktree of REV, each in a scratch SQLite database, and
# compares them:
#   - the HTML and the 14 table CSVs byte for byte;
#   - the XLSX member by member (openpyxl writes the save time into docProps/core.xml, which is
#     compared without it);
#   - the PDF's text (pdftotext -layout), page by page.
# Exit 0 when everything is identical; otherwise the differences are printed and the exit is 1.
#
#   bash scripts/compare_outputs.sh [REV]     (default: the commit before HEAD)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
REV=${1:-HEAD~1}
PY="$ROOT/.venv/bin/python"
WORK=$(mktemp -d)
trap 'git -C "$ROOT" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

render() {  # render CHECKOUT OUTDIR
    local checkout=$1 out=$2
    mkdir -p "$out/csv"
    (
        cd "$checkout"
        export DATABASE_URL="sqlite:///$out/db.sqlite3" DJANGO_DEBUG=0 DJANGO_SETTINGS_MODULE=budgetsite.settings
        unset TASKS_BACKEND
        "$PY" manage.py migrate --noinput -v 0
        "$PY" manage.py load_reference >/dev/null
        "$PY" manage.py load_demo >/dev/null
        for fmt in html xlsx pdf; do
            "$PY" manage.py export_disclosure --unit 003 --year 2025 --format "$fmt" -o "$out/demo.$fmt" >/dev/null
        done
        "$PY" manage.py export_tables --unit 003 --year 2025 --out "$out/csv" >/dev/null
    )
    pdftotext -layout "$out/demo.pdf" "$out/demo.pdf.txt"
    mkdir -p "$out/xlsx"
    (cd "$out/xlsx" && "$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall()' "$out/demo.xlsx")
    sed -i -E 's#<dcterms:(created|modified)[^>]*>[^<]*</dcterms:(created|modified)>##g' \
        "$out/xlsx/docProps/core.xml"
    rm -f "$out/db.sqlite3" "$out/demo.pdf" "$out/demo.xlsx"
}

git worktree add --detach -q "$WORK/base" "$REV"
echo "rendering the demo at $REV …"
render "$WORK/base" "$WORK/before"
echo "rendering the demo in this checkout …"
render "$ROOT" "$WORK/after"

if diff -r "$WORK/before" "$WORK/after" >"$WORK/diff.txt"; then
    count=$(find "$WORK/after" -type f | wc -l)
    echo "identical: $count files (HTML, 14 CSVs, the XLSX's members, the PDF's text)"
else
    head -n 200 "$WORK/diff.txt"
    echo "DIFFERENT from $REV (above)"
    exit 1
fi
