#!/usr/bin/env bash
# Set up, load reference and demo data, publish the demo once, and run the development server on
# 0.0.0.0:$PORT together with a background-task worker (`manage.py db_worker`: publishing, batch
# publishing), which stops when the server does. Uses SQLite (db.sqlite3) unless DATABASE_URL is set. Not for production: see
# scripts/serve-production.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh

# A local demo: debug on (static files served, readable error pages) unless overridden.
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
PY=.venv/bin/python

"$PY" manage.py migrate --noinput
"$PY" manage.py load_reference

"$PY" manage.py shell -c '
from django.contrib.auth import get_user_model

User = get_user_model()
if not User.objects.filter(username="admin").exists():
    User.objects.create_superuser("admin", "admin@example.com", "admin")
    print("created demo superuser admin / admin")
'

# The first time: publish the demo (version 1, on /public/) and reopen it as a 草稿, so that
# load_demo below can restore the seed's data for trying out entry and review.
"$PY" manage.py shell <scripts/demo_publish.py
# --final: the demo's 2025 决算 (synthetic actuals), opened from the version 1 just published
"$PY" manage.py load_demo --department --final

# The demo's 单位填报人 and 财政审核人 get a password here, so the desks can be tried in the browser
# (development only: the password is the user name).
"$PY" manage.py shell -c '
from django.contrib.auth import get_user_model

from performance.demo_department import DEMO_SUMMARY_CODE
from units.models import BudgetUnit
from units.permissions import FILLER, REVIEWER
from units.services import user_role_assign

department = BudgetUnit.objects.get(code=DEMO_SUMMARY_CODE)
for name, role in (("demo-filler", FILLER), ("demo-reviewer", REVIEWER)):
    user = get_user_model().objects.get(username=name)
    user.set_password(name)
    user.save(update_fields=["password"])
    # the demo 部门 (演示街道办事处) too, so its 部门预算 can be submitted, reviewed and published
    user_role_assign(user=user, role=role, units=[department])
print("demo logins: demo-filler / demo-filler (单位填报人), demo-reviewer / demo-reviewer (财政审核人), admin / admin")
'

# The worker and the server both run in the background while this script waits for the server:
# a signal to the script (Ctrl-C, or SIGTERM to its pid) is handled at once (bash would run a
# trap only after a foreground command ended), and whichever way the server ends, the worker is
# stopped too (SIGTERM: it finishes the publication it is running, then exits).
"$PY" manage.py db_worker --no-reload --no-startup-delay &
WORKER=$!
echo "db_worker started (pid $WORKER)"
"$PY" manage.py runserver "0.0.0.0:${PORT:-8000}" &
SERVER=$!

stop() {
    trap - EXIT INT TERM
    kill -TERM "$SERVER" "$WORKER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    wait "$WORKER" 2>/dev/null || true
    echo "runserver and db_worker stopped"
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
wait "$SERVER"
