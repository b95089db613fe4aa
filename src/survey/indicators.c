/* Household indicators from a column map. The map (JSON, read with
 * jansson) names the design columns, the breakdown columns with their
 * codes, and the indicator columns with their "yes" codes. We load those
 * columns once, derive numeric columns (_sex, _age, _area, _edu, one 0/100
 * column per indicator, _hhfirst), and run one survey_estimate per
 * indicator and breakdown group, with the group as a --where domain. */
#include "indicators.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../io/sha256.h"
#include "../model/dims.h"
#include "survey.h"

#define MAX_MAP_ITEMS 64 /* indicators, or codes of one breakdown */

struct map_dim {
    const char *column;               /* borrowed from the JSON; NULL: none */
    const char *names[MAX_MAP_ITEMS]; /* our group names */
    const char *codes[MAX_MAP_ITEMS]; /* the file's code for each */
    size_t count;
};

struct map_ind {
    const char *code;   /* our indicator code (HH7...) */
    const char *column; /* the file's column */
    const char *yes[MAX_MAP_ITEMS];
    size_t yes_count;
    bool household; /* unit: household */
};

struct map {
    json_t *root; /* owned; all strings below borrow from it */
    const char *weight, *strata, *psu, *hh_weight, *hh_id, *age, *lonely;
    struct map_dim sex, area, edu;
    struct map_ind inds[MAX_MAP_ITEMS];
    size_t ind_count;
};

static int map_str(const struct survey_ind_opts *o, json_t *obj,
                   const char *key, bool required, const char **out,
                   struct err *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL && !required) {
        return 0;
    }
    if (!json_is_string(v)) {
        return err_set(err, ERR_INVALID, "%s: '%s': want a string", o->map,
                       key);
    }
    *out = json_string_value(v);
    return 0;
}

/* "sex": {"column": "B4", "codes": {"male": "1", "female": "2"}} */
static int map_dim(const struct survey_ind_opts *o, json_t *root,
                   const char *key, struct map_dim *d, struct err *err)
{
    json_t *obj = json_object_get(root, key);
    json_t *codes;
    const char *name;
    json_t *v;

    memset(d, 0, sizeof(*d));
    if (obj == NULL) {
        return 0;
    }
    codes = json_object_get(obj, "codes");
    if (!json_is_object(obj) ||
        !json_is_string(json_object_get(obj, "column")) ||
        !json_is_object(codes)) {
        return err_set(err, ERR_INVALID,
                       "%s: '%s': want {\"column\": ..., \"codes\": {...}}",
                       o->map, key);
    }
    d->column = json_string_value(json_object_get(obj, "column"));
    json_object_foreach(codes, name, v)
    {
        if (!json_is_string(v) || d->count >= MAX_MAP_ITEMS ||
            !code_valid(name, strlen(name))) {
            return err_set(err, ERR_INVALID,
                           "%s: '%s.codes.%s': want a group code mapped to "
                           "the file's code string",
                           o->map, key, name);
        }
        d->names[d->count] = name;
        d->codes[d->count++] = json_string_value(v);
    }
    return 0;
}

/* "indicators": {"HH7": {"column": "internet", "yes": ["1"],
 *                        "unit": "individual"}, ...} */
static int map_inds(const struct survey_ind_opts *o, json_t *root,
                    struct map *m, struct err *err)
{
    json_t *inds = json_object_get(root, "indicators");
    const char *code;
    json_t *v;

    if (!json_is_object(inds)) {
        return err_set(err, ERR_INVALID, "%s: 'indicators': want an object",
                       o->map);
    }
    json_object_foreach(inds, code, v)
    {
        struct map_ind *ind = &m->inds[m->ind_count];
        json_t *yes = json_object_get(v, "yes");
        json_t *unit = json_object_get(v, "unit");
        size_t i;
        json_t *y;
        if (m->ind_count >= MAX_MAP_ITEMS || !json_is_object(v) ||
            !code_valid(code, strlen(code)) ||
            !json_is_string(json_object_get(v, "column")) ||
            !json_is_array(yes) || json_array_size(yes) == 0 ||
            json_array_size(yes) > MAX_MAP_ITEMS ||
            (unit != NULL && !json_is_string(unit))) {
            return err_set(err, ERR_INVALID,
                           "%s: 'indicators.%s': want {\"column\": ..., "
                           "\"yes\": [codes], \"unit\": "
                           "\"individual\"|\"household\"}",
                           o->map, code);
        }
        ind->code = code;
        ind->column = json_string_value(json_object_get(v, "column"));
        json_array_foreach(yes, i, y)
        {
            if (!json_is_string(y)) {
                return err_set(err, ERR_INVALID,
                               "%s: 'indicators.%s.yes': want strings", o->map,
                               code);
            }
            ind->yes[ind->yes_count++] = json_string_value(y);
        }
        ind->household =
            unit != NULL && strcmp(json_string_value(unit), "household") == 0;
        m->ind_count++;
    }
    return 0;
}

