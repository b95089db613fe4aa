/* SQLite backend of the store (the only file that includes <sqlite3.h>).
 *
 * Schema (version 1): areas holds economies and groups in one id space, so
 * that group aggregates are observations like any other. obs is one
 * append-only WITHOUT ROWID table keyed by (indicator_id, area_id, year,
 * dims, batch_id): the revisions of one value are adjacent, the current one
 * is the last, and an as-of query is a bound on batch_id. Economy first,
 * because published files (WDI, ITU) come sorted by economy, then
 * indicator, then year: a load then appends at few places in the B-tree,
 * which halves its cost; queries seek each (economy, indicator) pair, so
 * the order does not slow them. Codes are interned
 * in memory (strmap) so a load binds integers only. Every statement is
 * prepared once with placeholders; no outside text enters SQL. */
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strmap.h"
#include "../core/strparse.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"

/* 'ICTD': marks the file as an ictdev store (PRAGMA application_id). */
#define APP_ID 0x49435444

enum stmt_id {
    ST_AREA_PUT_ECO,
    ST_AREA_PUT_GROUP,
    ST_IND_PUT,
    ST_MEM_PUT,
    ST_DIM_PUT,
    ST_MAP_PUT,
    ST_SOURCE_GET,
    ST_SOURCE_PUT,
    ST_BATCH_LAST,
    ST_BATCH_PUT,
    ST_OBS_ANY,
    ST_OBS_CUR,
    ST_OBS_PUT,
    ST_OBS_SERIES,
    ST_OBS_CHANGED,
    ST_BATCH_SERIES_PUT,
    ST_BATCH_ALL,
    ST_SOURCE_ALL,
    ST_OBS_HISTORY,
    ST_BATCH_ASOF,
    ST_MEM_OF_GROUP,
    ST_DATA_VERSION,
    ST_READ_BEGIN,
    ST_READ_END,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_AREA_PUT_ECO] = SQL_AREA_PUT_ECO,
    [ST_AREA_PUT_GROUP] = SQL_AREA_PUT_GROUP,
    [ST_IND_PUT] = SQL_IND_PUT,
    [ST_MEM_PUT] = SQL_MEM_PUT,
    [ST_DIM_PUT] = SQL_DIM_PUT,
    [ST_MAP_PUT] = SQL_MAP_PUT,
    [ST_SOURCE_GET] = SQL_SOURCE_GET,
    [ST_SOURCE_PUT] = SQL_SOURCE_PUT,
    [ST_BATCH_LAST] = SQL_BATCH_LAST,
    /* SQLite's own: the id is the rowid (store_pg.c allocates it). */
    [ST_BATCH_PUT] = "INSERT INTO batches(time, kind, origin, file, sha256,"
                     " note) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_OBS_ANY] = SQL_OBS_ANY,
    [ST_OBS_CUR] = SQL_OBS_CUR,
    [ST_OBS_PUT] = SQL_OBS_PUT,
    /* SQLite's own: every revision of one series in primary-key order (no
     * sort); the last row of each (year, dims) is its current revision.
     * Batches and sources are looked up in memory, not joined per row. */
    [ST_OBS_SERIES] =
        "SELECT year, dims, batch_id, value, status, source_id, note"
        " FROM obs WHERE area_id=?2 AND indicator_id=?1"
        " AND year BETWEEN ?3 AND ?4 AND batch_id <= ?5"
        " ORDER BY year, dims, batch_id",
    [ST_OBS_CHANGED] = "SELECT DISTINCT indicator_id, area_id FROM"
                       " batch_series WHERE batch_id > ?1 AND batch_id <= ?2",
    [ST_BATCH_SERIES_PUT] = "INSERT OR IGNORE INTO batch_series(batch_id,"
                            " area_id, indicator_id) VALUES(?1, ?2, ?3)",
    [ST_BATCH_ALL] = "SELECT id, time, kind FROM batches ORDER BY id",
    [ST_SOURCE_ALL] = "SELECT id, text FROM sources ORDER BY id",
    [ST_OBS_HISTORY] = SQL_OBS_HISTORY,
    [ST_BATCH_ASOF] = SQL_BATCH_ASOF,
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_READ_BEGIN] = "BEGIN",
    [ST_READ_END] = "COMMIT",
    [ST_MEM_OF_GROUP] = SQL_MEM_OF_GROUP,
};

/* Rows per multi-row INSERT of a fresh batch: one statement execution
 * per row costs as much as the row itself; 64 rows x 9 parameters stays
 * far below SQLite's parameter limit. */
#define FLUSH_ROWS 64

/* Rows queued at most by store_obs_append before they are sorted into key
 * order and written (they are written sooner when the economy changes). */
#define APPEND_ROWS 32768

/* A row waiting to be inserted (fresh batches). */
struct pend_row {
    int64_t ind, area, src;
    int year, status;
    double value;
    size_t dims_off;  /* into pend_text */
    size_t note_off;  /* into pend_text; SIZE_MAX = no note */
    const char *dims; /* into pend_text, set only while sorting */
};

/* A set of non-zero 64-bit keys (open addressing, linear probing). */
struct u64set {
    uint64_t *slots; /* owned; cap entries, 0 = empty */
    size_t cap;      /* power of two, or 0 */
    size_t count;    /* <= cap * 3/4 */
};

/* A code known to the store, in the in-memory cache. */
struct sq_code {
    int64_t id;
    char *code;    /* owned */
    bool is_group; /* areas only */
};

struct sq {
    struct store base; /* first: store.c sees only this */
    sqlite3 *db;
    bool readonly;
    int tx;                     /* 0 none, 1 plain transaction, 2 batch */
    sqlite3_stmt *st[ST_COUNT]; /* prepared on first use */
    /* Code caches, loaded on demand and dropped after reference writes,
     * here or (data_version) by another connection. */
    bool cache_ok;
    int64_t data_version;
    struct strmap ind_ids;  /* code → index into inds */
    struct strmap area_ids; /* code → index into areas */
    struct sq_code *inds;   /* sorted by code */
    size_t ind_count;
    struct sq_code *areas; /* economies by code, then groups by code */
    size_t area_count;
    struct strmap source_ids; /* source text → id (valid within a batch) */
    /* The open batch. */
    int64_t batch_id;
    int64_t batch_changed;
    bool batch_fresh;   /* obs was empty at batch start: no lookups needed */
    bool batch_trusted; /* store_obs_append may skip lookups: the newest
                           batch at begin was info->read_at */
    /* Fresh batches: rows wait in pend and go in by FLUSH_ROWS per
     * statement. Duplicates: a key can only repeat within one series
     * (economy, indicator). `cur` holds the (year, dims) keys of the
     * current run of one series; `series` every series begun. A series
     * seen before (a file not grouped by series) is checked against the
     * table, after writing the queue. */
    struct pend_row *pend; /* owned, pend_cap slots */
    size_t pend_count;
    size_t pend_cap;       /* FLUSH_ROWS, or APPEND_ROWS in a trusted batch */
    struct buf pend_text;  /* dims and notes of pend, NUL-separated */
    struct u64set series;  /* (area + 1) << 32 | indicator index */
    struct u64set touched; /* indicator id << 32 | area id appended to */
    uint64_t last_touched; /* the key last added to touched, or 0 */
    struct u64set cur;     /* (year - YEAR_MIN + 1) << 32 | dims id */
    size_t cur_area, cur_ind; /* the current series */
    bool has_cur;
    bool cur_revisit;       /* the current series was begun before */
    struct strmap dims_ids; /* dims key → small id, for cur */
    sqlite3_stmt *multi;    /* FLUSH_ROWS-row INSERT, prepared on first use */
    /* Checkpoints run on a thread of their own (see ckpt_start). */
    int wal_frames;        /* frames in the WAL after the last commit,
                              not yet being checkpointed */
    bool ckpt_started;     /* ckpt is a thread to join */
    pthread_t ckpt;        /* its own connection to the same file */
    atomic_bool ckpt_done; /* set by that thread as it ends */
};

static struct sq *sq_of(struct store *s)
{
    return (struct sq *)s;
}

static int db_fail(struct sq *q, struct err *err, const char *what)
{
    return err_set(err, ERR_STORAGE, "%s: %s: %s", q->base.path, what,
                   sqlite3_errmsg(q->db));
}

static int exec_sql(struct sq *q, const char *sql, struct err *err)
{
    char *msg = NULL;

    if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, ERR_STORAGE, "%s: %s", q->base.path,
                msg ? msg : sqlite3_errmsg(q->db));
        sqlite3_free(msg);
        return ERR_STORAGE;
    }
    return 0;
}

/* The prepared statement id, reset and unbound, or NULL with err. */
static sqlite3_stmt *stmt(struct sq *q, enum stmt_id id, struct err *err)
{
    if (!q->st[id]) {
        if (sqlite3_prepare_v3(q->db, stmt_sql[id], -1,
                               SQLITE_PREPARE_PERSISTENT, &q->st[id],
                               NULL) != SQLITE_OK) {
            db_fail(q, err, "prepare");
            return NULL;
        }
    }
    sqlite3_reset(q->st[id]);
    sqlite3_clear_bindings(q->st[id]);
    return q->st[id];
}

/* Like stmt, without clearing bindings: for the load's hot path, where
 * every parameter is bound on each use. */
static sqlite3_stmt *stmt_hot(struct sq *q, enum stmt_id id, struct err *err)
{
    if (!q->st[id]) {
        return stmt(q, id, err);
    }
    sqlite3_reset(q->st[id]);
    return q->st[id];
}

/* Bind text, NULL for NULL or "". */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s && s[0]) {
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, i);
    }
}

/* Column text, "" for NULL. Borrowed until the next step. */
static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* Step a statement that returns no rows. */
static int step_done(struct sq *q, sqlite3_stmt *st, struct err *err,
                     const char *what)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return db_fail(q, err, what);
    }
    return 0;
}

static uint64_t pair_key(int64_t ind_id, int64_t area_id)
{
    return (uint64_t)ind_id << 32 | ((uint64_t)area_id & 0xffffffffu);
}

