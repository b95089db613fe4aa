/* Affordability arithmetic. Kept apart from the store so the same numbers
 * serve `ictdev compute`, the IDI and the API. */
#include "afford.h"

#include <math.h>

#include "../core/mem.h"
#include "aggregate.h"

double afford_pct_gni(double price_month, double gni_pc)
{
    if (!isfinite(price_month) || !isfinite(gni_pc) || gni_pc <= 0 ||
        price_month < 0) {
        return NAN;
    }
    return price_month * 12.0 / gni_pc * 100.0;
}

double afford_lcu_to_usd(double amount_lcu, double lcu_per_usd)
{
    if (!isfinite(amount_lcu) || !isfinite(lcu_per_usd) || lcu_per_usd <= 0) {
        return NAN;
    }
    return amount_lcu / lcu_per_usd;
}

bool afford_meets_target(double pct, double target)
{
    return isfinite(pct) && pct <= target;
}

void afford_summarise(const double *pct, size_t count, double target,
                      struct afford_summary *out)
{
    double *vals = xmalloc((count ? count : 1) * sizeof(double));
    size_t n = 0;

    out->n_meeting = 0;
    for (size_t i = 0; i < count; i++) {
        if (isfinite(pct[i])) {
            vals[n++] = pct[i];
            out->n_meeting += afford_meets_target(pct[i], target);
        }
    }
    out->count = n;
    out->share = n ? 100.0 * (double)out->n_meeting / (double)n : NAN;
    out->median = agg_median(vals, n);
    xfree(vals);
}