static int map_load(const struct survey_ind_opts *o, struct map *m,
                    struct err *err)
{
    json_error_t jerr;
    int rc;

    memset(m, 0, sizeof(*m));
    m->root = json_load_file(o->map, 0, &jerr);
    if (m->root == NULL) {
        return err_set(err, jerr.line < 0 ? ERR_NOT_FOUND : ERR_PARSE,
                       "%s:%d:%d: %s", o->map, jerr.line, jerr.column,
                       jerr.text);
    }
    if (!json_is_object(m->root)) {
        return err_set(err, ERR_INVALID, "%s: want a JSON object", o->map);
    }
    rc = map_str(o, m->root, "weight", true, &m->weight, err);
    if (rc == 0) {
        rc = map_str(o, m->root, "strata", false, &m->strata, err);
    }
    if (rc == 0) {
        rc = map_str(o, m->root, "psu", false, &m->psu, err);
    }
    if (rc == 0) {
        rc = map_str(o, m->root, "household_weight", false, &m->hh_weight, err);
    }
    if (rc == 0) {
        rc = map_str(o, m->root, "household_id", false, &m->hh_id, err);
    }
    if (rc == 0) {
        rc = map_str(o, m->root, "age", false, &m->age, err);
    }
    if (rc == 0) {
        rc = map_str(o, m->root, "lonely_psu", false, &m->lonely, err);
    }
    if (rc == 0) {
        rc = map_dim(o, m->root, "sex", &m->sex, err);
    }
    if (rc == 0) {
        rc = map_dim(o, m->root, "area", &m->area, err);
    }
    if (rc == 0) {
        rc = map_dim(o, m->root, "education", &m->edu, err);
    }
    if (rc == 0) {
        rc = map_inds(o, m->root, m, err);
    }
    return rc;
}

/* ---- loading and derived columns ---- */

static void add_want(struct survey_want *w, size_t *n, const char *name,
                     int kinds, bool required, const char *role)
{
    if (name == NULL) {
        return;
    }
    w[*n] = (struct survey_want){.name = name,
                                 .kinds = kinds,
                                 .required = required,
                                 .nonneg = role != NULL &&
                                           strstr(role, "weight") != NULL,
                                 .optional = !required,
                                 .role = role};
    (*n)++;
}

static int load_data(const struct survey_ind_opts *o, const struct map *m,
                     struct survey_data *d, struct err *err)
{
    struct survey_want w[MAX_MAP_ITEMS + 16];
    size_t n = 0;

    add_want(w, &n, m->weight, SURVEY_NUM, true, "weight");
    add_want(w, &n, m->hh_weight, SURVEY_NUM, true, "household weight");
    add_want(w, &n, m->strata, SURVEY_CAT, true, "strata");
    add_want(w, &n, m->psu, SURVEY_CAT, true, "psu");
    add_want(w, &n, m->hh_id, SURVEY_CAT, false, NULL);
    add_want(w, &n, m->age, SURVEY_NUM, false, NULL);
    add_want(w, &n, m->sex.column, SURVEY_CAT, false, NULL);
    add_want(w, &n, m->area.column, SURVEY_CAT, false, NULL);
    add_want(w, &n, m->edu.column, SURVEY_CAT, false, NULL);
    for (size_t i = 0; i < m->ind_count; i++) {
        add_want(w, &n, m->inds[i].column, SURVEY_CAT, false, NULL);
    }
    return survey_data_load(o->data, w, n, o->threads, d, err);
}

/* For each label of c, the index+1 of the matching code in codes (0: no
 * match). Owned result. */
static double *label_match(const struct survey_col *c, const char *const *codes,
                           size_t count)
{
    double *m = xcalloc(c->label_count + 1, sizeof(*m));

    for (size_t l = 0; l < c->label_count; l++) {
        for (size_t k = 0; k < count; k++) {
            if (strcmp(c->labels[l], codes[k]) == 0) {
                m[l] = (double)(k + 1);
            }
        }
    }
    return m;
}

/* A derived column: the matched code index (1-based) per row; NaN for a
 * missing or unmatched value; scaled by scale when binary (0 or scale). */
