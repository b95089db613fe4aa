/* The SQL shared by the store backends: the versioned migrations, the
 * table list of store_copy, and the renderer from SQLite's spelling to
 * PostgreSQL's. */
#include "store_sql.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "../core/compiler.h"
#include "store.h"

const char *const store_sql_migrations[] = {
    /* 1: the initial schema. */
    "CREATE TABLE areas("
    " id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
    " is_group INTEGER NOT NULL, name TEXT NOT NULL, iso2 TEXT, m49 TEXT,"
    " un_region TEXT, un_subregion TEXT, un_intermediate TEXT,"
    " itu_region TEXT, itu_region_verified INTEGER, wb_region TEXT,"
    " is_independent INTEGER, kind TEXT, source TEXT, verified INTEGER,"
    " note TEXT);"
    "CREATE TABLE memberships("
    " group_id INTEGER NOT NULL, economy_id INTEGER NOT NULL,"
    " from_year INTEGER NOT NULL, to_year INTEGER NOT NULL, source TEXT,"
    " verified INTEGER NOT NULL,"
    " PRIMARY KEY(group_id, economy_id, from_year)) WITHOUT ROWID;"
    "CREATE INDEX memberships_economy ON memberships(economy_id);"
    "CREATE TABLE dimensions("
    " dimension TEXT NOT NULL, value TEXT NOT NULL, label TEXT, seq INTEGER,"
    " PRIMARY KEY(dimension, value)) WITHOUT ROWID;"
    "CREATE TABLE indicators("
    " id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " definition TEXT, unit TEXT, kind TEXT, collection TEXT, dims TEXT,"
    " sdg TEXT, source_instrument TEXT, formula TEXT, agg TEXT, weight TEXT,"
    " verified INTEGER);"
    "CREATE TABLE code_map("
    " source TEXT NOT NULL, kind INTEGER NOT NULL, source_code TEXT NOT NULL,"
    " target TEXT, note TEXT,"
    " PRIMARY KEY(source, kind, source_code)) WITHOUT ROWID;"
    "CREATE TABLE sources(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);"
    "CREATE TABLE batches("
    " id INTEGER PRIMARY KEY, time BIGINT NOT NULL, kind INTEGER NOT NULL,"
    " origin TEXT NOT NULL, file TEXT, sha256 TEXT, note TEXT,"
    " changed BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE obs("
    " indicator_id INTEGER NOT NULL, area_id INTEGER NOT NULL,"
    " year INTEGER NOT NULL, dims TEXT NOT NULL, batch_id INTEGER NOT NULL,"
    " value REAL NOT NULL, status INTEGER NOT NULL, source_id INTEGER,"
    " note TEXT,"
    " PRIMARY KEY(area_id, indicator_id, year, dims, batch_id))"
    " WITHOUT ROWID;",
    /* 2: data collection (store/collect_store.c): users, API tokens and
     * sessions (hashes only), uploaded files by SHA-256, submissions with
     * their values, rule results and review comments, the rules, and the
     * audit log. Submissions and the audit log are never deleted; the
     * audit log is never updated either (triggers). */
    "CREATE TABLE users("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
    " economies TEXT NOT NULL, password TEXT, disabled INTEGER NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE tokens("
    " id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
    " hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL,"
    " created INTEGER NOT NULL, revoked INTEGER);"
    "CREATE TABLE sessions("
    " hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL, address TEXT)"
    " WITHOUT ROWID;"
    "CREATE TABLE files("
    " sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content BLOB NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE submissions("
    " id INTEGER PRIMARY KEY, economy TEXT NOT NULL, year INTEGER NOT NULL,"
    " state TEXT NOT NULL, sha256 TEXT NOT NULL REFERENCES files(sha256),"
    " file_name TEXT NOT NULL, format TEXT NOT NULL,"
    " created_by TEXT NOT NULL, created INTEGER NOT NULL,"
    " address TEXT NOT NULL, updated INTEGER NOT NULL,"
    " replaces INTEGER NOT NULL, batch_id INTEGER NOT NULL,"
    " errors INTEGER NOT NULL, warnings INTEGER NOT NULL);"
    "CREATE INDEX submissions_state ON submissions(state, economy);"
    "CREATE TABLE submission_values("
    " submission_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " indicator TEXT NOT NULL, dims TEXT NOT NULL, year INTEGER NOT NULL,"
    " value REAL NOT NULL, status TEXT NOT NULL, comment TEXT NOT NULL,"
    " cell TEXT NOT NULL, PRIMARY KEY(submission_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE submission_results("
    " submission_id INTEGER NOT NULL, rule_id TEXT NOT NULL,"
    " severity TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,"
    " PRIMARY KEY(submission_id, rule_id)) WITHOUT ROWID;"
    "CREATE TABLE review_comments("
    " id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL,"
    " cell TEXT NOT NULL, author TEXT NOT NULL, time INTEGER NOT NULL,"
    " text TEXT NOT NULL);"
    "CREATE TABLE rules("
    " id TEXT PRIMARY KEY, severity TEXT NOT NULL, kind TEXT NOT NULL,"
    " indicators TEXT NOT NULL, expression TEXT NOT NULL,"
    " message TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE audit("
    " id INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL,"
    " address TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,"
    " before TEXT NOT NULL, after TEXT NOT NULL);",
    /* 3: the results framework (store/plan_store.c): every version of the
     * plan document, append-only; the newest is the current plan. */
    "CREATE TABLE plan_versions("
    " id INTEGER PRIMARY KEY, time BIGINT NOT NULL, origin TEXT NOT NULL,"
    " action TEXT NOT NULL, set_name TEXT NOT NULL,"
    " set_illustrative INTEGER NOT NULL, doc TEXT NOT NULL);",
    /* 4: the series (area, indicator) each batch appended to, for
     * queries with since_batch (an index of obs by batch would cost every
     * write a second B-tree insert of the whole key). */
    "CREATE TABLE batch_series("
    " batch_id INTEGER NOT NULL, area_id INTEGER NOT NULL,"
    " indicator_id INTEGER NOT NULL,"
    " PRIMARY KEY(batch_id, area_id, indicator_id)) WITHOUT ROWID;"
    "INSERT INTO batch_series SELECT DISTINCT batch_id, area_id,"
    " indicator_id FROM obs;",
    /* 5: the times of migration 2 as 64-bit integers. SQLite's INTEGER
     * already is; PostgreSQL's was 32 bits (past 2038 out of range), so
     * only its dialect text below has work to do. */
    NULL,
    /* 6: observations in blocks (block.h): one row per (indicator, area,
     * batch, part) holding every value that batch appended to the series,
     * instead of one row per value. The rows of obs move into blocks
     * (store_obs_migrate, after this text), then obs and batch_series go:
     * the index by batch answers since_batch queries. */
    "CREATE TABLE blocks("
    " indicator_id INTEGER NOT NULL, area_id INTEGER NOT NULL,"
    " batch_id INTEGER NOT NULL, part INTEGER NOT NULL,"
    " cells INTEGER NOT NULL, year_min INTEGER NOT NULL,"
    " year_max INTEGER NOT NULL, data BLOB NOT NULL,"
    " PRIMARY KEY(indicator_id, area_id, batch_id, part));"
    "CREATE INDEX blocks_batch ON blocks(batch_id);",
};
const size_t store_sql_migration_count = ARRAY_COUNT(store_sql_migrations);
_Static_assert(ARRAY_COUNT(store_sql_migrations) == STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* What a migration needs beyond the shared text, per dialect (NULL: none).
 * Triggers are spelled differently in SQLite and PostgreSQL. */
const char *const store_sql_migrations_sqlite[] = {
    NULL,
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions"
    " BEGIN SELECT RAISE(ABORT, 'submissions are never deleted'); END;",
    NULL,
    NULL,
    NULL,
    NULL,
};
const char *const store_sql_migrations_pg[] = {
    NULL,
    "CREATE FUNCTION ictdev_refuse() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END$$;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW"
    " EXECUTE FUNCTION ictdev_refuse('the audit log is append-only');"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW"
    " EXECUTE FUNCTION ictdev_refuse('the audit log is append-only');"
    "CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions"
    " FOR EACH ROW EXECUTE FUNCTION"
    " ictdev_refuse('submissions are never deleted');",
    NULL,
    NULL,
    "ALTER TABLE users ALTER COLUMN created TYPE BIGINT;"
    "ALTER TABLE tokens ALTER COLUMN created TYPE BIGINT,"
    " ALTER COLUMN revoked TYPE BIGINT;"
    "ALTER TABLE sessions ALTER COLUMN created TYPE BIGINT,"
    " ALTER COLUMN expires TYPE BIGINT;"
    "ALTER TABLE submissions ALTER COLUMN created TYPE BIGINT,"
    " ALTER COLUMN updated TYPE BIGINT;"
    "ALTER TABLE review_comments ALTER COLUMN time TYPE BIGINT;"
    "ALTER TABLE audit ALTER COLUMN time TYPE BIGINT;",
    NULL,
};

const struct store_sql_table store_sql_tables[] = {
    {"areas",
     "id, code, is_group, name, iso2, m49, un_region, un_subregion,"
     " un_intermediate, itu_region, itu_region_verified, wb_region,"
     " is_independent, kind, source, verified, note",
     "itit"
     "tttttt"
     "itittit",
     "id"},
    {"indicators",
     "id, code, name, definition, unit, kind, collection, dims, sdg,"
     " source_instrument, formula, agg, weight, verified",
     "i"
     "tttttt"
     "tttttt"
     "i",
     "id"},
    {"memberships",
     "group_id, economy_id, from_year, to_year, source, verified", "iiiiti",
     "group_id, economy_id, from_year"},
    {"dimensions", "dimension, value, label, seq", "ttti", "dimension, value"},
    {"code_map", "source, kind, source_code, target, note", "tittt",
     "source, kind, source_code"},
    {"sources", "id, text", "it", "id"},
    {"batches", "id, time, kind, origin, file, sha256, note, changed",
     "iiitttti", "id"},
    {"users", "id, name, role, economies, password, disabled, created",
     "itttt"
     "ii",
     "id"},
    {"tokens", "id, user_id, hash, label, created, revoked", "iittii", "id"},
    {"sessions", "hash, user_id, created, expires, address", "tiiit", "hash"},
    {"rules", "id, severity, kind, indicators, expression, message", "tttttt",
     "id"},
    {"files", "sha256, size, content", "tib", "sha256"},
    {"submissions",
     "id, economy, year, state, sha256, file_name, format, created_by,"
     " created, address, updated, replaces, batch_id, errors, warnings",
     "itit"
     "tttt"
     "itiii"
     "ii",
     "id"},
    {"submission_values",
     "submission_id, seq, indicator, dims, year, value, status, comment,"
     " cell",
     "iitt"
     "ir"
     "ttt",
     "submission_id, seq"},
    {"submission_results", "submission_id, rule_id, severity, outcome, detail",
     "itttt", "submission_id, rule_id"},
    {"review_comments", "id, submission_id, cell, author, time, text", "iittit",
     "id"},
    {"audit", "id, time, actor, address, action, object, before, after",
     "ii"
     "tttttt",
     "id"},
    {"plan_versions",
     "id, time, origin, action, set_name, set_illustrative, doc",
     "ii"
     "ttt"
     "it",
     "id"},
    {"blocks",
     "indicator_id, area_id, batch_id, part, cells, year_min, year_max, data",
     "iiiiiiib", "indicator_id, area_id, batch_id, part"},
};
const size_t store_sql_table_count = ARRAY_COUNT(store_sql_tables);

/* Word substitutions of the DDL for PostgreSQL, longest first. */
static const struct {
    const char *from, *to;
} pg_words[] = {
    {"INTEGER PRIMARY KEY",
     "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
    {" WITHOUT ROWID", ""},
    {"REAL", "DOUBLE PRECISION"},
    {"BLOB", "BYTEA"},
    {"TEXT", "TEXT COLLATE \"C\""},
};

static bool word_at(const char *sql, size_t i, const char *w)
{
    size_t n = strlen(w);
    unsigned char next;

    if (strncmp(sql + i, w, n) != 0) {
        return false;
    }
    if (i > 0 && w[0] != ' ' &&
        (isalnum((unsigned char)sql[i - 1]) || sql[i - 1] == '_')) {
        return false;
    }
    next = (unsigned char)sql[i + n];
    return !isalnum(next) && next != '_';
}

void store_sql_render(const char *sql, enum store_sql_dialect d, int ddl,
                      struct buf *out)
{
    size_t i = 0;

    if (d == STORE_SQL_SQLITE) {
        buf_puts(out, sql);
        return;
    }
    while (sql[i]) {
        bool done = false;
        if (sql[i] == '?' && isdigit((unsigned char)sql[i + 1])) {
            buf_putc(out, '$');
            i++;
            continue;
        }
        for (size_t k = 0; ddl && k < ARRAY_COUNT(pg_words) && !done; k++) {
            if (word_at(sql, i, pg_words[k].from)) {
                buf_puts(out, pg_words[k].to);
                i += strlen(pg_words[k].from);
                done = true;
            }
        }
        if (!done) {
            buf_putc(out, sql[i]);
            i++;
        }
    }
}

void store_sql_table_select(size_t t, struct buf *out)
{
    const struct store_sql_table *tb = &store_sql_tables[t];

    buf_printf(out, "SELECT %s FROM %s ORDER BY %s", tb->cols, tb->name,
               tb->order);
}
