"""ActionLoom settings: one source of truth, the environment (see .env.example).

Every choice between the embedded default (SQLite, filesystem broker, local storage) and the production shape
(PostgreSQL, Redis, S3) is made here, once, at load, and logged. Importing this module has no side effects.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from backend.config.checks import DEV_SECRET_KEY, GENERATE_KEY

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


DEBUG = env.bool("DJANGO_DEBUG", default=False)
# DJANGO_SECURE=1: production behind HTTPS; turns on the hardening at the end of this file (check --deploy passes).
SECURE = env.bool("DJANGO_SECURE", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
if SECURE and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        f"DJANGO_SECURE=1 needs DJANGO_SECRET_KEY set to a random string of 50+ characters, e.g. {GENERATE_KEY}"
    )
# The committed development key is public: with DEBUG off (the default) it is refused, DJANGO_SECURE or not.
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off but DJANGO_SECRET_KEY is unset (the development key): set DJANGO_SECRET_KEY to a random "
        f"string of 50+ characters, e.g. {GENERATE_KEY}, or set DJANGO_DEBUG=1 for development"
    )
if SECURE and DEBUG:
    raise ImproperlyConfigured("DJANGO_SECURE=1 and DJANGO_DEBUG=1 do not go together: debug pages leak settings")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "backend.config.apps.ActionLoomAdminConfig",  # django.contrib.admin, with a rate-limited log-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "backend.core",
    "backend.catalog",
    "backend.clips",
    "backend.quality",
    "backend.exports",
    "backend.segments",
    "backend.mining",
    "backend.curation",
    "backend.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "backend.config.csp.ContentSecurityPolicyMiddleware",
    "backend.config.request_limits.RequestSizeLimitMiddleware",  # 413 on Content-Length, before the body is read
    "backend.config.middleware.ServiceUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.config.urls"
WSGI_APPLICATION = "backend.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
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

# --- Database: PostgreSQL when DATABASE_URL is set, else the embedded SQLite file. ---
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'actionloom.sqlite3'}")}
DATABASE_VENDOR = "sqlite" if "sqlite" in DATABASES["default"]["ENGINE"] else "postgresql"
if DATABASE_VENDOR == "sqlite":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery: Redis when CELERY_BROKER_URL is set, else Kombu's filesystem transport (a real worker, no Redis). ---
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
BROKER_KIND = "redis" if CELERY_BROKER_URL.startswith("redis") else CELERY_BROKER_URL.split(":", 1)[0]
BROKER_DIR = Path(env("ACTIONLOOM_BROKER_DIR", default=str(VAR_DIR / "broker")))
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # How often an idle worker looks for a message, and (backend/core/broker.py) how soon a full prefetch
        # window is freed: a stage hand-off waits up to this long, and at most 2 tasks run per interval.
        # 0.05 s: ~40 small tasks/s for ~0.4 % of a core while idle (0.2 s: ~10/s; 0.02 s: ~100/s for ~1 %).
        "polling_interval": 0.05,
    }
    if BROKER_KIND == "filesystem"
    # Redis redelivers a message a dead worker never acknowledged after this many seconds; it must exceed the
    # longest task, or a running task is delivered twice (harmless, the tasks are idempotent, but wasted work).
    else {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # A prefix for every Redis key (queues, unacknowledged messages): deployments or test runs sharing one
        # Redis then never take, nor redeliver, each other's messages.
        "global_keyprefix": env("CELERY_REDIS_KEY_PREFIX", default=""),
    }
)
# The embedded broker's transport acknowledges finished tasks without waiting 2 s (backend/core/broker.py).
CELERY_BROKER_TRANSPORT = "backend.core.broker:Transport" if BROKER_KIND == "filesystem" else None
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# A running job (segment media, an import) with no progress for this long is failed: its worker died. Above the
# longest proxy encode and the longest import.
JOB_STALE_SECONDS = env.int("ACTIONLOOM_JOB_STALE_SECONDS", default=3600)
# A starting worker re-publishes clips still waiting for media: messages lost with a killed worker on the
# filesystem broker, or never published while the broker was down (backend/config/celery.py).
REQUEUE_PENDING_ON_WORKER_START = env.bool("ACTIONLOOM_REQUEUE_ON_WORKER_START", default=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False

# --- Storage: local files by default, S3 (django-storages) when ACTIONLOOM_STORAGE=s3. ---
STORAGE_KIND = env("ACTIONLOOM_STORAGE", default="local")
MEDIA_ROOT = Path(env("ACTIONLOOM_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
if STORAGE_KIND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
# Content-Security-Policy (backend/config/csp.py): media from this site, plus the S3 store's origin when media is there.
CSP_MEDIA_SOURCES = env.list(
    "ACTIONLOOM_CSP_MEDIA_SOURCES",
    default=(
        [
            _default_storage["OPTIONS"]["endpoint_url"]
            or f"https://{_default_storage['OPTIONS']['bucket_name']}.s3.amazonaws.com"
        ]
        if STORAGE_KIND == "s3"
        else []
    ),
)
_csp_media = " ".join(["'self'", "blob:", *CSP_MEDIA_SOURCES])
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {_csp_media} data:",
        f"media-src {_csp_media}",
        " ".join(["connect-src 'self'", *CSP_MEDIA_SOURCES]),
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Media tools and ingest limits. ---
FFMPEG_BINARY = env("FFMPEG_BINARY", default="ffmpeg")
FFPROBE_BINARY = env("FFPROBE_BINARY", default="ffprobe")
MAX_VIDEO_SECONDS = env.float("ACTIONLOOM_MAX_VIDEO_SECONDS", default=240.0)  # HACS: videos up to 4 minutes
MAX_UPLOAD_BYTES = env.int("ACTIONLOOM_MAX_UPLOAD_BYTES", default=2 * 1024**3)
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024**2  # any body but a multipart upload (backend/config/request_limits.py)
MAX_JSON_BODY_BYTES = env.int("ACTIONLOOM_MAX_JSON_BYTES", default=2 * 1024**2)  # API JSON (backend/config/parsers.py)
MAX_JSON_DEPTH = 64  # levels of lists and objects an API JSON body may nest (ours nest 3)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024**2
DEFAULT_TAXONOMY_FILE = Path(
    env(
        "ACTIONLOOM_TAXONOMY_FILE",
        default=str(BASE_DIR / "backend" / "catalog" / "data" / "activitynet_v1.3_taxonomy.json"),
    )
)

# --- Mining (issue 4): CPU by default, CUDA when present ("auto"). ---
MINING_DEVICE = env("ACTIONLOOM_DEVICE", default="auto")
PERSON_DETECTOR = env("ACTIONLOOM_PERSON_DETECTOR", default="ssdlite")
PERSON_DETECTOR_WEIGHTS = env("ACTIONLOOM_PERSON_DETECTOR_WEIGHTS", default="")  # Faster R-CNN .pth
DEDUP_THRESHOLD = env.float("ACTIONLOOM_DEDUP_THRESHOLD", default=0.935)  # SLAC §3.4: γ = 0.935
# Batch sizes (CPU defaults; raise them on a GPU worker): frames per forward pass, and per training step.
INFERENCE_BATCH = env.int("ACTIONLOOM_INFERENCE_BATCH", default=32)  # read by workers/classifiers/backbone.py
TRAIN_BATCH_SIZE = env.int("ACTIONLOOM_TRAIN_BATCH_SIZE", default=32)
# Candidate frames per shot (HACS/SLAC score one frame per shot, so a long shot weighs no more than a short one).
MINING_CANDIDATES_PER_SHOT = env.int("ACTIONLOOM_MINING_CANDIDATES_PER_SHOT", default=1)
MINING_CACHE_DIR = Path(env("ACTIONLOOM_MINING_CACHE_DIR", default=str(VAR_DIR / "cache" / "mining")))
CELERY_TASK_ROUTES = {
    "backend.mining.tasks.*": {"queue": env("ACTIONLOOM_MINING_QUEUE", default=CELERY_TASK_DEFAULT_QUEUE)}
}
# Active learning on a schedule (run `celery -A backend.config beat`; docker-compose has a beat service).
CELERY_BEAT_SCHEDULE = {
    "active-learning-round": {
        "task": "backend.mining.tasks.learning_round_task",
        "schedule": env.float("ACTIONLOOM_RETRAIN_EVERY_SECONDS", default=7 * 24 * 3600),
    },
}

# --- Auth and API. ---
# Django's four validators (the admin's user forms, createsuperuser, changepassword): 8+ characters, not like the
# username, not among the 20,000 most common passwords, not all digits ("12345678" fails three of them).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
# Log-in rate limits (backend/config/login_throttle.py): failures counted in the cache per username and per
# client address; past the limit the form answers 429 until the window ends. Per address it is higher, since a
# labelling team often shares one office address.
LOGIN_FAILURES_PER_USER = env.int("ACTIONLOOM_LOGIN_FAILURES_PER_USER", default=10)
LOGIN_FAILURES_PER_IP = env.int("ACTIONLOOM_LOGIN_FAILURES_PER_IP", default=50)
LOGIN_FAILURE_WINDOW = env.int("ACTIONLOOM_LOGIN_FAILURE_WINDOW", default=300)  # seconds
# Where the client address is read: REMOTE_ADDR, or HTTP_X_FORWARDED_FOR behind one trusted proxy (last entry).
CLIENT_IP_HEADER = env("ACTIONLOOM_CLIENT_IP_HEADER", default="REMOTE_ADDR")
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.core.errors.exception_handler",  # ApplicationError → its status and body
    "DEFAULT_PARSER_CLASSES": [  # JSON bounded in size and depth: 413 / 400, never a 500 (backend/config/parsers.py)
        "backend.config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "URL_FORMAT_OVERRIDE": None,  # `?format=` names an export layout (hacs-csv), not a DRF renderer
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ActionLoom API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- Cache (log-in counters): process memory by default; CACHE_URL=redis://host:6379/1 shares it between processes.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"actionloom": {"handlers": ["console"], "level": env("ACTIONLOOM_LOG_LEVEL", default="INFO")}},
}

# --- HTTPS hardening (DJANGO_SECURE=1), for a TLS-terminating proxy that sets X-Forwarded-Proto. ---
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
elif not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Logged once by each long-running process when it starts (backend/config/wsgi.py, the worker's start hook in
# backend/config/celery.py): at settings load, logging is not configured yet and the line would be lost.
CONFIGURATION_SUMMARY = (
    f"ActionLoom configuration: database={DATABASE_VENDOR} broker={BROKER_KIND} storage={STORAGE_KIND} "
    f"cache={CACHES['default']['BACKEND'].rsplit('.', 1)[-1]} https-hardening={SECURE}"
)

# --- Nothing stored unseen (backend/core/pacing.py; the figures are derived in docs/security.md) ---
# A page of clips may be submitted SUBMIT_FLOOR_PAGE_SECONDS + SUBMIT_FLOOR_SECONDS_PER_CLIP × clips after it was
# shown; a timeline video SUBMIT_FLOOR_VIDEO_SECONDS + SUBMIT_FLOOR_VIDEO_FRACTION × its duration after it was leased.
SUBMIT_FLOOR_PAGE_SECONDS = env.float("ACTIONLOOM_SUBMIT_FLOOR_PAGE_SECONDS", default=2.0)
SUBMIT_FLOOR_SECONDS_PER_CLIP = env.float("ACTIONLOOM_SUBMIT_FLOOR_SECONDS_PER_CLIP", default=0.15)
SUBMIT_FLOOR_VIDEO_SECONDS = env.float("ACTIONLOOM_SUBMIT_FLOOR_VIDEO_SECONDS", default=2.0)
SUBMIT_FLOOR_VIDEO_FRACTION = env.float("ACTIONLOOM_SUBMIT_FLOOR_VIDEO_FRACTION", default=0.25)

# --- Quality: gold freshness and implausibly fast annotators (backend/quality/selectors_gold.py, selectors.py) ---
# A clip is proposed as gold when at least GOLD_CANDIDATE_MIN_LABELS active labels all agree and every labeller is
# qualified (accuracy at or above the project's gate, with its min_gold_for_gate gold answers behind the figure).
GOLD_CANDIDATE_MIN_LABELS = env.int("ACTIONLOOM_GOLD_CANDIDATE_MIN_LABELS", default=3)
# An annotator whose median seconds per clip label is below FAST_SECONDS_PER_CLIP, over at least FAST_MIN_LABELS
# labels, is flagged on the dashboard: a 2-s clip cannot be watched in less than a quarter of its length.
FAST_SECONDS_PER_CLIP = env.float("ACTIONLOOM_FAST_SECONDS_PER_CLIP", default=0.5)
FAST_MIN_LABELS = env.int("ACTIONLOOM_FAST_MIN_LABELS", default=20)