static void derive(struct survey_data *d, const char *name, const char *col,
                   const char *const *codes, size_t count, double binary)
{
    const struct survey_col *c = survey_data_col(d, col);
    double *match;
    double *v;

    if (c == NULL) {
        return;
    }
    match = label_match(c, codes, count);
    v = xmalloc(d->rows * sizeof(*v) + 1);
    for (size_t i = 0; i < d->rows; i++) {
        uint32_t code = c->cat[i];
        if (code == SURVEY_MISSING_CODE) {
            v[i] = NAN;
        } else if (binary > 0) {
            v[i] = match[code] > 0 ? binary : 0;
        } else {
            v[i] = match[code] > 0 ? match[code] : NAN;
        }
    }
    xfree(match);
    survey_data_add_num(d, name, v);
}

static void derive_all(struct survey_data *d, const struct map *m)
{
    const struct survey_col *c;

    derive(d, "_sex", m->sex.column, m->sex.codes, m->sex.count, 0);
    derive(d, "_area", m->area.column, m->area.codes, m->area.count, 0);
    derive(d, "_edu", m->edu.column, m->edu.codes, m->edu.count, 0);
    for (size_t i = 0; i < m->ind_count; i++) {
        char name[MAX_CODE_LEN + 8];
        snprintf(name, sizeof(name), "_i%zu", i);
        derive(d, name, m->inds[i].column, m->inds[i].yes, m->inds[i].yes_count,
               100.0);
    }
    c = m->age ? survey_data_col(d, m->age) : NULL;
    if (c != NULL) {
        double *v = xmalloc(d->rows * sizeof(*v) + 1);
        memcpy(v, c->num, d->rows * sizeof(*v));
        survey_data_add_num(d, "_age", v);
    }
    c = m->hh_id ? survey_data_col(d, m->hh_id) : NULL;
    if (c != NULL) {
        uint8_t *seen = xcalloc(c->label_count + 1, 1);
        double *v = xmalloc(d->rows * sizeof(*v) + 1);
        for (size_t i = 0; i < d->rows; i++) {
            uint32_t code = c->cat[i];
            v[i] = code != SURVEY_MISSING_CODE && !seen[code] ? 1 : 0;
            if (code != SURVEY_MISSING_CODE) {
                seen[code] = 1;
            }
        }
        xfree(seen);
        survey_data_add_num(d, "_hhfirst", v);
    }
}

/* ---- estimates ---- */

struct bgroup {
    const char *breakdown;
    char name[80];
    char where[160];
};

/* The breakdown groups available for an indicator. Returns the count. */
static size_t groups_for(const struct map *m, const struct survey_data *d,
                         bool household, struct bgroup *g)
{
    static const struct {
        const char *name;
        const char *where;
    } ages[] = {{"15-24", "_age >= 15 && _age <= 24"},
                {"25-74", "_age >= 25 && _age <= 74"},
                {"75+", "_age >= 75"}};
    const struct map_dim *dims[] = {&m->sex, &m->area, &m->edu};
    const char *dim_names[] = {"sex", "area", "education"};
    const char *dim_cols[] = {"_sex", "_area", "_edu"};
    size_t n = 0;

    g[n].breakdown = "total";
    snprintf(g[n].name, sizeof(g[n].name), "total");
    g[n++].where[0] = '\0';
    for (size_t k = 0; k < 3; k++) {
        if (survey_data_col(d, dim_cols[k]) == NULL || (household && k != 1)) {
            continue;
        }
        for (size_t j = 0; j < dims[k]->count; j++) {
            g[n].breakdown = dim_names[k];
            snprintf(g[n].name, sizeof(g[n].name), "%s", dims[k]->names[j]);
            snprintf(g[n].where, sizeof(g[n].where), "%s == %zu", dim_cols[k],
                     j + 1);
            n++;
        }
    }
    if (!household && survey_data_col(d, "_age") != NULL) {
        for (size_t j = 0; j < ARRAY_COUNT(ages); j++) {
            g[n].breakdown = "age";
            snprintf(g[n].name, sizeof(g[n].name), "%s", ages[j].name);
            snprintf(g[n].where, sizeof(g[n].where), "%s", ages[j].where);
            n++;
        }
    }
    return n;
}

struct out_ctx {
    const struct survey_ind_opts *o;
    bool json;
    struct buf *out;
    size_t rows;
    struct dimset dims;           /* allowed dimension values (--load) */
    struct survey_ind_load *load; /* counts (--load) */
    struct indicator *ind;        /* owned copy of the current indicator */
};

