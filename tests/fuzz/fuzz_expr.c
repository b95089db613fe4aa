/* Fuzz target: the expression parser, printer, compiler and evaluator on
 * arbitrary bytes. A printed expression must parse again. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/buf.h"
#include "expr/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int resolve_any(void *ctx, const struct expr_ref *ref, size_t *out_slot,
                       struct err *err)
{
    (void)ctx;
    (void)err;
    *out_slot = (size_t)ref->column % 4;
    return 0;
}

static int string_any(void *ctx, const char *s, double *out, struct err *err)
{
    (void)ctx;
    (void)err;
    *out = (double)s[0];
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const double slots[4] = {1.5, NAN, 0, -3};
    struct expr_resolver r = {resolve_any, string_any, NULL, 4};
    struct err err;
    struct expr *e = expr_parse((const char *)data, size, &err);
    struct expr *again;
    struct expr_prog *p;
    struct buf b;

    if (e == NULL) {
        return 0;
    }
    buf_init(&b);
    expr_print(e, &b);
    again = expr_parse(b.data, b.len, &err);
    if (again == NULL) {
        abort(); /* the printer wrote something the parser rejects */
    }
    expr_free(again);
    buf_cleanup(&b);
    p = expr_compile(e, &r, &err);
    if (p != NULL) {
        (void)expr_eval(p, slots);
        expr_prog_free(p);
    }
    expr_free(e);
    return 0;
}
