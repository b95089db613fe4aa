/* PostgreSQL backend of the store (the only file that includes
 * <libpq-fe.h>), selected by a "postgresql://" or "postgres://" store path.
 *
 * Same schema, migrations and statements as SQLite (store_sql.h, rendered
 * into PostgreSQL's spelling); this file holds only what differs: the
 * schema version lives in a table ictdev_meta (SQLite: PRAGMA
 * user_version), batch ids are allocated as max(id) + 1 under a lock (as
 * SQLite's rowid does, so both give the same ids), and observations reach
 * the table through COPY.
 *
 * Writers. Every write transaction (store_begin, a batch, a migration,
 * store_copy) first takes one transaction-scoped advisory lock, so writers
 * follow each other as they do on SQLite (BEGIN IMMEDIATE): no revision is
 * lost or appended twice by concurrent loads, and batch ids grow in commit
 * order. Readers never wait (MVCC).
 *
 * Loads. store_obs_put keeps the current values of one series (indicator,
 * area) in memory, fetched in one query when a load moves to a series it
 * may have values for (none when the store had no observations at batch
 * start), decides there whether the value changed or repeats a key of this
 * batch, and appends changed rows to a COPY buffer sent with COPY obs FROM
 * STDIN (binary format) whenever it fills and at commit, without waiting
 * for the server unless it falls 8 MB behind; the series appended to go to
 * batch_series in one more COPY at commit: all inside the batch's one
 * transaction. Every value travels as a bound parameter or in the COPY
 * stream, never in SQL text.
 *
 * Other tables. pg_exec runs store_exec's statements (data collection,
 * plan versions) on this connection, in the open transaction or batch
 * (ending a COPY first), with typed parameters (bytea in binary). */
#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strmap.h"
#include "../core/strparse.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"

/* Key of the advisory lock every writer takes: 'ICTD'. */
#define WRITER_LOCK "SELECT pg_advisory_xact_lock(1229149252)"
/* Flush the COPY buffer beyond this many bytes. */
#define COPY_CHUNK (32u << 10)
/* During a COPY the connection does not block on sending (copy_push):
 * libpq keeps up to this much unsent, and only then do we wait for the
 * server. With blocking sends, the client slept whenever the socket
 * buffer (~200 KB) was full and the server then waited for the next
 * chunk: on 2 cores, both ran at once only ~10% of the time. */
#define COPY_SLACK (8u << 20)

/* PostgreSQL's own statements (the dialects differ here). */
#define PG_META_CREATE                                                         \
    "CREATE TABLE ictdev_meta(key TEXT COLLATE \"C\" PRIMARY KEY,"             \
    " value TEXT NOT NULL)"
#define PG_META_SET                                                            \
    "INSERT INTO ictdev_meta(key, value) VALUES('schema_version', $1)"         \
    " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
#define PG_META_VERSION                                                        \
    "SELECT value FROM ictdev_meta WHERE key = 'schema_version'"
#define PG_HAS_META "SELECT to_regclass('ictdev_meta') IS NOT NULL"
#define PG_TABLES                                                              \
    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
#define PG_BATCH_PUT                                                           \
    "INSERT INTO batches(id, time, kind, origin, file, sha256, note)"          \
    " VALUES((SELECT coalesce(max(id), 0) + 1 FROM batches),"                  \
    " $1, $2, $3, $4, $5, $6) RETURNING id"
#define PG_SERIES_CURRENT                                                      \
    "SELECT DISTINCT ON (year, dims) year, dims, batch_id, value, status,"     \
    " source_id, note FROM obs WHERE indicator_id = $1 AND area_id = $2"       \
    " ORDER BY year, dims, batch_id DESC"
/* Binary COPY (copy_bin_*): the server neither parses numbers nor splits
 * text, and the client formats none. Its fields must match the column
 * types exactly: every id, year and status column is INTEGER (int4 on
 * PostgreSQL, store_sql_render), value DOUBLE PRECISION, dims and note
 * TEXT; a mismatch fails the COPY ("incorrect binary data format"). */
#define PG_OBS_COPY                                                            \
    "COPY obs(indicator_id, area_id, year, dims, batch_id, value, status,"     \
    " source_id, note) FROM STDIN (FORMAT binary)"
#define PG_OBS_COPY_FIELDS 9
#define PG_SERIES_COPY                                                         \
    "COPY batch_series(batch_id, area_id, indicator_id) FROM STDIN"            \
    " (FORMAT binary)"
/* A load into an empty obs table builds the key index once, after the
 * rows are in (as pg_restore does), instead of row by row: the key is
 * dropped at batch start (inside a savepoint: a role that may not alter
 * the table simply keeps it) and added back before the first lookup or at
 * commit; a rollback restores it. The column list is schema v1's key. */
#define PG_KEY_DROP "ALTER TABLE obs DROP CONSTRAINT obs_pkey"
/* The key build sorts every row: in memory up to maintenance_work_mem,
 * else in runs on disk (5,000,000 rows need ~430 MB, and the external sort
 * of the 64 MB default takes ~1 s more). Raised for this transaction only,
 * never lowered; memory is taken only as the sort needs it. Without
 * parallel workers: a load's rows mostly arrive in key order, and there
 * the workers' scan, sort and merge took longer than one process (bench
 * file, 2 cores: 1.6 s alone, 1.9 s with 1 worker, 2.1 s with 2). */
#define PG_KEY_MEMORY                                                          \
    "SELECT set_config('maintenance_work_mem', '1GB', true)"                   \
    " WHERE pg_size_bytes(current_setting('maintenance_work_mem'))"            \
    " < pg_size_bytes('1GB');"                                                 \
    " SET LOCAL max_parallel_maintenance_workers = 0"
#define PG_KEY_ADD                                                             \
    "ALTER TABLE obs ADD CONSTRAINT obs_pkey"                                  \
    " PRIMARY KEY(area_id, indicator_id, year, dims, batch_id)"
/* The latest (or as-of) revision of every matching key in the order of
 * store_obs_query, streamed row by row. */
#define PG_OBS_QUERY                                                           \
    "SELECT DISTINCT ON (i.code, a.is_group, a.code, o.year, o.dims)"          \
    " i.code, a.code, o.year, o.dims, o.batch_id, o.value, o.status,"          \
    " s.text, o.note, b.time, b.kind FROM obs o"                               \
    " JOIN indicators i ON i.id = o.indicator_id"                              \
    " JOIN areas a ON a.id = o.area_id"                                        \
    " JOIN batches b ON b.id = o.batch_id"                                     \
    " LEFT JOIN sources s ON s.id = o.source_id"                               \
    " WHERE (o.indicator_id = ANY($1::integer[]) OR $1 IS NULL)"               \
    " AND (o.area_id = ANY($2::integer[]) OR $2 IS NULL)"                      \
    " AND o.year BETWEEN $3 AND $4 AND o.batch_id <= $5"                       \
    " AND (o.dims = '' OR $6 = 0)"                                             \
    " AND ($7::integer IS NULL OR EXISTS (SELECT 1 FROM memberships m"         \
    " WHERE m.group_id = $7 AND m.economy_id = o.area_id"                      \
    " AND (m.from_year = 0 OR m.from_year <= o.year)"                          \
    " AND (m.to_year = 0 OR m.to_year >= o.year)))"                            \
    " ORDER BY i.code, a.is_group, a.code, o.year, o.dims, o.batch_id DESC"

/* Changes when another connection adds an economy, group or indicator
 * (codes are upserted, never deleted): a long-lived reader then reloads
 * its code cache, as SQLite's PRAGMA data_version lets store_sqlite.c. */
#define PG_CODES_VERSION                                                       \
    "SELECT (SELECT count(*) FROM areas) * 1000003"                            \
    " + (SELECT count(*) FROM indicators)"

/* Statements prepared once per connection (name "ictdev_<id>"). */
enum pst {
    PS_AREA_PUT_ECO,
    PS_AREA_PUT_GROUP,
    PS_IND_PUT,
    PS_MEM_PUT,
    PS_DIM_PUT,
    PS_MAP_PUT,
    PS_SOURCE_GET,
    PS_SOURCE_PUT,
    PS_BATCH_LAST,
    PS_BATCH_PUT,
    PS_OBS_ANY,
    PS_SERIES_CURRENT,
    PS_OBS_HISTORY,
    PS_BATCH_ASOF,
    PS_CODES_VERSION,
    PS_COUNT
};

static const char *const pst_sql[PS_COUNT] = {
    [PS_AREA_PUT_ECO] = SQL_AREA_PUT_ECO,
    [PS_AREA_PUT_GROUP] = SQL_AREA_PUT_GROUP,
    [PS_IND_PUT] = SQL_IND_PUT,
    [PS_MEM_PUT] = SQL_MEM_PUT,
    [PS_DIM_PUT] = SQL_DIM_PUT,
    [PS_MAP_PUT] = SQL_MAP_PUT,
    [PS_SOURCE_GET] = SQL_SOURCE_GET,
    [PS_SOURCE_PUT] = SQL_SOURCE_PUT " RETURNING id",
    [PS_BATCH_LAST] = SQL_BATCH_LAST,
    [PS_BATCH_PUT] = PG_BATCH_PUT,
    [PS_OBS_ANY] = SQL_OBS_ANY,
    [PS_SERIES_CURRENT] = PG_SERIES_CURRENT,
    [PS_OBS_HISTORY] = SQL_OBS_HISTORY,
    [PS_BATCH_ASOF] = SQL_BATCH_ASOF,
    [PS_CODES_VERSION] = PG_CODES_VERSION,
};

/* Bound parameters of one statement, all sent as text. */
#define MAX_PARAMS 16
struct params {
    const char *v[MAX_PARAMS];
    char num[MAX_PARAMS][32];
    int n;
};

static void p_int(struct params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)v);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

static void p_bool(struct params *p, bool v)
{
    p_int(p, v ? 1 : 0);
}

/* Text, NULL for NULL or "" (as SQLite's bind_text). */
static void p_text(struct params *p, const char *s)
{
    p->v[p->n++] = s && s[0] ? s : NULL;
}

/* Text, "" kept. */
static void p_str(struct params *p, const char *s)
{
    p->v[p->n++] = s ? s : "";
}

static void p_null(struct params *p)
{
    p->v[p->n++] = NULL;
}

/* A code known to the store, in the in-memory cache. */
struct pg_code {
    int64_t id;
    char *code; /* owned */
    bool is_group;
};

/* The current revision of one key of the series being loaded. */
struct cur_row {
    int64_t batch;
    double value;
    int status;
    int64_t source;
    char *note; /* owned, "" for none; NULL in rows of this batch */
};

