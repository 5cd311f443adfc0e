"""The helpdesk's settings.

Two run modes share this module. Embedded (no DATABASE_URL / REDIS_URL): a SQLite file, the
in-memory channel layer and the bot in-process. Production (REDIS_URL set): Redis pub/sub for
the channel layer, Celery on Redis, PostgreSQL from DATABASE_URL.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import channel_prefix, database_from_url, env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

REDIS_URL = env_str("REDIS_URL")
EMBEDDED = not REDIS_URL
DEBUG = env_bool("DEBUG", default=EMBEDDED)

# Secrets come only from the environment. The development key below is public (it is in this
# file), so with DEBUG off the process refuses to start on it, or on an empty SECRET_KEY:
# anyone could forge sessions, CSRF tokens and customer tokens with it (docs/security.md).
_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY") or _DEV_SECRET
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY must be set (long and random) when DEBUG is off.")
# Old keys, comma-separated, still accepted for signatures during a key rotation.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files (CSP: self only)
    "helpdesk",
    "bots",
    "routing",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "helpdesk.security.middleware.PublicApiCorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), default_sqlite=BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CHANNEL_LAYERS = {
        # The pub/sub layer: the list-based RedisChannelLayer drops group messages silently
        # when a group's per-channel list fills up (channels_redis issue 97).
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Pub/sub channel names ignore Redis' database number: two desks (or two test runs)
            # on one Redis with different databases get different prefixes, so never hear
            # each other.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("HELPDESK_CHANNEL_PREFIX", channel_prefix(REDIS_URL))},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "helpdesk",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: the broker is Redis in production; embedded mode has no broker and runs the bot's
# work in-process on a thread pool (helpdesk.infrastructure.tasks_runner), never on the event loop.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 45
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"bots.tasks.*": {"queue": "ml"}}
# Loading the model takes ~2 s; the default 4 s allowance for a new worker process is too tight
# on a busy 2-core machine.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 60
# Celery's Django fixup closes the database connection before and after every task unless this
# is set: each bot turn then opened a new PostgreSQL connection (a backend fork, cold catalog
# caches), about a third of an idle turn. Connections are kept for this many tasks instead;
# config/celery.py closes a broken or CONN_MAX_AGE-old one before a task, as Django does per
# request.
CELERY_DB_REUSE_MAX = 1000
# A task a worker has taken stays in Redis, unacknowledged, until it finishes (acks_late). When
# the worker dies (kill -9, out of memory, a lost machine) the Redis transport hands the task
# out again once it has been unacknowledged for `visibility_timeout` seconds. Kombu's default
# is an hour, and it only looks every 100 s (10 s x a throttle of 10): a customer whose
# message was being read by a dying worker would wait that long for the bot. The timeout must
# stay above the longest task's hard time limit (kb_review_reminders: 300 s), or a task still
# running is handed out a second time (every task is safe to run twice, but need not).
# docs/faults.md.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("HELPDESK_BROKER_VISIBILITY_TIMEOUT", 360),
    "unacked_restore_interval": env_int("HELPDESK_BROKER_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULE = {
    "sweep-inactive-conversations": {"task": "helpdesk.tasks.sweep_inactive", "schedule": 60.0},
    "escalate-due": {"task": "routing.tasks.escalate_due", "schedule": 60.0},
    "kb-review-reminders": {"task": "helpdesk.tasks.kb_review_reminders", "schedule": 24 * 3600.0},
    # Customer messages whose bot task never reached the broker (Redis down at that moment,
    # or restarted without persistence): read them now (docs/faults.md).
    "bot-read-missed": {
        "task": "bots.tasks.read_missed",
        "schedule": env_float("HELPDESK_BOT_RECOVERY_SECONDS", 30.0),
    },
    # Emails whose first try failed, or whose task was lost (helpdesk/services/outbox.py).
    "outbox-flush": {
        "task": "helpdesk.tasks.outbox_flush",
        "schedule": env_float("HELPDESK_OUTBOX_FLUSH_SECONDS", 15.0),
    },
    # Agents whose inbox sockets died with their process stop counting as online.
    "presence-sweep": {
        "task": "helpdesk.tasks.sweep_presence",
        "schedule": env_float("HELPDESK_PRESENCE_HEARTBEAT_SECONDS", 15.0),
    },
}
HELPDESK_RUN_TASKS_INLINE = EMBEDDED

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# With DEBUG=0 the ASGI app still serves its own static files (WhiteNoise finds them through
# the finders when collectstatic has not been run), so one host needs no separate web server.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/inbox/"
LOGOUT_REDIRECT_URL = "/login/"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# HTTPS (docs/security.md). On by default whenever DEBUG is off: redirect http to https, HSTS,
# cookies only over TLS. HELPDESK_HTTPS=0 is for a deployment that is reached over plain http
# on a private network (and for the test suite's production-mode processes on 127.0.0.1).
HELPDESK_HTTPS = env_bool("HELPDESK_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HELPDESK_HTTPS
# Load balancers probe the health check over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HELPDESK_HTTPS
CSRF_COOKIE_SECURE = HELPDESK_HTTPS
SECURE_HSTS_SECONDS = env_int("HELPDESK_HSTS_SECONDS", 31536000) if HELPDESK_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HELPDESK_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HELPDESK_HSTS_PRELOAD", True)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_bool("HELPDESK_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Content-Security-Policy (helpdesk.security.middleware.SecurityHeadersMiddleware): scripts and styles
# only from our own static files, no inline code. `connect-src` adds the page's own ws:/wss:
# origin, which older browsers do not count as 'self'.
HELPDESK_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Per path prefix: directives that replace the default's. Swagger UI's page carries one inline
# <style> block and React sets styles inline; its scripts stay self-only.
HELPDESK_CSP_OVERRIDES = {"/api/docs/": {"style-src": "'self' 'unsafe-inline'"}}
# The chat widget (static/js/widget.js) frames the chat page on a shop's own site: the sites
# allowed to, as origins ("https://shop.example.com"), comma-separated. Every other page keeps
# frame-ancestors 'none' and X-Frame-Options DENY.
HELPDESK_EMBED_ORIGINS = env_list("HELPDESK_EMBED_ORIGINS", "")
for _origin in HELPDESK_EMBED_ORIGINS:
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", _origin):  # it goes into a header
        raise ImproperlyConfigured(f"HELPDESK_EMBED_ORIGINS: {_origin!r} is not an origin like https://shop.example.com")
HELPDESK_CSP_OVERRIDES["/chat/"] = {"frame-ancestors": " ".join(["'self'", *HELPDESK_EMBED_ORIGINS])}

# Websocket Origin check (helpdesk.consumers.origin): every ALLOWED_HOSTS host, plus these
# extra hosts (e.g. a shop's own domain that embeds the chat widget), comma-separated.
HELPDESK_WS_ALLOWED_ORIGINS = env_list("HELPDESK_WS_ALLOWED_ORIGINS", "")

# Login throttling (helpdesk.security.login_throttle): after this many failed logins for one username
# from one address, that pair is locked out for HELPDESK_LOGIN_LOCKOUT_SECONDS. The count is
# kept in the cache (Redis in production), so every process shares it.
HELPDESK_LOGIN_MAX_FAILURES = env_int("HELPDESK_LOGIN_MAX_FAILURES", 5)
HELPDESK_LOGIN_LOCKOUT_SECONDS = env_int("HELPDESK_LOGIN_LOCKOUT_SECONDS", 900)

# Token lifetimes (helpdesk.security.tokens).
HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS = env_int("HELPDESK_CUSTOMER_TOKEN_MAX_AGE_SECONDS", 7 * 24 * 3600)
HELPDESK_AGENT_TOKEN_MAX_AGE_SECONDS = env_int("HELPDESK_AGENT_TOKEN_MAX_AGE_SECONDS", 24 * 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "helpdesk.api.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "helpdesk.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "30/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "REST side of the chat contract (docs/protocol.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request shapes of their own, so they carry minLength for required strings and leave out
    # read-only fields.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A conversation's and a ticket's `status` are different choice sets: each keeps its name.
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "helpdesk.models.ConversationStatus",
        "TicketStatusEnum": "helpdesk.models.TicketStatus",
    },
}

# --- The helpdesk's own knobs -------------------------------------------------------------
HELPDESK_ABANDON_AFTER_SECONDS = env_int("HELPDESK_ABANDON_AFTER_SECONDS", 1800)
HELPDESK_MAX_BODY_CHARS = 4000
HELPDESK_MAX_FRAME_BYTES = 64 * 1024
# A customer may send 10 messages a second; a burst above that is refused frame by frame.
HELPDESK_CUSTOMER_RATE = {"rate_per_second": 10.0, "burst": 10}
HELPDESK_AGENT_RATE = {"rate_per_second": 20.0, "burst": 40}
# Conversation creation per client address: at most `limit` in `window_seconds`.
HELPDESK_CREATE_RATE = {"limit": env_int("HELPDESK_CREATE_RATE_LIMIT", 20), "window_seconds": 60}
HELPDESK_DEFAULT_QUEUE = "General"
# Until a queue has history: a chat takes about this long to handle.
HELPDESK_DEFAULT_HANDLE_SECONDS = 240

# Domain events: who reacts when the kernel changes. helpdesk publishes after commit; higher
# apps subscribe here, in one visible place, instead of through signals.
HELPDESK_EVENT_SUBSCRIBERS: dict[str, list[str]] = {
    "message.customer_posted": ["bots.subscribers.on_customer_message"],
    "conversation.handoff_requested": ["routing.subscribers.on_handoff_requested"],
    "conversation.created": ["bots.subscribers.on_conversation_created"],
    "conversation.queued": ["routing.subscribers.on_conversation_queued"],
    "agent.available": ["routing.subscribers.on_agent_available"],
    "bot.corrected": ["bots.subscribers.on_bot_corrected"],
    "conversation.handed_back": ["bots.subscribers.on_handed_back"],
    "conversation.reopened": ["bots.subscribers.on_reopened"],
    # Asked now, inside the kernel's transaction (events.ask), in this order:
    # a customer's erasure drops what the bot keeps of their words (docs/privacy.md) ...
    "customer.erasing": ["bots.subscribers.on_customer_erasing"],
    # ... and `seed_demo` has the higher apps seed their part.
    "demo.seeding": ["bots.subscribers.on_demo_seeding", "routing.subscribers.on_demo_seeding"],
    # ... an article's change re-embeds its passages before the change commits, and the
    # inbox's assist panel asks the bot's search for the customer's words.
    "kb.article_changed": ["bots.subscribers.on_article_changed"],
    "kb.searching": ["bots.subscribers.on_kb_searching"],
    # ... and the admin's article form asks which intents an article may answer.
    "kb.intents": ["bots.subscribers.on_kb_intents"],
}

# Redact email addresses, card numbers and phone numbers from the text the intent model
# trains on and from the analytics CSV exports (docs/privacy.md).
HELPDESK_REDACT_PII = env_bool("HELPDESK_REDACT_PII", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}, "django.channels.server": {"level": "WARNING"}},
}

# The assistant says it is automated in its name and in its first message.
HELPDESK_BOT_NAME = env_str("HELPDESK_BOT_NAME", "Assistant (automated)")

# The model (bots/ml). Threads per process for the encoder: Celery runs one process per core,
# so one thread each; embedded mode may give it two.
HELPDESK_MODEL_THREADS = env_int("HELPDESK_MODEL_THREADS", 1)
HELPDESK_MODEL_REFRESH_SECONDS = 5.0
# How often each process checks the knowledge base's stamp (an edit is served within this).
HELPDESK_KB_REFRESH_SECONDS = env_float("HELPDESK_KB_REFRESH_SECONDS", 1.0)
HELPDESK_MODEL_WARMUP = env_bool("HELPDESK_MODEL_WARMUP", True)
# Out of scope: the best intent's probability under its threshold, or within this margin of
# the runner-up.
HELPDESK_INTENT_DEFAULT_THRESHOLD = env_float("HELPDESK_INTENT_DEFAULT_THRESHOLD", 0.3)
HELPDESK_INTENT_MARGIN = env_float("HELPDESK_INTENT_MARGIN", 0.05)

# Where the bot looks orders up: "database" (helpdesk.Order, filled by seed_demo and
# `import_orders`) or "http" (GET HELPDESK_ORDER_API_URL/<number>).
HELPDESK_ORDER_BACKEND = env_str("HELPDESK_ORDER_BACKEND", "database")
HELPDESK_ORDER_API_URL = env_str("HELPDESK_ORDER_API_URL", "")
# The order API is asked with a short timeout; after this many failures in a row it is not
# asked for a while, and the bot says it cannot look orders up right now (docs/faults.md).
HELPDESK_ORDER_API_TIMEOUT = env_float("HELPDESK_ORDER_API_TIMEOUT", 3.0)
HELPDESK_ORDER_API_FAILURES = env_int("HELPDESK_ORDER_API_FAILURES", 3)
HELPDESK_ORDER_API_PAUSE_SECONDS = env_int("HELPDESK_ORDER_API_PAUSE_SECONDS", 60)
# The link in password-reset emails; {email} is filled in.
HELPDESK_PASSWORD_RESET_URL = env_str("HELPDESK_PASSWORD_RESET_URL", "https://shop.example/account/reset?email={email}")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "support@shop.example")
# The mail server (production's EMAIL_BACKEND is SMTP). Every email goes through the outbox
# (helpdesk/services/outbox.py), so a server that is down delays emails, never an answer.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A mail server that hangs must not hold a sender forever (the outbox retries).
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)
# The outbox's first retry after a failed send; each later one waits twice as long.
HELPDESK_OUTBOX_FIRST_RETRY_SECONDS = env_float("HELPDESK_OUTBOX_FIRST_RETRY_SECONDS", 15.0)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if EMBEDDED else "django.core.mail.backends.smtp.EmailBackend",
)

# Customer uploads (photos of damaged items): where, and how big.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: attachments go through a checked view
HELPDESK_MAX_UPLOAD_BYTES = env_int("HELPDESK_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024

# --- Faults (docs/faults.md) -------------------------------------------------------------
# Agent presence: every inbox socket refreshes its own entry this often; an entry not
# refreshed for the TTL (its daphne died) no longer counts, and the sweep takes the agent
# offline.
HELPDESK_PRESENCE_HEARTBEAT_SECONDS = env_float("HELPDESK_PRESENCE_HEARTBEAT_SECONDS", 15.0)
HELPDESK_PRESENCE_TTL_SECONDS = env_float("HELPDESK_PRESENCE_TTL_SECONDS", 45.0)
# Each daphne checks its channel layer this often; after an interruption (or a restarted
# Redis) its sockets are closed with code 4012 so that clients replay what they missed.
HELPDESK_LAYER_CHECK_SECONDS = env_float("HELPDESK_LAYER_CHECK_SECONDS", 1.0)
# A socket whose client stopped reading is dropped once this much is waiting to be sent to it.
HELPDESK_WS_SEND_BUFFER_LIMIT = env_int("HELPDESK_WS_SEND_BUFFER_LIMIT", 8 * 1024 * 1024)
# Fail open: a customer message in a bot-held chat that has no answer after this long is
# handed to a person (trigger bot_failure), the customer told why.
HELPDESK_BOT_ANSWER_BOUND_SECONDS = env_float("HELPDESK_BOT_ANSWER_BOUND_SECONDS", 15.0)
# Each server process checks that bound this often, in its own loop (and, in embedded mode,
# flushes the outbox and runs the sweeps): helpdesk/infrastructure/housekeeping.py.
HELPDESK_ANSWER_CHECK_SECONDS = env_float("HELPDESK_ANSWER_CHECK_SECONDS", 5.0)
HELPDESK_HOUSEKEEPING_LOOP = env_bool("HELPDESK_HOUSEKEEPING_LOOP", True)
# Customer messages not read by the model after this long are sent to it again.
HELPDESK_BOT_RECOVERY_AFTER_SECONDS = env_float("HELPDESK_BOT_RECOVERY_AFTER_SECONDS", 20.0)
# TEST ONLY (tests/faults): while the file at this path exists, bots.tasks.handle_message
# waits before reading the message, so a test can kill the worker "while it classifies".
# Never set in a deployment.
HELPDESK_TEST_HOLD_FILE = env_str("HELPDESK_TEST_HOLD_FILE", "")
# TEST ONLY (tests/faults): while the file at this path exists, a bot flow raises, as a flow
# with a bug would. Never set in a deployment.
HELPDESK_TEST_RAISE_FILE = env_str("HELPDESK_TEST_RAISE_FILE", "")
