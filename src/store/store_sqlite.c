/* SQLite backend of the store (the only file that includes <sqlite3.h>).
 *
 * areas holds economies and groups in one id space, so that group
 * aggregates are observations like any other. Observations are blocks
 * (block.h, store_obs.c): the table blocks is a rowid table (rows of a few
 * hundred bytes to a few kilobytes go in append order) with its key
 * (indicator_id, area_id, batch_id, part) and batch_id as indexes. Codes are
 * interned in memory, so blocks carry integers only. Every statement is
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
    ST_BATCH_LAST,
    ST_BATCH_PUT,
    ST_BLOCK_ANY,
    ST_BLOCK_PUT,
    ST_BLOCKS_IND,
    ST_BLOCKS_SERIES,
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
    [ST_BATCH_LAST] = SQL_BATCH_LAST,
    /* SQLite's own: the id is the rowid (store_pg.c allocates it). */
    [ST_BATCH_PUT] = "INSERT INTO batches(time, kind, origin, file, sha256,"
                     " note) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_BLOCK_ANY] = SQL_BLOCK_ANY,
    [ST_BLOCK_PUT] = SQL_BLOCK_PUT,
    [ST_BLOCKS_IND] = SQL_BLOCKS_OF_IND,
    [ST_BLOCKS_SERIES] = SQL_BLOCKS_OF_SERIES,
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_READ_BEGIN] = "BEGIN",
    [ST_READ_END] = "COMMIT",
};

/* Other statements (reference reads, store_exec) are kept by their text
 * and reused: preparing one costs more than running it. */
#define REUSE_SLOTS 32

struct reuse {
    sqlite3_stmt *st;
    uint64_t hash; /* of its SQL text */
    bool busy;     /* handed out, not yet given back */
};

struct sq {
    struct store base; /* first: store.c sees only this */
    sqlite3 *db;
    bool readonly;
    int tx;                     /* 0 none, 1 plain transaction, 2 batch */
    bool reading;               /* a read transaction of read_begin */
    sqlite3_stmt *st[ST_COUNT]; /* prepared on first use */
    struct reuse reuse[REUSE_SLOTS];
    unsigned reuse_next; /* the slot the next miss takes */
    /* Code cache, loaded on demand and dropped after reference writes,
     * here or (data_version) by another connection. */
    bool cache_ok;
    int64_t data_version;
    struct store_codes codes;
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

/* A statement for sql, reused if one with the same text is idle, else
 * prepared (and kept, when a slot is idle); NULL with err. Give it back
 * with unprep. A statement still in use (a callback running the same read
 * again) is never handed out twice: the caller gets a fresh one. */
static sqlite3_stmt *prep(struct sq *q, const char *sql, struct err *err)
{
    uint64_t h = strmap_hash(sql, strlen(sql));
    sqlite3_stmt *st = NULL;

    for (size_t i = 0; i < REUSE_SLOTS; i++) {
        struct reuse *r = &q->reuse[i];
        if (r->st && !r->busy && r->hash == h &&
            strcmp(sqlite3_sql(r->st), sql) == 0) {
            r->busy = true;
            return r->st;
        }
    }
    if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK) {
        db_fail(q, err, "prepare");
        sqlite3_finalize(st);
        return NULL;
    }
    for (size_t k = 0; k < REUSE_SLOTS; k++) {
        struct reuse *r = &q->reuse[(q->reuse_next + k) % REUSE_SLOTS];
        if (!r->busy) {
            sqlite3_finalize(r->st);
            r->st = st;
            r->hash = h;
            r->busy = true;
            q->reuse_next = (unsigned)((q->reuse_next + k + 1) % REUSE_SLOTS);
            break;
        }
    }
    return st;
}

/* Give back a statement of prep: reset for reuse, or finalized. */
static void unprep(struct sq *q, sqlite3_stmt *st)
{
    for (size_t i = 0; i < REUSE_SLOTS; i++) {
        if (q->reuse[i].st == st && st != NULL) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            q->reuse[i].busy = false;
            return;
        }
    }
    sqlite3_finalize(st);
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

/* ---- Caches ---------------------------------------------------------- */

static void cache_drop(struct sq *q)
{
    store_codes_drop(&q->codes);
    q->cache_ok = false;
}

static int cache_fill(struct sq *q, const char *sql, bool area, struct err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        return db_fail(q, err, "prepare");
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_codes_add(&q->codes, area, sqlite3_column_int64(st, 0),
                        col_text(st, 1), sqlite3_column_int(st, 2) != 0);
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
    if (cache_fill(q, SQL_INDICATOR_CODES, false, err) != 0 ||
        cache_fill(q, SQL_AREA_CODES, true, err) != 0) {
        cache_drop(q);
        return err->code;
    }
    store_codes_index(&q->codes);
    q->cache_ok = true;
    return 0;
}

