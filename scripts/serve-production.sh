#!/usr/bin/env bash
# Production start: migrate, collect static files, run `check --deploy`, then run gunicorn and
# the background-task workers (`manage.py db_worker`) together, supervised by this script.
#
# Required environment: DJANGO_SECRET_KEY (50+ random characters), DJANGO_ALLOWED_HOSTS,
# DATABASE_URL (PostgreSQL). Optional: BIND (127.0.0.1:8000), WEB_CONCURRENCY (gunicorn
# workers, default 2 × CPUs + 1), GUNICORN_TIMEOUT (120 s), TASK_WORKERS (db_worker processes, 1),
# SKIP_MIGRATE=1, and every setting in README "Configuration". Run it behind a TLS-terminating
# reverse proxy (README "Deployment"); it does not install anything (run scripts/setup.sh once).
# The proxy must set X-Real-IP (the login lock-out counts per client address); when it runs on
# another host, list its address in DJANGO_TRUSTED_PROXIES (default 127.0.0.1,::1).
#
# Logs: the application's records (with their request id, user and path) go to stderr, gunicorn's
# access log to stdout: both to systemd's journal. Error mail: set DJANGO_ADMINS
# ("name:address,…"), DJANGO_SERVER_EMAIL and DJANGO_EMAIL_HOST / DJANGO_EMAIL_PORT /
# DJANGO_EMAIL_HOST_USER / DJANGO_EMAIL_HOST_PASSWORD / DJANGO_EMAIL_USE_TLS (README "Logs, error
# mail and client addresses"); the daily reminders are a timer of their own (README Deployment).
#
# Any failing step stops the script. When gunicorn or a worker exits, the others are stopped and
# the script exits with that process's status, so systemd (or docker) can restart the whole set.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

export DJANGO_PRODUCTION=${DJANGO_PRODUCTION:-1}
missing=()
for name in DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS DATABASE_URL; do
    [ -n "${!name:-}" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "serve-production: set ${missing[*]} (see README, Deployment)" >&2
    exit 2
fi
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) echo "serve-production: WARNING: DATABASE_URL is not PostgreSQL; use PostgreSQL with more than one worker" >&2 ;;
esac

log() { printf '[serve-production] %s\n' "$*"; }

if [ "${SKIP_MIGRATE:-0}" != "1" ]; then
    log "migrate"
    "$PY" manage.py migrate --noinput
fi
log "collectstatic"
"$PY" manage.py collectstatic --noinput --verbosity 0
log "check --deploy"
"$PY" manage.py check --deploy --fail-level WARNING

cpus=$(nproc 2>/dev/null || echo 1)
workers=${WEB_CONCURRENCY:-$((2 * cpus + 1))}
bind=${BIND:-127.0.0.1:8000}

pids=()
stop_all() {
    trap - TERM INT
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait || true
}
trap 'log "stopping"; stop_all; exit 143' TERM INT

for i in $(seq 1 "${TASK_WORKERS:-1}"); do
    "$PY" manage.py db_worker --no-reload --interval "${TASK_INTERVAL:-1}" &
    pids+=($!)
    log "db_worker $i started (pid $!)"
done

# --forwarded-allow-ips: only the local proxy may set X-Forwarded-* for gunicorn's own use;
# Django trusts X-Forwarded-Proto through SECURE_PROXY_SSL_HEADER.
"$PY" -m gunicorn budgetsite.wsgi \
    --bind "$bind" \
    --workers "$workers" \
    --timeout "${GUNICORN_TIMEOUT:-120}" \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
    --access-logfile - \
    --error-logfile - &
pids+=($!)
log "gunicorn started on $bind with $workers workers (pid $!)"

# The first child to exit ends the set: a dead worker must not leave a site that accepts
# publications nobody runs, nor a dead site with workers running.
status=0
wait -n || status=$?
log "a process exited (status $status); stopping the others"
stop_all
exit $((status == 0 ? 1 : status))
