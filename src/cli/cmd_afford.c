/* `ictdev afford`: ICT price baskets as a share of GNI per capita, the 2 %
 * target, group medians. Thin: parses options, calls compute/, prints. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../compute/compute.h"
#include "../core/buf.h"
#include "../core/strparse.h"
#include "cli.h"

static const char afford_usage[] =
    "Usage: ictdev afford --year Y [--basket fixed|mobile]\n"
    "       ictdev afford --year Y --price CODE [--xr CODE] "
    "[--published CODE]\n"
    "Prints economy,basket,year,price_usd,gni_pc,gni_year,pct_gni,"
    "published_pct,meets_2pct\n"
    "(pct_gni = price_usd x 12 / gni_pc x 100, GNI p.c. Atlas method of Y "
    "or\n"
    "Y-1; published_pct = ITU's own figure when the store has it), then per\n"
    "group: group,basket,year,economies,median_pct,meeting_2pct,"
    "share_meeting.\n"
    "Baskets: fixed = fixed-broadband 5 GB (i154_FBB5_USD), mobile = "
    "data-only\n"
    "mobile-broadband 5 GB (i271mb_5GB_USD). Target: Broadband Commission, "
    "2 %.\n"
    "--price: any monthly price series; with --xr (local currency per USD)\n"
    "the price is in local currency and is converted to USD first.\n";

static void num(struct buf *b, double v, int decimals)
{
    double scale = pow(10, decimals);

    if (!isnan(v)) {
        buf_put_double(b, round(v * scale) / scale);
    }
    buf_putc(b, ',');
}

static void print_result(const struct compute_afford_result *r,
                         const char *basket, int year)
{
    struct buf b;

    buf_init(&b);
    printf("economy,basket,year,price_usd,gni_pc,gni_year,pct_gni,"
           "published_pct,meets_2pct\n");
    for (size_t i = 0; i < r->count; i++) {
        const struct compute_afford_row *w = &r->rows[i];
        buf_reset(&b);
        buf_printf(&b, "%s,%s,%d,", w->code, basket, year);
        num(&b, w->price_usd, 2);
        num(&b, w->gni_pc, 0);
        if (w->gni_year) {
            buf_printf(&b, "%d", w->gni_year);
        }
        buf_putc(&b, ',');
        num(&b, w->pct, 2);
        num(&b, w->published, 2);
        buf_puts(&b, isnan(w->pct) ? "" : (w->meets ? "1" : "0"));
        printf("%s\n", buf_cstr(&b));
    }
    printf("\ngroup,basket,year,economies,median_pct,meeting_2pct,"
           "share_meeting\n");
    for (size_t k = 0; k < r->ngroups; k++) {
        const struct compute_afford_group *g = &r->groups[k];
        buf_reset(&b);
        buf_printf(&b, "%s,%s,%d,%zu,", g->code, basket, year, g->s.count);
        num(&b, g->s.median, 2);
        buf_printf(&b, "%zu,", g->s.n_meeting);
        num(&b, g->s.share, 1);
        b.len--; /* drop the trailing comma */
        b.data[b.len] = '\0';
        printf("%s\n", buf_cstr(&b));
    }
    buf_cleanup(&b);
}

int cmd_afford(int argc, char **argv, struct cli_ctx *ctx)
{
    const char *basket = "fixed";
    struct compute_afford_request q = {"i154_FBB5_USD", NULL, "i154_FBB5_GNI",
                                       0};
    struct compute_afford_result r;
    struct store *s;
    struct err err;
    int64_t y = 0;
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs(afford_usage, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--year") == 0 && v) {
            if (parse_int64(v, strlen(v), 1900, 2100, &y, &err) != 0) {
                return cli_usage_error("afford", "--year: want a year");
            }
            i++;
        } else if (strcmp(argv[i], "--basket") == 0 && v &&
                   (strcmp(v, "fixed") == 0 || strcmp(v, "mobile") == 0)) {
            basket = v;
            q.price = v[0] == 'f' ? "i154_FBB5_USD" : "i271mb_5GB_USD";
            q.published = v[0] == 'f' ? "i154_FBB5_GNI" : "i271mb_5GB_GNI";
            i++;
        } else if (strcmp(argv[i], "--price") == 0 && v) {
            basket = q.price = v;
            q.published = NULL;
            i++;
        } else if (strcmp(argv[i], "--xr") == 0 && v) {
            q.xr = v;
            i++;
        } else if (strcmp(argv[i], "--published") == 0 && v) {
            q.published = v;
            i++;
        } else {
            return cli_usage_error("afford", "bad option '%s'", argv[i]);
        }
    }
    if (y == 0) {
        return cli_usage_error("afford", "--year is required");
    }
    s = store_open(ctx->db, 0, &err);
    if (s == NULL) {
        return cli_fail(&err);
    }
    q.year = (int)y;
    rc = compute_afford(s, &q, &r, &err);
    store_close(s);
    if (rc != 0) {
        return cli_fail(&err);
    }
    print_result(&r, basket, (int)y);
    compute_afford_result_free(&r);
    return EXIT_OK;
}