/* The keys (year, dims) of the series being loaded → index into rows.
 * Open addressing; cleared per series by bumping gen (no free, no memset),
 * its dims bytes kept in one buffer: a load moves to a new series every
 * ~100 rows, and a map that allocates per key and rehashes as it grows
 * cost more than the rest of obs_put. */
struct key_slot {
    uint64_t hash;
    uint32_t gen; /* live if == key_set.gen */
    int32_t year;
    size_t off; /* dims at key_set.bytes.data + off */
    size_t len; /* dims length */
    size_t row; /* index into pg.rows */
};

struct key_set {
    struct key_slot *slots; /* owned; cap entries */
    size_t cap;             /* power of two, or 0 */
    size_t count;           /* live keys, <= cap * 3/4 */
    uint32_t gen;           /* current generation, >= 1 once used */
    struct buf bytes;       /* dims of the live keys */
};

struct pg {
    struct store base; /* first: store.c sees only this */
    PGconn *conn;
    bool readonly;
    int tx; /* 0 none, 1 plain transaction, 2 batch, 3 copy */
    bool prepared[PS_COUNT];
    struct buf sql; /* scratch for rendered SQL */
    bool cache_ok;
    int64_t codes_version; /* PG_CODES_VERSION when the cache was filled */
    struct strmap ind_ids;
    struct strmap area_ids;
    struct pg_code *inds; /* sorted by code */
    size_t ind_count;
    struct pg_code *areas; /* economies by code, then groups by code */
    size_t area_count;
    struct strmap source_ids; /* source text → id (within a batch) */
    struct buf last_source;   /* the source text of the last source_id */
    int64_t last_source_id;   /* its id; 0: none */
    /* The open batch. */
    int64_t batch_id;
    int64_t batch_changed;
    bool batch_fresh;
    bool key_dropped;       /* obs_pkey dropped for this fresh batch */
    struct buf copy;        /* COPY rows not yet sent */
    struct strmap seen;     /* series (ind, area indices) this batch touched */
    struct strmap appended; /* "area\tind" ids this batch appended to */
    int64_t *app_pairs;     /* area id, indicator id, ...; for batch_series */
    size_t app_count, app_cap;
    bool series_ok;
    bool series_appended; /* this batch appended to the current series */
    size_t series_ind, series_area;
    struct key_set keys; /* (year, dims) → index into rows */
    struct cur_row *rows;
    size_t row_count, row_cap;
    /* store_copy into this store. */
    size_t copy_cols;
    /* The COPY being streamed: its statement and whether it is open. */
    const char *copy_sql;
    bool copy_binary; /* copy_sql is FORMAT binary: header and trailer */
    bool copy_open;
    size_t copy_pending;  /* bytes given to libpq, maybe not yet sent */
    struct buf copy_stmt; /* store_copy's COPY statement */
};

static int copy_end(struct pg *p, struct err *err);
static int copy_push(struct pg *p, bool all, struct err *err);

static struct pg *pg_of(struct store *s)
{
    return (struct pg *)s;
}

/* libpq's message without its trailing newline, into err. */
static int pg_fail(struct pg *p, struct err *err, const char *what)
{
    const char *m = PQerrorMessage(p->conn);
    size_t n = strlen(m);

    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ')) {
        n--;
    }
    return err_set(err, ERR_STORAGE, "%s: %s: %.*s", p->base.path, what, (int)n,
                   m);
}

static int res_fail(struct pg *p, PGresult *r, struct err *err,
                    const char *what)
{
    const char *m = r ? PQresultErrorMessage(r) : "";
    size_t n = strlen(m);

    if (n == 0) {
        PQclear(r);
        return pg_fail(p, err, what);
    }
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ')) {
        n--;
    }
    err_set(err, ERR_STORAGE, "%s: %s: %.*s", p->base.path, what, (int)n, m);
    PQclear(r);
    return ERR_STORAGE;
}

static bool res_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Run SQL without parameters (it may hold several statements). */
static int exec_sql(struct pg *p, const char *sql, struct err *err)
{
    PGresult *r = PQexec(p->conn, sql);

    if (!res_ok(r)) {
        return res_fail(p, r, err, "executing");
    }
    PQclear(r);
    return 0;
}

/* Run shared SQL (SQLite spelling) with params; owned result or NULL. */
static PGresult *run_sql(struct pg *p, const char *sql, const struct params *ps,
                         struct err *err)
{
    PGresult *r;

    buf_reset(&p->sql);
    store_sql_render(sql, STORE_SQL_POSTGRESQL, 0, &p->sql);
    r = PQexecParams(p->conn, p->sql.data, ps ? ps->n : 0, NULL,
                     ps ? ps->v : NULL, NULL, NULL, 0);
    if (!res_ok(r)) {
        res_fail(p, r, err, "executing");
        return NULL;
    }
    return r;
}

/* Run prepared statement id; owned result or NULL with err. */
static PGresult *run(struct pg *p, enum pst id, const struct params *ps,
                     struct err *err)
{
    char name[32];
    PGresult *r;

    snprintf(name, sizeof(name), "ictdev_%d", (int)id);
    if (!p->prepared[id]) {
        buf_reset(&p->sql);
        store_sql_render(pst_sql[id], STORE_SQL_POSTGRESQL, 0, &p->sql);
        r = PQprepare(p->conn, name, p->sql.data, 0, NULL);
        if (!res_ok(r)) {
            res_fail(p, r, err, "prepare");
            return NULL;
        }
        PQclear(r);
        p->prepared[id] = true;
    }
    r = PQexecPrepared(p->conn, name, ps ? ps->n : 0, ps ? ps->v : NULL, NULL,
                       NULL, 0);
    if (!res_ok(r)) {
        res_fail(p, r, err, "executing");
        return NULL;
    }
    return r;
}

