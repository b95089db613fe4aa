/* The results framework (plan layer): the Kigali Action Plan's priorities,
 * products and services, enablers, outputs, expected results, KPIs,
 * technical-assistance projects and capacity-development activities, the
 * linkage targets they point to (SDGs, ITU strategic plan, WSIS action
 * lines, resolutions, regional initiatives, study Questions), typed directed
 * links, and reported KPI values with their revision history.
 *
 * Ownership: a struct plan owns every string and array inside it; free it
 * with plan_free. Pointers returned by the lookup functions are borrowed and
 * stay valid until the next call that changes the plan (plan_put_*,
 * plan_delete_*, plan_report_value) or plan_free.
 *
 * A plan is always valid when a function of this module returns it or
 * returns 0 after changing it: every change is made on a copy, validated
 * (plan_validate) and only then swapped in, so a rejected change leaves the
 * plan exactly as it was. */
#ifndef ICTDEV_PLAN_PLAN_H
#define ICTDEV_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../core/strmap.h"

struct json_t;

/* Element kinds. Reference kinds (priority, product, enabler) come from the
 * reference files; the rest form the loaded set (illustrative or official). */
enum plan_kind {
    PLAN_PRIORITY,
    PLAN_PRODUCT, /* products-and-services category */
    PLAN_ENABLER,
    PLAN_OUTPUT,
    PLAN_RESULT, /* expected result (outcome) */
    PLAN_KPI,
    PLAN_PROJECT,  /* technical-assistance project */
    PLAN_ACTIVITY, /* capacity-development activity */
    PLAN_KIND_COUNT
};

/* Linkage-target types: the six linkage types of the action plan (section
 * 3.4), with SDGs and the strategic plan split by level. */
enum plan_target_type {
    PT_SDG_GOAL,      /* "sdg:9" */
    PT_SDG_TARGET,    /* "sdg:9.c" */
    PT_SDG_INDICATOR, /* "sdg:9.c.1" */
    PT_SP_GOAL,       /* "sp:G1" */
    PT_SP_TARGET,     /* "sp:T1" */
    PT_WSIS,          /* "wsis:C2" */
    PT_RESOLUTION,    /* "res:WTDC-37", "res:PP-71" */
    PT_RI,            /* "ri:AFR1" */
    PT_QUESTION,      /* "q:Q1/1" */
    PT_TYPE_COUNT
};

/* The six linkage types of section 3.4, for the traceability matrix. */
enum plan_linkage {
    PL_SDG,
    PL_SP,
    PL_WSIS,
    PL_RESOLUTION,
    PL_RI,
    PL_QUESTION,
    PL_LINKAGE_COUNT
};

struct plan_target {
    char *id;    /* "sdg:9.c"; unique */
    int type;    /* enum plan_target_type */
    char *title; /* official or paraphrased title, "" if unknown */
    bool verified;
};

/* How a KPI is measured. */
enum plan_measure {
    PM_COMPUTED, /* an expression over the statistics */
    PM_REPORTED, /* values entered with evidence (or fed by activities) */
};

/* KPI fields of an element of kind PLAN_KPI. NaN = no value. */
struct plan_kpi {
    char *unit;
    int direction; /* +1 up is better, -1 down is better */
    int measure;   /* enum plan_measure */
    char *expr;    /* computed: expression text, else "" */
    char *economy; /* computed: economy or group code; "" for group fns */
    char *feed;    /* reported: "participants", "women_pct" or "" */
    double base_value;
    int base_year;
    char *base_how; /* how the baseline was obtained */
    double target_value;
    int target_year;
    char *target_source; /* where the target comes from */
};

struct plan_element {
    char *id;     /* unique over elements and targets */
    int kind;     /* enum plan_kind */
    char *parent; /* element id, or "" for roots */
    char *name;
    char *description;    /* or "" */
    bool verified;        /* false: shown as unverified */
    bool illustrative;    /* part of an illustrative set */
    struct plan_kpi kpi;  /* used when kind == PLAN_KPI */
    struct json_t *extra; /* owned: project/activity details, or NULL */
};

struct plan_link {
    char *from; /* element id */
    char *to;   /* element or target id */
    char *type; /* "contributes", "measures", "implements", "supports" */
};

/* One revision of a reported KPI value. Revisions are appended, never
 * changed; the latest revision of (kpi, year) is the current value, and a
 * revision with is_deleted withdraws it. */
struct plan_value {
    char *kpi;
    int year;
    double value;
    char *note;   /* evidence: free text */
    char *link;   /* evidence: URL or "" */
    char *sha256; /* evidence: hash of a file, 64 hex digits or "" */
    char *by;     /* who entered it */
    char *time;   /* ISO 8601 UTC */
    int revision; /* 1, 2, ... per (kpi, year) */
    bool is_deleted;
};

