/* Plan versions in SQLite (table plan_versions, schema migration 3). The
 * statements are short-lived: the plan changes rarely, so nothing is
 * cached in the connection. */
#include "plan_store.h"

#include <sqlite3.h>
#include <string.h>
#include <time.h>

#include "../core/mem.h"
#include "store_int.h"

static sqlite3 *db_of(struct store *s, struct err *err)
{
    sqlite3 *db = store_sqlite_handle(s);

    if (db == NULL) {
        err_set(err, ERR_STORAGE,
                "plan storage is not supported by this store backend");
    }
    return db;
}

static int fail(sqlite3 *db, sqlite3_stmt *st, const char *what,
                struct err *err)
{
    err_set(err, ERR_STORAGE, "plan store: %s: %s", what, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ERR_STORAGE;
}

int plan_store_save(struct store *s, const char *doc,
                    const struct plan_version *info, int64_t *out_id,
                    struct err *err)
{
    sqlite3 *db = db_of(s, err);
    sqlite3_stmt *st = NULL;
    int64_t now = info->time != 0 ? info->time : (int64_t)time(NULL);

    if (db == NULL) {
        return err->code;
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO plan_versions(time, origin, action,"
                           " set_name, set_illustrative, doc)"
                           " VALUES(?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        return fail(db, st, "prepare", err);
    }
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, info->origin ? info->origin : "ictdev", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 3, info->action ? info->action : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 4, info->set_name ? info->set_name : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int(st, 5, info->set_illustrative ? 1 : 0);
    sqlite3_bind_text(st, 6, doc, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        return fail(db, st, "saving a plan version", err);
    }
    sqlite3_finalize(st);
    if (out_id != NULL) {
        *out_id = sqlite3_last_insert_rowid(db);
    }
    return 0;
}

static int read_doc(struct store *s, const char *sql, int64_t id,
                    char **out_doc, int64_t *out_id, struct err *err)
{
    sqlite3 *db = db_of(s, err);
    sqlite3_stmt *st = NULL;
    int rc;

    *out_doc = NULL;
    if (db == NULL) {
        return err->code;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return fail(db, st, "prepare", err);
    }
    if (id != 0) {
        sqlite3_bind_int64(st, 1, id);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 1);
        *out_doc = xstrdup(t != NULL ? (const char *)t : "");
        if (out_id != NULL) {
            *out_id = sqlite3_column_int64(st, 0);
        }
    } else if (rc != SQLITE_DONE) {
        return fail(db, st, "reading the plan", err);
    } else if (out_id != NULL) {
        *out_id = 0;
    }
    sqlite3_finalize(st);
    return 0;
}

int plan_store_latest(struct store *s, char **out_doc, int64_t *out_id,
                      struct err *err)
{
    return read_doc(s,
                    "SELECT id, doc FROM plan_versions ORDER BY id DESC"
                    " LIMIT 1",
                    0, out_doc, out_id, err);
}

int plan_store_last(struct store *s, int64_t *out_id, int64_t *out_time,
                    struct err *err)
{
    sqlite3 *db = db_of(s, err);
    sqlite3_stmt *st = NULL;
    int rc;

    *out_id = 0;
    *out_time = 0;
    if (db == NULL) {
        return err->code;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT id, time FROM plan_versions ORDER BY id"
                           " DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        return fail(db, st, "prepare", err);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out_id = sqlite3_column_int64(st, 0);
        *out_time = sqlite3_column_int64(st, 1);
    } else if (rc != SQLITE_DONE) {
        return fail(db, st, "reading the plan version", err);
    }
    sqlite3_finalize(st);
    return 0;
}

int plan_store_get(struct store *s, int64_t id, char **out_doc, struct err *err)
{
    if (read_doc(s, "SELECT id, doc FROM plan_versions WHERE id = ?", id,
                 out_doc, NULL, err) != 0) {
        return err->code;
    }
    if (*out_doc == NULL) {
        return err_set(err, ERR_NOT_FOUND, "no plan version %lld",
                       (long long)id);
    }
    return 0;
}

int plan_store_history(struct store *s, size_t limit, plan_version_fn fn,
                       void *ctx, struct err *err)
{
    sqlite3 *db = db_of(s, err);
    sqlite3_stmt *st = NULL;
    int rc;

    if (db == NULL) {
        return err->code;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT id, time, origin, action, set_name,"
                           " set_illustrative FROM plan_versions"
                           " ORDER BY id DESC LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK) {
        return fail(db, st, "prepare", err);
    }
    sqlite3_bind_int64(st, 1, limit == 0 ? -1 : (sqlite3_int64)limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct plan_version v;
        v.id = sqlite3_column_int64(st, 0);
        v.time = sqlite3_column_int64(st, 1);
        v.origin = (const char *)sqlite3_column_text(st, 2);
        v.action = (const char *)sqlite3_column_text(st, 3);
        v.set_name = (const char *)sqlite3_column_text(st, 4);
        v.set_illustrative = sqlite3_column_int(st, 5) != 0;
        if (fn(ctx, &v, err) != 0) {
            sqlite3_finalize(st);
            return err->code;
        }
    }
    if (rc != SQLITE_DONE) {
        return fail(db, st, "reading the plan history", err);
    }
    sqlite3_finalize(st);
    return 0;
}
