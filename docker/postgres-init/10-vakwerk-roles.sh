#!/bin/sh
# Database roles of VAKwerk (README, "Database roles"). The postgres image runs this once, as
# its superuser, when it creates the database; it is safe to run again (see the README for
# an existing volume).
#   vakwerk_owner  owns the database, its schema and every table; migrations run as it
#                  (MIGRATION_DATABASE_URL).
#   vakwerk_app    what web, worker and beat connect as (DATABASE_URL): owns nothing and gets
#                  only row privileges, from `manage.py grant_app_role` after each migration.
# Neither is a superuser, so neither can SET session_replication_role = replica; only the
# owner can TRUNCATE, ALTER or DROP the ledger and the audit trail.
set -eu

: "${VAKWERK_OWNER_PASSWORD:?set VAKWERK_OWNER_PASSWORD}"
: "${VAKWERK_APP_PASSWORD:?set VAKWERK_APP_PASSWORD}"
database="${POSTGRES_DB:-vakwerk}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "$database" \
    -v owner_password="$VAKWERK_OWNER_PASSWORD" -v app_password="$VAKWERK_APP_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE vakwerk_owner LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vakwerk_owner') \gexec
SELECT 'CREATE ROLE vakwerk_app LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vakwerk_app') \gexec
ALTER ROLE vakwerk_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
ALTER ROLE vakwerk_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';
-- JIT off for the app (vakwerk/settings/base.py, without_jit): through PgBouncer the app
-- cannot ask for it at connection start (README, "Connection pooling").
ALTER ROLE vakwerk_app SET jit = off;

-- The owner owns the database and (PostgreSQL 15: as pg_database_owner) its public schema.
SELECT format('ALTER DATABASE %I OWNER TO vakwerk_owner', current_database()) \gexec
ALTER SCHEMA public OWNER TO vakwerk_owner;
-- Only the owner creates in it (the default from PostgreSQL 15, stated for older ones).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"DBNAME" TO vakwerk_app;

-- A database made before the split: hand its tables, sequences, views and functions
-- to the owner (grant_app_role then grants the app, at the next start of web).
SELECT format('ALTER %s %I.%I OWNER TO vakwerk_owner',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                             WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
              n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
   AND c.relowner <> 'vakwerk_owner'::regrole
   AND NOT (c.relkind = 'S' AND EXISTS (
       SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
          AND d.deptype IN ('a', 'i'))) \gexec
SELECT format('ALTER FUNCTION %s OWNER TO vakwerk_owner', p.oid::regprocedure)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND p.proowner <> 'vakwerk_owner'::regrole \gexec
SQL