static void u64set_free(struct u64set *set)
{
    xfree(set->slots);
    memset(set, 0, sizeof(*set));
}

/* Empty the set; a large one is freed so that emptying stays cheap. */
static void u64set_clear(struct u64set *set)
{
    if (set->cap > 1024) {
        u64set_free(set);
    } else if (set->count > 0) {
        memset(set->slots, 0, set->cap * sizeof(uint64_t));
        set->count = 0;
    }
}

/* Add key (!= 0); false if it was there. */
static bool u64set_add(struct u64set *set, uint64_t key)
{
    size_t mask;
    size_t i;

    if (set->count + 1 > set->cap / 4 * 3) {
        struct u64set bigger = {0};
        bigger.cap = set->cap ? set->cap * 2 : 256;
        bigger.slots = xcalloc(bigger.cap, sizeof(uint64_t));
        for (size_t k = 0; k < set->cap; k++) {
            if (set->slots[k]) {
                u64set_add(&bigger, set->slots[k]);
            }
        }
        xfree(set->slots);
        *set = bigger;
    }
    mask = set->cap - 1;
    i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 24) & mask;
    while (set->slots[i] != 0) {
        if (set->slots[i] == key) {
            return false;
        }
        i = (i + 1) & mask;
    }
    set->slots[i] = key;
    set->count++;
    return true;
}

/* Record that the open batch appended to a series (rows of one series
 * come in runs: the set is asked once per run). */
static void touch(struct sq *q, uint64_t key)
{
    if (key != q->last_touched) {
        u64set_add(&q->touched, key);
        q->last_touched = key;
    }
}

/* Forget a fresh batch's queue and key sets. */
static void fresh_reset(struct sq *q)
{
    xfree(q->pend);
    q->pend = NULL;
    q->pend_count = 0;
    q->pend_cap = 0;
    buf_cleanup(&q->pend_text);
    u64set_free(&q->series);
    u64set_free(&q->cur);
    u64set_free(&q->touched);
    q->last_touched = 0;
    q->has_cur = false;
    q->cur_revisit = false;
    strmap_cleanup(&q->dims_ids);
}

/* ---- Caches ---------------------------------------------------------- */

static void cache_drop(struct sq *q)
{
    for (size_t i = 0; i < q->ind_count; i++) {
        xfree(q->inds[i].code);
    }
    for (size_t i = 0; i < q->area_count; i++) {
        xfree(q->areas[i].code);
    }
    xfree(q->inds);
    xfree(q->areas);
    q->inds = NULL;
    q->areas = NULL;
    q->ind_count = 0;
    q->area_count = 0;
    strmap_cleanup(&q->ind_ids);
    strmap_cleanup(&q->area_ids);
    q->cache_ok = false;
}

static int cache_fill(struct sq *q, const char *sql, struct sq_code **out,
                      size_t *out_count, struct strmap *map, struct err *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        return db_fail(q, err, "prepare");
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *code = col_text(st, 1);
        if (*out_count == cap) {
            cap = cap ? cap * 2 : 256;
            *out = xreallocarray(*out, cap, sizeof(**out));
        }
        (*out)[*out_count].id = sqlite3_column_int64(st, 0);
        (*out)[*out_count].code = xstrdup(code);
        (*out)[*out_count].is_group = sqlite3_column_int(st, 2) != 0;
        strmap_put(map, code, strlen(code), *out_count);
        (*out_count)++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        return db_fail(q, err, "reading codes");
    }
    return 0;
}

/* PRAGMA data_version: changes when another connection commits. */
static int data_version(struct sq *q, int64_t *out, struct err *err)
{
    sqlite3_stmt *st = stmt(q, ST_DATA_VERSION, err);
    int rc;

    if (!st) {
        return err->code;
    }
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        return db_fail(q, err, "reading data_version");
    }
    return 0;
}

static int cache_load(struct sq *q, struct err *err)
{
    int64_t version = 0;

    /* Inside our own transaction nobody else can have committed. */
    if (q->cache_ok && q->tx != 0) {
        return 0;
    }
    if (data_version(q, &version, err) != 0) {
        return err->code;
    }
    if (q->cache_ok && version == q->data_version) {
        return 0;
    }
    cache_drop(q);
    q->data_version = version;
    if (cache_fill(q, SQL_INDICATOR_CODES, &q->inds, &q->ind_count, &q->ind_ids,
                   err) != 0 ||
        cache_fill(q, SQL_AREA_CODES, &q->areas, &q->area_count, &q->area_ids,
                   err) != 0) {
        cache_drop(q);
        return err->code;
    }
    q->cache_ok = true;
    return 0;
}

/* Index into q->inds of code, or ERR_NOT_FOUND. */
static int find_ind(struct sq *q, const char *code, size_t *out,
                    struct err *err)
{
    if (!strmap_get(&q->ind_ids, code, strlen(code), out)) {
        return err_set(err, ERR_NOT_FOUND, "unknown indicator '%s'", code);
    }
    return 0;
}

static int find_area(struct sq *q, const char *code, size_t *out,
                     struct err *err)
{
    if (!strmap_get(&q->area_ids, code, strlen(code), out)) {
        return err_set(err, ERR_NOT_FOUND, "unknown economy or group '%s'",
                       code);
    }
    return 0;
}

/* ---- Opening and schema ---------------------------------------------- */

static int pragma_int(struct sq *q, const char *sql, int *out, struct err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        return db_fail(q, err, "prepare");
    }
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return db_fail(q, err, "reading the schema version");
    }
    return 0;
}

/* Apply the migrations after version `from`, all in one transaction. */
static int migrate(struct sq *q, int from, struct err *err)
{
    char sql[96];

    if (exec_sql(q, "BEGIN IMMEDIATE", err) != 0) {
        return err->code;
    }
    for (int v = from; v < STORE_SCHEMA_VERSION; v++) {
        if ((store_sql_migrations[v] != NULL &&
             exec_sql(q, store_sql_migrations[v], err) != 0) ||
            (store_sql_migrations_sqlite[v] != NULL &&
             exec_sql(q, store_sql_migrations_sqlite[v], err) != 0)) {
            goto fail;
        }
    }
    snprintf(sql, sizeof(sql),
             "PRAGMA user_version = %d; "
             "PRAGMA application_id = %d",
             STORE_SCHEMA_VERSION, APP_ID);
    if (exec_sql(q, sql, err) != 0 || exec_sql(q, "COMMIT", err) != 0) {
        goto fail;
    }
    return 0;
fail:
    err_prefix(err, "upgrading the schema from version %d", from);
    exec_sql(q, "ROLLBACK", &(struct err){0});
    return err->code;
}

static int check_schema(struct sq *q, struct err *err)
{
    int version = 0;
    int app = 0;
    int tables = 0;

    if (pragma_int(q, "PRAGMA user_version", &version, err) != 0 ||
        pragma_int(q, "PRAGMA application_id", &app, err) != 0 ||
        pragma_int(q, "SELECT count(*) FROM sqlite_master", &tables, err) !=
            0) {
        return err->code;
    }
    if (app != APP_ID && (app != 0 || tables > 0)) {
        return err_set(err, ERR_CONFLICT, "%s is not an ictdev store",
                       q->base.path);
    }
    if (version > STORE_SCHEMA_VERSION) {
        return err_set(err, ERR_CONFLICT,
                       "%s has schema version %d, newer than this ictdev "
                       "(version %d): use a newer ictdev",
                       q->base.path, version, STORE_SCHEMA_VERSION);
    }
    if (version < STORE_SCHEMA_VERSION) {
        if (q->readonly) {
            return err_set(err, ERR_CONFLICT,
                           "%s has schema version %d: run 'ictdev init' to "
                           "upgrade it",
                           q->base.path, version);
        }
        return migrate(q, version, err);
    }
    return 0;
}

static const struct store_ops sqlite_ops;

/* ---- Checkpoints ----------------------------------------------------------
 *
 * In WAL mode a commit appends pages to the -wal file; a checkpoint copies
 * them into the database (and syncs both). SQLite runs it inside the
 * commit that makes the WAL longer than 1000 pages, so a big batch waits
 * for a copy of everything it wrote. Here it runs on a thread with its own
 * connection instead, while this one goes on (SQLite lets a checkpoint and
 * a writer proceed together): what the next batch computes overlaps the
 * copy. Same work and syncs as before; the last one is joined at close,
 * whose own checkpoint then finds little left. */

#define CKPT_FRAMES 1000 /* SQLite's wal_autocheckpoint default */

static void *ckpt_main(void *arg)
{
    struct sq *q = arg;
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(q->base.path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        /* A first read opens the WAL; until then the connection does not
         * know the file is in WAL mode and a checkpoint does nothing. */
        (void)sqlite3_exec(db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL,
                           NULL, NULL);
        /* Best effort, as SQLite's own: a failed one is redone later. */
        (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                        NULL, NULL);
    }
    sqlite3_close(db);
    atomic_store(&q->ckpt_done, true);
    return NULL;
}

static void ckpt_join(struct sq *q)
{
    if (q->ckpt_started) {
        pthread_join(q->ckpt, NULL);
        q->ckpt_started = false;
    }
}

/* After a commit: start a checkpoint when the WAL is long, unless one is
 * still running (the next commit starts the following one). */
static void ckpt_start(struct sq *q)
{
    if (q->wal_frames < CKPT_FRAMES ||
        (q->ckpt_started && !atomic_load(&q->ckpt_done))) {
        return;
    }
    ckpt_join(q);
    atomic_store(&q->ckpt_done, false);
    if (pthread_create(&q->ckpt, NULL, ckpt_main, q) == 0) {
        q->ckpt_started = true;
        q->wal_frames = 0;
    } else {
        /* No thread: checkpoint here, as SQLite would. */
        (void)sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                        NULL, NULL);
    }
}

/* Called by SQLite after each commit on this connection (also those of
 * collect_store.c and plan_store.c), on this connection's thread, once
 * the write lock is released. */
