"""Settings, read from the environment.

DATABASE_URL selects the database (PostgreSQL via psycopg 3); without it a SQLite file
`db.sqlite3` beside manage.py is used, so the app runs with zero set-up.

DJANGO_PRODUCTION=1 is the deployed mode: behind a TLS-terminating reverse proxy (HTTPS
redirect, HSTS, secure cookies, hashed and compressed static files through WhiteNoise). It passes
`manage.py check --deploy --fail-level WARNING`. The security headers (CSP, nosniff,
Referrer-Policy, X-Frame-Options, Cross-Origin-Opener-Policy), the session idle timeout and the
login throttling (django-axes) apply in every mode, so tests and the demo see them too.

Logs go to stderr with each request's id, user and path (budgetsite.logs); errors are mailed to
DJANGO_ADMINS. Anonymous public pages are cached per publication (tables.public.cache).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_admins(name: str) -> list[tuple[str, str]]:
    """`名字:address,…` (a bare address names itself) as Django's ADMINS."""
    admins = []
    for entry in os.environ.get(name, "").split(","):
        person, _, address = entry.strip().rpartition(":")
        if address.strip():
            admins.append((person.strip() or address.strip(), address.strip()))
    return admins


DEBUG = env_bool("DJANGO_DEBUG", False)
PRODUCTION = bool(os.environ.get("DJANGO_PRODUCTION"))
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "dev-insecure-key-only-for-local-use"
    if DEBUG or not os.environ.get("DJANGO_PRODUCTION")
    else ""
)
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    "django_tables2",
    "django_htmx",
    "django_filters",
    "simple_history",
    "units",
    "tables",
    "performance",
    # After `tables`: its `db_worker` (tasks with leases, tables.publication.worker) replaces the library's.
    "django_tasks",
    # django_tasks_db, named in Chinese (budgetsite/apps.py)
    "budgetsite.apps.TasksDatabaseConfig",
]

