/* The one expression language of ictdev: --where domains, derived-indicator
 * formulas, validation rules and KPIs. Text is parsed once into an AST
 * (struct expr), then compiled against a caller's resolver into a flat
 * postfix program (struct expr_prog) that evaluates many times without
 * allocating. Depends on core/ only.
 *
 * Grammar (lowest precedence first; all binary operators left-associative
 * except ^, which is right-associative; comparisons do not chain):
 *   or      := and ( "||" and )*
 *   and     := cmp ( "&&" cmp )*
 *   cmp     := sum [ ("=="|"!="|"<"|"<="|">"|">=") sum ]
 *   sum     := prod ( ("+"|"-") prod )*
 *   prod    := unary ( ("*"|"/") unary )*
 *   unary   := ("-"|"!") unary | power
 *   power   := primary [ "^" unary ]          so -2^2 = -4, 2^-1 = 0.5
 *   primary := NUMBER | STRING | "(" or ")" | NAME "(" [or ("," or)*] ")"
 *            | NAME [ "[" DIM "=" VALUE ("," DIM "=" VALUE)* "]" ]
 *                   [ "@" ("+"|"-")? DIGITS ]
 *   NAME    := [A-Za-z_][A-Za-z0-9_.]* | "`" any bytes but "`" "`"
 *   VALUE   := a code [A-Za-z0-9_.$-]+ | STRING;  STRING := '"' ... '"'
 *              (inside a string, \" and \\ escape)
 *
 * Values are doubles; NaN means missing. Truth: 0 is false, any other
 * number true, NaN missing. Semantics, exactly:
 *   - arithmetic with a missing operand is missing; any result that is not
 *     finite (x/0, log(0), sqrt(-1), overflow) is missing;
 *   - a comparison with a missing operand is missing (so `x > 3` is missing
 *     when x is, and a --where domain leaves such rows out, like R subset);
 *   - !missing is missing; a && b is false when either side is false (even
 *     if the other is missing; the right side is not evaluated when the left
 *     is false), true when both are true, else missing; a || b is true when
 *     either is true (right side skipped when the left is true), false when
 *     both are false, else missing. This is R's three-valued & and |;
 *   - if(c, a, b): missing when c is missing; otherwise only the branch taken
 *     is evaluated, so a missing value in the other branch does not matter;
 *   - coalesce(a, b, ...): the first non-missing argument (later arguments
 *     are not evaluated), missing if all are; count(...): the number of
 *     non-missing arguments (never missing);
 *   - min, max, sum, mean of one or more arguments: missing if any is;
 *     abs, sqrt, exp, log (natural): one argument; round(x) and
 *     round(x, digits): half away from zero, digits an integer in -15..15.
 * Function names are only special before "(" and are case-sensitive.
 *
 * Ownership: struct expr and struct expr_prog are owned by the caller and
 * freed with expr_free / expr_prog_free. Neither is shared between threads
 * while expr_eval runs on it (expr_eval_stack is thread-safe). */
#ifndef ICTDEV_EXPR_EXPR_H
#define ICTDEV_EXPR_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "../core/limits.h"

/* One dimension selector inside a reference: dim=value. */
struct expr_dim {
    char *dim;   /* owned by the expr, NUL-terminated */
    char *value; /* owned by the expr, NUL-terminated (quotes removed) */
};

/* A reference to a variable: NAME[dim=value,...]@offset. */
struct expr_ref {
    char *name;                     /* owned by the expr */
    struct expr_dim dims[MAX_DIMS]; /* first dim_count used */
    int dim_count;                  /* 0..MAX_DIMS */
    int offset;                     /* time offset in years, 0 = none */
    int column;                     /* 1-based column in the text */
};

struct expr;
struct expr_prog;

/* Parse len bytes of text. Returns an owned expr (free with expr_free) or
 * NULL with err set: ERR_PARSE "column C: ..." (C 1-based byte column),
 * ERR_LIMIT when the text exceeds MAX_EXPR_LEN bytes, nests deeper than
 * MAX_EXPR_DEPTH or has more than MAX_EXPR_NODES nodes, ERR_INVALID for an
 * unknown function or a wrong number of arguments (also with a column).
 * Parsing uses no recursion deeper than MAX_EXPR_DEPTH frames. */
struct expr *expr_parse(const char *text, size_t len,
                        struct err *err) WARN_UNUSED_RESULT;

/* Free e. Safe on NULL. */
void expr_free(struct expr *e);

/* The references in e, in order of appearance (one entry per occurrence).
 * Returns borrowed memory valid until expr_free(e); *out_count is set. */
const struct expr_ref *expr_refs(const struct expr *e, size_t *out_count);

/* Append a canonical text form of e to out (fully re-parseable: the same
 * expression parses back to the same form). Cannot fail. */
void expr_print(const struct expr *e, struct buf *out);

/* Map a reference to a slot index (< slot_count given to expr_compile).
 * ctx is the caller's. Returns 0, or an ERR_* code with err set (the
 * compiler adds the column). */
typedef int (*expr_resolve_fn)(void *ctx, const struct expr_ref *ref,
                               size_t *out_slot, struct err *err);

/* Map a string literal to a number (e.g. a category code). NULL in the
 * resolver means string literals are an error. */
typedef int (*expr_string_fn)(void *ctx, const char *s, double *out,
                              struct err *err);

struct expr_resolver {
    expr_resolve_fn resolve; /* required */
    expr_string_fn string;   /* optional */
    void *ctx;               /* passed to both */
    size_t slot_count;       /* slots must be < this */
};

/* Compile e (borrowed; the program does not keep pointers into it) against
 * r (borrowed). Returns an owned program (free with expr_prog_free) or NULL
 * with err: the resolver's code with "column C: " prefixed, ERR_INVALID for
 * a string literal without r->string, ERR_LIMIT over MAX_EXPR_NODES. */
struct expr_prog *expr_compile(const struct expr *e,
                               const struct expr_resolver *r,
                               struct err *err) WARN_UNUSED_RESULT;

/* Free p. Safe on NULL. */
void expr_prog_free(struct expr_prog *p);

/* The slots the program reads, one per reference of the source expr in the
 * same order as expr_refs. Borrowed until expr_prog_free. */
const size_t *expr_prog_slots(const struct expr_prog *p, size_t *out_count);

/* Evaluate p on slots (borrowed, NaN = missing). Uses a stack inside p, so
 * one program must not be evaluated by two threads at once. Cannot fail. */
double expr_eval(struct expr_prog *p, const double *slots);

/* Doubles of stack expr_eval_stack needs for p. */
size_t expr_prog_stack_size(const struct expr_prog *p);

/* Evaluate p with a caller-provided stack of expr_prog_stack_size(p)
 * doubles; thread-safe for a const program. Cannot fail. */
double expr_eval_stack(const struct expr_prog *p, const double *slots,
                       double *stack);

/* Truth of an evaluated value: 1 true, 0 false, -1 missing. */
int expr_truth(double v);

#endif