static int wal_hook(void *ctx, sqlite3 *db, const char *name, int frames)
{
    struct sq *q = ctx;
    (void)db;
    (void)name;
    q->wal_frames = frames;
    ckpt_start(q);
    return SQLITE_OK;
}

static void sq_close(struct store *s)
{
    struct sq *q = sq_of(s);

    ckpt_join(q);
    if (q->tx != 0) {
        exec_sql(q, "ROLLBACK", &(struct err){0});
    }
    for (size_t i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(q->st[i]);
    }
    sqlite3_finalize(q->multi);
    fresh_reset(q);
    cache_drop(q);
    strmap_cleanup(&q->source_ids);
    sqlite3_close(q->db);
    xfree(q->base.path);
    xfree(q);
}

/* Process-wide settings, before SQLite initialises: no memory statistics
 * (they take a global mutex on every allocation). */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *store_sqlite_open(const char *path, unsigned flags,
                                struct err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    struct sq *q;
    struct stat st;
    int oflags = SQLITE_OPEN_NOMUTEX;

    pthread_once(&once, sqlite_setup);
    if (stat(path, &st) != 0 && !(flags & STORE_OPEN_CREATE)) {
        err_set(err, ERR_NOT_FOUND, "no store at %s; run 'ictdev init'", path);
        return NULL;
    }
    q = xcalloc(1, sizeof(*q));
    q->base.ops = &sqlite_ops;
    q->base.path = xstrdup(path);
    q->readonly = (flags & STORE_OPEN_READONLY) != 0;
    oflags |= q->readonly ? SQLITE_OPEN_READONLY
                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &q->db, oflags, NULL) != SQLITE_OK) {
        err_set(err, ERR_STORAGE, "%s: %s", path,
                q->db ? sqlite3_errmsg(q->db) : "cannot open");
        sq_close(&q->base);
        return NULL;
    }
    sqlite3_busy_timeout(q->db, 5000);
    /* Replaces SQLite's automatic checkpoint (see ckpt_start). */
    sqlite3_wal_hook(q->db, wal_hook, q);
    /* WAL: readers never block the writer. synchronous=NORMAL is durable
     * at each checkpoint and never corrupts; a crash may lose only the
     * last commits, never half of one. */
    if ((!q->readonly &&
         exec_sql(q, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
                  err) != 0) ||
        exec_sql(q,
                 "PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;"
                 " PRAGMA mmap_size=1073741824;"
                 " PRAGMA foreign_keys=OFF",
                 err) != 0 ||
        check_schema(q, err) != 0) {
        sq_close(&q->base);
        return NULL;
    }
    return &q->base;
}

/* ---- Transactions ------------------------------------------------------ */

static int sq_begin(struct store *s, struct err *err)
{
    struct sq *q = sq_of(s);

    if (q->tx != 0) {
        return err_set(err, ERR_CONFLICT, "a transaction is already open");
    }
    if (exec_sql(q, "BEGIN IMMEDIATE", err) != 0) {
        return err->code;
    }
    q->tx = 1;
    return 0;
}

static int sq_commit(struct store *s, struct err *err)
{
    struct sq *q = sq_of(s);

    if (q->tx != 1) {
        return err_set(err, ERR_CONFLICT, "no transaction is open");
    }
    if (exec_sql(q, "COMMIT", err) != 0) {
        exec_sql(q, "ROLLBACK", &(struct err){0});
        q->tx = 0;
        q->cache_ok = false;
        return err->code;
    }
    q->tx = 0;
    return 0;
}

static void sq_rollback(struct store *s)
{
    struct sq *q = sq_of(s);

    if (q->tx != 0) {
        exec_sql(q, "ROLLBACK", &(struct err){0});
    }
    q->tx = 0;
    q->cache_ok = false;
    strmap_cleanup(&q->source_ids);
    fresh_reset(q);
}

static int need_tx(struct sq *q, struct err *err)
{
    if (q->tx != 1) {
        return err_set(err, ERR_CONFLICT,
                       "reference data is written inside store_begin");
    }
    return 0;
}

/* ---- Reference writes -------------------------------------------------- */

static int sq_economy_put(struct store *s, const struct economy *e,
                          struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;

    if (need_tx(q, err) != 0 ||
        store_check_code("economy", e->code, err) != 0) {
        return err->code;
    }
    st = stmt(q, ST_AREA_PUT_ECO, err);
    if (!st) {
        return err->code;
    }
    bind_text(st, 1, e->code);
    sqlite3_bind_text(st, 2, e->name ? e->name : "", -1, SQLITE_STATIC);
    bind_text(st, 3, e->iso2);
    bind_text(st, 4, e->m49);
    bind_text(st, 5, e->un_region);
    bind_text(st, 6, e->un_subregion);
    bind_text(st, 7, e->un_intermediate);
    bind_text(st, 8, e->itu_region);
    sqlite3_bind_int(st, 9, e->itu_region_verified);
    bind_text(st, 10, e->wb_region);
    sqlite3_bind_int(st, 11, e->is_independent);
    bind_text(st, 12, e->note);
    q->cache_ok = false;
    return step_done(q, st, err, "writing an economy");
}

static int sq_group_put(struct store *s, const struct group *g, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;

    if (need_tx(q, err) != 0 || store_check_code("group", g->code, err) != 0) {
        return err->code;
    }
    st = stmt(q, ST_AREA_PUT_GROUP, err);
    if (!st) {
        return err->code;
    }
    bind_text(st, 1, g->code);
    sqlite3_bind_text(st, 2, g->name ? g->name : "", -1, SQLITE_STATIC);
    bind_text(st, 3, g->kind);
    bind_text(st, 4, g->source);
    sqlite3_bind_int(st, 5, g->verified);
    bind_text(st, 6, g->note);
    q->cache_ok = false;
    return step_done(q, st, err, "writing a group");
}

static int sq_indicator_put(struct store *s, const struct indicator *ind,
                            struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;

    if (need_tx(q, err) != 0 ||
        store_check_code("indicator", ind->code, err) != 0) {
        return err->code;
    }
    st = stmt(q, ST_IND_PUT, err);
    if (!st) {
        return err->code;
    }
    bind_text(st, 1, ind->code);
    sqlite3_bind_text(st, 2, ind->name ? ind->name : "", -1, SQLITE_STATIC);
    bind_text(st, 3, ind->definition);
    bind_text(st, 4, ind->unit);
    bind_text(st, 5, ind->kind);
    bind_text(st, 6, ind->collection);
    bind_text(st, 7, ind->dims);
    bind_text(st, 8, ind->sdg);
    bind_text(st, 9, ind->source_instrument);
    bind_text(st, 10, ind->formula);
    bind_text(st, 11, ind->agg);
    bind_text(st, 12, ind->weight);
    sqlite3_bind_int(st, 13, ind->verified);
    q->cache_ok = false;
    return step_done(q, st, err, "writing an indicator");
}

static int sq_membership_put(struct store *s, const struct membership *m,
                             struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    size_t g, e;

    if (need_tx(q, err) != 0 || cache_load(q, err) != 0) {
        return err->code;
    }
    if (find_area(q, m->group, &g, err) != 0 ||
        find_area(q, m->economy, &e, err) != 0) {
        return err->code;
    }
    if (!q->areas[g].is_group || q->areas[e].is_group) {
        return err_set(err, ERR_INVALID,
                       "membership %s in %s: want an economy in a group",
                       m->economy, m->group);
    }
    st = stmt(q, ST_MEM_PUT, err);
    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, q->areas[g].id);
    sqlite3_bind_int64(st, 2, q->areas[e].id);
    sqlite3_bind_int(st, 3, m->from_year);
    sqlite3_bind_int(st, 4, m->to_year);
    bind_text(st, 5, m->source);
    sqlite3_bind_int(st, 6, m->verified);
    return step_done(q, st, err, "writing a membership");
}

static int sq_dimension_put(struct store *s, const struct dimension_value *d,
                            struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;

    if (need_tx(q, err) != 0 ||
        store_check_code("dimension", d->dimension, err) != 0) {
        return err->code;
    }
    if (!d->value || !dims_value_valid(d->value, strlen(d->value))) {
        return err_set(err, ERR_INVALID, "bad value '%s' of dimension '%s'",
                       d->value ? d->value : "", d->dimension);
    }
    st = stmt(q, ST_DIM_PUT, err);
    if (!st) {
        return err->code;
    }
    bind_text(st, 1, d->dimension);
    bind_text(st, 2, d->value);
    bind_text(st, 3, d->label);
    return step_done(q, st, err, "writing a dimension value");
}

static int sq_code_map_put(struct store *s, const struct code_map_entry *c,
                           struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;

    if (need_tx(q, err) != 0) {
        return err->code;
    }
    if (!c->source || !c->source[0] || !c->source_code || !c->source_code[0]) {
        return err_set(err, ERR_INVALID,
                       "code map row without a source or "
                       "a source code");
    }
    st = stmt(q, ST_MAP_PUT, err);
    if (!st) {
        return err->code;
    }
    bind_text(st, 1, c->source);
    sqlite3_bind_int(st, 2, (int)c->kind);
    bind_text(st, 3, c->source_code);
    bind_text(st, 4, c->target);
    bind_text(st, 5, c->note);
    return step_done(q, st, err, "writing a code map row");
}

static int sq_reference_clear(struct store *s, struct err *err)
{
    struct sq *q = sq_of(s);

    if (need_tx(q, err) != 0) {
        return err->code;
    }
    return exec_sql(q, SQL_REFERENCE_CLEAR, err);
}

/* ---- Reference reads --------------------------------------------------- */

/* Prepare sql (owned result, finalize it) or NULL with err. */
static sqlite3_stmt *prep(struct sq *q, const char *sql, struct err *err)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(q, err, "prepare");
        return NULL;
    }
    return st;
}

/* Finish a row loop: rc is the last sqlite3_step result or our callback's
 * code (as negative, see below). */