static const char *cell(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

static int64_t cell_i64(const PGresult *r, int row, int col)
{
    const char *s = PQgetvalue(r, row, col);
    int64_t v = 0;
    struct err ignored;

    if (PQgetisnull(r, row, col) ||
        parse_int64(s, strlen(s), INT64_MIN, INT64_MAX, &v, &ignored) != 0) {
        return 0;
    }
    return v;
}

static double cell_double(const PGresult *r, int row, int col)
{
    const char *s = PQgetvalue(r, row, col);
    double v = 0;

    if (PQgetisnull(r, row, col) || !parse_double_fast(s, strlen(s), &v)) {
        return 0;
    }
    return v;
}

/* ---- Caches ---------------------------------------------------------- */

static void cache_drop(struct pg *p)
{
    for (size_t i = 0; i < p->ind_count; i++) {
        xfree(p->inds[i].code);
    }
    for (size_t i = 0; i < p->area_count; i++) {
        xfree(p->areas[i].code);
    }
    xfree(p->inds);
    xfree(p->areas);
    p->inds = NULL;
    p->areas = NULL;
    p->ind_count = 0;
    p->area_count = 0;
    strmap_cleanup(&p->ind_ids);
    strmap_cleanup(&p->area_ids);
    p->cache_ok = false;
}

static int cache_fill(struct pg *p, const char *sql, struct pg_code **out,
                      size_t *out_count, struct strmap *map, struct err *err)
{
    PGresult *r = run_sql(p, sql, NULL, err);
    int n;

    if (!r) {
        return err->code;
    }
    n = PQntuples(r);
    *out = xcalloc((size_t)n + 1, sizeof(**out));
    for (int i = 0; i < n; i++) {
        const char *code = cell(r, i, 1);
        (*out)[i].id = cell_i64(r, i, 0);
        (*out)[i].code = xstrdup(code);
        (*out)[i].is_group = cell_i64(r, i, 2) != 0;
        strmap_put(map, code, strlen(code), (size_t)i);
    }
    *out_count = (size_t)n;
    PQclear(r);
    return 0;
}

static int codes_version(struct pg *p, int64_t *out, struct err *err)
{
    PGresult *r = run(p, PS_CODES_VERSION, NULL, err);

    if (!r) {
        return err_prefix(err, "reading codes");
    }
    *out = cell_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

static int cache_load(struct pg *p, struct err *err)
{
    int64_t version = 0;

    if (p->cache_ok && p->tx != 0) {
        return 0; /* our own transaction: only we change codes */
    }
    if (codes_version(p, &version, err) != 0) {
        return err->code;
    }
    if (p->cache_ok && version == p->codes_version) {
        return 0;
    }
    cache_drop(p);
    if (cache_fill(p, SQL_INDICATOR_CODES, &p->inds, &p->ind_count, &p->ind_ids,
                   err) != 0 ||
        cache_fill(p, SQL_AREA_CODES, &p->areas, &p->area_count, &p->area_ids,
                   err) != 0) {
        cache_drop(p);
        return err->code;
    }
    p->codes_version = version;
    p->cache_ok = true;
    return 0;
}

static int find_ind(struct pg *p, const char *code, size_t *out,
                    struct err *err)
{
    if (!strmap_get(&p->ind_ids, code, strlen(code), out)) {
        return err_set(err, ERR_NOT_FOUND, "unknown indicator '%s'", code);
    }
    return 0;
}

static int find_area(struct pg *p, const char *code, size_t *out,
                     struct err *err)
{
    if (!strmap_get(&p->area_ids, code, strlen(code), out)) {
        return err_set(err, ERR_NOT_FOUND, "unknown economy or group '%s'",
                       code);
    }
    return 0;
}

/* ---- Opening and schema ---------------------------------------------- */

static int query_int(struct pg *p, const char *sql, int64_t *out,
                     struct err *err)
{
    PGresult *r = PQexec(p->conn, sql);

    *out = 0;
    if (!res_ok(r)) {
        return res_fail(p, r, err, "reading the schema");
    }
    if (PQntuples(r) > 0) {
        const char *v = PQgetvalue(r, 0, 0);
        *out = strcmp(v, "t") == 0 ? 1 : cell_i64(r, 0, 0);
    }
    PQclear(r);
    return 0;
}

static int schema_version(struct pg *p, int64_t *out, struct err *err)
{
    int64_t has_meta = 0;

    *out = 0;
    if (query_int(p, PG_HAS_META, &has_meta, err) != 0) {
        return err->code;
    }
    if (has_meta) {
        return query_int(p, PG_META_VERSION, out, err);
    }
    return 0;
}

/* Apply the migrations after the current version, all in one transaction
 * under the writer lock (another process may be doing the same). */
static int migrate(struct pg *p, struct err *err)
{
    int64_t from = 0;
    struct buf ddl;
    struct params ps = {0};

    if (exec_sql(p, "BEGIN", err) != 0) {
        return err->code;
    }
    if (exec_sql(p, WRITER_LOCK, err) != 0 ||
        schema_version(p, &from, err) != 0) {
        goto fail;
    }
    if (from == 0 && exec_sql(p, PG_META_CREATE, err) != 0) {
        goto fail;
    }
    buf_init(&ddl);
    for (int64_t v = from; v < STORE_SCHEMA_VERSION; v++) {
        buf_reset(&ddl);
        if (store_sql_migrations[v] != NULL) {
            store_sql_render(store_sql_migrations[v], STORE_SQL_POSTGRESQL, 1,
                             &ddl);
        }
        if ((store_sql_migrations[v] != NULL &&
             exec_sql(p, ddl.data, err) != 0) ||
            (store_sql_migrations_pg[v] != NULL &&
             exec_sql(p, store_sql_migrations_pg[v], err) != 0)) {
            buf_cleanup(&ddl);
            goto fail;
        }
    }
    buf_cleanup(&ddl);
    p_int(&ps, STORE_SCHEMA_VERSION);
    {
        PGresult *r =
            PQexecParams(p->conn, PG_META_SET, ps.n, NULL, ps.v, NULL, NULL, 0);
        if (!res_ok(r)) {
            res_fail(p, r, err, "writing the schema version");
            goto fail;
        }
        PQclear(r);
    }
    if (exec_sql(p, "COMMIT", err) != 0) {
        goto fail;
    }
    return 0;
fail:
    err_prefix(err, "upgrading the schema from version %lld", (long long)from);
    exec_sql(p, "ROLLBACK", &(struct err){0});
    return err->code;
}

static int check_schema(struct pg *p, unsigned flags, struct err *err)
{
    int64_t version = 0;
    int64_t has_meta = 0;
    int64_t tables = 0;

    if (query_int(p, PG_HAS_META, &has_meta, err) != 0 ||
        query_int(p, PG_TABLES, &tables, err) != 0 ||
        schema_version(p, &version, err) != 0) {
        return err->code;
    }
    if (!has_meta && tables > 0) {
        return err_set(err, ERR_CONFLICT, "%s is not an ictdev store",
                       p->base.path);
    }
    if (!has_meta && !(flags & STORE_OPEN_CREATE)) {
        return err_set(err, ERR_NOT_FOUND, "no store at %s; run 'ictdev init'",
                       p->base.path);
    }
    if (version > STORE_SCHEMA_VERSION) {
        return err_set(err, ERR_CONFLICT,
                       "%s has schema version %lld, newer than this ictdev "
                       "(version %d): use a newer ictdev",
                       p->base.path, (long long)version, STORE_SCHEMA_VERSION);
    }
    if (version < STORE_SCHEMA_VERSION) {
        if (p->readonly) {
            return err_set(err, ERR_CONFLICT,
                           "%s has schema version %lld: run 'ictdev init' to "
                           "upgrade it",
                           p->base.path, (long long)version);
        }
        return migrate(p, err);
    }
    return 0;
}

/* uri with any password replaced by "***" (messages must not show it). */
static char *redact(const char *uri)
{
    struct buf b;
    const char *rest = strstr(uri, "://");
    const char *at, *slash, *colon;

    buf_init(&b);
    if (!rest) {
        buf_puts(&b, uri);
        return buf_detach(&b);
    }
    rest += 3;
    slash = rest + strcspn(rest, "/?");
    at = memchr(rest, '@', (size_t)(slash - rest));
    colon = at ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
    if (!colon) {
        buf_puts(&b, uri);
        return buf_detach(&b);
    }
    buf_append(&b, uri, (size_t)(colon + 1 - uri));
    buf_puts(&b, "***");
    buf_puts(&b, at);
    return buf_detach(&b);
}

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static const struct store_ops pg_ops;

static void key_set_clear(struct key_set *k)
{
    k->count = 0;
    k->gen++;
    if (k->gen == 0) { /* wrapped: forget every old generation */
        if (k->slots) {
            memset(k->slots, 0, k->cap * sizeof(*k->slots));
        }
        k->gen = 1;
    }
    buf_reset(&k->bytes);
}

static uint64_t key_hash(int year, const char *dims, size_t len)
{
    return strmap_hash(dims, len) ^
           ((uint64_t)(uint32_t)year * 0x9e3779b97f4a7c15u);
}

/* The slot of (year, dims): live if the key is there, else the free slot
 * where it goes. */
static struct key_slot *key_set_find(struct key_set *k, uint64_t h, int year,
                                     const char *dims, size_t len)
{
    size_t mask = k->cap - 1;

    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct key_slot *sl = &k->slots[i];
        if (sl->gen != k->gen) {
            return sl;
        }
        if (sl->hash == h && sl->year == year && sl->len == len &&
            memcmp(k->bytes.data + sl->off, dims, len) == 0) {
            return sl;
        }
    }
}

static void key_set_grow(struct key_set *k)
{
    struct key_slot *old = k->slots;
    size_t old_cap = k->cap;

    k->cap = old_cap ? old_cap * 2 : 256;
    k->slots = xcalloc(k->cap, sizeof(*k->slots));
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].gen == k->gen) {
            size_t j = (size_t)old[i].hash & (k->cap - 1);
            while (k->slots[j].gen == k->gen) {
                j = (j + 1) & (k->cap - 1);
            }
            k->slots[j] = old[i];
        }
    }
    xfree(old);
}

/* True and *out_row if (year, dims) is there. */
static bool key_set_get(struct key_set *k, int year, const char *dims,
                        size_t *out_row)
{
    size_t len = strlen(dims);
    struct key_slot *sl;

    if (k->count == 0) {
        return false;
    }
    sl = key_set_find(k, key_hash(year, dims, len), year, dims, len);
    if (sl->gen != k->gen) {
        return false;
    }
    *out_row = sl->row;
    return true;
}

/* Add (year, dims) → row; the key must not be there. */
static void key_set_put(struct key_set *k, int year, const char *dims,
                        size_t row)
{
    size_t len = strlen(dims);
    uint64_t h = key_hash(year, dims, len);
    struct key_slot *sl;

    if (k->gen == 0) {
        k->gen = 1;
    }
    if ((k->count + 1) * 4 > k->cap * 3) {
        key_set_grow(k);
    }
    sl = key_set_find(k, h, year, dims, len);
    *sl = (struct key_slot){.hash = h,
                            .gen = k->gen,
                            .year = year,
                            .off = k->bytes.len,
                            .len = len,
                            .row = row};
    buf_append(&k->bytes, dims, len);
    k->count++;
}

static void series_reset(struct pg *p)
{
    for (size_t i = 0; i < p->row_count; i++) {
        xfree(p->rows[i].note);
    }
    p->row_count = 0;
    key_set_clear(&p->keys);
    p->series_ok = false;
    p->series_appended = false;
}

/* Abandon an open COPY (the transaction is rolled back next). */
static void copy_abort(struct pg *p)
{
    PGresult *r;

    if (!p->copy_open) {
        return;
    }
    p->copy_open = false;
    copy_push(p, true, &(struct err){0});
    PQsetnonblocking(p->conn, 0);
    PQputCopyEnd(p->conn, "rolled back");
    while ((r = PQgetResult(p->conn)) != NULL) {
        PQclear(r);
    }
}

static void batch_state_drop(struct pg *p)
{
    series_reset(p);
    strmap_cleanup(&p->seen);
    strmap_cleanup(&p->appended);
    xfree(p->app_pairs);
    p->app_pairs = NULL;
    p->app_count = 0;
    p->app_cap = 0;
    strmap_cleanup(&p->source_ids);
    buf_reset(&p->last_source);
    p->last_source_id = 0;
    buf_reset(&p->copy);
}

static void pg_close(struct store *s)
{
    struct pg *p = pg_of(s);

    if (p->conn && p->tx != 0) {
        copy_abort(p);
        exec_sql(p, "ROLLBACK", &(struct err){0});
    }
    batch_state_drop(p);
    buf_cleanup(&p->copy_stmt);
    buf_cleanup(&p->last_source);
    xfree(p->rows);
    buf_cleanup(&p->copy);
    xfree(p->keys.slots);
    buf_cleanup(&p->keys.bytes);
    buf_cleanup(&p->sql);
    cache_drop(p);
    PQfinish(p->conn);
    xfree(p->base.path);
    xfree(p);
}

struct store *store_pg_open(const char *uri, unsigned flags, struct err *err)
{
    struct pg *p = xcalloc(1, sizeof(*p));

    p->base.ops = &pg_ops;
    p->base.path = redact(uri);
    p->readonly = (flags & STORE_OPEN_READONLY) != 0;
    p->conn = PQconnectdb(uri);
    if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
        if (p->conn) {
            pg_fail(p, err, "cannot connect");
        } else {
            err_set(err, ERR_STORAGE, "%s: cannot connect", p->base.path);
        }
        pg_close(&p->base);
        return NULL;
    }
    PQsetNoticeProcessor(p->conn, quiet_notice, NULL);
    if (exec_sql(p,
                 "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO';"
                 " SET extra_float_digits = 1; SET bytea_output = 'hex'",
                 err) != 0 ||
        (p->readonly &&
         exec_sql(p, "SET default_transaction_read_only = on", err) != 0) ||
        check_schema(p, flags, err) != 0) {
        pg_close(&p->base);
        return NULL;
    }
    return &p->base;
}

/* ---- Transactions ------------------------------------------------------ */

/* BEGIN and take the writer lock. */
static int begin_write(struct pg *p, struct err *err)
{
    if (exec_sql(p, "BEGIN", err) != 0) {
        return err->code;
    }
    if (exec_sql(p, WRITER_LOCK, err) != 0) {
        exec_sql(p, "ROLLBACK", &(struct err){0});
        return err->code;
    }
    return 0;
}

static int pg_begin(struct store *s, struct err *err)
{
    struct pg *p = pg_of(s);

    if (p->tx != 0) {
        return err_set(err, ERR_CONFLICT, "a transaction is already open");
    }
    if (begin_write(p, err) != 0) {
        return err->code;
    }
    p->tx = 1;
    return 0;
}

static void pg_rollback(struct store *s)
{
    struct pg *p = pg_of(s);

    if (p->tx != 0) {
        copy_abort(p);
        exec_sql(p, "ROLLBACK", &(struct err){0});
    }
    p->tx = 0;
    p->cache_ok = false;
    p->key_dropped = false;
    batch_state_drop(p);
}

static int pg_commit(struct store *s, struct err *err)
{
    struct pg *p = pg_of(s);

    if (p->tx != 1) {
        return err_set(err, ERR_CONFLICT, "no transaction is open");
    }
    if (exec_sql(p, "COMMIT", err) != 0) {
        pg_rollback(s);
        return err->code;
    }
    p->tx = 0;
    return 0;
}