MIDDLEWARE = [
    # First: every response, error pages included, carries the request's id (budgetsite.logs).
    "budgetsite.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Static files before anything touches the session or the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # SQLite still locked after its busy timeout: a Chinese 503 (wait, retry), not a 500; outside
    # the session, whose save on the way out may be what hit the lock.
    "budgetsite.middleware.DatabaseBusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives the audit trail (`units.history`) the user of each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: the desk's inline forms answer a fragment to htmx, a page otherwise.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A control character in the path or query string answers 400 before any view or query
    # sees it (PostgreSQL refuses NUL in text: a 500 otherwise). Here, so that the 400 gets
    # every header above; nothing above reads the path or the query into the database.
    "budgetsite.middleware.ControlCharacterMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "budgetsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "budgetsite.context.product",
                "budgetsite.context.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "budgetsite.wsgi.application"

#: SQLite (the demo, development) allows one writer at a time, and a publication holds the write
#: lock while it renders. So that a user never gets "database is locked" meanwhile: every
#: transaction takes the write lock when it begins (IMMEDIATE; a deferred one that read first
#: and then wanted to write would fail at once instead of waiting), a busy connection waits for
#: it up to 30 s (the demo's publication held it 10–16 s on a busy 2-core machine:
#: scripts/check_serve.sh), and WAL lets pages be read while a publication writes. A request
#: that waits longer still gets a Chinese 503 page, not an error (budgetsite.middleware). Options
#: given in a sqlite:// URL's query win; other databases are left as they are.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}


def database_from_url(url: str) -> dict:
    """DATABASES["default"] for a database URL, with `SQLITE_OPTIONS` for a SQLite one."""
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

#: The product's one name: page titles and headers (budgetsite.context.product), the admin's
#: header and title (units.admin); 500.html, being self-contained, spells it out.
PRODUCT_NAME = "部门预算公开系统"

LANGUAGE_CODE = "zh-hans"
# Chinese only: LocaleMiddleware would otherwise give a browser asking for English an English
# admin, with dates as "March 5, 2026".
LANGUAGES = [("zh-hans", "简体中文")]
# Dates as 2026年3月5日 (budgetsite/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["budgetsite.formats"]
# Chinese for the strings our libraries ship untranslated (locale/zh_Hans/LC_MESSAGES).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Published files (tables.publication.views): a content-addressed copy of the stored bytes on
# disk, sent with sendfile(2) by gunicorn, or by nginx when PUBLISHED_FILE_ACCEL_REDIRECT names
# an internal location aliasing the directory. Empty: serve from the database.
PUBLISHED_FILE_CACHE_DIR = os.environ.get(
    "PUBLISHED_FILE_CACHE_DIR", str(BASE_DIR / "var" / "published-files")
)
PUBLISHED_FILE_ACCEL_REDIRECT = os.environ.get("PUBLISHED_FILE_ACCEL_REDIRECT", "")
# The default storage's directory: files kept between two requests, such as an uploaded Excel
# import waiting for 确认导入 (tables.desk.import_services, under pending-imports/). Never
# served (there is no MEDIA_URL route); without it Django would write to the working directory.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "var" / "media")

# Production serves collected, content-hashed and compressed files (WhiteNoise gives hashed names
# a year of caching); `collectstatic` must run first (scripts/serve-production.sh does). Tests and
# the demo use the plain storage, which needs no manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION and not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if not PRODUCTION:
    # Development and tests: WhiteNoise serves straight from the source directories (finders),
    # picking up edits, so nothing needs collecting.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"
# After a login whose `next` is missing or refused (another site): the site's home, which shows
# a logged-in user's submissions (Django's default, /accounts/profile/, does not exist here).
LOGIN_REDIRECT_URL = "desk:home"

# Caches. `default` (local memory) keeps whatever asks; `pdf` (below) the rendered PDF pieces. `public_pages` keeps the anonymous public pages (tables.public.cache), keyed by the
# publication generation so any publication replaces them. Local memory by default: each
# gunicorn worker renders a page once per publication and then serves it as fast as from a
# shared file cache (PUBLIC_PAGE_CACHE_DIR), which spares the renders but not the disk; a
# database cache costs a query per page (README, "Public-page benchmark").
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 600)  # 0: no page cache
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 60)  # Cache-Control max-age, seconds
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "public_pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-pages",
        "TIMEOUT": PUBLIC_PAGE_CACHE_SECONDS or None,
        # a page is 10–40 KB: at most about 40 MB per worker
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
if os.environ.get("PUBLIC_PAGE_CACHE_DIR"):
    CACHES["public_pages"].update(
        BACKEND="django.core.cache.backends.filebased.FileBasedCache",
        LOCATION=os.environ["PUBLIC_PAGE_CACHE_DIR"],
    )

# The PDF's rendered pieces, font subsets and merged files (tables.document.render.pdf_parts),
# each keyed by the SHA-256 of its HTML (CSS inlined) and WeasyPrint's version, so never stale:
# in files under var/cache/pdf (DISCLOSURE_PDF_CACHE_DIR), shared by every process of the
# machine (gunicorn workers, db_worker): a piece laid out by one is found by all, so after an
# edit the next download or publication lays out only the changed piece, whichever process
# serves it, and every publication of a batch takes the page-layer pieces from there. The
# directory is created on first write. At most MAX_ENTRIES files (a piece is 20–300 KB), a
# quarter dropped when full. DISCLOSURE_PDF_CACHE_URL (redis://…) uses Redis instead, for
# workers on several machines (needs the `redis` package); DISCLOSURE_PDF_CACHE names another
# alias of CACHES.
DISCLOSURE_PDF_CACHE = os.environ.get("DISCLOSURE_PDF_CACHE", "pdf")
CACHES["pdf"] = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": os.environ.get("DISCLOSURE_PDF_CACHE_DIR")
    or str(BASE_DIR / "var" / "cache" / "pdf"),
    "TIMEOUT": 7 * 24 * 60 * 60,
    "OPTIONS": {"MAX_ENTRIES": env_int("DISCLOSURE_PDF_CACHE_ENTRIES", 5000), "CULL_FREQUENCY": 4},
}
if os.environ.get("DISCLOSURE_PDF_CACHE_URL"):
    CACHES["pdf"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["DISCLOSURE_PDF_CACHE_URL"],
        "TIMEOUT": 7 * 24 * 60 * 60,
    }

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# Background work through Django's task API (django-tasks); the database backend is drained
# by `manage.py db_worker`. Tests switch to the immediate backend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A running task holds a lease that its worker renews every TASK_LEASE_SECONDS / 4; when the
# lease is older than TASK_LEASE_SECONDS (the worker was killed, ran out of memory, lost its
# host), the next worker fails that attempt and queues the task again, at most
# TASK_MAX_ATTEMPTS runs in all (tables.publication.worker).
# The check findings the workflow weighs at 提交 (units.workflow.submission_findings): computed
# in the layers above `units`, which must not import them.
SUBMISSION_FINDINGS = "tables.document.build.submission_findings"