static int loop_end(struct sq *q, sqlite3_stmt *st, int rc, int cb_rc,
                    struct err *err)
{
    sqlite3_finalize(st);
    if (cb_rc != 0) {
        return cb_rc;
    }
    if (rc != SQLITE_DONE) {
        return db_fail(q, err, "reading");
    }
    return 0;
}

static int sq_economy_list(struct store *s, const char *code,
                           store_economy_fn fn, void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = prep(q, SQL_ECONOMY_LIST, err);
    int rc;
    int cb = 0;
    bool any = false;

    if (!st) {
        return err->code;
    }
    bind_text(st, 1, code);
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct economy e = {
            .code = col_text(st, 0),
            .name = col_text(st, 1),
            .iso2 = col_text(st, 2),
            .m49 = col_text(st, 3),
            .un_region = col_text(st, 4),
            .un_subregion = col_text(st, 5),
            .un_intermediate = col_text(st, 6),
            .itu_region = col_text(st, 7),
            .itu_region_verified = sqlite3_column_int(st, 8) != 0,
            .wb_region = col_text(st, 9),
            .is_independent = sqlite3_column_int(st, 10) != 0,
            .note = col_text(st, 11),
        };
        any = true;
        cb = fn(ctx, &e, err);
    }
    if (cb == 0 && rc == SQLITE_DONE && code && !any) {
        sqlite3_finalize(st);
        return err_set(err, ERR_NOT_FOUND, "unknown economy '%s'", code);
    }
    return loop_end(q, st, rc, cb, err);
}

static int sq_group_list(struct store *s, const char *code, store_group_fn fn,
                         void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = prep(q, SQL_GROUP_LIST, err);
    int rc;
    int cb = 0;
    bool any = false;

    if (!st) {
        return err->code;
    }
    bind_text(st, 1, code);
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct group g = {
            .code = col_text(st, 0),
            .name = col_text(st, 1),
            .kind = col_text(st, 2),
            .source = col_text(st, 3),
            .verified = sqlite3_column_int(st, 4) != 0,
            .note = col_text(st, 5),
        };
        any = true;
        cb = fn(ctx, &g, err);
    }
    if (cb == 0 && rc == SQLITE_DONE && code && !any) {
        sqlite3_finalize(st);
        return err_set(err, ERR_NOT_FOUND, "unknown group '%s'", code);
    }
    return loop_end(q, st, rc, cb, err);
}

/* Memberships where column `by` (group_id or economy_id) is id. */
static int membership_loop(struct sq *q, const char *sql, int64_t id, int year,
                           store_membership_fn fn, void *ctx, struct err *err)
{
    sqlite3_stmt *st = prep(q, sql, err);
    int rc;
    int cb = 0;

    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, year);
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct membership m = {
            .group = col_text(st, 0),
            .economy = col_text(st, 1),
            .from_year = sqlite3_column_int(st, 2),
            .to_year = sqlite3_column_int(st, 3),
            .source = col_text(st, 4),
            .verified = sqlite3_column_int(st, 5) != 0,
        };
        cb = fn(ctx, &m, err);
    }
    return loop_end(q, st, rc, cb, err);
}

static int sq_group_members(struct store *s, const char *group, int year,
                            store_membership_fn fn, void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    size_t g;

    if (cache_load(q, err) != 0) {
        return err->code;
    }
    if (!strmap_get(&q->area_ids, group, strlen(group), &g) ||
        !q->areas[g].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown group '%s'", group);
    }
    return membership_loop(q, SQL_GROUP_MEMBERS, q->areas[g].id, year, fn, ctx,
                           err);
}

static int sq_economy_groups(struct store *s, const char *economy, int year,
                             store_membership_fn fn, void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    size_t e;

    if (cache_load(q, err) != 0) {
        return err->code;
    }
    if (!strmap_get(&q->area_ids, economy, strlen(economy), &e) ||
        q->areas[e].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown economy '%s'", economy);
    }
    return membership_loop(q, SQL_ECONOMY_GROUPS, q->areas[e].id, year, fn, ctx,
                           err);
}

static int sq_dimension_list(struct store *s, store_dimension_fn fn, void *ctx,
                             struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = prep(q, SQL_DIMENSION_LIST, err);
    int rc;
    int cb = 0;

    if (!st) {
        return err->code;
    }
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct dimension_value d = {
            .dimension = col_text(st, 0),
            .value = col_text(st, 1),
            .label = col_text(st, 2),
        };
        cb = fn(ctx, &d, err);
    }
    return loop_end(q, st, rc, cb, err);
}

static int sq_indicator_list(struct store *s, const char *code,
                             const char *words, store_indicator_fn fn,
                             void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = prep(q, SQL_INDICATOR_LIST, err);
    int rc;
    int cb = 0;
    bool any = false;

    if (!st) {
        return err->code;
    }
    bind_text(st, 1, code);
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct indicator ind = {
            .code = col_text(st, 0),
            .name = col_text(st, 1),
            .definition = col_text(st, 2),
            .unit = col_text(st, 3),
            .kind = col_text(st, 4),
            .collection = col_text(st, 5),
            .dims = col_text(st, 6),
            .sdg = col_text(st, 7),
            .source_instrument = col_text(st, 8),
            .formula = col_text(st, 9),
            .agg = col_text(st, 10),
            .weight = col_text(st, 11),
            .verified = sqlite3_column_int(st, 12) != 0,
        };
        if (words && !store_indicator_matches(&ind, words)) {
            continue;
        }
        any = true;
        cb = fn(ctx, &ind, err);
    }
    if (cb == 0 && rc == SQLITE_DONE && code && !any) {
        sqlite3_finalize(st);
        return err_set(err, ERR_NOT_FOUND, "unknown indicator '%s'", code);
    }
    return loop_end(q, st, rc, cb, err);
}

static int sq_code_map_list(struct store *s, store_code_map_fn fn, void *ctx,
                            struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = prep(q, SQL_CODE_MAP_LIST, err);
    int rc;
    int cb = 0;

    if (!st) {
        return err->code;
    }
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct code_map_entry c = {
            .source = col_text(st, 0),
            .kind = (enum code_map_kind)sqlite3_column_int(st, 1),
            .source_code = col_text(st, 2),
            .target = col_text(st, 3),
            .note = col_text(st, 4),
        };
        cb = fn(ctx, &c, err);
    }
    return loop_end(q, st, rc, cb, err);
}

/* ---- Batches and observation writes ------------------------------------ */

static int sq_batch_begin(struct store *s, const struct store_batch_info *info,
                          struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int64_t t = info->time > 0 ? info->time : (int64_t)time(NULL);
    int rc;

    if (q->tx != 0) {
        return err_set(err, ERR_CONFLICT, "a transaction is already open");
    }
    if (q->readonly) {
        return err_set(err, ERR_CONFLICT, "%s is open read-only", q->base.path);
    }
    if (cache_load(q, err) != 0 || exec_sql(q, "BEGIN IMMEDIATE", err) != 0) {
        return err->code;
    }
    q->tx = 2;
    strmap_cleanup(&q->source_ids);
    st = stmt(q, ST_BATCH_LAST, err);
    if (!st) {
        goto fail;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_int64(st, 1) > t) {
        t = sqlite3_column_int64(st, 1);
    }
    /* Under the write lock (BEGIN IMMEDIATE): no batch can come in
     * between this check and the commit. */
    q->batch_trusted = info->read_at > 0 && rc == SQLITE_ROW &&
                       sqlite3_column_int64(st, 0) == info->read_at;
    sqlite3_reset(st);
    st = stmt(q, ST_OBS_ANY, err);
    if (!st) {
        goto fail;
    }
    q->batch_fresh = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    st = stmt(q, ST_BATCH_PUT, err);
    if (!st) {
        goto fail;
    }
    sqlite3_bind_int64(st, 1, t);
    sqlite3_bind_int(st, 2, (int)info->kind);
    sqlite3_bind_text(st, 3,
                      info->origin && info->origin[0] ? info->origin : "ictdev",
                      -1, SQLITE_STATIC);
    bind_text(st, 4, info->file);
    bind_text(st, 5, info->sha256);
    bind_text(st, 6, info->note);
    if (step_done(q, st, err, "opening a batch") != 0) {
        goto fail;
    }
    q->batch_id = sqlite3_last_insert_rowid(q->db);
    q->batch_changed = 0;
    return 0;
fail:
    sq_rollback(s);
    return err->code;
}

/* Id of source text (0 for ""), adding it to the sources table. */
static int source_id(struct sq *q, const char *text, int64_t *out,
                     struct err *err)
{
    size_t len = text ? strlen(text) : 0;
    size_t v;
    sqlite3_stmt *st;
    int rc;

    *out = 0;
    if (len == 0) {
        return 0;
    }
    if (strmap_get(&q->source_ids, text, len, &v)) {
        *out = (int64_t)v;
        return 0;
    }
    st = stmt(q, ST_SOURCE_GET, err);
    if (!st) {
        return err->code;
    }
    sqlite3_bind_text(st, 1, text, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        st = stmt(q, ST_SOURCE_PUT, err);
        if (!st) {
            return err->code;
        }
        sqlite3_bind_text(st, 1, text, (int)len, SQLITE_STATIC);
        if (step_done(q, st, err, "writing a source") != 0) {
            return err->code;
        }
        *out = sqlite3_last_insert_rowid(q->db);
    }
    strmap_put(&q->source_ids, text, len, (size_t)*out);
    return 0;
}

/* Whether the current revision of the key differs from o. Sets
 * *out_same; ERR_CONFLICT if the current revision is this batch's. */
static int compare_current(struct sq *q, const struct obs *o, int64_t ind,
                           int64_t area, int64_t src, bool *out_same,
                           struct err *err)
{
    sqlite3_stmt *st = stmt(q, ST_OBS_CUR, err);
    int rc;