static int need_tx(struct pg *p, struct err *err)
{
    if (p->tx != 1) {
        return err_set(err, ERR_CONFLICT,
                       "reference data is written inside store_begin");
    }
    return 0;
}

/* ---- Reference writes -------------------------------------------------- */

/* Run a statement that returns no rows we need. */
static int run_done(struct pg *p, enum pst id, const struct params *ps,
                    struct err *err, const char *what)
{
    PGresult *r = run(p, id, ps, err);

    if (!r) {
        return err_prefix(err, "%s", what);
    }
    PQclear(r);
    return 0;
}

static int pg_economy_put(struct store *s, const struct economy *e,
                          struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};

    if (need_tx(p, err) != 0 ||
        store_check_code("economy", e->code, err) != 0) {
        return err->code;
    }
    p_text(&ps, e->code);
    p_str(&ps, e->name);
    p_text(&ps, e->iso2);
    p_text(&ps, e->m49);
    p_text(&ps, e->un_region);
    p_text(&ps, e->un_subregion);
    p_text(&ps, e->un_intermediate);
    p_text(&ps, e->itu_region);
    p_bool(&ps, e->itu_region_verified);
    p_text(&ps, e->wb_region);
    p_bool(&ps, e->is_independent);
    p_text(&ps, e->note);
    p->cache_ok = false;
    return run_done(p, PS_AREA_PUT_ECO, &ps, err, "writing an economy");
}

static int pg_group_put(struct store *s, const struct group *g, struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};

    if (need_tx(p, err) != 0 || store_check_code("group", g->code, err) != 0) {
        return err->code;
    }
    p_text(&ps, g->code);
    p_str(&ps, g->name);
    p_text(&ps, g->kind);
    p_text(&ps, g->source);
    p_bool(&ps, g->verified);
    p_text(&ps, g->note);
    p->cache_ok = false;
    return run_done(p, PS_AREA_PUT_GROUP, &ps, err, "writing a group");
}

static int pg_indicator_put(struct store *s, const struct indicator *ind,
                            struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};

    if (need_tx(p, err) != 0 ||
        store_check_code("indicator", ind->code, err) != 0) {
        return err->code;
    }
    p_text(&ps, ind->code);
    p_str(&ps, ind->name);
    p_text(&ps, ind->definition);
    p_text(&ps, ind->unit);
    p_text(&ps, ind->kind);
    p_text(&ps, ind->collection);
    p_text(&ps, ind->dims);
    p_text(&ps, ind->sdg);
    p_text(&ps, ind->source_instrument);
    p_text(&ps, ind->formula);
    p_text(&ps, ind->agg);
    p_text(&ps, ind->weight);
    p_bool(&ps, ind->verified);
    p->cache_ok = false;
    return run_done(p, PS_IND_PUT, &ps, err, "writing an indicator");
}

static int pg_membership_put(struct store *s, const struct membership *m,
                             struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};
    size_t g, e;

    if (need_tx(p, err) != 0 || cache_load(p, err) != 0) {
        return err->code;
    }
    if (find_area(p, m->group, &g, err) != 0 ||
        find_area(p, m->economy, &e, err) != 0) {
        return err->code;
    }
    if (!p->areas[g].is_group || p->areas[e].is_group) {
        return err_set(err, ERR_INVALID,
                       "membership %s in %s: want an economy in a group",
                       m->economy, m->group);
    }
    p_int(&ps, p->areas[g].id);
    p_int(&ps, p->areas[e].id);
    p_int(&ps, m->from_year);
    p_int(&ps, m->to_year);
    p_text(&ps, m->source);
    p_bool(&ps, m->verified);
    return run_done(p, PS_MEM_PUT, &ps, err, "writing a membership");
}

static int pg_dimension_put(struct store *s, const struct dimension_value *d,
                            struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};

    if (need_tx(p, err) != 0 ||
        store_check_code("dimension", d->dimension, err) != 0) {
        return err->code;
    }
    if (!d->value || !dims_value_valid(d->value, strlen(d->value))) {
        return err_set(err, ERR_INVALID, "bad value '%s' of dimension '%s'",
                       d->value ? d->value : "", d->dimension);
    }
    p_text(&ps, d->dimension);
    p_text(&ps, d->value);
    p_text(&ps, d->label);
    return run_done(p, PS_DIM_PUT, &ps, err, "writing a dimension value");
}

static int pg_code_map_put(struct store *s, const struct code_map_entry *c,
                           struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};

    if (need_tx(p, err) != 0) {
        return err->code;
    }
    if (!c->source || !c->source[0] || !c->source_code || !c->source_code[0]) {
        return err_set(err, ERR_INVALID,
                       "code map row without a source or "
                       "a source code");
    }
    p_text(&ps, c->source);
    p_int(&ps, (int64_t)c->kind);
    p_text(&ps, c->source_code);
    p_text(&ps, c->target);
    p_text(&ps, c->note);
    return run_done(p, PS_MAP_PUT, &ps, err, "writing a code map row");
}

static int pg_reference_clear(struct store *s, struct err *err)
{
    struct pg *p = pg_of(s);

    if (need_tx(p, err) != 0) {
        return err->code;
    }
    return exec_sql(p, SQL_REFERENCE_CLEAR, err);
}

/* ---- Reference reads --------------------------------------------------- */

static int pg_economy_list(struct store *s, const char *code,
                           store_economy_fn fn, void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};
    PGresult *r;
    int n;
    int cb = 0;

    p_text(&ps, code);
    r = run_sql(p, SQL_ECONOMY_LIST, &ps, err);
    if (!r) {
        return err->code;
    }
    n = PQntuples(r);
    for (int i = 0; i < n && cb == 0; i++) {
        struct economy e = {
            .code = cell(r, i, 0),
            .name = cell(r, i, 1),
            .iso2 = cell(r, i, 2),
            .m49 = cell(r, i, 3),
            .un_region = cell(r, i, 4),
            .un_subregion = cell(r, i, 5),
            .un_intermediate = cell(r, i, 6),
            .itu_region = cell(r, i, 7),
            .itu_region_verified = cell_i64(r, i, 8) != 0,
            .wb_region = cell(r, i, 9),
            .is_independent = cell_i64(r, i, 10) != 0,
            .note = cell(r, i, 11),
        };
        cb = fn(ctx, &e, err);
    }
    PQclear(r);
    if (cb == 0 && code && n == 0) {
        return err_set(err, ERR_NOT_FOUND, "unknown economy '%s'", code);
    }
    return cb;
}

static int pg_group_list(struct store *s, const char *code, store_group_fn fn,
                         void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};
    PGresult *r;
    int n;
    int cb = 0;

    p_text(&ps, code);
    r = run_sql(p, SQL_GROUP_LIST, &ps, err);
    if (!r) {
        return err->code;
    }
    n = PQntuples(r);
    for (int i = 0; i < n && cb == 0; i++) {
        struct group g = {
            .code = cell(r, i, 0),
            .name = cell(r, i, 1),
            .kind = cell(r, i, 2),
            .source = cell(r, i, 3),
            .verified = cell_i64(r, i, 4) != 0,
            .note = cell(r, i, 5),
        };
        cb = fn(ctx, &g, err);
    }
    PQclear(r);
    if (cb == 0 && code && n == 0) {
        return err_set(err, ERR_NOT_FOUND, "unknown group '%s'", code);
    }
    return cb;
}

static int membership_loop(struct pg *p, const char *sql, int64_t id, int year,
                           store_membership_fn fn, void *ctx, struct err *err)
{
    struct params ps = {0};
    PGresult *r;
    int n;
    int cb = 0;

    p_int(&ps, id);
    p_int(&ps, year);
    r = run_sql(p, sql, &ps, err);
    if (!r) {
        return err->code;
    }
    n = PQntuples(r);
    for (int i = 0; i < n && cb == 0; i++) {
        struct membership m = {
            .group = cell(r, i, 0),
            .economy = cell(r, i, 1),
            .from_year = (int)cell_i64(r, i, 2),
            .to_year = (int)cell_i64(r, i, 3),
            .source = cell(r, i, 4),
            .verified = cell_i64(r, i, 5) != 0,
        };
        cb = fn(ctx, &m, err);
    }
    PQclear(r);
    return cb;
}

static int pg_group_members(struct store *s, const char *group, int year,
                            store_membership_fn fn, void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    size_t g;

    if (cache_load(p, err) != 0) {
        return err->code;
    }
    if (!strmap_get(&p->area_ids, group, strlen(group), &g) ||
        !p->areas[g].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown group '%s'", group);
    }
    return membership_loop(p, SQL_GROUP_MEMBERS, p->areas[g].id, year, fn, ctx,
                           err);
}

static int pg_economy_groups(struct store *s, const char *economy, int year,
                             store_membership_fn fn, void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    size_t e;

    if (cache_load(p, err) != 0) {
        return err->code;
    }
    if (!strmap_get(&p->area_ids, economy, strlen(economy), &e) ||
        p->areas[e].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown economy '%s'", economy);
    }
    return membership_loop(p, SQL_ECONOMY_GROUPS, p->areas[e].id, year, fn, ctx,
                           err);
}

static int pg_dimension_list(struct store *s, store_dimension_fn fn, void *ctx,
                             struct err *err)
{
    struct pg *p = pg_of(s);
    PGresult *r = run_sql(p, SQL_DIMENSION_LIST, NULL, err);
    int cb = 0;

    if (!r) {
        return err->code;
    }
    for (int i = 0; i < PQntuples(r) && cb == 0; i++) {
        struct dimension_value d = {
            .dimension = cell(r, i, 0),
            .value = cell(r, i, 1),
            .label = cell(r, i, 2),
        };
        cb = fn(ctx, &d, err);
    }
    PQclear(r);
    return cb;
}

static int pg_indicator_list(struct store *s, const char *code,
                             const char *words, store_indicator_fn fn,
                             void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};
    PGresult *r;
    bool any = false;
    int cb = 0;

    p_text(&ps, code);
    r = run_sql(p, SQL_INDICATOR_LIST, &ps, err);
    if (!r) {
        return err->code;
    }
    for (int i = 0; i < PQntuples(r) && cb == 0; i++) {
        struct indicator ind = {
            .code = cell(r, i, 0),
            .name = cell(r, i, 1),
            .definition = cell(r, i, 2),
            .unit = cell(r, i, 3),
            .kind = cell(r, i, 4),
            .collection = cell(r, i, 5),
            .dims = cell(r, i, 6),
            .sdg = cell(r, i, 7),
            .source_instrument = cell(r, i, 8),
            .formula = cell(r, i, 9),
            .agg = cell(r, i, 10),
            .weight = cell(r, i, 11),
            .verified = cell_i64(r, i, 12) != 0,
        };
        if (words && !store_indicator_matches(&ind, words)) {
            continue;
        }
        any = true;
        cb = fn(ctx, &ind, err);
    }
    PQclear(r);
    if (cb == 0 && code && !any) {
        return err_set(err, ERR_NOT_FOUND, "unknown indicator '%s'", code);
    }
    return cb;
}

