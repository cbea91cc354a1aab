#!/bin/sh
# VAKwerk container entrypoint.
#   web    -> apply migrations, then run gunicorn (extra args are passed on)
#   worker -> celery worker
#   beat   -> celery beat (file schedule in /tmp)
#   *      -> exec the given command as-is
set -eu

case "${1:-web}" in
    web)
        [ "$#" -gt 0 ] && shift
        python manage.py migrate --noinput
        exec gunicorn vakwerk.wsgi:application \
            --bind 0.0.0.0:8000 \
            --workers "${GUNICORN_WORKERS:-3}" \
            --access-logfile - \
            --error-logfile - \
            "$@"
        ;;
    worker)
        shift
        exec celery -A vakwerk worker -l info "$@"
        ;;
    beat)
        shift
        exec celery -A vakwerk beat -l info --schedule /tmp/celerybeat-schedule "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