    *out_same = false;
    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, ind);
    sqlite3_bind_int64(st, 2, area);
    sqlite3_bind_int(st, 3, o->year);
    sqlite3_bind_text(st, 4, o->dims, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 0) == q->batch_id) {
            sqlite3_reset(st);
            return store_duplicate(o, err);
        }
        *out_same = sqlite3_column_double(st, 1) == o->value &&
                    sqlite3_column_int(st, 2) == (int)o->status &&
                    sqlite3_column_int64(st, 3) == src &&
                    strcmp(col_text(st, 4), o->note ? o->note : "") == 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return db_fail(q, err, "reading the current value");
    }
    return 0;
}

/* ---- Fresh batches: duplicate set and multi-row inserts ------------------ */

static void bind_pend(sqlite3_stmt *st, int base, const struct sq *q,
                      const struct pend_row *r)
{
    const char *text = q->pend_text.data;

    sqlite3_bind_int64(st, base + 1, r->ind);
    sqlite3_bind_int64(st, base + 2, r->area);
    sqlite3_bind_int(st, base + 3, r->year);
    sqlite3_bind_text(st, base + 4, text + r->dims_off, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, base + 5, q->batch_id);
    sqlite3_bind_double(st, base + 6, r->value);
    sqlite3_bind_int(st, base + 7, r->status);
    if (r->src) {
        sqlite3_bind_int64(st, base + 8, r->src);
    } else {
        sqlite3_bind_null(st, base + 8);
    }
    if (r->note_off != SIZE_MAX) {
        sqlite3_bind_text(st, base + 9, text + r->note_off, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, base + 9);
    }
}

static int prepare_multi(struct sq *q, struct err *err)
{
    struct buf sql;
    int rc;

    buf_init(&sql);
    buf_puts(&sql, "INSERT INTO obs(indicator_id, area_id, year, dims,"
                   " batch_id, value, status, source_id, note) VALUES ");
    for (int i = 0; i < FLUSH_ROWS; i++) {
        buf_puts(&sql, i ? ",(?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?)");
    }
    rc = sqlite3_prepare_v3(q->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT,
                            &q->multi, NULL);
    buf_cleanup(&sql);
    if (rc != SQLITE_OK) {
        return db_fail(q, err, "prepare");
    }
    return 0;
}

static int pend_cmp(const void *a, const void *b)
{
    const struct pend_row *x = a;
    const struct pend_row *y = b;

    if (x->area != y->area) {
        return x->area < y->area ? -1 : 1;
    }
    if (x->ind != y->ind) {
        return x->ind < y->ind ? -1 : 1;
    }
    if (x->year != y->year) {
        return x->year < y->year ? -1 : 1;
    }
    return strcmp(x->dims, y->dims);
}

/* Sort the queue of a trusted batch into the table's key order (area,
 * indicator, year, dims), so that its rows go into adjacent places of the
 * B-tree (appends, for a group's aggregates). */
static void pend_sort(struct sq *q)
{
    for (size_t i = 0; i < q->pend_count; i++) {
        q->pend[i].dims = q->pend_text.data + q->pend[i].dims_off;
    }
    qsort(q->pend, q->pend_count, sizeof(*q->pend), pend_cmp);
}

/* Insert the pending rows: full chunks through the multi-row statement,
 * the rest row by row. */
static int pend_flush(struct sq *q, struct err *err)
{
    sqlite3_stmt *st;
    size_t i = 0;
    int rc;

    if (q->batch_trusted && q->pend_count > 1) {
        pend_sort(q);
    }
    for (; i + FLUSH_ROWS <= q->pend_count; i += FLUSH_ROWS) {
        if (!q->multi && prepare_multi(q, err) != 0) {
            return err->code;
        }
        sqlite3_reset(q->multi);
        for (size_t k = 0; k < FLUSH_ROWS; k++) {
            bind_pend(q->multi, (int)k * 9, q, &q->pend[i + k]);
        }
        rc = sqlite3_step(q->multi);
        sqlite3_reset(q->multi);
        if (rc != SQLITE_DONE) {
            return db_fail(q, err, "writing observations");
        }
    }
    for (; i < q->pend_count; i++) {
        st = stmt_hot(q, ST_OBS_PUT, err);
        if (!st) {
            return err->code;
        }
        bind_pend(st, 0, q, &q->pend[i]);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            return db_fail(q, err, "writing an observation");
        }
    }
    q->pend_count = 0;
    buf_reset(&q->pend_text);
    return 0;
}

/* Queue one new row of a fresh batch. */
static int put_fresh(struct sq *q, const struct obs *o, size_t ind, size_t area,
                     int64_t src, struct err *err)
{
    struct pend_row *r;

    if (!q->pend) {
        q->pend_cap = q->batch_trusted ? APPEND_ROWS : FLUSH_ROWS;
        q->pend = xcalloc(q->pend_cap, sizeof(*q->pend));
    }
    r = &q->pend[q->pend_count++];
    r->ind = q->inds[ind].id;
    r->area = q->areas[area].id;
    r->src = src;
    r->year = o->year;
    r->status = (int)o->status;
    r->value = o->value;
    r->dims_off = q->pend_text.len;
    buf_puts(&q->pend_text, o->dims ? o->dims : "");
    buf_putc(&q->pend_text, '\0');
    r->note_off = SIZE_MAX;
    if (o->note && o->note[0]) {
        r->note_off = q->pend_text.len;
        buf_puts(&q->pend_text, o->note);
        buf_putc(&q->pend_text, '\0');
    }
    if (q->pend_count == q->pend_cap) {
        return pend_flush(q, err);
    }
    return 0;
}

/* Duplicate check of a fresh batch (see struct sq). ERR_CONFLICT for a key
 * this batch already has. */
static int fresh_check(struct sq *q, const struct obs *o, size_t ind,
                       size_t area, struct err *err)
{
    const char *dims = o->dims ? o->dims : "";
    size_t len = strlen(dims);
    size_t id = 0;
    bool same;

    if (!q->has_cur || area != q->cur_area || ind != q->cur_ind) {
        q->has_cur = true;
        q->cur_area = area;
        q->cur_ind = ind;
        u64set_clear(&q->cur);
        q->cur_revisit =
            !u64set_add(&q->series, ((uint64_t)(area + 1) << 32) | ind);
        /* Earlier rows of a revisited series must be in the table. */
        if (q->cur_revisit && pend_flush(q, err) != 0) {
            return err->code;
        }
    }
    if (len > 0 && !strmap_get(&q->dims_ids, dims, len, &id)) {
        id = q->dims_ids.count + 1;
        strmap_put(&q->dims_ids, dims, len, id);
    }
    if (!u64set_add(&q->cur, ((uint64_t)(o->year - YEAR_MIN + 1) << 32) | id)) {
        return store_duplicate(o, err);
    }
    if (q->cur_revisit) {
        /* Any row in the table is this batch's: the table was empty. */
        return compare_current(q, o, q->inds[ind].id, q->areas[area].id, 0,
                               &same, err);
    }
    return 0;
}

static int sq_obs_put(struct store *s, const struct obs *o, bool *out_changed,
                      struct err *err)
{
    struct sq *q = sq_of(s);
    size_t ind, area;
    int64_t src;
    bool same = false;
    const char *dims = o->dims ? o->dims : "";

    if (out_changed) {
        *out_changed = false;
    }
    if (q->tx != 2) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (find_ind(q, o->indicator, &ind, err) != 0 ||
        find_area(q, o->economy, &area, err) != 0 ||
        store_check_obs(o, err) != 0 ||
        source_id(q, o->source, &src, err) != 0) {
        return err->code;
    }
    if (q->batch_fresh) {
        if (fresh_check(q, o, ind, area, err) != 0 ||
            put_fresh(q, o, ind, area, src, err) != 0) {
            return err->code;
        }
        q->batch_changed++;
        touch(q, pair_key(q->inds[ind].id, q->areas[area].id));
        if (out_changed) {
            *out_changed = true;
        }
        return 0;
    }
    /* In a trusted batch, rows appended so far must be in the table for
     * the lookup, and this key joins the duplicate check of appends. */
    if (q->batch_trusted && q->pend_count > 0 && pend_flush(q, err) != 0) {
        return err->code;
    }
    if (compare_current(q, o, q->inds[ind].id, q->areas[area].id, src, &same,
                        err) != 0) {
        return err->code;
    }
    if (same) {
        return 0;
    }
    if (q->batch_trusted && fresh_check(q, o, ind, area, err) != 0) {
        return err->code;
    }
    /* Rows of other batches are queued too (the current value was looked
     * up above; a key still in the queue is this batch's duplicate). */
    for (size_t i = 0; i < q->pend_count; i++) {
        const struct pend_row *r = &q->pend[i];
        if (r->ind == q->inds[ind].id && r->area == q->areas[area].id &&
            r->year == o->year &&
            strcmp(q->pend_text.data + r->dims_off, dims) == 0) {
            return store_duplicate(o, err);
        }
    }
    if (put_fresh(q, o, ind, area, src, err) != 0) {
        return err->code;
    }
    q->batch_changed++;
    touch(q, pair_key(q->inds[ind].id, q->areas[area].id));
    if (out_changed) {
        *out_changed = true;
    }
    return 0;
}

/* store_obs_append: in a trusted batch, no lookup of the current value;
 * duplicates are found as in a fresh batch (fresh_check). */
static int sq_obs_append(struct store *s, const struct obs *o, struct err *err)
{
    struct sq *q = sq_of(s);
    size_t ind, area;
    int64_t src;

    if (q->tx != 2 || !q->batch_trusted || q->batch_fresh) {
        return sq_obs_put(s, o, NULL, err);
    }
    if (find_ind(q, o->indicator, &ind, err) != 0 ||
        find_area(q, o->economy, &area, err) != 0 ||
        store_check_obs(o, err) != 0 ||
        source_id(q, o->source, &src, err) != 0) {
        return err->code;
    }
    /* One economy's rows at a time: sorted, they go into one region. */
    if (q->pend_count > 0 &&
        q->pend[q->pend_count - 1].area != q->areas[area].id &&
        pend_flush(q, err) != 0) {
        return err->code;
    }
    if (fresh_check(q, o, ind, area, err) != 0 ||
        put_fresh(q, o, ind, area, src, err) != 0) {
        return err->code;
    }
    q->batch_changed++;
    touch(q, pair_key(q->inds[ind].id, q->areas[area].id));
    return 0;
}

