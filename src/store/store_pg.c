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
 * Observations. What goes into blocks and what comes out of them is
 * store_obs.c's, as on SQLite; here blocks are written with COPY blocks
 * FROM STDIN (binary format), streamed whenever the buffer fills and at
 * commit, without waiting for the server unless it falls 8 MB behind, all
 * inside the batch's one transaction; a read during a batch ends the COPY
 * first. Blocks are read in binary (bytea as raw bytes). Every value
 * travels as a bound parameter or in the COPY stream, never in SQL text.
 *
 * Other tables. pg_exec runs store_exec's statements (data collection,
 * plan versions) on this connection, in the open transaction or batch
 * (ending a COPY first), with typed parameters (bytea in binary). */
#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/buf.h"
#include "../core/dynlib.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strmap.h"
#include "../core/strparse.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"

/* ---- libpq, opened on first use (core/dynlib.h) ------------------------- */
#define PQ_FUNCS(X)                                                            \
    X(PQclear)                                                                 \
    X(PQcmdTuples)                                                             \
    X(PQconnectdb)                                                             \
    X(PQconsumeInput)                                                          \
    X(PQerrorMessage)                                                          \
    X(PQexec)                                                                  \
    X(PQexecParams)                                                            \
    X(PQexecPrepared)                                                          \
    X(PQfinish)                                                                \
    X(PQflush)                                                                 \
    X(PQfreemem)                                                               \
    X(PQftype)                                                                 \
    X(PQgetResult)                                                             \
    X(PQgetisnull)                                                             \
    X(PQgetlength)                                                             \
    X(PQgetvalue)                                                              \
    X(PQnfields)                                                               \
    X(PQntuples)                                                               \
    X(PQprepare)                                                               \
    X(PQputCopyData)                                                           \
    X(PQputCopyEnd)                                                            \
    X(PQresultErrorField)                                                      \
    X(PQresultErrorMessage)                                                    \
    X(PQresultStatus)                                                          \
    X(PQsendQuery)                                                             \
    X(PQsetNoticeProcessor)                                                    \
    X(PQsetSingleRowMode)                                                      \
    X(PQsetnonblocking)                                                        \
    X(PQsocket)                                                                \
    X(PQstatus)                                                                \
    X(PQunescapeBytea)

static struct {
    PQ_FUNCS(DYNLIB_FIELD)
} pq;
#define PQ_SYM(name) {#name, (void **)&pq.name},
static const struct dynlib_sym pq_syms[] = {PQ_FUNCS(PQ_SYM)};
static struct dynlib pq_lib = DYNLIB_INIT("libpq.so.5", "libpq5", pq_syms);

#define PQ_MACRO(name)       (*pq.name)
#define PQclear              PQ_MACRO(PQclear)
#define PQcmdTuples          PQ_MACRO(PQcmdTuples)
#define PQconnectdb          PQ_MACRO(PQconnectdb)
#define PQconsumeInput       PQ_MACRO(PQconsumeInput)
#define PQerrorMessage       PQ_MACRO(PQerrorMessage)
#define PQexec               PQ_MACRO(PQexec)
#define PQexecParams         PQ_MACRO(PQexecParams)
#define PQexecPrepared       PQ_MACRO(PQexecPrepared)
#define PQfinish             PQ_MACRO(PQfinish)
#define PQflush              PQ_MACRO(PQflush)
#define PQfreemem            PQ_MACRO(PQfreemem)
#define PQftype              PQ_MACRO(PQftype)
#define PQgetResult          PQ_MACRO(PQgetResult)
#define PQgetisnull          PQ_MACRO(PQgetisnull)
#define PQgetlength          PQ_MACRO(PQgetlength)
#define PQgetvalue           PQ_MACRO(PQgetvalue)
#define PQnfields            PQ_MACRO(PQnfields)
#define PQntuples            PQ_MACRO(PQntuples)
#define PQprepare            PQ_MACRO(PQprepare)
#define PQputCopyData        PQ_MACRO(PQputCopyData)
#define PQputCopyEnd         PQ_MACRO(PQputCopyEnd)
#define PQresultErrorField   PQ_MACRO(PQresultErrorField)
#define PQresultErrorMessage PQ_MACRO(PQresultErrorMessage)
#define PQresultStatus       PQ_MACRO(PQresultStatus)
#define PQsendQuery          PQ_MACRO(PQsendQuery)
#define PQsetNoticeProcessor PQ_MACRO(PQsetNoticeProcessor)
#define PQsetSingleRowMode   PQ_MACRO(PQsetSingleRowMode)
#define PQsetnonblocking     PQ_MACRO(PQsetnonblocking)
#define PQsocket             PQ_MACRO(PQsocket)
#define PQstatus             PQ_MACRO(PQstatus)
#define PQunescapeBytea      PQ_MACRO(PQunescapeBytea)

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
/* Binary COPY (copy_bin_*): the server neither parses numbers nor splits
 * text, and the client formats none. Its fields must match the column
 * types exactly: every id, year and count column is INTEGER (int4 on
 * PostgreSQL, store_sql_render), data BYTEA; a mismatch fails the COPY
 * ("incorrect binary data format"). */
