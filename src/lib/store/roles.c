/*
 * roles.c: the roles of a national deployment on PostgreSQL (docs/store.md,
 * "A national deployment"): `tanaw db roles` prints or applies them. Three
 * group roles that nobody logs in as; the DBA makes each person's login a
 * member of one:
 *   tanaw_load     an agency's loader: adds batches (ingest), reads what
 *                  ingest checks; no DELETE, no dedup tables;
 *   tanaw_link     the analyst who links cases (tanaw dedup): reads records
 *                  and identifier hashes, rewrites the incident tables;
 *   tanaw_analyst  reads records, batches and incidents (every analysis,
 *                  status, db incidents) and which kinds of identifier a
 *                  record has, never identifier hashes (so not export or
 *                  verify, which read them); never writes.
 * Purge and migrations stay with the database owner. The statements are
 * idempotent (roles created when missing, grants repeated harmlessly), so
 * they are run again after each migration that adds a table.
 */
#include "store/store_internal.h"

#include <string.h>

static const char roles_sql[] =
    "-- Tanaw: roles of a national deployment (docs/store.md). Run as the\n"
    "-- database owner after tanaw db init, and again after each upgrade.\n"
    "DO $$\n"
    "DECLARE r text;\n"
    "BEGIN\n"
    "  FOREACH r IN ARRAY ARRAY['tanaw_load', 'tanaw_link', 'tanaw_analyst'] LOOP\n"
    "    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN\n"
    "      EXECUTE format('CREATE ROLE %I NOLOGIN', r);\n"
    "    END IF;\n"
    "  END LOOP;\n"
    "  EXECUTE format('GRANT CONNECT ON DATABASE %I TO tanaw_load, tanaw_link, tanaw_analyst',\n"
    "                 current_database());\n"
    "  -- ingest and dedup stage rows in temporary tables\n"
    "  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO tanaw_load, tanaw_link',\n"
    "                 current_database());\n"
    "END $$;\n"
    "GRANT USAGE ON SCHEMA public TO tanaw_load, tanaw_link, tanaw_analyst;\n"
    "GRANT SELECT ON meta, schema_migrations TO tanaw_load, tanaw_link, tanaw_analyst;\n"
    "-- loaders: new batches, records and identifier hashes; the key check once\n"
    "GRANT SELECT, INSERT ON batch, record, identifier TO tanaw_load;\n"
    "GRANT UPDATE ON batch TO tanaw_load;\n"
    "GRANT INSERT ON meta TO tanaw_load;\n"
    "GRANT SELECT ON dedup_run TO tanaw_load;\n"
    "-- linkers: everything dedup reads, and the incident tables it rewrites\n"
    "GRANT SELECT ON batch, record, identifier TO tanaw_link;\n"
    "GRANT SELECT, INSERT, UPDATE, DELETE ON dedup_run, incident_member, incident_link\n"
    "  TO tanaw_link;\n"
    "-- analysts: records, batches and incidents; which kinds of identifier a\n"
    "-- record has, never the hashes\n"
    "GRANT SELECT ON batch, record, dedup_run, incident_member, incident_link\n"
    "  TO tanaw_analyst;\n"
    "GRANT SELECT (record_id, kind) ON identifier TO tanaw_analyst;\n"
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tanaw_load, tanaw_link;\n";

const char *tw_store_roles_sql(void)
{
    return roles_sql;
}

tw_status tw_store_roles_apply(tw_ctx *ctx, tw_store *st)
{
    tw_status s = store_enter(ctx, st, 1, "tw_store_roles_apply");
    if (s)
        return s;
    if (sql_kind(st->db) != SQL_PG)
        return ctx_error(ctx, TW_E_UNSUPPORTED,
                         "roles are PostgreSQL's: a SQLite store is protected by its file's "
                         "permissions (docs/store.md)");
    if (sql_begin(st->db, SQL_WRITE))
        return store_db_error(st, "cannot start the transaction");
    if (sql_exec(st->db, roles_sql) || sql_commit(st->db)) {
        s = store_db_error(st, "cannot create the roles (run as the database owner with "
                               "CREATEROLE, or give the SQL of tanaw db roles to the DBA)");
        sql_rollback(st->db);
        return s;
    }
    return TW_OK;
}