static int pg_code_map_list(struct store *s, store_code_map_fn fn, void *ctx,
                            struct err *err)
{
    struct pg *p = pg_of(s);
    PGresult *r = run_sql(p, SQL_CODE_MAP_LIST, NULL, err);
    int cb = 0;

    if (!r) {
        return err->code;
    }
    for (int i = 0; i < PQntuples(r) && cb == 0; i++) {
        struct code_map_entry c = {
            .source = cell(r, i, 0),
            .kind = (enum code_map_kind)cell_i64(r, i, 1),
            .source_code = cell(r, i, 2),
            .target = cell(r, i, 3),
            .note = cell(r, i, 4),
        };
        cb = fn(ctx, &c, err);
    }
    PQclear(r);
    return cb;
}

/* ---- Batches and observation writes ------------------------------------ */

static int pg_batch_begin(struct store *s, const struct store_batch_info *info,
                          struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};
    int64_t t = info->time > 0 ? info->time : (int64_t)time(NULL);
    PGresult *r;

    if (p->tx != 0) {
        return err_set(err, ERR_CONFLICT, "a transaction is already open");
    }
    if (p->readonly) {
        return err_set(err, ERR_CONFLICT, "%s is open read-only", p->base.path);
    }
    if (cache_load(p, err) != 0 || begin_write(p, err) != 0) {
        return err->code;
    }
    p->tx = 2;
    batch_state_drop(p);
    p->copy_sql = PG_OBS_COPY;
    p->copy_binary = true;
    r = run(p, PS_BATCH_LAST, NULL, err);
    if (!r) {
        goto fail;
    }
    if (PQntuples(r) > 0 && cell_i64(r, 0, 1) > t) {
        t = cell_i64(r, 0, 1);
    }
    PQclear(r);
    r = run(p, PS_OBS_ANY, NULL, err);
    if (!r) {
        goto fail;
    }
    p->batch_fresh = PQntuples(r) == 0;
    PQclear(r);
    p->key_dropped = false;
    if (p->batch_fresh) {
        struct err ignored;
        if (exec_sql(p, "SAVEPOINT key", err) != 0) {
            goto fail;
        }
        if (exec_sql(p, PG_KEY_DROP, &ignored) == 0) {
            p->key_dropped = true;
        } else if (exec_sql(p, "ROLLBACK TO SAVEPOINT key", err) != 0) {
            goto fail;
        }
    }
    p_int(&ps, t);
    p_int(&ps, (int64_t)info->kind);
    p_str(&ps, info->origin && info->origin[0] ? info->origin : "ictdev");
    p_text(&ps, info->file);
    p_text(&ps, info->sha256);
    p_text(&ps, info->note);
    r = run(p, PS_BATCH_PUT, &ps, err);
    if (!r) {
        err_prefix(err, "opening a batch");
        goto fail;
    }
    p->batch_id = cell_i64(r, 0, 0);
    PQclear(r);
    p->batch_changed = 0;
    return 0;
fail:
    pg_rollback(s);
    return err->code;
}

static void source_remember(struct pg *p, const char *text, size_t len,
                            int64_t id)
{
    buf_reset(&p->last_source);
    buf_append(&p->last_source, text, len);
    p->last_source_id = id;
}

/* Id of source text (0 for ""), adding it to the sources table. */
static int source_id(struct pg *p, const char *text, int64_t *out,
                     struct err *err)
{
    size_t len = text ? strlen(text) : 0;
    size_t v;
    struct params ps = {0};
    PGresult *r;

    *out = 0;
    if (len == 0) {
        return 0;
    }
    /* A file gives one source on row after row. */
    if (p->last_source_id != 0 && len == p->last_source.len &&
        memcmp(text, p->last_source.data, len) == 0) {
        *out = p->last_source_id;
        return 0;
    }
    if (strmap_get(&p->source_ids, text, len, &v)) {
        *out = (int64_t)v;
        source_remember(p, text, len, *out);
        return 0;
    }
    if (copy_end(p, err) != 0) {
        return err->code;
    }
    p_str(&ps, text);
    r = run(p, PS_SOURCE_GET, &ps, err);
    if (!r) {
        return err->code;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        r = run(p, PS_SOURCE_PUT, &ps, err);
        if (!r) {
            return err_prefix(err, "writing a source");
        }
    }
    *out = cell_i64(r, 0, 0);
    PQclear(r);
    strmap_put(&p->source_ids, text, len, (size_t)*out);
    source_remember(p, text, len, *out);
    return 0;
}

/* Append s to the COPY buffer, escaped for COPY's text format. */
static void copy_text(struct buf *b, const char *s)
{
    const char *run_start = s;

    for (; *s; s++) {
        const char *esc = NULL;
        switch (*s) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            break;
        }
        if (esc) {
            buf_append(b, run_start, (size_t)(s - run_start));
            buf_puts(b, esc);
            run_start = s + 1;
        }
    }
    buf_append(b, run_start, (size_t)(s - run_start));
}

/* Binary COPY encoding (PostgreSQL's "Binary Format" of COPY): an
 * 11-byte signature, flags and header-extension length (both 0), then per
 * row a 16-bit field count and per field a 32-bit length (-1: NULL) and
 * the value in network byte order; a 16-bit -1 ends the stream. */
static const char copy_bin_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0";
static const char copy_bin_trailer[2] = {'\377', '\377'};

static void copy_bin_be(unsigned char *out, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        out[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

/* Start a row of count fields. */
static void copy_bin_row(struct buf *b, int count)
{
    unsigned char out[2];

    copy_bin_be(out, (uint64_t)count, 2);
    buf_append(b, out, sizeof(out));
}

/* An int4 field. */
static void copy_bin_int4(struct buf *b, int64_t v)
{
    unsigned char out[8];

    copy_bin_be(out, 4, 4);
    copy_bin_be(out + 4, (uint64_t)(uint32_t)(int32_t)v, 4);
    buf_append(b, out, sizeof(out));
}

/* One row of PG_OBS_COPY, with one reservation (the hot path of a load).
 * source 0 and note "" are NULL. Text goes as is (the server checks the
 * encoding, as for text COPY); value as its IEEE 754 bits (denormals and
 * every digit kept), but -0 as 0: SQLite stores a REAL -0.0 as the integer
 * 0 and reads back 0, so both backends give the same output. */
struct copy_obs_row {
    int64_t indicator, area;
    int year;
    const char *dims;
    int64_t batch;
    double value;
    int status;
    int64_t source;
    const char *note;
};

static unsigned char *put_int4_field(unsigned char *w, int64_t v)
{
    copy_bin_be(w, 4, 4);
    copy_bin_be(w + 4, (uint64_t)(uint32_t)(int32_t)v, 4);
    return w + 8;
}

static unsigned char *put_text_field(unsigned char *w, const char *s,
                                     size_t len)
{
    copy_bin_be(w, s ? (uint64_t)(uint32_t)len : 0xffffffffu, 4);
    if (s && len > 0) {
        memcpy(w + 4, s, len);
    }
    return w + 4 + (s ? len : 0);
}

static void copy_bin_obs(struct buf *b, const struct copy_obs_row *r)
{
    size_t dims_len = strlen(r->dims);
    size_t note_len = strlen(r->note);
    /* count, 9 lengths, 6 int4, a float8, dims, source, note */
    size_t n = 2 + 9 * 4 + 6 * 4 + 8 + dims_len + note_len;
    unsigned char *w;
    uint64_t bits;
    double v = r->value == 0 ? 0.0 : r->value;

    buf_reserve(b, n);
    w = (unsigned char *)b->data + b->len;
    copy_bin_be(w, PG_OBS_COPY_FIELDS, 2);
    w = put_int4_field(w + 2, r->indicator);
    w = put_int4_field(w, r->area);
    w = put_int4_field(w, r->year);
    w = put_text_field(w, r->dims, dims_len);
    w = put_int4_field(w, r->batch);
    memcpy(&bits, &v, sizeof(bits));
    copy_bin_be(w, 8, 4);
    copy_bin_be(w + 4, bits, 8);
    w = put_int4_field(w + 12, r->status);
    if (r->source) {
        w = put_int4_field(w, r->source);
    } else {
        w = put_text_field(w, NULL, 0);
    }
    w = put_text_field(w, note_len ? r->note : NULL, note_len);
    b->len = (size_t)((char *)w - b->data);
    b->data[b->len] = '\0';
}

/* Hand what libpq holds of the open COPY to the server, without waiting,
 * or with all until every byte is sent. While waiting, read what the
 * server sends (a notice, an error), as libpq asks of a non-blocking
 * connection. */
static int copy_push(struct pg *p, bool all, struct err *err)
{
    for (;;) {
        struct pollfd pf = {.fd = PQsocket(p->conn),
                            .events = POLLOUT | POLLIN};
        int rc = PQflush(p->conn);

        if (rc < 0) {
            return pg_fail(p, err, "sending COPY data");
        }
        if (rc == 0) {
            p->copy_pending = 0;
            return 0;
        }
        if (!all) {
            return 0;
        }
        if (poll(&pf, 1, -1) < 0 && errno != EINTR) {
            return err_set(err, ERR_STORAGE, "%s: sending COPY data: %s",
                           p->base.path, strerror(errno));
        }
        if ((pf.revents & POLLIN) && PQconsumeInput(p->conn) == 0) {
            return pg_fail(p, err, "sending COPY data");
        }
    }
}

/* COPY streaming. Rows are appended to p->copy; copy_flush starts the
 * COPY command if needed and hands the buffer to libpq, so the server
 * works on earlier rows while we parse later ones. No other statement can
 * run while a COPY is open: copy_end closes it first (before a lookup). */
static int copy_flush(struct pg *p, struct err *err)
{
    int rc;

    if (p->copy.len == 0) {
        return 0;
    }
    if (!p->copy_open) {
        PGresult *r = PQexec(p->conn, p->copy_sql);
        if (PQresultStatus(r) != PGRES_COPY_IN) {
            return res_fail(p, r, err, "starting COPY");
        }
        PQclear(r);
        p->copy_open = true;
        p->copy_pending = 0;
        if (PQsetnonblocking(p->conn, 1) != 0 ||
            (p->copy_binary &&
             PQputCopyData(p->conn, copy_bin_header,
                           (int)sizeof(copy_bin_header)) != 1)) {
            return pg_fail(p, err, "sending COPY data");
        }
    }
    rc = PQputCopyData(p->conn, p->copy.data, (int)p->copy.len);
    if (rc == 0) { /* libpq could not grow its buffer: send it all first */
        if (copy_push(p, true, err) != 0) {
            return err->code;
        }
        rc = PQputCopyData(p->conn, p->copy.data, (int)p->copy.len);
    }
    if (rc != 1) {
        return pg_fail(p, err, "sending COPY data");
    }
    p->copy_pending += p->copy.len;
    buf_reset(&p->copy);
    return copy_push(p, p->copy_pending > COPY_SLACK, err);
}

/* Send what is buffered and finish the open COPY, if any. */
static int copy_end(struct pg *p, struct err *err)
{
    PGresult *r;
    int rc = copy_flush(p, err);

    if (!p->copy_open) {
        return rc;
    }
    p->copy_open = false;
    if (rc == 0 && copy_push(p, true, err) != 0) {
        rc = err->code;
    }
    if (PQsetnonblocking(p->conn, 0) != 0 && rc == 0) {
        rc = pg_fail(p, err, "sending COPY data");
    }
    if (rc == 0 && p->copy_binary &&
        PQputCopyData(p->conn, copy_bin_trailer,
                      (int)sizeof(copy_bin_trailer)) != 1) {
        rc = pg_fail(p, err, "sending COPY data");
    }
    if (PQputCopyEnd(p->conn, rc == 0 ? NULL : "aborted") != 1 && rc == 0) {
        rc = pg_fail(p, err, "ending COPY");
    }
    while ((r = PQgetResult(p->conn)) != NULL) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = res_fail(p, r, err, "writing rows");
            continue;
        }
        PQclear(r);
    }
    return rc;
}