#define PG_BLOCK_COPY                                                          \
    "COPY blocks(indicator_id, area_id, batch_id, part, cells, year_min,"      \
    " year_max, data) FROM STDIN (FORMAT binary)"
#define PG_BLOCK_COPY_FIELDS 8
/* One copy of the text, so that copy_sql can be told by its address. */
static const char pg_block_copy[] = PG_BLOCK_COPY;

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
    PS_BATCH_LAST,
    PS_BATCH_PUT,
    PS_BLOCK_ANY,
    PS_BLOCKS_IND,
    PS_BLOCKS_SERIES,
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
    [PS_BATCH_LAST] = SQL_BATCH_LAST,
    [PS_BATCH_PUT] = PG_BATCH_PUT,
    [PS_BLOCK_ANY] = SQL_BLOCK_ANY,
    [PS_BLOCKS_IND] = SQL_BLOCKS_OF_IND,
    [PS_BLOCKS_SERIES] = SQL_BLOCKS_OF_SERIES,
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

struct pg {
    struct store base; /* first: store.c sees only this */
    PGconn *conn;
    bool readonly;
    int tx; /* 0 none, 1 plain transaction, 2 batch, 3 copy, 4 read */
    bool prepared[PS_COUNT];
    struct buf sql; /* scratch for rendered SQL */
    bool cache_ok;
    int64_t codes_version; /* PG_CODES_VERSION when the cache was filled */
    struct store_codes codes;
    struct buf copy; /* COPY rows not yet sent */
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
static void copy_abort(struct pg *p);

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

/* Prepare statement id on this connection, once. */
static int prepare(struct pg *p, enum pst id, struct err *err)
{
    char name[32];
    PGresult *r;

    if (p->prepared[id]) {
        return 0;
    }
    snprintf(name, sizeof(name), "ictdev_%d", (int)id);
    buf_reset(&p->sql);
    store_sql_render(pst_sql[id], STORE_SQL_POSTGRESQL, 0, &p->sql);
    r = PQprepare(p->conn, name, p->sql.data, 0, NULL);
    if (!res_ok(r)) {
        return res_fail(p, r, err, "prepare");
    }
    PQclear(r);
    p->prepared[id] = true;
    return 0;
}

/* Run prepared statement id; owned result (text, or binary with
 * binary) or NULL with err. */
static PGresult *run_as(struct pg *p, enum pst id, const struct params *ps,
                        int binary, struct err *err)
{
    char name[32];
    PGresult *r;

    if (prepare(p, id, err) != 0) {
        return NULL;
    }
    snprintf(name, sizeof(name), "ictdev_%d", (int)id);
    r = PQexecPrepared(p->conn, name, ps ? ps->n : 0, ps ? ps->v : NULL, NULL,
                       NULL, binary);
    if (!res_ok(r)) {
        res_fail(p, r, err, "executing");
        return NULL;
    }
    return r;
}

static PGresult *run(struct pg *p, enum pst id, const struct params *ps,
                     struct err *err)
{
    return run_as(p, id, ps, 0, err);
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
    store_codes_drop(&p->codes);
    p->cache_ok = false;
}

static int cache_fill(struct pg *p, const char *sql, bool area, struct err *err)
{
    PGresult *r = run_sql(p, sql, NULL, err);

    if (!r) {
        return err->code;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        store_codes_add(&p->codes, area, cell_i64(r, i, 0), cell(r, i, 1),
                        cell_i64(r, i, 2) != 0);
    }
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

    if (p->cache_ok && p->tx != 0 && p->tx != 4) {
        return 0; /* our own write transaction: only we change codes */
    }
    if (codes_version(p, &version, err) != 0) {
        return err->code;
    }
    if (p->cache_ok && version == p->codes_version) {
        return 0;
    }
    cache_drop(p);
    if (cache_fill(p, SQL_INDICATOR_CODES, false, err) != 0 ||
        cache_fill(p, SQL_AREA_CODES, true, err) != 0) {
        cache_drop(p);
        return err->code;
    }
    store_codes_index(&p->codes);
    p->codes_version = version;
    p->cache_ok = true;
    return 0;
}

static int pg_codes(struct store *s, const struct store_codes **out,
                    struct err *err)
{
    struct pg *p = pg_of(s);

