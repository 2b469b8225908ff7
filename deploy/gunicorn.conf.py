"""gunicorn for Spor in production (docs/deployment.md). Settings come from the environment."""

import multiprocessing
import os

bind = os.environ.get("SPOR_BIND", "0.0.0.0:8000")  # behind the reverse proxy only
workers = int(os.environ.get("SPOR_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("SPOR_THREADS", "1"))
timeout = int(os.environ.get("SPOR_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# The proxy sets X-Forwarded-Proto (deploy/nginx.conf); gunicorn believes it only from the
# trusted proxies, the same list from which Spor reads the client's address
# (SPOR_TRUSTED_PROXIES, spor/ops/proxies.py; none by default), and then tells Django the
# request came by HTTPS (wsgi.url_scheme). No other header decides it.
forwarded_allow_ips = os.environ.get("SPOR_TRUSTED_PROXIES", "")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
accesslog = "-"
# No query strings in the access log: a search may hold a name. One-time link tokens in the
# path (/svar/<token>/) are written as "…" by Spor's logger (spor/ops/gunicorn_log.py).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = "spor.ops.gunicorn_log.RedactingLogger"
errorlog = "-"