/* Put the key index back if this batch dropped it. */
static int key_restore(struct pg *p, struct err *err)
{
    if (!p->key_dropped) {
        return 0;
    }
    if (copy_end(p, err) != 0 || exec_sql(p, PG_KEY_MEMORY, err) != 0 ||
        exec_sql(p, PG_KEY_ADD, err) != 0) {
        return err_prefix(err, "building the key of obs");
    }
    p->key_dropped = false;
    return 0;
}

/* Make the series (ind, area) the current one: its current values as of
 * now, this batch's rows included. */
static int series_load(struct pg *p, size_t ind, size_t area, struct err *err)
{
    size_t pair[2] = {ind, area};
    bool new_series;
    struct params ps = {0};
    PGresult *r;

    series_reset(p);
    p->series_ind = ind;
    p->series_area = area;
    p->series_ok = true;
    new_series = strmap_put(&p->seen, (const char *)pair, sizeof(pair), 1);
    if (new_series && p->batch_fresh) {
        return 0;
    }
    if (copy_end(p, err) != 0 || key_restore(p, err) != 0) {
        return err->code;
    }
    p_int(&ps, p->inds[ind].id);
    p_int(&ps, p->areas[area].id);
    r = run(p, PS_SERIES_CURRENT, &ps, err);
    if (!r) {
        return err_prefix(err, "reading the current values");
    }
    for (int i = 0; i < PQntuples(r); i++) {
        struct cur_row *row;
        if (p->row_count == p->row_cap) {
            p->row_cap = p->row_cap ? p->row_cap * 2 : 64;
            p->rows = xreallocarray(p->rows, p->row_cap, sizeof(*p->rows));
        }
        row = &p->rows[p->row_count];
        row->batch = cell_i64(r, i, 2);
        row->value = cell_double(r, i, 3);
        row->status = (int)cell_i64(r, i, 4);
        row->source = cell_i64(r, i, 5);
        row->note = xstrdup(cell(r, i, 6));
        key_set_put(&p->keys, (int)cell_i64(r, i, 0), cell(r, i, 1),
                    p->row_count);
        p->row_count++;
    }
    PQclear(r);
    return 0;
}

/* The cache indices of o's indicator and area; a load gives one series
 * row after row, so the current series' codes are tried first. */
static int obs_codes(struct pg *p, const struct obs *o, size_t *out_ind,
                     size_t *out_area, struct err *err)
{
    if (p->series_ok &&
        strcmp(o->indicator, p->inds[p->series_ind].code) == 0 &&
        strcmp(o->economy, p->areas[p->series_area].code) == 0) {
        *out_ind = p->series_ind;
        *out_area = p->series_area;
        return 0;
    }
    if (find_ind(p, o->indicator, out_ind, err) != 0 ||
        find_area(p, o->economy, out_area, err) != 0) {
        return err->code;
    }
    return 0;
}

/* Record that this batch appended to the series (ind, area), once per
 * series (for batch_series; a load may come back to a series). */
static void series_appended(struct pg *p, size_t ind, size_t area)
{
    int32_t pair[2] = {(int32_t)p->areas[area].id, (int32_t)p->inds[ind].id};

    p->series_appended = true;
    if (!strmap_put(&p->appended, (const char *)pair, sizeof(pair), 0)) {
        return;
    }
    if (p->app_count + 2 > p->app_cap) {
        p->app_cap = p->app_cap ? p->app_cap * 2 : 64;
        p->app_pairs = xreallocarray(p->app_pairs, p->app_cap, sizeof(int64_t));
    }
    p->app_pairs[p->app_count++] = p->areas[area].id;
    p->app_pairs[p->app_count++] = p->inds[ind].id;
}

static int pg_obs_put(struct store *s, const struct obs *o, bool *out_changed,
                      struct err *err)
{
    struct pg *p = pg_of(s);
    size_t ind, area, k;
    int64_t src;
    const char *dims = o->dims ? o->dims : "";
    const char *note = o->note ? o->note : "";
    struct cur_row *row;

    if (out_changed) {
        *out_changed = false;
    }
    if (p->tx != 2) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (obs_codes(p, o, &ind, &area, err) != 0 ||
        store_check_obs(o, err) != 0 ||
        source_id(p, o->source, &src, err) != 0) {
        return err->code;
    }
    if (!p->series_ok || p->series_ind != ind || p->series_area != area) {
        if (series_load(p, ind, area, err) != 0) {
            return err->code;
        }
    }
    if (key_set_get(&p->keys, o->year, dims, &k)) {
        row = &p->rows[k];
        if (row->batch == p->batch_id) {
            return store_duplicate(o, err);
        }
        if (row->value == o->value && row->status == (int)o->status &&
            row->source == src && strcmp(row->note, note) == 0) {
            return 0;
        }
        xfree(row->note);
    } else {
        if (p->row_count == p->row_cap) {
            p->row_cap = p->row_cap ? p->row_cap * 2 : 64;
            p->rows = xreallocarray(p->rows, p->row_cap, sizeof(*p->rows));
        }
        k = p->row_count++;
        key_set_put(&p->keys, o->year, dims, k);
        row = &p->rows[k];
    }
    row->batch = p->batch_id;
    row->value = o->value;
    row->status = (int)o->status;
    row->source = src;
    /* A row of this batch is never compared (a second value for its key is
     * a duplicate), so its note is not kept. */
    row->note = NULL;
    copy_bin_obs(&p->copy, &(struct copy_obs_row){
                               .indicator = p->inds[ind].id,
                               .area = p->areas[area].id,
                               .year = o->year,
                               .dims = dims,
                               .batch = p->batch_id,
                               .value = o->value,
                               .status = (int)o->status,
                               .source = src,
                               .note = note,
                           });
    p->batch_changed++;
    if (!p->series_appended) {
        series_appended(p, ind, area);
    }
    if (out_changed) {
        *out_changed = true;
    }
    if (p->copy.len >= COPY_CHUNK && copy_flush(p, err) != 0) {
        return err->code;
    }
    return 0;
}

static int pg_batch_commit(struct store *s, int64_t *out_batch,
                           int64_t *out_changed, struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};
    PGresult *r;

    *out_batch = 0;
    if (out_changed) {
        *out_changed = 0;
    }
    if (p->tx != 2) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (p->batch_changed == 0) {
        pg_rollback(s);
        return 0;
    }
    if (copy_end(p, err) != 0 || key_restore(p, err) != 0) {
        pg_rollback(s);
        return err->code;
    }
    /* The series appended to, for since_batch (store.h): one COPY (each
     * pair once, and the batch is new, so no row can already be there). */
    p->copy_sql = PG_SERIES_COPY;
    for (size_t i = 0; i + 1 < p->app_count; i += 2) {
        copy_bin_row(&p->copy, 3);
        copy_bin_int4(&p->copy, p->batch_id);
        copy_bin_int4(&p->copy, p->app_pairs[i]);
        copy_bin_int4(&p->copy, p->app_pairs[i + 1]);
        if (p->copy.len >= COPY_CHUNK && copy_flush(p, err) != 0) {
            pg_rollback(s);
            return err->code;
        }
    }
    if (copy_end(p, err) != 0) {
        pg_rollback(s);
        return err->code;
    }
    p_int(&ps, p->batch_changed);
    p_int(&ps, p->batch_id);
    r = run_sql(p, SQL_BATCH_SET_CHANGED, &ps, err);
    if (!r) {
        pg_rollback(s);
        return err->code;
    }
    PQclear(r);
    if (exec_sql(p, "COMMIT", err) != 0) {
        pg_rollback(s);
        return err->code;
    }
    p->tx = 0;
    *out_batch = p->batch_id;
    if (out_changed) {
        *out_changed = p->batch_changed;
    }
    batch_state_drop(p);
    return 0;
}

static void pg_batch_rollback(struct store *s)
{
    pg_rollback(s);
}

/* ---- Observation queries ------------------------------------------------ */

/* Append "{id,id,...}" of the codes to b; ERR_NOT_FOUND for an unknown
 * one. */
static int id_array(struct pg *p, const char *const *codes, size_t n,
                    bool areas, struct buf *b, struct err *err)
{
    buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        size_t k;
        if (areas ? find_area(p, codes[i], &k, err) != 0
                  : find_ind(p, codes[i], &k, err) != 0) {
            return err->code;
        }
        buf_printf(b, "%s%lld", i ? "," : "",
                   (long long)(areas ? p->areas[k].id : p->inds[k].id));
    }
    buf_putc(b, '}');
    return 0;
}

static int as_of_limit(struct pg *p, const struct store_obs_query *f,
                       int64_t *out, struct err *err)
{
    struct params ps = {0};
    PGresult *r;

    /* batch_id is a 32-bit integer on PostgreSQL. */
    *out = f->as_of_batch > 0 && f->as_of_batch < INT_MAX ? f->as_of_batch
                                                          : INT_MAX;
    if (f->as_of <= 0) {
        return 0;
    }
    p_int(&ps, f->as_of);
    r = run(p, PS_BATCH_ASOF, &ps, err);
    if (!r) {
        return err->code;
    }
    if (PQntuples(r) > 0) {
        int64_t id = cell_i64(r, 0, 0);
        if (id < *out) {
            *out = id;
        }
    }
    PQclear(r);
    return 0;
}