    if (cache_load(p, err) != 0) {
        return err->code;
    }
    *out = &p->codes;
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
    p->tx = 1; /* store_exec of the migration hook runs inside */
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
             exec_sql(p, store_sql_migrations_pg[v], err) != 0) ||
            store_obs_migrate(&p->base, (int)v, err) != 0 ||
            copy_end(p, err) != 0) {
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
    p->tx = 0;
    return 0;
fail:
    err_prefix(err, "upgrading the schema from version %lld", (long long)from);
    copy_abort(p);
    exec_sql(p, "ROLLBACK", &(struct err){0});
    p->tx = 0;
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
    buf_cleanup(&p->copy);
    buf_cleanup(&p->sql);
    cache_drop(p);
    PQfinish(p->conn);
    xfree(p->base.path);
    xfree(p);
}

struct store *store_pg_open(const char *uri, unsigned flags, struct err *err)
{
    struct pg *p;

    if (dynlib_ready(&pq_lib, "PostgreSQL", err) != 0) {
        return NULL;
    }
    p = xcalloc(1, sizeof(*p));

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
    if (cache_load(p, err) != 0 ||
        store_codes_area(&p->codes, m->group, &g, err) != 0 ||
        store_codes_area(&p->codes, m->economy, &e, err) != 0) {
        return err->code;
    }
    if (!p->codes.areas[g].is_group || p->codes.areas[e].is_group) {
        return err_set(err, ERR_INVALID,
                       "membership %s in %s: want an economy in a group",
                       m->economy, m->group);
    }
    p_int(&ps, p->codes.areas[g].id);
    p_int(&ps, p->codes.areas[e].id);
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
    if (!strmap_get(&p->codes.area_ids, group, strlen(group), &g) ||
        !p->codes.areas[g].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown group '%s'", group);
    }
    return membership_loop(p, SQL_GROUP_MEMBERS, p->codes.areas[g].id, year, fn,
                           ctx, err);
}

static int pg_economy_groups(struct store *s, const char *economy, int year,
                             store_membership_fn fn, void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    size_t e;

    if (cache_load(p, err) != 0) {
        return err->code;
    }
    if (!strmap_get(&p->codes.area_ids, economy, strlen(economy), &e) ||
        p->codes.areas[e].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown economy '%s'", economy);
    }
    return membership_loop(p, SQL_ECONOMY_GROUPS, p->codes.areas[e].id, year,
                           fn, ctx, err);
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
                          struct store_batch_open *out, struct err *err)
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
    r = run(p, PS_BATCH_LAST, NULL, err);
    if (!r) {
        goto fail;
    }
    if (PQntuples(r) > 0 && cell_i64(r, 0, 1) > t) {
        t = cell_i64(r, 0, 1);
    }
    /* Under the writer lock: no batch can come in before the commit. */
    out->trusted = info->read_at > 0 && PQntuples(r) > 0 &&
                   cell_i64(r, 0, 0) == info->read_at;
    PQclear(r);
    r = run(p, PS_BLOCK_ANY, NULL, err);
    if (!r) {
        goto fail;
    }
    out->fresh = PQntuples(r) == 0;
    PQclear(r);
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
    out->id = cell_i64(r, 0, 0);
    PQclear(r);
    return 0;
fail:
    pg_rollback(s);
    return err->code;
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