TASK_LEASE_SECONDS = env_int("DJANGO_TASK_LEASE_SECONDS", 120)
TASK_MAX_ATTEMPTS = env_int("DJANGO_TASK_MAX_ATTEMPTS", 3)
# A worker whose resident memory exceeds this many MiB after a task starts itself afresh in the
# same process (exec: same pid, nothing for a supervisor to do); 0 never. Laying out PDFs leaves
# native memory (Pango, HarfBuzz) that Python cannot give back (tables.publication.worker).
TASK_WORKER_MAX_RSS_MIB = env_int("DJANGO_TASK_WORKER_MAX_RSS_MIB", 260)

# --- security ---------------------------------------------------------------------------------
# Headers on every response, in every mode (Django's SecurityMiddleware and XFrameOptions):
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): scripts only from our origin, never inline. Styles may
# be inline: the Django admin and the disclosure document use `style` attributes and <style>.
# A view that sets its own header keeps it (django-csp never overwrites one), e.g. the stored
# HTML disclosure (tables.public.views.DISCLOSURE_CSP).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# HTTPS: in production the app sits behind a reverse proxy that terminates TLS and sets
# X-Forwarded-Proto (it must overwrite a client's value; see README, Deployment).
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment for the whole domain (a request to the browsers' lists);
        # it is left to the operator (DJANGO_HSTS_PRELOAD=1), so its reminder is silenced.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# Sessions: HttpOnly, SameSite=Lax, gone when the browser closes, and ended after
# DJANGO_SESSION_IDLE_MINUTES without a request. `budgetsite.sessions` renews the stored expiry
# at most once a minute instead of on every request (SESSION_SAVE_EVERY_REQUEST would write the
# session row on every page).
SESSION_ENGINE = "budgetsite.sessions"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_MINUTES", 30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user name from
# one address, that pair is locked for the cool-off, even with the right password; then it may
# try again. `manage.py axes_reset` unlocks early. Client.login in tests passes no request, which
# the axes backend refuses: tests/conftest.py supplies one.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes_lockout.html"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账户已暂时锁定，请稍后再试。"
# Not in the admin: its stock pages would tell users without the permission which attempt ids
# exist (the project's admin refuses before looking up,
# units.admin_scoping.PermissionBeforeLookupMixin). Operators use `axes_list_attempts` and
# `axes_reset*` instead.
AXES_ENABLE_ADMIN = False
# The client's address (budgetsite.client_ip): in production the reverse proxy puts it in
# X-Real-IP (overwriting any sent by the client) and the header is believed on connections from
# DJANGO_TRUSTED_PROXIES; without it every login would seem to come from the proxy, and five
# failures from anyone would lock a user name for everyone. Elsewhere only REMOTE_ADDR counts,
# since a client can send any header it likes.
AXES_CLIENT_IP_CALLABLE = "budgetsite.client_ip.client_ip"
CLIENT_IP_HEADER = "HTTP_X_REAL_IP" if PRODUCTION else ""
CLIENT_IP_TRUSTED_PROXIES = [
    p.strip()
    for p in os.environ.get("DJANGO_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
    if p.strip()
]

# --- logs and error mail ----------------------------------------------------------------------
# Every record goes to stderr (gunicorn and systemd's journal keep it), one line each plus any
# traceback, with the request's id, user and path when it comes from a request
# (budgetsite.logs; the id is the X-Request-ID header and is shown on the 500 page). Errors
# (ERROR and above, a 500's traceback included) are also mailed to ADMINS when debug is off.
# A request with a forged Host header is only logged: bots send them all day.
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO").strip().upper() or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "budgetsite.logs.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s %(request_context)s%(message)s",
        },
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_context"],
            "formatter": "line",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "request_context"],
            "formatter": "line",
        },
    },
    "root": {
        "handlers": ["stderr", "mail_admins"],
        "level": LOG_LEVEL,
    },
    "loggers": {
        # Django's own configuration gives this logger handlers of its own; here it
        # propagates to the root's.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.security.DisallowedHost": {"handlers": ["stderr"], "propagate": False},
        # django-axes announces itself at INFO whenever Django starts (every manage.py command)
        "axes.apps": {"level": "WARNING"},
        # WeasyPrint logs every layout step of every page at INFO, fontTools its subsetting
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Who receives the error mails (DJANGO_ADMINS, see env_admins); none: the logs only.
ADMINS = env_admins("DJANGO_ADMINS")
SERVER_EMAIL = os.environ.get("DJANGO_SERVER_EMAIL", "root@localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", SERVER_EMAIL)
EMAIL_SUBJECT_PREFIX = os.environ.get("DJANGO_EMAIL_SUBJECT_PREFIX", "[单位预算公开] ")

# --- mail -------------------------------------------------------------------------------------
# Django's email framework carries the error mails above and the notices of the season
# (units.notifications). DJANGO_EMAIL_*; the unprefixed EMAIL_* names of earlier releases are
# still read when the new one is unset. Development prints mails to the console; production
# sends them through SMTP; tests use locmem (pytest-django). A dead mail server must give up
# soon: the mail of a 500 is sent while the request waits.


def env_mail(name: str, default: str = "") -> str:
    """DJANGO_<name>, else the older <name>, else `default`."""
    return os.environ.get(f"DJANGO_{name}") or os.environ.get(name) or default


EMAIL_BACKEND = env_mail(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION and not DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_mail("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_mail("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_mail("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_mail("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", env_bool("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", env_bool("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = int(env_mail("EMAIL_TIMEOUT", "10"))
# the directory of the file backend (django.core.mail.backends.filebased.EmailBackend)
EMAIL_FILE_PATH = env_mail("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
# The site's address as people type it (https://yusuan.example.gov.cn): notice mails link to
# it. Unset, a mail names the page's path to open after logging in.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").strip().rstrip("/")

# --- open API (tables.api, /api/v1/) ----------------------------------------------------------
# ninja's app: its Swagger UI files (static/ninja/) for the docs page at /api/v1/docs.
INSTALLED_APPS += ["ninja"]
# Anonymous clients may make API_ANON_RATE requests ("120/min", "2000/hour", …) per address
# (budgetsite.client_ip, as for the login lock-out); more answer 429 with Retry-After. Counted
# in its own cache: local memory, so per gunicorn worker (the limit is then a bound per worker);
# DJANGO_API_THROTTLE_CACHE_DIR shares one file-based count between the workers.
API_ANON_RATE = os.environ.get("DJANGO_API_ANON_RATE", "120/min").strip() or "120/min"
API_CLIENT_IP_CALLABLE = "budgetsite.client_ip.client_ip"
API_THROTTLE_CACHE = "api_throttle"
CACHES[API_THROTTLE_CACHE] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "api-throttle",
}
if os.environ.get("DJANGO_API_THROTTLE_CACHE_DIR"):
    CACHES[API_THROTTLE_CACHE].update(
        BACKEND="django.core.cache.backends.filebased.FileBasedCache",
        LOCATION=os.environ["DJANGO_API_THROTTLE_CACHE_DIR"],
    )
# Cache-Control max-age of the API's answers (they carry an ETag: a client revalidates cheaply).
API_MAX_AGE = env_int("DJANGO_API_MAX_AGE", 60)

# The public site's own address (https://…, no trailing slash), printed where other sites and
# programs keep our links: embeddable charts' iframe code, the open API, open-data descriptors
# (tables.public.addresses). Unset: the request's host and scheme.
PUBLIC_SITE_URL = os.environ.get("DJANGO_PUBLIC_SITE_URL", "").strip().rstrip("/")