/* True if the canonical dims key passes the dimension filters of f. */
static bool dims_pass(const struct store_obs_query *f, const char *dims)
{
    struct dim_pair pairs[MAX_DIMS];
    size_t n = 0;
    struct err ignored;

    if (f->dim_count == 0) {
        return !f->totals_only || dims[0] == '\0';
    }
    if (dims_parse(dims, pairs, MAX_DIMS, &n, &ignored) != 0) {
        return false;
    }
    for (size_t i = 0; i < f->dim_count; i++) {
        const struct dim_pair *want = &f->dims[i];
        bool ok = false;
        size_t k = 0;
        while (k < n &&
               !(pairs[k].dim_len == want->dim_len &&
                 memcmp(pairs[k].dim, want->dim, want->dim_len) == 0)) {
            k++;
        }
        if (k == n) {
            return false;
        }
        for (size_t j = 0; j < f->dim_count && !ok; j++) {
            const struct dim_pair *alt = &f->dims[j];
            ok = alt->dim_len == want->dim_len &&
                 memcmp(alt->dim, want->dim, want->dim_len) == 0 &&
                 alt->value_len == pairs[k].value_len &&
                 memcmp(alt->value, pairs[k].value, alt->value_len) == 0;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

static int pg_obs_query(struct store *s, const struct store_obs_query *f,
                        store_obs_fn fn, void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    struct buf inds, areas, sql;
    struct params ps = {0};
    int64_t limit = 0;
    PGresult *r;
    int rc = 0;
    size_t g = 0;

    if (cache_load(p, err) != 0) {
        return err->code;
    }
    buf_init(&inds);
    buf_init(&areas);
    buf_init(&sql);
    if (f->indicator_count > 0 && id_array(p, f->indicators, f->indicator_count,
                                           false, &inds, err) != 0) {
        rc = err->code;
        goto out;
    }
    if (f->group &&
        (!strmap_get(&p->area_ids, f->group, strlen(f->group), &g) ||
         !p->areas[g].is_group)) {
        rc = err_set(err, ERR_NOT_FOUND, "unknown group '%s'", f->group);
        goto out;
    }
    if (f->economy_count > 0 &&
        id_array(p, f->economies, f->economy_count, true, &areas, err) != 0) {
        rc = err->code;
        goto out;
    }
    if (as_of_limit(p, f, &limit, err) != 0) {
        rc = err->code;
        goto out;
    }
    ps.v[ps.n++] = f->indicator_count > 0 ? inds.data : NULL;
    ps.v[ps.n++] = f->economy_count > 0 ? areas.data : NULL;
    p_int(&ps, f->year_from > 0 ? f->year_from : INT_MIN);
    p_int(&ps, f->year_to > 0 ? f->year_to : INT_MAX);
    p_int(&ps, limit);
    p_bool(&ps, f->totals_only && f->dim_count == 0);
    if (f->group) {
        p_int(&ps, p->areas[g].id);
    } else {
        p_null(&ps);
    }
    if (!PQsendQueryParams(p->conn, PG_OBS_QUERY, ps.n, NULL, ps.v, NULL, NULL,
                           0) ||
        !PQsetSingleRowMode(p->conn)) {
        rc = pg_fail(p, err, "querying observations");
        goto drain;
    }
    while ((r = PQgetResult(p->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (rc != 0) {
            PQclear(r);
            continue;
        }
        if (st == PGRES_SINGLE_TUPLE) {
            struct obs o = {
                .indicator = cell(r, 0, 0),
                .economy = cell(r, 0, 1),
                .year = (int)cell_i64(r, 0, 2),
                .dims = cell(r, 0, 3),
                .batch = cell_i64(r, 0, 4),
                .value = cell_double(r, 0, 5),
                .status = (enum obs_status)cell_i64(r, 0, 6),
                .source = cell(r, 0, 7),
                .note = cell(r, 0, 8),
                .batch_time = cell_i64(r, 0, 9),
                .batch_kind = (enum batch_kind)cell_i64(r, 0, 10),
            };
            /* since_batch: filtered here, after the whole query (the
             * SQLite backend reads only batch_series' series). */
            if (o.batch > f->since_batch && dims_pass(f, o.dims)) {
                rc = fn(ctx, &o, err);
                if (rc != 0) {
                    /* Stop the server early; the rest is drained. */
                    PGcancel *c = PQgetCancel(p->conn);
                    char ebuf[256];
                    if (c) {
                        PQcancel(c, ebuf, sizeof(ebuf));
                        PQfreeCancel(c);
                    }
                }
            }
            PQclear(r);
        } else if (st == PGRES_TUPLES_OK) {
            PQclear(r);
        } else {
            rc = res_fail(p, r, err, "querying observations");
        }
    }
    goto out;
drain:
    while ((r = PQgetResult(p->conn)) != NULL) {
        PQclear(r);
    }
out:
    buf_cleanup(&inds);
    buf_cleanup(&areas);
    buf_cleanup(&sql);
    return rc;
}

static int pg_obs_history(struct store *s, const char *indicator,
                          const char *economy, int year, const char *dims,
                          store_history_fn fn, void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};
    size_t ind, area;
    PGresult *r;
    int cb = 0;

    if (cache_load(p, err) != 0 || find_ind(p, indicator, &ind, err) != 0 ||
        find_area(p, economy, &area, err) != 0) {
        return err->code;
    }
    p_int(&ps, p->inds[ind].id);
    p_int(&ps, p->areas[area].id);
    p_int(&ps, year);
    p_str(&ps, dims);
    r = run(p, PS_OBS_HISTORY, &ps, err);
    if (!r) {
        return err_prefix(err, "reading the history");
    }
    for (int i = 0; i < PQntuples(r) && cb == 0; i++) {
        struct obs o = {
            .indicator = p->inds[ind].code,
            .economy = p->areas[area].code,
            .year = (int)cell_i64(r, i, 0),
            .dims = cell(r, i, 1),
            .batch = cell_i64(r, i, 2),
            .value = cell_double(r, i, 3),
            .status = (enum obs_status)cell_i64(r, i, 4),
            .source = cell(r, i, 5),
            .note = cell(r, i, 6),
            .batch_time = cell_i64(r, i, 7),
            .batch_kind = (enum batch_kind)cell_i64(r, i, 8),
        };
        struct batch b = {
            .id = o.batch,
            .time = o.batch_time,
            .kind = o.batch_kind,
            .origin = cell(r, i, 9),
            .file = cell(r, i, 10),
            .sha256 = cell(r, i, 11),
            .note = cell(r, i, 12),
            .changed = cell_i64(r, i, 13),
        };
        cb = fn(ctx, &o, &b, err);
    }
    PQclear(r);
    return cb;
}

/* ---- Batches and state -------------------------------------------------- */

static int pg_batch_list(struct store *s, size_t limit, store_batch_fn fn,
                         void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    struct params ps = {0};
    PGresult *r;
    int cb = 0;

    p_int(&ps,
          limit > 0 && limit < (size_t)INT64_MAX ? (int64_t)limit : INT64_MAX);
    r = run_sql(p, SQL_BATCH_LIST, &ps, err);
    if (!r) {
        return err->code;
    }
    for (int i = 0; i < PQntuples(r) && cb == 0; i++) {
        struct batch b = {
            .id = cell_i64(r, i, 0),
            .time = cell_i64(r, i, 1),
            .kind = (enum batch_kind)cell_i64(r, i, 2),
            .origin = cell(r, i, 3),
            .file = cell(r, i, 4),
            .sha256 = cell(r, i, 5),
            .note = cell(r, i, 6),
            .changed = cell_i64(r, i, 7),
        };
        cb = fn(ctx, &b, err);
    }
    PQclear(r);
    return cb;
}

static int pg_last_revision(struct store *s, int64_t *out_batch,
                            int64_t *out_time, struct err *err)
{
    struct pg *p = pg_of(s);
    PGresult *r = run(p, PS_BATCH_LAST, NULL, err);

    *out_batch = 0;
    *out_time = 0;
    if (!r) {
        return err_prefix(err, "reading batches");
    }
    if (PQntuples(r) > 0) {
        *out_batch = cell_i64(r, 0, 0);
        *out_time = cell_i64(r, 0, 1);
    }
    PQclear(r);
    return 0;
}

static int pg_counts(struct store *s, struct store_counts *out, struct err *err)
{
    struct pg *p = pg_of(s);
    int64_t ymin = 0, ymax = 0;
    int64_t *c[] = {
        &out->economies,
        &out->groups,
        &out->memberships,
        &out->dimensions,
        &out->indicators,
        &out->code_map,
        &out->series,
        &out->revisions,
        &out->batches,
        &out->indicators_with_data,
        &out->economies_with_data,
        &ymin,
        &ymax,
    };

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < ARRAY_COUNT(c) && i < store_sql_count_count; i++) {
        PGresult *r = run_sql(p, store_sql_counts[i], NULL, err);
        if (!r) {
            return err_prefix(err, "counting");
        }
        *c[i] = cell_i64(r, 0, 0);
        PQclear(r);
    }
    out->year_min = (int)ymin;
    out->year_max = (int)ymax;
    return 0;
}

/* ---- Whole tables (store_copy) ------------------------------------------ */

static int pg_table_read(struct store *s, size_t table, store_row_fn fn,
                         void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    const char *types = store_sql_tables[table].types;
    size_t n = strlen(types);
    const char *cells[32];
    char nums[32][40];
    PGresult *r;
    int rc = 0;

    if (n > ARRAY_COUNT(cells)) {
        return err_set(err, ERR_INTERNAL, "too many columns");
    }
    buf_reset(&p->sql);
    store_sql_table_select(table, &p->sql);
    if (!PQsendQuery(p->conn, p->sql.data) || !PQsetSingleRowMode(p->conn)) {
        rc = pg_fail(p, err, "reading a table");
    }
    while ((r = PQgetResult(p->conn)) != NULL) {
        if (rc == 0 && PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
            for (size_t i = 0; i < n; i++) {
                if (PQgetisnull(r, 0, (int)i)) {
                    cells[i] = NULL;
                } else if (types[i] == 'r') {
                    fmt_double(nums[i], sizeof(nums[i]),
                               cell_double(r, 0, (int)i));
                    cells[i] = nums[i];
                } else {
                    cells[i] = PQgetvalue(r, 0, (int)i);
                }
            }
            rc = fn(ctx, cells, n, err);
            PQclear(r);
        } else if (rc == 0 && PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = res_fail(p, r, err, "reading a table");
        } else {
            PQclear(r);
        }
    }
    return rc;
}

static int pg_copy_begin(struct store *s, struct err *err)
{
    struct pg *p = pg_of(s);
    int64_t n = 0;

    if (p->tx != 0) {
        return err_set(err, ERR_CONFLICT, "a transaction is already open");
    }
    if (begin_write(p, err) != 0) {
        return err->code;
    }
    p->tx = 3;
    if (query_int(p,
                  "SELECT (SELECT count(*) FROM areas) +"
                  " (SELECT count(*) FROM indicators) +"
                  " (SELECT count(*) FROM batches)",
                  &n, err) != 0) {
        pg_rollback(s);
        return err->code;
    }
    if (n > 0) {
        pg_rollback(s);
        return err_set(err, ERR_CONFLICT,
                       "%s is not empty: a store is copied only into a new "
                       "one",
                       p->base.path);
    }
    return 0;
}

static int pg_copy_table_begin(struct store *s, size_t table, struct err *err)
{
    struct pg *p = pg_of(s);

    (void)err;
    buf_reset(&p->copy_stmt);
    buf_printf(&p->copy_stmt, "COPY %s(%s) FROM STDIN",
               store_sql_tables[table].name, store_sql_tables[table].cols);
    p->copy_sql = p->copy_stmt.data;
    p->copy_binary = false;
    buf_reset(&p->copy);
    p->copy_cols = strlen(store_sql_tables[table].types);
    return 0;
}

static int pg_copy_row(struct store *s, const char *const *cells, size_t n,
                       struct err *err)
{
    struct pg *p = pg_of(s);

    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            buf_putc(&p->copy, '\t');
        }
        if (cells[i]) {
            copy_text(&p->copy, cells[i]);
        } else {
            buf_puts(&p->copy, "\\N");
        }
    }
    buf_putc(&p->copy, '\n');
    if (p->copy.len >= COPY_CHUNK) {
        return copy_flush(p, err);
    }
    return 0;
}

static int pg_copy_table_end(struct store *s, struct err *err)
{
    struct pg *p = pg_of(s);

    return copy_end(p, err);
}

static int pg_copy_commit(struct store *s, struct err *err)
{
    struct pg *p = pg_of(s);
    static const char *const seqs[] = {"areas", "indicators", "sources",
                                       "batches"};
    struct buf sql;

    buf_init(&sql);
    for (size_t i = 0; i < ARRAY_COUNT(seqs); i++) {
        /* Constant table names only. */
        buf_reset(&sql);
        buf_printf(&sql,
                   "SELECT setval(pg_get_serial_sequence('%s', 'id'),"
                   " (SELECT coalesce(max(id), 0) + 1 FROM %s), false)",
                   seqs[i], seqs[i]);
        if (exec_sql(p, sql.data, err) != 0) {
            buf_cleanup(&sql);
            pg_rollback(s);
            return err->code;
        }
    }
    buf_cleanup(&sql);
    if (exec_sql(p, "COMMIT", err) != 0) {
        pg_rollback(s);
        return err->code;
    }
    p->tx = 0;
    p->cache_ok = false;
    return 0;
}

static void pg_copy_rollback(struct store *s)
{
    pg_rollback(s);
}

/* ---- Statements of store-side modules (store_int.h) -------------------- */

/* OIDs of the parameter types we send (pg_type.h, stable across
 * releases). */
#define OID_BYTEA  17
#define OID_INT8   20
#define OID_TEXT   25
#define OID_FLOAT8 701

/* The parameters of x as libpq wants them: text, except blobs in binary
 * (bytea). nums holds the text of numbers. */
struct exec_params {
    const char *v[STORE_MAX_PARAMS];
    int len[STORE_MAX_PARAMS];
    int fmt[STORE_MAX_PARAMS];
    unsigned types[STORE_MAX_PARAMS];
    char nums[STORE_MAX_PARAMS][40];
};

static void exec_params(const struct store_stmt *x, struct exec_params *e)
{
    for (size_t i = 0; i < x->param_count; i++) {
        const struct store_param *p = &x->params[i];
        e->len[i] = 0;
        e->fmt[i] = 0;
        switch (p->type) {
        case STORE_PARAM_TEXT:
            e->v[i] = p->text;
            e->types[i] = OID_TEXT;
            break;
        case STORE_PARAM_INT:
            snprintf(e->nums[i], sizeof(e->nums[i]), "%lld", (long long)p->i);
            e->v[i] = e->nums[i];
            e->types[i] = OID_INT8;
            break;
        case STORE_PARAM_DOUBLE:
            fmt_double(e->nums[i], sizeof(e->nums[i]), p->d);
            e->v[i] = e->nums[i];
            e->types[i] = OID_FLOAT8;
            break;
        case STORE_PARAM_BLOB:
            e->v[i] = p->len ? p->text : "";
            e->len[i] = (int)p->len;
            e->fmt[i] = 1;
            e->types[i] = OID_BYTEA;
            break;
        case STORE_PARAM_NULL:
        default:
            e->v[i] = NULL;
            e->types[i] = 0;
            break;
        }
    }
}

/* A failed statement's error: ERR_CONFLICT for a unique violation. */
static int exec_fail(struct pg *p, PGresult *r, struct err *err)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    if (m == NULL) {
        return res_fail(p, r, err, "executing");
    }
    /* The same text as store_sqlite.c's for a unique violation. */
    if (state != NULL && strcmp(state, "23505") == 0) {
        err_set(err, ERR_CONFLICT, "a row with the same key exists");
    } else {
        err_set(err, ERR_STORAGE, "%s", m);
    }
    PQclear(r);
    return err->code;
}