/* One row of PG_BLOCK_COPY, with one reservation. */
static void copy_bin_block(struct buf *b, const struct store_block *k)
{
    /* count, 8 lengths, 7 int4, the data */
    size_t n = 2 + 8 * 4 + 7 * 4 + k->len;
    unsigned char *w;
    int64_t ints[7] = {k->indicator_id, k->area_id,  k->batch_id, k->part,
                       k->cells,        k->year_min, k->year_max};

    buf_reserve(b, n);
    w = (unsigned char *)b->data + b->len;
    copy_bin_be(w, PG_BLOCK_COPY_FIELDS, 2);
    w += 2;
    for (size_t i = 0; i < 7; i++) {
        copy_bin_be(w, 4, 4);
        copy_bin_be(w + 4, (uint64_t)(uint32_t)(int32_t)ints[i], 4);
        w += 8;
    }
    copy_bin_be(w, (uint64_t)(uint32_t)k->len, 4);
    memcpy(w + 4, k->data, k->len);
    w += 4 + k->len;
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

static int pg_block_write(struct store *s, const struct store_block *b,
                          struct err *err)
{
    struct pg *p = pg_of(s);

    if (p->tx == 0 || p->tx == 4) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (b->indicator_id > INT32_MAX || b->area_id > INT32_MAX ||
        b->batch_id > INT32_MAX || b->part > INT32_MAX ||
        b->cells > INT32_MAX || b->len > INT32_MAX) {
        return err_set(err, ERR_LIMIT, "a block too large for PostgreSQL");
    }
    if (p->copy_open && p->copy_sql != pg_block_copy && copy_end(p, err) != 0) {
        return err->code;
    }
    p->copy_sql = pg_block_copy;
    p->copy_binary = true;
    copy_bin_block(&p->copy, b);
    if (p->copy.len >= COPY_CHUNK) {
        return copy_flush(p, err);
    }
    return 0;
}

/* A binary int4 or int8 cell as an int64. */
static int64_t bin_int(const PGresult *r, int row, int col)
{
    const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    uint64_t u = 0;

    for (int i = 0; i < len && i < 8; i++) {
        u = u << 8 | v[i];
    }
    if (len == 4) {
        return (int32_t)(uint32_t)u;
    }
    return (int64_t)u;
}

static int pg_blocks_read(struct store *s, int64_t indicator_id,
                          int64_t area_id, int64_t batch_limit,
                          store_block_fn fn, void *ctx, struct err *err)
{
    struct pg *p = pg_of(s);
    enum pst id = area_id < 0 ? PS_BLOCKS_IND : PS_BLOCKS_SERIES;
    struct params ps = {0};
    PGresult *r;
    int cb = 0;

    /* A batch may be streaming blocks: they must be in the table. */
    if (copy_end(p, err) != 0) {
        return err->code;
    }
    p_int(&ps, indicator_id);
    /* batch_id is a 32-bit integer on PostgreSQL. */
    p_int(&ps, batch_limit < INT32_MAX ? batch_limit : INT32_MAX);
    if (area_id >= 0) {
        p_int(&ps, area_id);
    }
    r = run_as(p, id, &ps, 1, err);
    if (!r) {
        return err_prefix(err, "reading observations");
    }
    for (int i = 0; i < PQntuples(r) && cb == 0; i++) {
        struct store_block b = {
            .indicator_id = indicator_id,
            .area_id = bin_int(r, i, 0),
            .batch_id = bin_int(r, i, 1),
            .part = bin_int(r, i, 2),
            .cells = bin_int(r, i, 3),
            .year_min = (int)bin_int(r, i, 4),
            .year_max = (int)bin_int(r, i, 5),
            .data = (const unsigned char *)PQgetvalue(r, i, 6),
            .len = (size_t)PQgetlength(r, i, 6),
        };
        cb = fn(ctx, &b, err);
    }
    PQclear(r);
    return cb;
}

static int pg_batch_commit(struct store *s, struct err *err)
{
    struct pg *p = pg_of(s);

    if (p->tx != 2) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (copy_end(p, err) != 0 || exec_sql(p, "COMMIT", err) != 0) {
        pg_rollback(s);
        return err->code;
    }
    p->tx = 0;
    batch_state_drop(p);
    return 0;
}

static void pg_batch_rollback(struct store *s)
{
    pg_rollback(s);
}

/* A read of several statements sees one snapshot, as on SQLite. */
static int pg_read_begin(struct store *s, bool *out_opened, struct err *err)
{
    struct pg *p = pg_of(s);

    *out_opened = false;
    if (p->tx != 0) {
        return 0;
    }
    if (exec_sql(p, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) !=
        0) {
        return err->code;
    }
    p->tx = 4;
    *out_opened = true;
    return 0;
}

static void pg_read_end(struct store *s)
{
    struct pg *p = pg_of(s);

    if (p->tx == 4) {
        exec_sql(p, "COMMIT", &(struct err){0});
        p->tx = 0;
    }
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
    if (copy_end(p, err) != 0) {
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
    .codes = pg_codes,
    .batch_begin = pg_batch_begin,
    .block_write = pg_block_write,
    .blocks_read = pg_blocks_read,
    .batch_commit = pg_batch_commit,
    .batch_rollback = pg_batch_rollback,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .batch_list = pg_batch_list,
    .last_revision = pg_last_revision,
    .table_read = pg_table_read,
    .copy_begin = pg_copy_begin,
    .copy_table_begin = pg_copy_table_begin,
    .copy_row = pg_copy_row,
    .copy_table_end = pg_copy_table_end,
    .copy_commit = pg_copy_commit,
    .copy_rollback = pg_copy_rollback,
    .exec = pg_exec,
};
