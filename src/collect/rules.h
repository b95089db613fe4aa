/* Validation rules: each is an assertion in the expression language
 * (expr/expr.h) about one economy and year, e.g. "i271GA <= i271G" or
 * "i112@-1 < 1000 || abs(i112 / i112@-1 - 1) <= 0.5". A rule passes when
 * the expression is true, fails when false, and is not applicable when a
 * value it needs is missing. Rules live in CSV files (data/rules/NAME.csv:
 * id,severity,kind,indicators,expression,message) and in the store.
 *
 * Evaluation reads values through a caller's lookup (the submission's
 * values first, then the store's current ones), and reports for every rule
 * each operand's value and where it came from ("Questionnaire!G12",
 * "store"), so a focal point sees which cells a rule is about.
 *
 * A rule of kind "completeness" is always evaluated; any other rule only
 * when the submission holds a value for one of the indicators it concerns
 * (so old stored values raise nothing). Ownership: a ruleset owns its rules
 * and compiled programs; a report owns its results. */
#ifndef ICTDEV_COLLECT_RULES_H
#define ICTDEV_COLLECT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"

#define RULE_WHERE_MAX 64
#define MAX_RULES      2000

enum rule_severity {
    RULE_ERROR = 0, /* blocks submission */
    RULE_WARNING,   /* needs a comment on one of its values */
};

struct expr;
struct expr_prog;

struct rule {
    char *id; /* owned, unique in the set */
    enum rule_severity severity;
    char *kind;             /* owned: range, consistency, trend, completeness */
    char *indicators;       /* owned: the codes it concerns, ';'-separated */
    char *text;             /* owned: the expression as written */
    char *message;          /* owned */
    struct expr *expr;      /* owned parse */
    struct expr_prog *prog; /* owned program; slots = distinct refs */
    size_t slot_count;
};

struct ruleset {
    struct rule *rules; /* owned; count used */
    size_t count;
};

/* "error" / "warning", and back (ERR_INVALID for anything else). */
const char *rule_severity_name(enum rule_severity s);
int rule_severity_parse(const char *s, enum rule_severity *out,
                        struct err *err) WARN_UNUSED_RESULT;

/* Add one rule (strings copied) after parsing and compiling its
 * expression. ERR_PARSE / ERR_INVALID / ERR_LIMIT from the expression
 * ("column C: ..."), ERR_INVALID for a bad id, kind or empty indicator
 * list, ERR_CONFLICT for an id already in the set. The set is unchanged
 * on error. */
int ruleset_add(struct ruleset *rs, const char *id, enum rule_severity severity,
                const char *kind, const char *indicators, const char *text,
                const char *message, struct err *err) WARN_UNUSED_RESULT;

/* Load a rules CSV file; messages are "FILE:LINE: ...". On error rules
 * added from earlier lines stay (call ruleset_cleanup). */
int ruleset_load_file(struct ruleset *rs, const char *path,
                      struct err *err) WARN_UNUSED_RESULT;

/* Load every *.csv of dir in name order. */
int ruleset_load_dir(struct ruleset *rs, const char *dir,
                     struct err *err) WARN_UNUSED_RESULT;

/* Free everything. Safe on a zeroed set. */
void ruleset_cleanup(struct ruleset *rs);

/* Where values come from. value fills *out (NaN when missing) and, when
 * found, where (e.g. "Questionnaire!G12" or "store"); dims is canonical.
 * submitted says whether the submission holds indicator. */
struct rule_lookup {
    int (*value)(void *ctx, const char *indicator, const char *dims, int year,
                 double *out, char *where, size_t where_cap, struct err *err);
    bool (*submitted)(void *ctx, const char *indicator);
    void *ctx;
};

enum rule_outcome {
    RULE_PASS = 0,
    RULE_FAIL,
    RULE_NOT_APPLICABLE, /* a value it needs is missing */
    RULE_SKIPPED,        /* the submission holds nothing it concerns */
};

struct rule_operand {
    char *ref;       /* owned: "i112@-1", "i4213tfbb[speed=\"10M+\"]" */
    char *indicator; /* owned */
    char *dims;      /* owned canonical key */
    int year;
    double value;               /* NaN = missing */
    char where[RULE_WHERE_MAX]; /* "" when missing */
};

struct rule_result {
    const struct rule *rule; /* borrowed from the ruleset */
    enum rule_outcome outcome;
    struct rule_operand *operands; /* owned; count used */
    size_t count;
};

struct rule_report {
    struct rule_result *results; /* owned; one per rule, set order */
    size_t count;
    size_t failed_errors;   /* results with RULE_FAIL and RULE_ERROR */
    size_t failed_warnings; /* results with RULE_FAIL and RULE_WARNING */
};

/* Evaluate every rule of rs for year through lk. rs is only read, so
 * threads may evaluate one ruleset at the same time. Fills out (zeroed by the
 * caller; free with rule_report_cleanup). Errors only from lk (returned
 * as they are; out is then partial). */
int rules_evaluate(const struct ruleset *rs, const struct rule_lookup *lk,
                   int year, struct rule_report *out,
                   struct err *err) WARN_UNUSED_RESULT;

void rule_report_cleanup(struct rule_report *r);

/* "pass", "fail", "not applicable", "skipped". */
const char *rule_outcome_name(enum rule_outcome o);

#endif