/* Hand every row of r to x->fn; bytea cells are decoded, reals
 * reformatted as SQLite's side does. */
static int exec_rows(PGresult *r, const struct store_stmt *x, struct err *err)
{
    const char *cells[STORE_MAX_CELLS];
    size_t lens[STORE_MAX_CELLS];
    unsigned char *blobs[STORE_MAX_CELLS] = {0};
    char nums[STORE_MAX_CELLS][40];
    size_t n = (size_t)PQnfields(r);
    int rows = PQntuples(r);
    int cb = 0;

    if (x->fn == NULL || rows == 0) {
        return 0;
    }
    if (n > STORE_MAX_CELLS) {
        return err_set(err, ERR_LIMIT, "a statement returns at most %d columns",
                       STORE_MAX_CELLS);
    }
    for (int row = 0; row < rows && cb == 0; row++) {
        struct store_cells c = {cells, lens, n};
        for (size_t i = 0; i < n; i++) {
            int col = (int)i;
            PQfreemem(blobs[i]);
            blobs[i] = NULL;
            if (PQgetisnull(r, row, col)) {
                cells[i] = NULL;
                lens[i] = 0;
            } else if (PQftype(r, col) == OID_BYTEA) {
                blobs[i] = PQunescapeBytea(
                    (const unsigned char *)PQgetvalue(r, row, col), &lens[i]);
                cells[i] = blobs[i] ? (const char *)blobs[i] : "";
            } else if (PQftype(r, col) == OID_FLOAT8) {
                lens[i] = fmt_double(nums[i], sizeof(nums[i]),
                                     cell_double(r, row, col));
                cells[i] = nums[i];
            } else {
                cells[i] = PQgetvalue(r, row, col);
                lens[i] = (size_t)PQgetlength(r, row, col);
            }
        }
        cb = x->fn(x->ctx, &c, err);
    }
    for (size_t i = 0; i < n; i++) {
        PQfreemem(blobs[i]);
    }
    return cb;
}

static bool is_select(const char *sql)
{
    return strncmp(sql, "SELECT", 6) == 0;
}

static int pg_exec(struct store *s, const struct store_stmt *x,
                   int64_t *out_changes, struct err *err)
{
    struct pg *p = pg_of(s);
    struct exec_params e;
    bool own_tx = p->tx == 0 && !p->readonly && !is_select(x->sql);
    PGresult *r;
    int rc;

    /* A batch may be streaming COPY rows: finish that first, on the same
     * connection and in the same transaction. */
    if (p->copy_open && copy_end(p, err) != 0) {
        return err->code;
    }
    if (own_tx && begin_write(p, err) != 0) {
        return err->code;
    }
    exec_params(x, &e);
    buf_reset(&p->sql);
    store_sql_render(x->sql, STORE_SQL_POSTGRESQL, 0, &p->sql);
    r = PQexecParams(p->conn, p->sql.data, (int)x->param_count, e.types, e.v,
                     e.len, e.fmt, 0);
    if (!res_ok(r)) {
        exec_fail(p, r, err);
        if (own_tx) {
            exec_sql(p, "ROLLBACK", &(struct err){0});
        }
        return err->code;
    }
    if (out_changes != NULL && !is_select(x->sql)) {
        const char *t = PQcmdTuples(r);
        struct err ignored;
        if (parse_int64(t, strlen(t), 0, INT64_MAX, out_changes, &ignored) !=
            0) {
            *out_changes = 0;
        }
    }
    rc = exec_rows(r, x, err);
    PQclear(r);
    if (own_tx) {
        if (rc == 0) {
            rc = exec_sql(p, "COMMIT", err);
        }
        if (rc != 0) {
            exec_sql(p, "ROLLBACK", &(struct err){0});
        }
    }
    return rc;
}

static const struct store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .economy_put = pg_economy_put,
    .group_put = pg_group_put,
    .indicator_put = pg_indicator_put,
    .membership_put = pg_membership_put,
    .dimension_put = pg_dimension_put,
    .code_map_put = pg_code_map_put,
    .reference_clear = pg_reference_clear,
    .economy_list = pg_economy_list,
    .group_list = pg_group_list,
    .group_members = pg_group_members,
    .economy_groups = pg_economy_groups,
    .dimension_list = pg_dimension_list,
    .indicator_list = pg_indicator_list,
    .code_map_list = pg_code_map_list,
    .batch_begin = pg_batch_begin,
    .obs_put = pg_obs_put,
    .batch_commit = pg_batch_commit,
    .batch_rollback = pg_batch_rollback,
    .obs_query = pg_obs_query,
    .obs_history = pg_obs_history,
    .batch_list = pg_batch_list,
    .last_revision = pg_last_revision,
    .counts = pg_counts,
    .table_read = pg_table_read,
    .copy_begin = pg_copy_begin,
    .copy_table_begin = pg_copy_table_begin,
    .copy_row = pg_copy_row,
    .copy_table_end = pg_copy_table_end,
    .copy_commit = pg_copy_commit,
    .copy_rollback = pg_copy_rollback,
    .exec = pg_exec,
};