static int sq_codes(struct store *s, const struct store_codes **out,
                    struct err *err)
{
    struct sq *q = sq_of(s);

    if (cache_load(q, err) != 0) {
        return err->code;
    }
    *out = &q->codes;
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
             exec_sql(q, store_sql_migrations_sqlite[v], err) != 0) ||
            store_obs_migrate(&q->base, v, err) != 0) {
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
    if (from > 0 && from < 6) {
        /* The rows of obs went into blocks: give their pages back and
         * move to 64 KB pages, as a new store has (page_size changes only
         * outside WAL). Best effort: a store that stays as it is (another
         * process has it open, no room for the copy) is still right. */
        struct err ignored = {0};
        (void)exec_sql(q,
                       "PRAGMA journal_mode=DELETE; PRAGMA page_size=65536;"
                       " VACUUM",
                       &ignored);
        if (exec_sql(q, "PRAGMA journal_mode=WAL", err) != 0) {
            return err->code;
        }
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
    for (size_t i = 0; i < REUSE_SLOTS; i++) {
        sqlite3_finalize(q->reuse[i].st);
    }
    cache_drop(q);
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
    /* A new store gets 64 KB pages (blocks of a few kilobytes fill them;
     * with 4 KB pages a third of each page stayed empty and a load wrote
     * half as much again). An existing store keeps its own. WAL: readers
     * never block the writer. synchronous=NORMAL is durable at each
     * checkpoint and never corrupts; a crash may lose only the last
     * commits, never half of one. */
    if ((!q->readonly && (flags & STORE_OPEN_CREATE) &&
         exec_sql(q, "PRAGMA page_size=65536", err) != 0) ||
        (!q->readonly &&
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
    if (cache_load(q, err) != 0 ||
        store_codes_area(&q->codes, m->group, &g, err) != 0 ||
        store_codes_area(&q->codes, m->economy, &e, err) != 0) {
        return err->code;
    }
    if (!q->codes.areas[g].is_group || q->codes.areas[e].is_group) {
        return err_set(err, ERR_INVALID,
                       "membership %s in %s: want an economy in a group",
                       m->economy, m->group);
    }
    st = stmt(q, ST_MEM_PUT, err);
    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, q->codes.areas[g].id);
    sqlite3_bind_int64(st, 2, q->codes.areas[e].id);
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

/* Finish a row loop: rc is the last sqlite3_step result or our callback's
 * code (as negative, see below). */
static int loop_end(struct sq *q, sqlite3_stmt *st, int rc, int cb_rc,
                    struct err *err)
{
    if (cb_rc == 0 && rc != SQLITE_DONE) {
        db_fail(q, err, "reading");
        unprep(q, st);
        return err->code;
    }
    unprep(q, st);
    return cb_rc;
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
        unprep(q, st);
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
        unprep(q, st);
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
    if (!strmap_get(&q->codes.area_ids, group, strlen(group), &g) ||
        !q->codes.areas[g].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown group '%s'", group);
    }
    return membership_loop(q, SQL_GROUP_MEMBERS, q->codes.areas[g].id, year, fn,
                           ctx, err);
}

static int sq_economy_groups(struct store *s, const char *economy, int year,
                             store_membership_fn fn, void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    size_t e;

    if (cache_load(q, err) != 0) {
        return err->code;
    }
    if (!strmap_get(&q->codes.area_ids, economy, strlen(economy), &e) ||
        q->codes.areas[e].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown economy '%s'", economy);
    }
    return membership_loop(q, SQL_ECONOMY_GROUPS, q->codes.areas[e].id, year,
                           fn, ctx, err);
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
        unprep(q, st);
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

/* ---- Batches and blocks ------------------------------------------------- */

static int sq_batch_begin(struct store *s, const struct store_batch_info *info,
                          struct store_batch_open *out, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int64_t t = info->time > 0 ? info->time : (int64_t)time(NULL);
    int rc;

    if (q->tx != 0 || q->reading) {
        return err_set(err, ERR_CONFLICT, "a transaction is already open");
    }
    if (q->readonly) {
        return err_set(err, ERR_CONFLICT, "%s is open read-only", q->base.path);
    }
    if (cache_load(q, err) != 0 || exec_sql(q, "BEGIN IMMEDIATE", err) != 0) {
        return err->code;
    }
    q->tx = 2;
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
    out->trusted = info->read_at > 0 && rc == SQLITE_ROW &&
                   sqlite3_column_int64(st, 0) == info->read_at;
    sqlite3_reset(st);
    st = stmt(q, ST_BLOCK_ANY, err);
    if (!st) {
        goto fail;
    }
    out->fresh = sqlite3_step(st) == SQLITE_DONE;
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
    out->id = sqlite3_last_insert_rowid(q->db);
    return 0;
fail:
    sq_rollback(s);
    return err->code;
}

static int sq_block_write(struct store *s, const struct store_block *b,
                          struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = stmt_hot(q, ST_BLOCK_PUT, err);

    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, b->indicator_id);
    sqlite3_bind_int64(st, 2, b->area_id);
    sqlite3_bind_int64(st, 3, b->batch_id);
    sqlite3_bind_int64(st, 4, b->part);
    sqlite3_bind_int64(st, 5, b->cells);
    sqlite3_bind_int(st, 6, b->year_min);
    sqlite3_bind_int(st, 7, b->year_max);
    sqlite3_bind_blob64(st, 8, b->data, b->len, SQLITE_STATIC);
    return step_done(q, st, err, "writing observations");
}

static int sq_blocks_read(struct store *s, int64_t indicator_id,
                          int64_t area_id, int64_t batch_limit,
                          store_block_fn fn, void *ctx, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st =
        stmt_hot(q, area_id < 0 ? ST_BLOCKS_IND : ST_BLOCKS_SERIES, err);
    int rc;
    int cb = 0;

    if (!st) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, indicator_id);
    sqlite3_bind_int64(st, 2, batch_limit);
    if (area_id >= 0) {
        sqlite3_bind_int64(st, 3, area_id);
    }
    while (cb == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_block b = {
            .indicator_id = indicator_id,
            .area_id = sqlite3_column_int64(st, 0),
            .batch_id = sqlite3_column_int64(st, 1),
            .part = sqlite3_column_int64(st, 2),
            .cells = sqlite3_column_int64(st, 3),
            .year_min = sqlite3_column_int(st, 4),
            .year_max = sqlite3_column_int(st, 5),
            .data = sqlite3_column_blob(st, 6),
            .len = (size_t)sqlite3_column_bytes(st, 6),
        };
        if (b.data == NULL) {
            b.data = (const unsigned char *)"";
        }
        cb = fn(ctx, &b, err);
    }
    sqlite3_reset(st);
    if (cb != 0) {
        return cb;
    }
    if (rc != SQLITE_DONE) {
        return db_fail(q, err, "reading observations");
    }
    return 0;
}

static int sq_batch_commit(struct store *s, struct err *err)
{
    struct sq *q = sq_of(s);

    if (q->tx != 2) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (exec_sql(q, "COMMIT", err) != 0) {
        sq_rollback(s);
        return err->code;
    }
    q->tx = 0;
    return 0;
}

static void sq_batch_rollback(struct store *s)
{
    sq_rollback(s);
}

/* One read transaction for a query, when none is open: one snapshot, and
 * the locks are taken once, not once per statement. */
static int sq_read_begin(struct store *s, bool *out_opened, struct err *err)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;

    *out_opened = false;
    if (q->tx != 0 || q->reading) {
        return 0;
    }
    st = stmt(q, ST_READ_BEGIN, err);
    if (!st || step_done(q, st, err, "beginning a read") != 0) {
        return err->code;
    }
    q->reading = true;
    *out_opened = true;
    return 0;
}

static void sq_read_end(struct store *s)
{
    struct sq *q = sq_of(s);
    struct err ignored = {0};
    sqlite3_stmt *st;

    if (!q->reading) {
        return;
    }
    q->reading = false;
    st = stmt(q, ST_READ_END, &ignored);
    if (st) {
        (void)step_done(q, st, &ignored, "ending a read");
    }
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
            lens[i] = fmt_i64(nums[i], sqlite3_column_int64(st, c));
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

    st = prep(q, x->sql, err);
    if (st == NULL) {
        return exec_fail(q, err);
    }
    n = (size_t)sqlite3_column_count(st);
    if (n > STORE_MAX_CELLS) {
        unprep(q, st);
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
    unprep(q, st);
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
    .codes = sq_codes,
    .batch_begin = sq_batch_begin,
    .block_write = sq_block_write,
    .blocks_read = sq_blocks_read,
    .batch_commit = sq_batch_commit,
    .batch_rollback = sq_batch_rollback,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .batch_list = sq_batch_list,
    .last_revision = sq_last_revision,
    .table_read = sq_table_read,
    .exec = sq_exec,
    .backup = sq_backup,
    .restore = sq_restore,
};