static void put_row(struct out_ctx *c, const char *ind, const struct bgroup *g,
                    const struct survey_row *r)
{
    double vals[4] = {r->estimate, r->se, r->ci_low, r->ci_high};
    static const char *const keys[4] = {"estimate", "se", "ci_low", "ci_high"};

    if (c->json) {
        buf_puts(c->out, c->rows ? ",\n {" : "[{");
        buf_printf(c->out,
                   "\"economy\":\"%s\",\"year\":%d,\"indicator\":\"%s\","
                   "\"breakdown\":\"%s\",\"group\":\"%s\"",
                   c->o->economy, c->o->year, ind, g->breakdown, g->name);
        for (int k = 0; k < 4; k++) {
            buf_printf(c->out, ",\"%s\":", keys[k]);
            if (isfinite(vals[k])) {
                buf_put_double(c->out, vals[k]);
            } else {
                buf_puts(c->out, "null");
            }
        }
        buf_printf(c->out, ",\"n\":%llu,\"unit\":\"%%\"}",
                   (unsigned long long)r->n);
    } else {
        buf_printf(c->out, "%s,%d,%s,%s,%s", c->o->economy, c->o->year, ind,
                   g->breakdown, g->name);
        for (int k = 0; k < 4; k++) {
            buf_putc(c->out, ',');
            buf_put_double(c->out, vals[k]);
        }
        buf_printf(c->out, ",%llu,%%\n", (unsigned long long)r->n);
    }
    c->rows++;
}

static int copy_indicator(void *ctx, const struct indicator *ind,
                          struct err *err)
{
    struct out_ctx *c = ctx;

    (void)err;
    indicator_free(c->ind);
    c->ind = indicator_dup(ind);
    return 0;
}

static int add_dimension(void *ctx, const struct dimension_value *d,
                         struct err *err)
{
    struct out_ctx *c = ctx;

    (void)err;
    dimset_add(&c->dims, d->dimension, d->value);
    return 0;
}

/* Store one estimate: the breakdown group becomes a dimension pair, which
 * the catalogue must declare for the indicator (else the value is only
 * counted as skipped). */
static int store_row(struct out_ctx *c, const struct bgroup *g,
                     const struct survey_row *r, struct err *err)
{
    struct dim_pair pair = {g->breakdown, strlen(g->breakdown), g->name,
                            strlen(g->name)};
    bool has_dim = strcmp(g->breakdown, "total") != 0;
    struct buf key;
    struct buf note;
    struct obs o = {0};
    struct err tmp;
    int rc = 0;

    if (!isfinite(r->estimate) ||
        (has_dim && dims_check(c->ind, &c->dims, &pair, 1, &tmp) != 0)) {
        c->load->skipped++;
        return 0;
    }
    buf_init(&key);
    buf_init(&note);
    if (has_dim) {
        rc = dims_canon(&pair, 1, &key, err);
    }
    buf_printf(&note, "survey estimate: se=");
    buf_put_double(&note, r->se);
    buf_printf(&note, "; ci%g=", c->o->level * 100);
    buf_put_double(&note, r->ci_low);
    buf_puts(&note, "..");
    buf_put_double(&note, r->ci_high);
    buf_printf(&note, "; n=%llu", (unsigned long long)r->n);
    o.indicator = c->ind->code;
    o.economy = c->o->economy;
    o.year = c->o->year;
    o.dims = buf_cstr(&key);
    o.value = r->estimate;
    o.status = OBS_REPORTED;
    o.source = "survey";
    o.note = buf_cstr(&note);
    if (rc == 0) {
        rc = store_obs_put(c->o->store, &o, NULL, err);
    }
    if (rc == 0) {
        c->load->put++;
    }
    buf_cleanup(&key);
    buf_cleanup(&note);
    return rc;
}

static int estimate_ind(struct out_ctx *c, const struct map *m,
                        const struct survey_data *d, size_t i, int lonely,
                        struct err *err)
{
    const struct map_ind *ind = &m->inds[i];
    bool hh = ind->household;
    struct bgroup g[3 * MAX_MAP_ITEMS + 8];
    size_t ng = groups_for(m, d, hh, g);
    char var[32];
    const char *vars[1] = {var};
    bool dedupe = hh && survey_data_col(d, "_hhfirst") != NULL;

