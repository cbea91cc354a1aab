#!/bin/sh
# VAKwerk container entrypoint.
#   web    -> apply migrations, then run gunicorn (docker/gunicorn.conf.py; extra args
#             are passed on)
#   worker -> celery worker
#   beat   -> celery beat (file schedule in /tmp)
#   *      -> exec the given command as-is
set -eu

case "${1:-web}" in
    web)
        [ "$#" -gt 0 ] && shift
        python manage.py migrate --noinput
        # gthread workers with time-outs (docker/gunicorn.conf.py), behind nginx.
        exec gunicorn --config /app/docker/gunicorn.conf.py vakwerk.wsgi:application "$@"
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
