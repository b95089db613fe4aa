/* Survey results as CSV or JSON, and the normal quantile for intervals. */
#include <math.h>

#include "survey.h"

/* Wichura, M. J. (1988) Algorithm AS 241: The percentage points of the
 * normal distribution. Applied Statistics 37, 477-484. PPND16, accurate to
 * about 1 part in 10^16; the same algorithm as R's qnorm. */
double survey_qnorm(double p)
{
    double q = p - 0.5;
    double r;
    double v;

    if (!(p > 0 && p < 1)) {
        return NAN;
    }
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        return q *
               (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r +
                     67265.770927008700853) *
                        r +
                    45921.953931549871457) *
                       r +
                   13731.693765509461125) *
                      r +
                  1971.5909503065514427) *
                     r +
                 133.14166789178437745) *
                    r +
                3.387132872796366608) /
               (((((((r * 5226.495278852545925 + 28729.085735721942674) * r +
                     39307.89580009271061) *
                        r +
                    21213.794301586595867) *
                       r +
                   5394.1960214247511077) *
                      r +
                  687.1870074920579083) *
                     r +
                 42.313330701600911252) *
                    r +
                1.0);
    }
    r = q < 0 ? p : 1 - p;
    r = sqrt(-log(r));
    if (r <= 5) {
        r -= 1.6;
        v = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) *
                      r +
                  0.24178072517745061177) *
                     r +
                 1.27045825245236838258) *
                    r +
                3.64784832476320460504) *
                   r +
               5.7694972214606914055) *
                  r +
              4.6303378461565452959) *
                 r +
             1.42343711074968357734) /
            (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) *
                      r +
                  0.0151986665636164571966) *
                     r +
                 0.14810397642748007459) *
                    r +
                0.68976733498510000455) *
                   r +
               1.6763848301838038494) *
                  r +
              2.05319162663775882187) *
                 r +
             1.0);
    } else {
        r -= 5;
        v = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) *
                      r +
                  0.0012426609473880784386) *
                     r +
                 0.026532189526576123093) *
                    r +
                0.29656057182850489123) *
                   r +
               1.7848265399172913358) *
                  r +
              5.4637849111641143699) *
                 r +
             6.6579046435011037772) /
            (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) *
                      r +
                  1.8463183175100546818e-5) *
                     r +
                 7.868691311456132591e-4) *
                    r +
                0.0148753612908506148525) *
                   r +
               0.13692988092273580531) *
                  r +
              0.59983220655588793769) *
                 r +
             1.0);
    }
    return q < 0 ? -v : v;
}

static const char *stat_name(int stat)
{
    switch (stat) {
    case SURVEY_STAT_MEAN:
        return "mean";
    case SURVEY_STAT_TOTAL:
        return "total";
    default:
        return "ratio";
    }
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void csv_put(struct buf *out, const char *s)
{
    bool quote = false;

    for (const char *c = s; *c; c++) {
        if (*c == ',' || *c == '"' || *c == '\n' || *c == '\r') {
            quote = true;
        }
    }
    if (!quote) {
        buf_puts(out, s);
        return;
    }
    buf_putc(out, '"');
    for (const char *c = s; *c; c++) {
        if (*c == '"') {
            buf_putc(out, '"');
        }
        buf_putc(out, *c);
    }
    buf_putc(out, '"');
}

static void json_str(struct buf *out, const char *s)
{
    buf_putc(out, '"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            buf_putc(out, '\\');
            buf_putc(out, (char)*c);
        } else if (*c < 0x20) {
            buf_printf(out, "\\u%04x", *c);
        } else {
            buf_putc(out, (char)*c);
        }
    }
    buf_putc(out, '"');
}

static void json_num(struct buf *out, double v)
{
    if (isfinite(v)) {
        buf_put_double(out, v);
    } else {
        buf_puts(out, "null");
    }
}

static void format_csv(const struct survey_result *r, bool header,
                       struct buf *out)
{
    if (header) {
        buf_puts(out, "statistic,variable");
        for (size_t k = 0; k < r->by_count; k++) {
            buf_putc(out, ',');
            csv_put(out, r->by[k]);
        }
        buf_puts(out, ",estimate,se,ci_low,ci_high,n\n");
    }
    for (size_t i = 0; i < r->count; i++) {
        const struct survey_row *row = &r->rows[i];
        buf_puts(out, stat_name(r->stat));
        buf_putc(out, ',');
        csv_put(out, row->variable);
        for (size_t k = 0; k < r->by_count; k++) {
            buf_putc(out, ',');
            csv_put(out, row->group[k]);
        }
        buf_putc(out, ',');
        buf_put_double(out, row->estimate);
        buf_putc(out, ',');
        buf_put_double(out, row->se);
        buf_putc(out, ',');
        buf_put_double(out, row->ci_low);
        buf_putc(out, ',');
        buf_put_double(out, row->ci_high);
        buf_printf(out, ",%llu\n", (unsigned long long)row->n);
    }
}

static void format_json(const struct survey_result *r, struct buf *out)
{
    buf_putc(out, '[');
    for (size_t i = 0; i < r->count; i++) {
        const struct survey_row *row = &r->rows[i];
        buf_puts(out, i ? ",\n {" : "{");
        buf_printf(out,
                   "\"statistic\":\"%s\",\"variable\":", stat_name(r->stat));
        json_str(out, row->variable);
        for (size_t k = 0; k < r->by_count; k++) {
            buf_putc(out, ',');
            json_str(out, r->by[k]);
            buf_putc(out, ':');
            json_str(out, row->group[k]);
        }
        buf_puts(out, ",\"estimate\":");
        json_num(out, row->estimate);
        buf_puts(out, ",\"se\":");
        json_num(out, row->se);
        buf_puts(out, ",\"ci_low\":");
        json_num(out, row->ci_low);
        buf_puts(out, ",\"ci_high\":");
        json_num(out, row->ci_high);
        buf_printf(out, ",\"n\":%llu}", (unsigned long long)row->n);
    }
    buf_puts(out, "]\n");
}

void survey_result_format(const struct survey_result *r, bool json, bool header,
                          struct buf *out)
{
    if (json) {
        format_json(r, out);
    } else {
        format_csv(r, header, out);
    }
}
