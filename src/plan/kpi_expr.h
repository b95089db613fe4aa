/* KPI expressions: the expression language of src/expr evaluated for one
 * economy (or group) and one year over struct plan_stats, plus group
 * functions evaluated over the members of a group.
 *
 * Forms:
 *   EXPR                      evaluated for the KPI's economy (e.g. WLD,
 *                             whose values are compute's group aggregates)
 *   count_members(G, EXPR)    members of group G in the year whose EXPR is
 *                             true (missing when no member has a value)
 *   share_members(G, EXPR)    percent of the members with a value whose
 *                             EXPR is true
 *   mean_members(G, EXPR)     unweighted mean of EXPR over members with a
 *                             value
 * In EXPR a reference NAME[dim=value,...]@offset reads indicator NAME with
 * those dimensions in year+offset; the pseudo-dimension eco=CODE reads
 * another economy or group (i99H[eco=WLD] - i99H[eco=LDC]).
 *
 * Ownership: struct kpi_prog is owned by the caller (kpi_prog_free). */
#ifndef ICTDEV_PLAN_KPI_EXPR_H
#define ICTDEV_PLAN_KPI_EXPR_H

#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "stats.h"

struct kpi_prog;

/* Check that text parses in one of the forms above and that a plain EXPR
 * has an economy (or reads every value through eco=). ERR_PARSE /
 * ERR_INVALID with the expression's message. */
int kpi_expr_check(const char *text, const char *economy,
                   struct err *err) WARN_UNUSED_RESULT;

/* Compile text for economy (borrowed). Returns owned program or NULL with
 * err as kpi_expr_check. */
struct kpi_prog *kpi_prog_new(const char *text, const char *economy,
                              struct err *err) WARN_UNUSED_RESULT;
/* Free p. Safe on NULL. */
void kpi_prog_free(struct kpi_prog *p);

/* The value for year (NaN = no data). Cannot fail. */
double kpi_prog_eval(struct kpi_prog *p, const struct plan_stats *s, int year);

/* Call fn for each indicator code the program reads and each economy or
 * group code it needs (kind 'i' or 'e'; codes may repeat). */
void kpi_prog_codes(const struct kpi_prog *p,
                    void (*fn)(void *ctx, char kind, const char *code),
                    void *ctx);

/* The group of a group function, or "" for a plain expression. Borrowed. */
const char *kpi_prog_group(const struct kpi_prog *p);

#endif