/* Record the series the open batch appended to (batch_series). */
static int touched_write(struct sq *q, struct err *err)
{
    for (size_t i = 0; i < q->touched.cap; i++) {
        uint64_t k = q->touched.slots[i];
        sqlite3_stmt *st;
        if (k == 0) {
            continue;
        }
        st = stmt_hot(q, ST_BATCH_SERIES_PUT, err);
        if (!st) {
            return err->code;
        }
        sqlite3_bind_int64(st, 1, q->batch_id);
        sqlite3_bind_int64(st, 2, (int64_t)(k & 0xffffffffu));
        sqlite3_bind_int64(st, 3, (int64_t)(k >> 32));
        if (step_done(q, st, err, "recording the batch's series") != 0) {
            return err->code;
        }
    }
    return 0;
}

static int sq_batch_commit(struct store *s, int64_t *out_batch,
                           int64_t *out_changed, struct err *err)
{
    struct sq *q = sq_of(s);
    char sql[96];

    *out_batch = 0;
    if (out_changed) {
        *out_changed = 0;
    }
    if (q->tx != 2) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if ((q->pend_count > 0 && pend_flush(q, err) != 0) ||
        touched_write(q, err) != 0) {
        sq_rollback(s);
        return err->code;
    }
    fresh_reset(q);
    if (q->batch_changed == 0) {
        /* Nothing appended: keep no batch (new sources go too). */
        sq_rollback(s);
        return 0;
    }
    /* Integers only: no outside text in this SQL. */
    snprintf(sql, sizeof(sql),
             "UPDATE batches SET changed = %lld WHERE id "
             "= %lld",
             (long long)q->batch_changed, (long long)q->batch_id);
    if (exec_sql(q, sql, err) != 0 || exec_sql(q, "COMMIT", err) != 0) {
        sq_rollback(s);
        return err->code;
    }
    q->tx = 0;
    *out_batch = q->batch_id;
    if (out_changed) {
        *out_changed = q->batch_changed;
    }
    return 0;
}

static void sq_batch_rollback(struct store *s)
{
    sq_rollback(s);
}

/* ---- Observation queries ------------------------------------------------ */

/* A membership interval of one area, for --group filters. */
struct member_span {
    size_t area; /* index into q->areas */
    int from, to;
};

/* State of one streaming query. */
struct qrun {
    struct sq *q;
    const struct store_obs_query *f;
    size_t *inds; /* indices into q->inds, canonical order */
    size_t ind_count;
    size_t *areas; /* indices into q->areas, canonical order */
    size_t area_count;
    struct member_span *spans; /* sorted by area; group filter only */
    size_t span_count;
    int64_t batch_limit;
    /* Batches and sources read once per query (a join per row would cost
     * as much as the row): indexed by id. */
    int64_t *batch_time;
    unsigned char *batch_kind;
    size_t batch_cap; /* entries of batch_time/batch_kind */
    char **sources;   /* owned texts */
    size_t source_cap;
    /* since_batch: (indicator id << 32 | area id) of the series with a
     * revision after since_batch; only those are read. */
    struct u64set changed;
    /* The pending row: the newest revision seen so far of one key. */
    bool has_pending;
    struct obs pending;
    struct buf dims, note;
    store_obs_fn fn;
    void *ctx;
};

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a;
    size_t y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static int span_cmp(const void *a, const void *b)
{
    const struct member_span *x = a;
    const struct member_span *y = b;
    return (x->area > y->area) - (x->area < y->area);
}

/* Sort and dedupe n indices in place; returns the new count. */
static size_t sort_unique(size_t *v, size_t n)
{
    size_t out = 0;

    qsort(v, n, sizeof(*v), size_cmp);
    for (size_t i = 0; i < n; i++) {
        if (out == 0 || v[out - 1] != v[i]) {
            v[out++] = v[i];
        }
    }
    return out;
}

static int plan_indicators(struct qrun *r, struct err *err)
{
    const struct store_obs_query *f = r->f;
    struct sq *q = r->q;

    if (f->indicator_count == 0) {
        r->inds = xcalloc(q->ind_count + 1, sizeof(size_t));
        for (size_t i = 0; i < q->ind_count; i++) {
            r->inds[i] = i;
        }
        r->ind_count = q->ind_count;
        return 0;
    }
    r->inds = xcalloc(f->indicator_count, sizeof(size_t));
    for (size_t i = 0; i < f->indicator_count; i++) {
        if (find_ind(q, f->indicators[i], &r->inds[i], err) != 0) {
            return err->code;
        }
    }
    r->ind_count = sort_unique(r->inds, f->indicator_count);
    return 0;
}

static int plan_group(struct qrun *r, struct err *err)
{
    struct sq *q = r->q;
    size_t g;
    size_t cap = 0;
    sqlite3_stmt *st;
    int rc;

    if (!strmap_get(&q->area_ids, r->f->group, strlen(r->f->group), &g) ||
        !q->areas[g].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown group '%s'", r->f->group);
    }
    st = stmt(q, ST_MEM_OF_GROUP, err);
    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, q->areas[g].id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        size_t k = 0;
        while (k < q->area_count && q->areas[k].id != id) {
            k++;
        }
        if (k == q->area_count) {
            continue;
        }
        if (r->span_count == cap) {
            cap = cap ? cap * 2 : 64;
            r->spans = xreallocarray(r->spans, cap, sizeof(*r->spans));
        }
        r->spans[r->span_count].area = k;
        r->spans[r->span_count].from = sqlite3_column_int(st, 1);
        r->spans[r->span_count].to = sqlite3_column_int(st, 2);
        r->span_count++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return db_fail(q, err, "reading memberships");
    }
    qsort(r->spans, r->span_count, sizeof(*r->spans), span_cmp);
    return 0;
}

static int plan_areas(struct qrun *r, struct err *err)
{
    const struct store_obs_query *f = r->f;
    struct sq *q = r->q;

    if (f->group && plan_group(r, err) != 0) {
        return err->code;
    }
    if (f->economy_count > 0) {
        r->areas = xcalloc(f->economy_count, sizeof(size_t));
        for (size_t i = 0; i < f->economy_count; i++) {
            if (find_area(q, f->economies[i], &r->areas[i], err) != 0) {
                return err->code;
            }
        }
        r->area_count = sort_unique(r->areas, f->economy_count);
        return 0;
    }
    if (f->group) {
        r->areas = xcalloc(r->span_count + 1, sizeof(size_t));
        for (size_t i = 0; i < r->span_count; i++) {
            r->areas[i] = r->spans[i].area;
        }
        r->area_count = sort_unique(r->areas, r->span_count);
        return 0;
    }
    r->areas = xcalloc(q->area_count + 1, sizeof(size_t));
    for (size_t i = 0; i < q->area_count; i++) {
        r->areas[i] = i;
    }
    r->area_count = q->area_count;
    return 0;
}

static int plan_as_of(struct qrun *r, struct err *err)
{
    sqlite3_stmt *st;
    int rc;

    r->batch_limit = r->f->as_of_batch > 0 ? r->f->as_of_batch : INT64_MAX;
    if (r->f->as_of <= 0) {
        return 0;
    }
    st = stmt(r->q, ST_BATCH_ASOF, err);
    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, r->f->as_of);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int64_t id = sqlite3_column_type(st, 0) == SQLITE_NULL
                         ? 0
                         : sqlite3_column_int64(st, 0);
        if (id < r->batch_limit) {
            r->batch_limit = id;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        return db_fail(r->q, err, "reading batches");
    }
    return 0;
}

/* True if the key (area, year, dims) passes the group and dims filters. */
static bool key_passes(const struct qrun *r, size_t area, int year,
                       const char *dims)
{
    const struct store_obs_query *f = r->f;
    struct dim_pair pairs[MAX_DIMS];
    size_t n = 0;
    struct err ignored;

    if (f->group) {
        bool in = false;
        for (size_t i = 0; i < r->span_count && !in; i++) {
            in = r->spans[i].area == area &&
                 (r->spans[i].from == 0 || r->spans[i].from <= year) &&
                 (r->spans[i].to == 0 || r->spans[i].to >= year);
        }
        if (!in) {
            return false;
        }
    }
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

/* Read every batch's time and kind and every source text. */
static int plan_lookup(struct qrun *r, struct err *err)
{
    sqlite3_stmt *st = stmt(r->q, ST_BATCH_ALL, err);
    int rc;

    if (!st) {
        return err->code;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id < 0 || id > INT32_MAX) {
            continue;
        }
        if ((size_t)id >= r->batch_cap) {
            size_t cap = r->batch_cap ? r->batch_cap : 64;
            while (cap <= (size_t)id) {
                cap *= 2;
            }
            r->batch_time = xreallocarray(r->batch_time, cap, sizeof(int64_t));
            r->batch_kind = xrealloc(r->batch_kind, cap);
            memset(r->batch_time + r->batch_cap, 0,
                   (cap - r->batch_cap) * sizeof(int64_t));
            memset(r->batch_kind + r->batch_cap, 0, cap - r->batch_cap);
            r->batch_cap = cap;
        }
        r->batch_time[id] = sqlite3_column_int64(st, 1);
        r->batch_kind[id] = (unsigned char)sqlite3_column_int(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return db_fail(r->q, err, "reading batches");
    }
    st = stmt(r->q, ST_SOURCE_ALL, err);
    if (!st) {
        return err->code;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id < 0 || id > INT32_MAX) {
            continue;
        }
        if ((size_t)id >= r->source_cap) {
            size_t cap = r->source_cap ? r->source_cap : 64;
            while (cap <= (size_t)id) {
                cap *= 2;
            }
            r->sources = xreallocarray(r->sources, cap, sizeof(char *));
            memset(r->sources + r->source_cap, 0,
                   (cap - r->source_cap) * sizeof(char *));
            r->source_cap = cap;
        }
        xfree(r->sources[id]);
        r->sources[id] = xstrdup(col_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return db_fail(r->q, err, "reading sources");
    }
    return 0;
}

/* since_batch: which (indicator, area) series have a newer revision. */
static int plan_since(struct qrun *r, struct err *err)
{
    sqlite3_stmt *st;
    int rc;

    if (r->f->since_batch <= 0) {
        return 0;
    }
    st = stmt(r->q, ST_OBS_CHANGED, err);
    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, r->f->since_batch);
    sqlite3_bind_int64(st, 2, r->batch_limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        u64set_add(&r->changed, pair_key(sqlite3_column_int64(st, 0),
                                         sqlite3_column_int64(st, 1)));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return db_fail(r->q, err, "reading changed series");
    }
    return 0;
}

