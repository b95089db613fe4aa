/* IATI activity XML 2.03 of the plan's technical-assistance projects: one
 * iati-activity per project, elements in the order the schema requires
 * (iati-activities-schema.xsd), each result with its indicators, baseline
 * and target/actual periods. */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "../core/buf.h"
#include "render.h"

static const char *jget(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

static void narrative(struct buf *out, const char *tag, const char *attrs,
                      const char *text)
{
    buf_printf(out, "  <%s%s><narrative>", tag, attrs);
    buf_put_xml(out, text);
    buf_printf(out, "</narrative></%s>\n", tag);
}

/* IATI ActivityStatus codelist: 1 pipeline, 2 implementation, 3
 * finalisation, 4 closed, 5 cancelled, 6 suspended. */
static int status_code(const char *s)
{
    static const char *const names[] = {"pipeline",     "implementation",
                                        "finalisation", "closed",
                                        "cancelled",    "suspended"};

    for (int i = 0; i < 6; i++) {
        if (strcmp(s, names[i]) == 0) {
            return i + 1;
        }
    }
    return 2;
}

static void put_value(struct buf *out, double v)
{
    buf_put_double(out, isfinite(v) ? v : 0);
}

static void iati_finance(const json_t *x, const char *currency, struct buf *out)
{
    const json_t *d;
    size_t i;

    buf_printf(out,
               "  <budget type=\"1\" status=\"2\">\n"
               "   <period-start iso-date=\"%s\"/>\n"
               "   <period-end iso-date=\"%s\"/>\n"
               "   <value currency=\"%s\" value-date=\"%s\">",
               jget(x, "start"), jget(x, "end"), currency, jget(x, "start"));
    put_value(out, json_number_value(json_object_get(x, "budget")));
    buf_puts(out, "</value>\n  </budget>\n");
    json_array_foreach(json_object_get(x, "disbursements"), i, d)
    {
        buf_printf(out,
                   "  <transaction>\n"
                   "   <transaction-type code=\"3\"/>\n"
                   "   <transaction-date iso-date=\"%s\"/>\n"
                   "   <value currency=\"%s\" value-date=\"%s\">",
                   jget(d, "date"), currency, jget(d, "date"));
        put_value(out, json_number_value(json_object_get(d, "amount")));
        buf_puts(out, "</value>\n  </transaction>\n");
    }
}

static void iati_period(struct buf *out, int year, const char *what, double v)
{
    buf_printf(out,
               "     <period>\n"
               "      <period-start iso-date=\"%d-01-01\"/>\n"
               "      <period-end iso-date=\"%d-12-31\"/>\n"
               "      <%s value=\"",
               year, year, what);
    put_value(out, v);
    buf_puts(out, "\"/>\n     </period>\n");
}

static void iati_indicator(const json_t *ind, struct buf *out)
{
    const json_t *b = json_object_get(ind, "baseline");
    const json_t *t = json_object_get(ind, "target");
    const json_t *a;
    size_t i;
    bool pct = strcmp(jget(ind, "measure"), "percentage") == 0;

    /* IATI IndicatorMeasure: 1 unit, 2 percentage. */
    buf_printf(out, "   <indicator measure=\"%d\" ascending=\"1\">\n",
               pct ? 2 : 1);
    buf_puts(out, "    <title><narrative>");
    buf_put_xml(out, jget(ind, "title"));
    buf_puts(out, "</narrative></title>\n");
    if (jget(ind, "kpi")[0] != '\0') {
        buf_printf(out, "    <reference vocabulary=\"99\" code=\"");
        buf_put_xml(out, jget(ind, "kpi"));
        buf_puts(out, "\"/>\n");
    }
    if (b != NULL) {
        buf_printf(out, "    <baseline year=\"%d\" value=\"",
                   (int)json_integer_value(json_object_get(b, "year")));
        put_value(out, json_number_value(json_object_get(b, "value")));
        buf_puts(out, "\"/>\n");
    }
    if (t != NULL) {
        iati_period(out, (int)json_integer_value(json_object_get(t, "year")),
                    "target", json_number_value(json_object_get(t, "value")));
    }
    json_array_foreach(json_object_get(ind, "actual"), i, a)
    {
        iati_period(out, (int)json_integer_value(json_object_get(a, "year")),
                    "actual", json_number_value(json_object_get(a, "value")));
    }
    buf_puts(out, "   </indicator>\n");
}

static void iati_results(const json_t *x, struct buf *out)
{
    const json_t *r;
    const json_t *ind;
    size_t i;
    size_t j;

    json_array_foreach(json_object_get(x, "results"), i, r)
    {
        /* IATI ResultType: 1 output, 2 outcome, 3 impact. */
        const char *lvl = jget(r, "level");
        int type = strcmp(lvl, "impact") == 0    ? 3
                   : strcmp(lvl, "outcome") == 0 ? 2
                                                 : 1;
        buf_printf(out, "  <result type=\"%d\">\n   <title><narrative>", type);
        buf_put_xml(out, jget(r, "title"));
        buf_puts(out, "</narrative></title>\n");
        json_array_foreach(json_object_get(r, "indicators"), j, ind)
        {
            iati_indicator(ind, out);
        }
        buf_puts(out, "  </result>\n");
    }
}

static void iati_countries(const json_t *x, const struct plan_iati_opts *o,
                           struct buf *out)
{
    const json_t *v;
    size_t i;
    size_t n = 0;

    if (o->iso2 == NULL) {
        return;
    }
    json_array_foreach(json_object_get(x, "economies"), i, v)
    {
        const char *c = o->iso2(o->ctx, json_string_value(v));
        n += c != NULL && c[0] != '\0' ? 1 : 0;
    }
    json_array_foreach(json_object_get(x, "economies"), i, v)
    {
        const char *c = o->iso2(o->ctx, json_string_value(v));
        if (c == NULL || c[0] == '\0') {
            continue;
        }
        /* Equal shares: the set gives no split by country. */
        buf_puts(out, "  <recipient-country code=\"");
        buf_put_xml(out, c);
        buf_puts(out, "\" percentage=\"");
        buf_put_double(out, round(10000.0 / (double)n) / 100.0);
        buf_puts(out, "\"/>\n");
    }
}

static void iati_activity(const struct plan_element *e,
                          const struct plan_iati_opts *o, struct buf *out)
{
    const char *org = o->reporting_org;
    const char *generated = o->generated;
    const json_t *x = e->extra;
    const char *currency = jget(x, "currency");
    const json_t *v;
    size_t i;

    currency = currency[0] != '\0' ? currency : "USD";
    buf_printf(out,
               " <iati-activity last-updated-datetime=\"%s\" xml:lang=\"en\" "
               "default-currency=\"%s\">\n  <iati-identifier>",
               generated, currency);
    buf_put_xml(out, org);
    buf_putc(out, '-');
    buf_put_xml(out, e->id);
    buf_puts(out, "</iati-identifier>\n  <reporting-org ref=\"");
    buf_put_xml(out, org);
    buf_puts(out, "\" type=\"40\"><narrative>International Telecommunication "
                  "Union, Telecommunication Development Sector"
                  "</narrative></reporting-org>\n");
    narrative(out, "title", "", e->name);
    narrative(out, "description", " type=\"1\"",
              e->illustrative ? "ILLUSTRATIVE project (not real data)."
                              : e->description);
    narrative(out, "participating-org", " role=\"1\" type=\"40\"",
              "International Telecommunication Union");
    json_array_foreach(json_object_get(x, "partners"), i, v)
    {
        narrative(out, "participating-org", " role=\"4\"",
                  json_string_value(v));
    }
    buf_printf(out, "  <activity-status code=\"%d\"/>\n",
               status_code(jget(x, "status")));
    buf_printf(out, "  <activity-date type=\"1\" iso-date=\"%s\"/>\n",
               jget(x, "start"));
    buf_printf(out, "  <activity-date type=\"3\" iso-date=\"%s\"/>\n",
               jget(x, "end"));
    iati_countries(x, o, out);
    /* DAC 5-digit sector 22040: Information and communication technology
     * (ICT). */
    buf_puts(out, "  <sector vocabulary=\"1\" code=\"22040\" "
                  "percentage=\"100\"/>\n");
    iati_finance(x, currency, out);
    iati_results(x, out);
    buf_puts(out, " </iati-activity>\n");
}

void plan_render_iati(const struct plan *p, const struct plan_iati_opts *o,
                      struct buf *out)
{
    buf_printf(out,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<iati-activities version=\"2.03\" "
               "generated-datetime=\"%s\">\n",
               o->generated);
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_PROJECT &&
            p->elements[i].extra != NULL) {
            iati_activity(&p->elements[i], o, out);
        }
    }
    buf_puts(out, "</iati-activities>\n");
}
