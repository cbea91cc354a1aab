#!/bin/sh
# VAKwerk container entrypoint.
#   migrate -> apply migrations as the owner (MIGRATION_DATABASE_URL), then grant the app's
#             role (the user of DATABASE_URL) its row privileges: README, "Database roles"
#   web    -> the same first when MIGRATION_DATABASE_URL is set, then run gunicorn
#             (docker/gunicorn.conf.py; extra args are passed on)
#   worker -> celery worker
#   beat   -> celery beat (file schedule in /tmp)
#   *      -> exec the given command as-is
set -eu

app_role() {
    python -c 'import os, environ; print(environ.Env.db_url_config(os.environ["DATABASE_URL"])["USER"])'
}

migrate_as_owner() {
    : "${MIGRATION_DATABASE_URL:?set MIGRATION_DATABASE_URL, the schema owner's database URL}"
    role=$(app_role)
    DATABASE_URL="$MIGRATION_DATABASE_URL" python manage.py migrate --noinput
    DATABASE_URL="$MIGRATION_DATABASE_URL" python manage.py grant_app_role "$role"
}

# Web, worker and beat refuse to run as a role that could undo the ledger or the audit trail.
refuse_unsafe_role() {
    python manage.py grant_app_role --check "$(app_role)"
}

case "${1:-web}" in
    migrate)
        migrate_as_owner
        ;;
    web)
        [ "$#" -gt 0 ] && shift
        if [ -n "${MIGRATION_DATABASE_URL:-}" ]; then
            migrate_as_owner
        fi
        # The app itself never needs the owner's password.
        unset MIGRATION_DATABASE_URL
        refuse_unsafe_role
        # gthread workers with time-outs (docker/gunicorn.conf.py), behind nginx.
        exec gunicorn --config /app/docker/gunicorn.conf.py vakwerk.wsgi:application "$@"
        ;;
    worker)
        shift
        refuse_unsafe_role
        exec celery -A vakwerk worker -l info "$@"
        ;;
    beat)
        shift
        refuse_unsafe_role
        exec celery -A vakwerk beat -l info --schedule /tmp/celerybeat-schedule "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