struct plan {
    char *set_name; /* name of the loaded set */
    bool set_illustrative;
    char *set_version;
    char *set_note;
    struct plan_target *targets;
    size_t target_count;
    struct plan_element *elements;
    size_t count;
    struct plan_link *links;
    size_t link_count;
    struct plan_value *values;
    size_t value_count;
    struct strmap index; /* element id -> index + 1; target id -> -(i+1) */
};

/* Names: "priority", "product", ...; "sdg-goal", ...; "sdg", "sp", "wsis",
 * "resolution", "ri", "question". Static storage. */
const char *plan_kind_name(int kind);
const char *plan_target_type_name(int type);
const char *plan_linkage_name(int linkage);
/* The linkage type of a target type. */
int plan_target_linkage(int type);
/* Parse a kind name. ERR_INVALID otherwise. */
int plan_kind_parse(const char *s, int *out,
                    struct err *err) WARN_UNUSED_RESULT;

/* Return an owned empty plan (free with plan_free). Cannot fail. */
struct plan *plan_new(void);
/* Free p. Safe on NULL. */
void plan_free(struct plan *p);

/* Load the reference files and the set file from dir (data/plan): returns
 * an owned, validated plan or NULL with err (ERR_NOT_FOUND, ERR_PARSE with
 * FILE:LINE:COL, ERR_INVALID naming the element). */
struct plan *plan_load_dir(const char *dir, struct err *err) WARN_UNUSED_RESULT;

/* Replace the set of p (outputs, results, KPIs, projects, activities, their
 * links and reported values) by the set file at path, keeping the reference
 * elements and targets. On error p is unchanged. */
int plan_load_set(struct plan *p, const char *path,
                  struct err *err) WARN_UNUSED_RESULT;

/* The whole plan as one JSON document (reference, set, history of reported
 * values), the form it is stored in. Returns owned text (xfree). */
char *plan_to_json(const struct plan *p);
/* Read a document written by plan_to_json. Returns an owned validated plan
 * or NULL with err (name is used in messages). */
struct plan *plan_from_json(const char *text, size_t len, const char *name,
                            struct err *err) WARN_UNUSED_RESULT;

/* Check every invariant: unique ids, known parents and link targets, no
 * cycle through parents or element-to-element links, KPI fields (direction,
 * expression parses, target year not before the baseline year), reported
 * values naming a reported KPI. ERR_INVALID with a message naming the
 * element. Rebuilds p->index. */
int plan_validate(struct plan *p, struct err *err) WARN_UNUSED_RESULT;

/* Lookups; borrowed results or NULL. */
const struct plan_element *plan_find(const struct plan *p, const char *id);
const struct plan_target *plan_find_target(const struct plan *p,
                                           const char *id);

/* Create or replace (same id) an element from a JSON object in the set-file
 * form. On error p is unchanged. */
int plan_put_element(struct plan *p, const char *json_text,
                     struct err *err) WARN_UNUSED_RESULT;
/* Delete an element; ERR_CONFLICT if children, links to it or reported
 * values still refer to it; ERR_NOT_FOUND if unknown. Its own outgoing
 * links are deleted with it. */
int plan_delete_element(struct plan *p, const char *id,
                        struct err *err) WARN_UNUSED_RESULT;
/* Add a link (type "" means "contributes"); ERR_CONFLICT if it exists. */
int plan_add_link(struct plan *p, const char *from, const char *to,
                  const char *type, struct err *err) WARN_UNUSED_RESULT;
/* Delete a link; ERR_NOT_FOUND if absent. */
int plan_delete_link(struct plan *p, const char *from, const char *to,
                     struct err *err) WARN_UNUSED_RESULT;

/* A reported value to append (all strings borrowed; NULL = ""). */
struct plan_value_in {
    const char *kpi;
    int year;
    double value; /* ignored when is_deleted */
    const char *note;
    const char *link;
    const char *sha256;
    const char *by;
    const char *time; /* NULL or "": now */
    bool is_deleted;  /* withdraw the value of (kpi, year) */
};

/* Append a revision of a reported value (its revision number is the next
 * one of (kpi, year)). ERR_INVALID for an unknown or computed KPI, a bad
 * hash, a non-finite value, a year out of range; p unchanged then. */
int plan_report_value(struct plan *p, const struct plan_value_in *v,
                      struct err *err) WARN_UNUSED_RESULT;

/* The current reported value of (kpi, year): NaN if none or withdrawn;
 * *out_rev (may be NULL) gets the revision answering, or NULL. */
double plan_reported(const struct plan *p, const char *kpi, int year,
                     const struct plan_value **out_rev);

/* True if el is linked (directly, or through its ancestors) to id. */
bool plan_links_to(const struct plan *p, const struct plan_element *el,
                   const char *id);

#endif
