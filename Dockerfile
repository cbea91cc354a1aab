# syntax=docker/dockerfile:1
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint runtime libraries (Pango/HarfBuzz + a base font) and gettext
# for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system vakwerk \
    && useradd --system --gid vakwerk --home-dir /app --no-create-home --shell /usr/sbin/nologin vakwerk

WORKDIR /app

COPY requirements.txt /app/requirements.txt
RUN pip install -r requirements.txt

COPY . /app

# Build-time only settings: the dummy secret key and throwaway SQLite database
# are passed to this RUN step alone and are NOT baked into the image env.
RUN chmod 0755 /app/docker/entrypoint.sh \
    && export DJANGO_SETTINGS_MODULE=vakwerk.settings.production \
        DJANGO_SECRET_KEY=build-only-not-a-real-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
        DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    && python manage.py compilemessages \
    && python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3

# Private media volume mount point, owned by the runtime user so that a fresh
# named volume inherits the ownership.
RUN mkdir -p /data/private && chown vakwerk:vakwerk /data/private

USER vakwerk

EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# "web" = migrate, then gunicorn vakwerk.wsgi:application on 0.0.0.0:8000 with gthread
# workers and time-outs (docker/gunicorn.conf.py); nginx (docker/nginx.conf) is in front.
CMD ["web"]