static bool u64set_has(const struct u64set *set, uint64_t key)
{
    size_t mask;
    size_t i;

    if (set->cap == 0) {
        return false;
    }
    mask = set->cap - 1;
    i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 24) & mask;
    while (set->slots[i] != 0) {
        if (set->slots[i] == key) {
            return true;
        }
        i = (i + 1) & mask;
    }
    return false;
}

/* Hand the pending row (the newest revision of its key) to the callback
 * if it passes the filters. */
static int flush_pending(struct qrun *r, size_t area, struct err *err)
{
    if (!r->has_pending) {
        return 0;
    }
    r->has_pending = false;
    if (r->pending.batch <= r->f->since_batch) {
        return 0;
    }
    r->pending.dims = buf_cstr(&r->dims);
    r->pending.note = buf_cstr(&r->note);
    if (r->pending.batch >= 0 && (uint64_t)r->pending.batch < r->batch_cap) {
        r->pending.batch_time = r->batch_time[r->pending.batch];
        r->pending.batch_kind =
            (enum batch_kind)r->batch_kind[r->pending.batch];
    } else {
        r->pending.batch_time = 0;
        r->pending.batch_kind = (enum batch_kind)0;
    }
    if (!key_passes(r, area, r->pending.year, r->pending.dims)) {
        return 0;
    }
    return r->fn(r->ctx, &r->pending, err);
}

/* Stream one (indicator, area) series: rows come ordered by year, dims,
 * batch; the last row of each (year, dims) is the answer. */
static int run_series(struct qrun *r, size_t ind, size_t area, struct err *err)
{
    struct sq *q = r->q;
    sqlite3_stmt *st;
    int rc;
    int cb = 0;

    if (r->f->since_batch > 0 &&
        !u64set_has(&r->changed,
                    pair_key(q->inds[ind].id, q->areas[area].id))) {
        return 0;
    }
    st = stmt_hot(q, ST_OBS_SERIES, err);
    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, q->inds[ind].id);
    sqlite3_bind_int64(st, 2, q->areas[area].id);
    sqlite3_bind_int(st, 3, r->f->year_from > 0 ? r->f->year_from : INT_MIN);
    sqlite3_bind_int(st, 4, r->f->year_to > 0 ? r->f->year_to : INT_MAX);
    sqlite3_bind_int64(st, 5, r->batch_limit);
    r->pending.indicator = q->inds[ind].code;
    r->pending.economy = q->areas[area].code;
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int year = sqlite3_column_int(st, 0);
        const char *dims = col_text(st, 1);
        int64_t src;
        if (r->has_pending &&
            (year != r->pending.year || strcmp(dims, r->dims.data) != 0)) {
            cb = flush_pending(r, area, err);
        }
        r->has_pending = true;
        r->pending.year = year;
        buf_reset(&r->dims);
        buf_puts(&r->dims, dims);
        r->pending.batch = sqlite3_column_int64(st, 2);
        r->pending.value = sqlite3_column_double(st, 3);
        r->pending.status = (enum obs_status)sqlite3_column_int(st, 4);
        src = sqlite3_column_type(st, 5) == SQLITE_NULL
                  ? -1
                  : sqlite3_column_int64(st, 5);
        r->pending.source =
            src >= 0 && (uint64_t)src < r->source_cap && r->sources[src]
                ? r->sources[src]
                : "";
        buf_reset(&r->note);
        buf_puts(&r->note, col_text(st, 6));
    }
    sqlite3_reset(st);
    if (cb == 0 && rc != SQLITE_DONE) {
        return db_fail(q, err, "reading observations");
    }
    if (cb == 0) {
        cb = flush_pending(r, area, err);
    }
    r->has_pending = false;
    return cb;
}

static int sq_obs_query(struct store *s, const struct store_obs_query *f,
                        store_obs_fn fn, void *ctx, struct err *err)
{
    struct qrun r = {.q = sq_of(s), .f = f, .fn = fn, .ctx = ctx};
    /* One read transaction for the whole query, when none is open: one
     * snapshot, and the locks are taken once, not once per series. */
    bool own = r.q->tx == 0;
    int rc = 0;
    sqlite3_stmt *begin = own ? stmt(r.q, ST_READ_BEGIN, err) : NULL;

    if (own &&
        (!begin || step_done(r.q, begin, err, "beginning a read") != 0)) {
        return err->code;
    }
    if (cache_load(r.q, err) != 0) {
        rc = err->code;
        goto out;
    }
    if (plan_indicators(&r, err) != 0 || plan_areas(&r, err) != 0 ||
        plan_as_of(&r, err) != 0 || plan_lookup(&r, err) != 0 ||
        plan_since(&r, err) != 0) {
        rc = err->code;
        goto out;
    }
    buf_puts(&r.dims, "");
    for (size_t i = 0; i < r.ind_count && rc == 0; i++) {
        for (size_t a = 0; a < r.area_count && rc == 0; a++) {
            rc = run_series(&r, r.inds[i], r.areas[a], err);
        }
    }
out:
    if (own) {
        struct err ignored = {0};
        sqlite3_stmt *end = stmt(r.q, ST_READ_END, &ignored);
        if (end) {
            (void)step_done(r.q, end, &ignored, "ending a read");
        }
    }
    xfree(r.inds);
    xfree(r.areas);
    xfree(r.spans);
    xfree(r.batch_time);
    xfree(r.batch_kind);
    for (size_t i = 0; i < r.source_cap; i++) {
        xfree(r.sources[i]);
    }
    xfree(r.sources);
    u64set_free(&r.changed);
    buf_cleanup(&r.dims);
    buf_cleanup(&r.note);
    return rc;
}

static int sq_obs_history(struct store *s, const char *indicator,
                          const char *economy, int year, const char *dims,
                          store_history_fn fn, void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    size_t ind, area;
    int rc;
    int cb = 0;

    if (cache_load(q, err) != 0 || find_ind(q, indicator, &ind, err) != 0 ||
        find_area(q, economy, &area, err) != 0) {
        return err->code;
    }
    st = stmt(q, ST_OBS_HISTORY, err);
    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, q->inds[ind].id);
    sqlite3_bind_int64(st, 2, q->areas[area].id);
    sqlite3_bind_int(st, 3, year);
    sqlite3_bind_text(st, 4, dims, -1, SQLITE_STATIC);
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct obs o = {
            .indicator = q->inds[ind].code,
            .economy = q->areas[area].code,
            .year = sqlite3_column_int(st, 0),
            .dims = col_text(st, 1),
            .batch = sqlite3_column_int64(st, 2),
            .value = sqlite3_column_double(st, 3),
            .status = (enum obs_status)sqlite3_column_int(st, 4),
            .source = col_text(st, 5),
            .note = col_text(st, 6),
            .batch_time = sqlite3_column_int64(st, 7),
            .batch_kind = (enum batch_kind)sqlite3_column_int(st, 8),
        };
        struct batch b = {
            .id = o.batch,
            .time = o.batch_time,
            .kind = o.batch_kind,
            .origin = col_text(st, 9),
            .file = col_text(st, 10),
            .sha256 = col_text(st, 11),
            .note = col_text(st, 12),
            .changed = sqlite3_column_int64(st, 13),
        };
        cb = fn(ctx, &o, &b, err);
    }
    sqlite3_reset(st);
    if (cb != 0) {
        return cb;
    }
    if (rc != SQLITE_DONE) {
        return db_fail(q, err, "reading the history");
    }
    return 0;
}

/* ---- Batches and state -------------------------------------------------- */

static int sq_batch_list(struct store *s, size_t limit, store_batch_fn fn,
                         void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = prep(q, SQL_BATCH_LIST, err);
    int rc;
    int cb = 0;

    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, limit > 0 ? (int64_t)limit : -1);
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct batch b = {
            .id = sqlite3_column_int64(st, 0),
            .time = sqlite3_column_int64(st, 1),
            .kind = (enum batch_kind)sqlite3_column_int(st, 2),
            .origin = col_text(st, 3),
            .file = col_text(st, 4),
            .sha256 = col_text(st, 5),
            .note = col_text(st, 6),
            .changed = sqlite3_column_int64(st, 7),
        };
        cb = fn(ctx, &b, err);
    }
    return loop_end(q, st, rc, cb, err);
}

static int sq_last_revision(struct store *s, int64_t *out_batch,
                            int64_t *out_time, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = stmt(q, ST_BATCH_LAST, err);
    int rc;

    *out_batch = 0;
    *out_time = 0;
    if (!st) {
        return err->code;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out_batch = sqlite3_column_int64(st, 0);
        *out_time = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return db_fail(q, err, "reading batches");
    }
    return 0;
}

static int count_one(struct sq *q, const char *sql, int64_t *out,
                     struct err *err)
{
    sqlite3_stmt *st = prep(q, sql, err);
    int rc;

    *out = 0;
    if (!st) {
        return err->code;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        return db_fail(q, err, "counting");
    }
    return 0;
}

static int sq_counts(struct store *s, struct store_counts *out, struct err *err)
{
    struct sq *q = sq_of(s);
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
        if (count_one(q, store_sql_counts[i], c[i], err) != 0) {
            return err->code;
        }
    }
    out->year_min = (int)ymin;
    out->year_max = (int)ymax;
    return 0;
}

