/* Fuzz target: a stored or loaded plan document (plan_from_json, which
 * validates everything, including each KPI expression) and, on the same
 * bytes, a KPI expression with group functions evaluated on a tiny table. */
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "plan/kpi_expr.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err err = {0};
    struct plan *p = plan_from_json((const char *)data, size, "fuzz", &err);
    char *text;
    struct kpi_prog *k;
    struct plan_stats s;

    if (p != NULL) {
        char *again = plan_to_json(p);
        xfree(again);
        plan_free(p);
    }
    if (size > 4096 || memchr(data, 0, size) != NULL) {
        return 0;
    }
    text = xstrndup((const char *)data, size);
    k = kpi_prog_new(text, "WLD", &err);
    if (k != NULL) {
        plan_stats_init(&s);
        plan_stats_member(&s, "LDC", "AAA", 0, 0);
        plan_stats_put(&s, "x", "", "AAA", 2020, 1);
        plan_stats_put(&s, "x", "", "WLD", 2020, 2);
        (void)kpi_prog_eval(k, &s, 2020);
        plan_stats_cleanup(&s);
        kpi_prog_free(k);
    }
    xfree(text);
    return 0;
}
