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
# The proxy sets X-Forwarded-Proto; trust it only from the proxy's address.
forwarded_allow_ips = os.environ.get("SPOR_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# No query strings in the access log: a search may hold a name.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