/* ---- Whole tables (store_copy) ------------------------------------------ */

/* A blob as PostgreSQL's bytea text: \x and lowercase hex. */
static void put_hex(struct buf *b, const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = data;

    buf_puts(b, "\\x");
    for (size_t i = 0; i < len; i++) {
        buf_putc(b, hex[p[i] >> 4]);
        buf_putc(b, hex[p[i] & 15]);
    }
}

static int sq_table_read(struct store *s, size_t table, store_row_fn fn,
                         void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    const char *types = store_sql_tables[table].types;
    size_t n = strlen(types);
    struct buf sql, cells;
    const char *cell[32];
    sqlite3_stmt *st;
    int rc;
    int cb = 0;

    buf_init(&sql);
    buf_init(&cells);
    store_sql_table_select(table, &sql);
    st = prep(q, sql.data, err);
    buf_cleanup(&sql);
    if (!st || n > ARRAY_COUNT(cell)) {
        buf_cleanup(&cells);
        return st ? err_set(err, ERR_INTERNAL, "too many columns") : err->code;
    }
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t off[32];
        buf_reset(&cells);
        for (size_t i = 0; i < n; i++) {
            int null = sqlite3_column_type(st, (int)i) == SQLITE_NULL;
            off[i] = null ? SIZE_MAX : cells.len;
            if (null) {
                continue;
            }
            if (types[i] == 'i') {
                buf_printf(&cells, "%lld",
                           (long long)sqlite3_column_int64(st, (int)i));
            } else if (types[i] == 'r') {
                buf_put_double(&cells, sqlite3_column_double(st, (int)i));
            } else if (types[i] == 'b') {
                put_hex(&cells, sqlite3_column_blob(st, (int)i),
                        (size_t)sqlite3_column_bytes(st, (int)i));
            } else {
                buf_puts(&cells, col_text(st, (int)i));
            }
            buf_putc(&cells, '\0');
        }
        for (size_t i = 0; i < n; i++) {
            cell[i] = off[i] == SIZE_MAX ? NULL : cells.data + off[i];
        }
        cb = fn(ctx, cell, n, err);
    }
    buf_cleanup(&cells);
    return loop_end(q, st, rc, cb, err);
}

/* ---- Statements of store-side modules (store_int.h) -------------------- */

static int exec_fail(struct sq *q, struct err *err)
{
    int ext = sqlite3_extended_errcode(q->db);
    int code =
        ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY
            ? ERR_CONFLICT
            : ERR_STORAGE;

    /* The same text as store_pg.c's for a unique violation. */
    if (code == ERR_CONFLICT) {
        return err_set(err, code, "a row with the same key exists");
    }
    return err_set(err, code, "%s", sqlite3_errmsg(q->db));
}

static void exec_bind(sqlite3_stmt *st, const struct store_param *ps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct store_param *p = &ps[i];
        int k = (int)i + 1;
        switch (p->type) {
        case STORE_PARAM_TEXT:
            sqlite3_bind_text(st, k, p->text, -1, SQLITE_STATIC);
            break;
        case STORE_PARAM_INT:
            sqlite3_bind_int64(st, k, p->i);
            break;
        case STORE_PARAM_DOUBLE:
            sqlite3_bind_double(st, k, p->d);
            break;
        case STORE_PARAM_BLOB:
            sqlite3_bind_blob64(st, k, p->len ? p->text : "", p->len,
                                SQLITE_STATIC);
            break;
        case STORE_PARAM_NULL:
        default:
            sqlite3_bind_null(st, k);
            break;
        }
    }
}

/* The cells of the current row of st; numbers are formatted into nums. */
static void exec_cells(sqlite3_stmt *st, size_t n, const char **cells,
                       size_t *lens, char (*nums)[40])
{
    for (size_t i = 0; i < n; i++) {
        int c = (int)i;
        switch (sqlite3_column_type(st, c)) {
        case SQLITE_NULL:
            cells[i] = NULL;
            lens[i] = 0;
            break;
        case SQLITE_INTEGER:
            lens[i] = (size_t)snprintf(nums[i], sizeof(nums[i]), "%lld",
                                       (long long)sqlite3_column_int64(st, c));
            cells[i] = nums[i];
            break;
        case SQLITE_FLOAT:
            /* Not column_text: SQLite prints 15 digits, which loses bits. */
            lens[i] = fmt_double(nums[i], sizeof(nums[i]),
                                 sqlite3_column_double(st, c));
            cells[i] = nums[i];
            break;
        case SQLITE_BLOB:
            cells[i] = sqlite3_column_blob(st, c);
            lens[i] = (size_t)sqlite3_column_bytes(st, c);
            cells[i] = cells[i] ? cells[i] : "";
            break;
        default:
            cells[i] = col_text(st, c);
            lens[i] = (size_t)sqlite3_column_bytes(st, c);
            break;
        }
    }
}

static int sq_exec(struct store *s, const struct store_stmt *x,
                   int64_t *out_changes, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    const char *cells[STORE_MAX_CELLS];
    size_t lens[STORE_MAX_CELLS];
    char nums[STORE_MAX_CELLS][40];
    size_t n;
    int rc = SQLITE_DONE;
    int cb = 0;

    if (sqlite3_prepare_v2(q->db, x->sql, -1, &st, NULL) != SQLITE_OK) {
        exec_fail(q, err);
        sqlite3_finalize(st);
        return err->code;
    }
    n = (size_t)sqlite3_column_count(st);
    if (n > STORE_MAX_CELLS) {
        sqlite3_finalize(st);
        return err_set(err, ERR_LIMIT, "a statement returns at most %d columns",
                       STORE_MAX_CELLS);
    }
    exec_bind(st, x->params, x->param_count);
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_cells row = {cells, lens, n};
        if (x->fn == NULL) {
            continue;
        }
        exec_cells(st, n, cells, lens, nums);
        cb = x->fn(x->ctx, &row, err);
    }
    if (cb == 0 && rc != SQLITE_DONE) {
        cb = exec_fail(q, err);
    }
    if (cb == 0 && out_changes != NULL && !sqlite3_stmt_readonly(st)) {
        *out_changes = sqlite3_changes64(q->db);
    }
    sqlite3_finalize(st);
    return cb;
}

/* ---- Backup and restore (collect_store.h) ------------------------------ */

/* Copy src into dst with the online backup API, all pages in one step. */
static int copy_db(sqlite3 *dst, sqlite3 *src, const char *what,
                   struct err *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc;

    if (b == NULL) {
        return err_set(err, ERR_STORAGE, "%s: %s", what, sqlite3_errmsg(dst));
    }
    rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        return err_set(err,
                       rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? ERR_CONFLICT
                                                                : ERR_STORAGE,
                       "%s: %s", what, sqlite3_errstr(rc));
    }
    return 0;
}

static int sq_backup(struct store *s, const char *path, struct err *err)
{
    sqlite3 *dst = NULL;
    struct stat st;
    int rc;

    if (stat(path, &st) == 0) {
        return err_set(err, ERR_CONFLICT,
                       "%s exists; a backup never "
                       "overwrites a file",
                       path);
    }
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        err_set(err, ERR_IO, "%s: %s", path,
                dst ? sqlite3_errmsg(dst) : "cannot create");
        sqlite3_close(dst);
        return err->code;
    }
    rc = copy_db(dst, sq_of(s)->db, path, err);
    sqlite3_close(dst);
    if (rc != 0) {
        (void)remove(path);
    }
    return rc;
}

static int check_backup(sqlite3 *db, const char *path, struct err *err)
{
    sqlite3_stmt *st = NULL;
    int app = 0;
    int version = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT application_id FROM"
                           " pragma_application_id),"
                           " (SELECT user_version FROM pragma_user_version)",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return err_set(err, ERR_CONFLICT, "%s is not an ictdev store", path);
    }
    app = sqlite3_column_int(st, 0);
    version = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    if (app != 0x49435444) {
        return err_set(err, ERR_CONFLICT, "%s is not an ictdev store", path);
    }
    if (version > STORE_SCHEMA_VERSION) {
        return err_set(err, ERR_CONFLICT,
                       "%s has schema version %d, newer than this ictdev", path,
                       version);
    }
    return 0;
}

static int sq_restore(struct store *s, const char *path, struct err *err)
{
    sqlite3 *src = NULL;
    struct stat st;
    int rc;

    if (stat(path, &st) != 0) {
        return err_set(err, ERR_NOT_FOUND, "no backup at %s", path);
    }
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        err_set(err, ERR_IO, "%s: %s", path,
                src ? sqlite3_errmsg(src) : "cannot open");
        sqlite3_close(src);
        return err->code;
    }
    rc = check_backup(src, path, err);
    if (rc == 0) {
        rc = copy_db(sq_of(s)->db, src, "restoring", err);
    }
    sqlite3_close(src);
    return rc;
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .economy_put = sq_economy_put,
    .group_put = sq_group_put,
    .indicator_put = sq_indicator_put,
    .membership_put = sq_membership_put,
    .dimension_put = sq_dimension_put,
    .code_map_put = sq_code_map_put,
    .reference_clear = sq_reference_clear,
    .economy_list = sq_economy_list,
    .group_list = sq_group_list,
    .group_members = sq_group_members,
    .economy_groups = sq_economy_groups,
    .dimension_list = sq_dimension_list,
    .indicator_list = sq_indicator_list,
    .code_map_list = sq_code_map_list,
    .batch_begin = sq_batch_begin,
    .obs_put = sq_obs_put,
    .obs_append = sq_obs_append,
    .batch_commit = sq_batch_commit,
    .batch_rollback = sq_batch_rollback,
    .obs_query = sq_obs_query,
    .obs_history = sq_obs_history,
    .batch_list = sq_batch_list,
    .last_revision = sq_last_revision,
    .counts = sq_counts,
    .table_read = sq_table_read,
    .exec = sq_exec,
    .backup = sq_backup,
    .restore = sq_restore,
};
