"""Gunicorn for VAKwerk (docker/entrypoint.sh "web"); nginx buffers every request in front.

gthread workers: each worker serves several requests at once in threads, so that a slow
request (a large export download, a stalled client that reached gunicorn directly) holds
one thread, not a whole worker. A worker that stops answering for `timeout` seconds is
restarted."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Idle keep-alive connections (from nginx) are closed after this.
keepalive = 5
# Bounded request lines and headers; bodies are bounded by nginx and Django.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Recycle workers now and then, so that slow memory growth never adds up.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