    snprintf(var, sizeof(var), "_i%zu", i);
    if (survey_data_col(d, var) == NULL) {
        return 0; /* the file lacks this indicator */
    }
    if (c->o->store != NULL) {
        int rc =
            store_indicator_get(c->o->store, ind->code, copy_indicator, c, err);
        if (rc != 0) {
            return err_prefix(err, "%s: indicator '%s' of the map", c->o->map,
                              ind->code);
        }
    }
    for (size_t k = 0; k < ng; k++) {
        char where[200];
        struct survey_result res;
        struct survey_spec spec = {0};
        int rc;
        snprintf(where, sizeof(where), "%s%s%s", dedupe ? "_hhfirst == 1" : "",
                 dedupe && g[k].where[0] ? " && " : "", g[k].where);
        spec.weight = hh && m->hh_weight ? m->hh_weight : m->weight;
        spec.strata = m->strata;
        spec.psu = m->psu;
        spec.stat = SURVEY_STAT_MEAN;
        spec.vars = vars;
        spec.var_count = 1;
        spec.where = where[0] ? where : NULL;
        spec.lonely = lonely;
        spec.level = c->o->level;
        rc = survey_estimate(d, &spec, &res, err);
        if (rc == ERR_INVALID && strstr(err->msg, "empty domain") != NULL) {
            continue; /* no respondent in this group */
        }
        if (rc != 0) {
            return err_prefix(err, "%s, %s %s", ind->code, g[k].breakdown,
                              g[k].name);
        }
        put_row(c, ind->code, &g[k], &res.rows[0]);
        rc = c->o->store ? store_row(c, &g[k], &res.rows[0], err) : 0;
        survey_result_cleanup(&res);
        if (rc != 0) {
            return err_prefix(err, "storing %s", ind->code);
        }
    }
    return 0;
}

static int lonely_option(const struct survey_ind_opts *o, const struct map *m,
                         int *out, struct err *err)
{
    static const char *const names[] = {"fail", "remove", "adjust",
                                        "certainty"};

    *out = o->lonely >= 0 ? o->lonely : SURVEY_LONELY_FAIL;
    if (o->lonely >= 0 || m->lonely == NULL) {
        return 0;
    }
    for (size_t i = 0; i < ARRAY_COUNT(names); i++) {
        if (strcmp(m->lonely, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    return err_set(err, ERR_INVALID,
                   "%s: 'lonely_psu': want fail, remove, adjust or certainty",
                   o->map);
}

/* Open the batch of a --load. */
static int load_begin(struct out_ctx *c, struct err *err)
{
    char sha[SHA256_HEX_LEN + 1];
    char note[128];
    struct store_batch_info info = {0};
    int rc = sha256_file(c->o->data, sha, err);

    if (rc == 0) {
        rc = store_dimension_list(c->o->store, add_dimension, c, err);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(note, sizeof(note), "survey indicators %s %d", c->o->economy,
             c->o->year);
    info.kind = BATCH_LOAD;
    info.origin = "ictdev survey";
    info.file = c->o->data;
    info.sha256 = sha;
    info.note = note;
    return store_batch_begin(c->o->store, &info, err);
}

int survey_indicators(const struct survey_ind_opts *o, bool json,
                      struct buf *out, struct survey_ind_load *load,
                      struct err *err)
{
    struct map m;
    struct survey_data d = {0};
    struct survey_ind_load unused;
    struct out_ctx c;
    int lonely = SURVEY_LONELY_FAIL;
    int rc = map_load(o, &m, err);

    if (rc == 0) {
        rc = lonely_option(o, &m, &lonely, err);
    }
    if (rc == 0) {
        rc = load_data(o, &m, &d, err);
    }
    memset(&c, 0, sizeof(c));
    c.o = o;
    c.json = json;
    c.out = out;
    c.load = load ? load : &unused;
    memset(c.load, 0, sizeof(*c.load));
    dimset_init(&c.dims);
    if (rc == 0 && o->store != NULL) {
        rc = load_begin(&c, err);
    }
    if (rc == 0) {
        derive_all(&d, &m);
        if (!json) {
            buf_puts(out, "economy,year,indicator,breakdown,group,estimate,"
                          "se,ci_low,ci_high,n,unit\n");
        }
    }
    for (size_t i = 0; rc == 0 && i < m.ind_count; i++) {
        rc = estimate_ind(&c, &m, &d, i, lonely, err);
    }
    if (rc == 0 && json) {
        buf_puts(out, c.rows ? "]\n" : "[]\n");
    }
    if (o->store != NULL && rc == 0) {
        rc =
            store_batch_commit(o->store, &c.load->batch, &c.load->changed, err);
    } else if (o->store != NULL) {
        store_batch_rollback(o->store);
    }
    dimset_cleanup(&c.dims);
    indicator_free(c.ind);
    survey_data_cleanup(&d);
    json_decref(m.root);
    return rc;
}
