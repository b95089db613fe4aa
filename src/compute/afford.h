/* Affordability of ICT price baskets (compute layer): a monthly basket
 * price as a percentage of monthly GNI per capita, the Broadband
 * Commission's 2 % target, and per-group summaries. See
 * ../shared/spec/indicators/price-baskets.md. Pure functions on values. */
#ifndef ICTDEV_COMPUTE_AFFORD_H
#define ICTDEV_COMPUTE_AFFORD_H

#include <stdbool.h>
#include <stddef.h>

/* Broadband Commission 2025 target: entry-level broadband below 2 % of
 * monthly GNI per capita. */
#define AFFORD_TARGET_PCT 2.0

/* Monthly price as % of monthly GNI p.c.: price_month * 12 / gni_pc * 100.
 * Both in the same currency (USD: GNI p.c. Atlas method). NaN when an input
 * is missing or not finite, gni_pc <= 0 or price_month < 0. */
double afford_pct_gni(double price_month, double gni_pc);

/* Convert a local-currency amount to USD with lcu_per_usd (IMF annual
 * average, local currency units per US dollar). NaN when the rate is
 * missing or <= 0. */
double afford_lcu_to_usd(double amount_lcu, double lcu_per_usd);

/* True when pct is finite and at or below target (the report counts
 * economies "at or below 2 %"). */
bool afford_meets_target(double pct, double target);

struct afford_summary {
    size_t count;     /* economies with a finite value */
    size_t n_meeting; /* of those, at or below the target */
    double share;     /* n_meeting / count * 100; NaN when count is 0 */
    double median;    /* median % of GNI p.c.; NaN when count is 0 */
};

/* Summarise count values (NaN = missing) against target. Borrows pct.
 * Cannot fail (aborts on OOM). */
void afford_summarise(const double *pct, size_t count, double target,
                      struct afford_summary *out);

#endif
