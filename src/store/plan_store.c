/* Plan versions (table plan_versions, schema migration 3 of store_sql.c),
 * on either backend through store_exec. The statements are short-lived:
 * the plan changes rarely, so nothing is cached in the connection. Ids are
 * max(id) + 1, as SQLite's rowid, so both backends number versions alike. */
#include "plan_store.h"

#include <string.h>
#include <time.h>

#include "../core/compiler.h"
#include "../core/mem.h"
#include "store_int.h"

int plan_store_save(struct store *s, const char *doc,
                    const struct plan_version *info, int64_t *out_id,
                    struct err *err)
{
    int64_t now = info->time != 0 ? info->time : (int64_t)time(NULL);
    int64_t id = 0;
    struct store_param ps[] = {
        STORE_P_INT(now),
        STORE_P_TEXT(info->origin ? info->origin : "ictdev"),
        STORE_P_TEXT(info->action),
        STORE_P_TEXT(info->set_name),
        STORE_P_INT(info->set_illustrative ? 1 : 0),
        STORE_P_TEXT(doc),
    };
    struct store_stmt q = {
        "INSERT INTO plan_versions(id, time, origin, action, set_name,"
        " set_illustrative, doc)"
        " VALUES((SELECT coalesce(max(id), 0) + 1 FROM plan_versions),"
        " ?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        ps, ARRAY_COUNT(ps), store_cells_take_int, &id};

    if (store_exec_as(s, &q, NULL, "plan store: saving a plan version", err) !=
        0) {
        return err->code;
    }
    if (out_id != NULL) {
        *out_id = id;
    }
    return 0;
}

/* The first row's id and document. */
struct doc_row {
    char *doc; /* owned */
    int64_t id;
    int64_t time;
};

static int doc_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct doc_row *d = ctx;

    (void)err;
    if (d->doc == NULL) {
        d->id = store_cell_int(row, 0);
        d->time = store_cell_int(row, 1);
        d->doc = xstrdup(store_cell_text(row, 2));
    }
    return 0;
}

static int read_doc(struct store *s, const char *sql, int64_t id,
                    struct doc_row *out, struct err *err)
{
    struct store_param ps[] = {STORE_P_INT(id)};
    struct store_stmt q = {sql, ps, id != 0 ? 1 : 0, doc_row, out};

    memset(out, 0, sizeof(*out));
    if (store_exec_as(s, &q, NULL, "plan store: reading the plan", err) != 0) {
        xfree(out->doc);
        out->doc = NULL;
        return err->code;
    }
    return 0;
}

int plan_store_latest(struct store *s, char **out_doc, int64_t *out_id,
                      struct err *err)
{
    struct doc_row d;

    *out_doc = NULL;
    if (read_doc(s,
                 "SELECT id, time, doc FROM plan_versions ORDER BY id DESC"
                 " LIMIT 1",
                 0, &d, err) != 0) {
        return err->code;
    }
    *out_doc = d.doc;
    if (out_id != NULL) {
        *out_id = d.id;
    }
    return 0;
}

static int last_row(void *ctx, const struct store_cells *row, struct err *err)
{
    int64_t *v = ctx;

    (void)err;
    v[0] = store_cell_int(row, 0);
    v[1] = store_cell_int(row, 1);
    return 0;
}

int plan_store_last(struct store *s, int64_t *out_id, int64_t *out_time,
                    struct err *err)
{
    int64_t v[2] = {0, 0};
    struct store_stmt q = {"SELECT id, time FROM plan_versions ORDER BY id"
                           " DESC LIMIT 1",
                           NULL, 0, last_row, v};

    *out_id = 0;
    *out_time = 0;
    if (store_exec_as(s, &q, NULL, "plan store: reading the plan version",
                      err) != 0) {
        return err->code;
    }
    *out_id = v[0];
    *out_time = v[1];
    return 0;
}

int plan_store_get(struct store *s, int64_t id, char **out_doc, struct err *err)
{
    struct doc_row d;

    *out_doc = NULL;
    if (read_doc(s, "SELECT id, time, doc FROM plan_versions WHERE id = ?1", id,
                 &d, err) != 0) {
        return err->code;
    }
    if (d.doc == NULL) {
        return err_set(err, ERR_NOT_FOUND, "no plan version %lld",
                       (long long)id);
    }
    *out_doc = d.doc;
    return 0;
}

struct history {
    plan_version_fn fn;
    void *ctx;
};

static int version_row(void *ctx, const struct store_cells *row,
                       struct err *err)
{
    struct history *h = ctx;
    struct plan_version v = {
        .id = store_cell_int(row, 0),
        .time = store_cell_int(row, 1),
        .origin = store_cell_text(row, 2),
        .action = store_cell_text(row, 3),
        .set_name = store_cell_text(row, 4),
        .set_illustrative = store_cell_int(row, 5) != 0,
    };
    return h->fn(h->ctx, &v, err);
}

int plan_store_history(struct store *s, size_t limit, plan_version_fn fn,
                       void *ctx, struct err *err)
{
    struct history h = {fn, ctx};
    /* LIMIT: PostgreSQL refuses SQLite's -1 for "no limit". */
    struct store_param ps[] = {
        STORE_P_INT(limit == 0 ? INT64_MAX : (int64_t)limit)};
    struct store_stmt q = {"SELECT id, time, origin, action, set_name,"
                           " set_illustrative FROM plan_versions"
                           " ORDER BY id DESC LIMIT ?1",
                           ps, ARRAY_COUNT(ps), version_row, &h};

    return store_exec_as(s, &q, NULL, "plan store: reading the plan history",
                         err);
}
