#!/bin/sh
# Writes the one user PgBouncer lets in (the app's role) and runs PgBouncer in the foreground.
set -eu
: "${VAKWERK_APP_PASSWORD:?set VAKWERK_APP_PASSWORD}"
mkdir -p /tmp/pgbouncer
umask 077
printf '"vakwerk_app" "%s"\n' "$(printf '%s' "$VAKWERK_APP_PASSWORD" | sed 's/"/""/g')" \
    >/tmp/pgbouncer/userlist.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
