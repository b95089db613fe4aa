/* .xlsx reader (see xlsx_read.h): libzip opens the container from memory,
 * every part is inflated under a byte budget, and libxml2's streaming
 * reader walks workbook.xml, its relationships, sharedStrings.xml and each
 * sheet. Only what a questionnaire needs is read: sheet names and cell
 * values. Nothing is trusted: sizes are checked before and while
 * inflating, XML with a DTD is refused, and so is any formula. */
#include "xlsx_read.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "../core/buf.h"
#include "../core/dynlib.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"

/* libxml2 and libzip, opened when the first workbook is read
 * (core/dynlib.h): with ICU and the rest they would cost every other
 * command ~3 ms at start. xmlFree is a variable of libxml2's. */
#define XML_NAMES(X)                                                           \
    X(xmlFree)                                                                 \
    X(xmlFreeTextReader)                                                       \
    X(xmlInitParser)                                                           \
    X(xmlReaderForMemory)                                                      \
    X(xmlTextReaderConstLocalName)                                             \
    X(xmlTextReaderConstValue)                                                 \
    X(xmlTextReaderGetAttribute)                                               \
    X(xmlTextReaderGetAttributeNs)                                             \
    X(xmlTextReaderGetParserLineNumber)                                        \
    X(xmlTextReaderIsEmptyElement)                                             \
    X(xmlTextReaderNodeType)                                                   \
    X(xmlTextReaderRead)
#define ZIP_NAMES(X)                                                           \
    X(zip_discard)                                                             \
    X(zip_error_fini)                                                          \
    X(zip_error_init)                                                          \
    X(zip_error_strerror)                                                      \
    X(zip_fclose)                                                              \
    X(zip_file_strerror)                                                       \
    X(zip_fopen)                                                               \
    X(zip_fread)                                                               \
    X(zip_get_num_entries)                                                     \
    X(zip_name_locate)                                                         \
    X(zip_open_from_source)                                                    \
    X(zip_source_buffer_create)                                                \
    X(zip_source_free)                                                         \
    X(zip_stat)                                                                \
    X(zip_stat_index)                                                          \
    X(zip_strerror)
static struct {
    XML_NAMES(DYNLIB_FIELD)
    ZIP_NAMES(DYNLIB_FIELD)
} lib;
#define LIB_SYM(name) {#name, (void **)&lib.name},
static const struct dynlib_sym xml_syms[] = {XML_NAMES(LIB_SYM)};
static const struct dynlib_sym zip_syms[] = {ZIP_NAMES(LIB_SYM)};
static struct dynlib xml_lib = DYNLIB_INIT("libxml2.so.2", "libxml2", xml_syms);
static struct dynlib zip_lib = DYNLIB_INIT("libzip.so.4", "libzip4", zip_syms);
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 wants its global state set up once before threads use it. */
static void xml_init(void)
{
    (*lib.xmlInitParser)();
}

#undef xmlFree
#define xmlFree                          (*lib.xmlFree)
#define xmlFreeTextReader                (*lib.xmlFreeTextReader)
#define xmlReaderForMemory               (*lib.xmlReaderForMemory)
#define xmlTextReaderConstLocalName      (*lib.xmlTextReaderConstLocalName)
#define xmlTextReaderConstValue          (*lib.xmlTextReaderConstValue)
#define xmlTextReaderGetAttribute        (*lib.xmlTextReaderGetAttribute)
#define xmlTextReaderGetAttributeNs      (*lib.xmlTextReaderGetAttributeNs)
#define xmlTextReaderGetParserLineNumber (*lib.xmlTextReaderGetParserLineNumber)
#define xmlTextReaderIsEmptyElement      (*lib.xmlTextReaderIsEmptyElement)
#define xmlTextReaderNodeType            (*lib.xmlTextReaderNodeType)
#define xmlTextReaderRead                (*lib.xmlTextReaderRead)
#define zip_discard                      (*lib.zip_discard)
#define zip_error_fini                   (*lib.zip_error_fini)
#define zip_error_init                   (*lib.zip_error_init)
#define zip_error_strerror               (*lib.zip_error_strerror)
#define zip_fclose                       (*lib.zip_fclose)
#define zip_file_strerror                (*lib.zip_file_strerror)
#define zip_fopen                        (*lib.zip_fopen)
#define zip_fread                        (*lib.zip_fread)
#define zip_get_num_entries              (*lib.zip_get_num_entries)
#define zip_name_locate                  (*lib.zip_name_locate)
#define zip_open_from_source             (*lib.zip_open_from_source)
#define zip_source_buffer_create         (*lib.zip_source_buffer_create)
#define zip_source_free                  (*lib.zip_source_free)
#define zip_stat                         (*lib.zip_stat)
#define zip_stat_index                   (*lib.zip_stat_index)
#define zip_strerror                     (*lib.zip_strerror)

#define XLSX_MAX_COL   16384u   /* Excel's column count */
#define XLSX_MAX_ROW   1048576u /* Excel's row count */
#define XLSX_RATIO_MIN (1 << 20)

struct sheet {
    char *name;              /* owned */
    char *part;              /* owned: zip entry name, e.g. xl/worksheets/.. */
    struct xlsx_cell *cells; /* owned; count used, sorted after parse */
    size_t count;
    size_t cap;
};

struct xlsx_book {
    struct sheet sheets[MAX_XLSX_SHEETS];
    size_t sheet_count;
    char **strings; /* owned shared strings */
    size_t string_count;
    size_t string_cap;
    char **owned; /* other owned texts (inline strings, numbers) */
    size_t owned_count;
    size_t owned_cap;
    size_t total_cells;
    uint64_t inflated; /* bytes inflated so far, <= MAX_XLSX_UNZIPPED */
};

/* ---- Small helpers ------------------------------------------------------ */

static const char *keep(struct xlsx_book *b, const char *s, size_t len)
{
    char *p = xstrndup(s, len);

    if (b->owned_count == b->owned_cap) {
        b->owned_cap = b->owned_cap ? b->owned_cap * 2 : 64;
        b->owned = xreallocarray(b->owned, b->owned_cap, sizeof(char *));
    }
    b->owned[b->owned_count++] = p;
    return p;
}

void xlsx_cell_name(uint32_t row, uint32_t col, char *out, size_t cap)
{
    char letters[8];
    size_t n = 0;
    uint32_t c = col + 1;

    while (c > 0 && n < sizeof(letters)) {
        letters[n++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    for (size_t i = 0; i < n / 2; i++) {
        char t = letters[i];
        letters[i] = letters[n - 1 - i];
        letters[n - 1 - i] = t;
    }
    snprintf(out, cap, "%.*s%u", (int)n, letters, (unsigned)row + 1);
}

/* Parse an A1 reference ("C7", also "$C$7") into 0-based row and col. */
static bool parse_ref(const char *s, uint32_t *out_row, uint32_t *out_col)
{
    uint32_t col = 0;
    uint32_t row = 0;
    size_t i = 0;
    size_t letters = 0;
    size_t digits = 0;

    if (s[i] == '$') {
        i++;
    }
    while (s[i] >= 'A' && s[i] <= 'Z' && letters < 3) {
        col = col * 26 + (uint32_t)(s[i] - 'A' + 1);
        i++;
        letters++;
    }
    if (s[i] == '$') {
        i++;
    }
    while (s[i] >= '0' && s[i] <= '9' && digits < 7) {
        row = row * 10 + (uint32_t)(s[i] - '0');
        i++;
        digits++;
    }
    if (s[i] != '\0' || letters == 0 || digits == 0 || row == 0 ||
        row > XLSX_MAX_ROW || col > XLSX_MAX_COL) {
        return false;
    }
    *out_row = row - 1;
    *out_col = col - 1;
    return true;
}

/* ---- Zip container ------------------------------------------------------ */

static int check_entries(zip_t *z, struct err *err)
{
    zip_int64_t n = zip_get_num_entries(z, 0);
    uint64_t total = 0;

    if (n < 0 || n > MAX_XLSX_ENTRIES) {
        return err_set(err, ERR_LIMIT, "more than %d parts in the workbook",
                       MAX_XLSX_ENTRIES);
    }
    for (zip_int64_t i = 0; i < n; i++) {
        zip_stat_t st;
        const char *base;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0 ||
            !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE) ||
            !(st.valid & ZIP_STAT_COMP_SIZE)) {
            return err_set(err, ERR_PARSE, "unreadable zip entry %lld",
                           (long long)i);
        }
        base = strrchr(st.name, '/');
        base = base ? base + 1 : st.name;
        if (strcasecmp(base, "vbaProject.bin") == 0 ||
            strcasecmp(base, "vbaProjectSignature.bin") == 0) {
            return err_set(err, ERR_INVALID,
                           "the workbook contains macros (%s); save it as a "
                           "plain .xlsx",
                           st.name);
        }
        if (st.size > MAX_XLSX_UNZIPPED ||
            total + st.size > (uint64_t)MAX_XLSX_UNZIPPED) {
            return err_set(err, ERR_LIMIT,
                           "the workbook inflates to more than %d MiB",
                           MAX_XLSX_UNZIPPED >> 20);
        }
        total += st.size;
        if (st.size > XLSX_RATIO_MIN &&
            st.size / (st.comp_size ? st.comp_size : 1) > MAX_XLSX_RATIO) {
            return err_set(err, ERR_LIMIT,
                           "%s inflates more than %d times: refused as a "
                           "zip bomb",
                           st.name, MAX_XLSX_RATIO);
        }
    }
    return 0;
}

/* Inflate the part named name into out. The declared size is not trusted:
 * reading stops at the budget and one byte past the declared size is an
 * error. ERR_NOT_FOUND if there is no such part (err filled only when
 * required). */
static int read_part(struct xlsx_book *b, zip_t *z, const char *name,
                     struct buf *out, struct err *err)
{
    zip_stat_t st;
    zip_file_t *f;
    uint64_t budget;
    char chunk[16384];
    zip_int64_t got;

    buf_reset(out);
    if (zip_stat(z, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        return err_set(err, ERR_NOT_FOUND, "no part %s in the workbook", name);
    }
    f = zip_fopen(z, name, 0);
    if (f == NULL) {
        return err_set(err, ERR_PARSE, "%s: %s", name, zip_strerror(z));
    }
    budget = (uint64_t)MAX_XLSX_UNZIPPED - b->inflated;
    if (st.size < budget) {
        budget = st.size;
    }
    while ((got = zip_fread(f, chunk, sizeof(chunk))) > 0) {
        if (out->len + (uint64_t)got > budget) {
            zip_fclose(f);
            return err_set(err, ERR_LIMIT,
                           "%s inflates past its declared size or the "
                           "workbook's limit",
                           name);
        }
        buf_append(out, chunk, (size_t)got);
    }
    if (got < 0) {
        err_set(err, ERR_PARSE, "%s: %s", name, zip_file_strerror(f));
        zip_fclose(f);
        return err->code;
    }
    zip_fclose(f);
    b->inflated += out->len;
    return 0;
}

/* ---- XML ---------------------------------------------------------------- */

static xmlTextReaderPtr xml_open(const struct buf *text, const char *part,
                                 struct err *err)
{
    xmlTextReaderPtr r;

    r = xmlReaderForMemory(
        text->data ? text->data : "", (int)text->len, part, NULL,
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (r == NULL) {
        err_set(err, ERR_PARSE, "%s: not XML", part);
    }
    return r;
}

/* Advance r; 1 = a node, 0 = end, -1 = error (err filled). A DTD is an
 * error: OOXML never has one, and entities are how XML bombs work. */
static int xml_next(xmlTextReaderPtr r, const char *part, struct err *err)
{
    int rc = xmlTextReaderRead(r);

    if (rc < 0) {
        err_set(err, ERR_PARSE, "%s: malformed XML near line %d", part,
                xmlTextReaderGetParserLineNumber(r));
        return -1;
    }
    if (rc == 1 && xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE) {
        err_set(err, ERR_INVALID, "%s: a DTD is not allowed", part);
        return -1;
    }
    return rc;
}

static bool is_start(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *n;

    if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT) {
        return false;
    }
    n = xmlTextReaderConstLocalName(r);
    return n != NULL && strcmp((const char *)n, local) == 0;
}

static bool is_end(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *n;

    if (xmlTextReaderNodeType(r) != XML_READER_TYPE_END_ELEMENT) {
        return false;
    }
    n = xmlTextReaderConstLocalName(r);
    return n != NULL && strcmp((const char *)n, local) == 0;
}

static bool is_text(xmlTextReaderPtr r)
{
    int t = xmlTextReaderNodeType(r);

    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
           t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
           t == XML_READER_TYPE_WHITESPACE;
}

static void append_text(xmlTextReaderPtr r, struct buf *b)
{
    const xmlChar *v = xmlTextReaderConstValue(r);

    if (v != NULL) {
        buf_puts(b, (const char *)v);
    }
}

/* An attribute by local name, or NULL. Owned by libxml2: xmlFree it. */
static char *attr(xmlTextReaderPtr r, const char *name)
{
    return (char *)xmlTextReaderGetAttribute(r, (const xmlChar *)name);
}

/* The r:id attribute, whatever its prefix is bound to. */
static char *attr_rid(xmlTextReaderPtr r)
{
    char *v = (char *)xmlTextReaderGetAttributeNs(
        r, (const xmlChar *)"id",
        (const xmlChar *)"http://schemas.openxmlformats.org/officeDocument/"
                         "2006/relationships");
    if (v == NULL) {
        v = (char *)xmlTextReaderGetAttribute(r, (const xmlChar *)"r:id");
    }
    return v;
}

/* ---- workbook.xml and its relationships -------------------------------- */

static int read_sheet_list(struct xlsx_book *b, const struct buf *xml,
                           char **rids, struct err *err)
{
    xmlTextReaderPtr r = xml_open(xml, "xl/workbook.xml", err);
    int rc;

    if (r == NULL) {
        return err->code;
    }
    while ((rc = xml_next(r, "xl/workbook.xml", err)) == 1) {
        char *name;
        char *rid;
        if (!is_start(r, "sheet")) {
            continue;
        }
        if (b->sheet_count == MAX_XLSX_SHEETS) {
            xmlFreeTextReader(r);
            return err_set(err, ERR_LIMIT, "more than %d sheets",
                           MAX_XLSX_SHEETS);
        }
        name = attr(r, "name");
        rid = attr_rid(r);
        if (name == NULL || rid == NULL) {
            xmlFree(name);
            xmlFree(rid);
            xmlFreeTextReader(r);
            return err_set(err, ERR_PARSE,
                           "xl/workbook.xml: a sheet without name or id");
        }
        b->sheets[b->sheet_count].name = xstrdup(name);
        rids[b->sheet_count] = xstrdup(rid);
        b->sheet_count++;
        xmlFree(name);
        xmlFree(rid);
    }
    xmlFreeTextReader(r);
    if (rc < 0) {
        return err->code;
    }
    if (b->sheet_count == 0) {
        return err_set(err, ERR_INVALID, "the workbook has no sheets");
    }
    return 0;
}

/* Resolve a relationship target to a zip entry name: relative to xl/, or
 * absolute from the root. ".." is refused (nothing legitimate needs it). */
static char *target_part(const char *target)
{
    struct buf b;

    if (strstr(target, "..") != NULL) {
        return NULL;
    }
    buf_init(&b);
    if (target[0] == '/') {
        buf_puts(&b, target + 1);
    } else {
        buf_puts(&b, "xl/");
        buf_puts(&b, target);
    }
    return buf_detach(&b);
}

static int read_rels(struct xlsx_book *b, const struct buf *xml, char **rids,
                     struct err *err)
{
    const char *part = "xl/_rels/workbook.xml.rels";
    xmlTextReaderPtr r = xml_open(xml, part, err);
    int rc;

    if (r == NULL) {
        return err->code;
    }
    while ((rc = xml_next(r, part, err)) == 1) {
        char *id;
        char *target;
        if (!is_start(r, "Relationship")) {
            continue;
        }
        id = attr(r, "Id");
        target = attr(r, "Target");
        for (size_t i = 0; id && target && i < b->sheet_count; i++) {
            if (b->sheets[i].part == NULL && strcmp(rids[i], id) == 0) {
                b->sheets[i].part = target_part(target);
            }
        }
        xmlFree(id);
        xmlFree(target);
    }
    xmlFreeTextReader(r);
    if (rc < 0) {
        return err->code;
    }
    for (size_t i = 0; i < b->sheet_count; i++) {
        if (b->sheets[i].part == NULL) {
            return err_set(err, ERR_PARSE, "sheet '%s' has no part",
                           b->sheets[i].name);
        }
    }
    return 0;
}

/* ---- sharedStrings.xml -------------------------------------------------- */

static void add_string(struct xlsx_book *b, struct buf *s)
{
    if (b->string_count == b->string_cap) {
        b->string_cap = b->string_cap ? b->string_cap * 2 : 256;
        b->strings = xreallocarray(b->strings, b->string_cap, sizeof(char *));
    }
    b->strings[b->string_count++] = xstrdup(buf_cstr(s));
    buf_reset(s);
}

static int read_shared(struct xlsx_book *b, const struct buf *xml,
                       struct err *err)
{
    const char *part = "xl/sharedStrings.xml";
    xmlTextReaderPtr r = xml_open(xml, part, err);
    struct buf s;
    int in_t = 0;
    int in_rph = 0;
    int rc;

    if (r == NULL) {
        return err->code;
    }
    buf_init(&s);
    while ((rc = xml_next(r, part, err)) == 1) {
        if (is_start(r, "si") && xmlTextReaderIsEmptyElement(r)) {
            add_string(b, &s);
        } else if (is_end(r, "si")) {
            add_string(b, &s);
        } else if (is_start(r, "rPh")) {
            in_rph = !xmlTextReaderIsEmptyElement(r);
        } else if (is_end(r, "rPh")) {
            in_rph = 0;
        } else if (is_start(r, "t")) {
            in_t = !xmlTextReaderIsEmptyElement(r);
        } else if (is_end(r, "t")) {
            in_t = 0;
        } else if (in_t && !in_rph && is_text(r)) {
            append_text(r, &s);
            if (s.len > MAX_XLSX_TEXT) {
                rc = -1;
                err_set(err, ERR_LIMIT, "%s: string %zu is over %d bytes", part,
                        b->string_count + 1, MAX_XLSX_TEXT);
                break;
            }
        }
        if (b->string_count > MAX_XLSX_CELLS) {
            rc = -1;
            err_set(err, ERR_LIMIT, "%s: more than %d strings", part,
                    MAX_XLSX_CELLS);
            break;
        }
    }
    buf_cleanup(&s);
    xmlFreeTextReader(r);
    return rc < 0 ? err->code : 0;
}

/* ---- Sheets ------------------------------------------------------------- */

/* State of the cell being read. */
struct cell_state {
    uint32_t row;      /* 0-based current row */
    uint32_t next_col; /* column of a cell without r= */
    uint32_t col;
    char type[16]; /* t= attribute, "" = number */
    bool in_cell;
    bool in_v;
    bool in_is_t; /* inside <is>...<t> */
    bool has_v;
    struct buf v; /* value text */
};

static int cell_error(const char *sheet, uint32_t row, uint32_t col,
                      struct err *err, int code, const char *what)
{
    char ref[16];

    xlsx_cell_name(row, col, ref, sizeof(ref));
    return err_set(err, code, "%s!%s: %s", sheet, ref, what);
}

static void push_cell(struct xlsx_book *b, struct sheet *sh,
                      const struct xlsx_cell *c)
{
    if (sh->count == sh->cap) {
        sh->cap = sh->cap ? sh->cap * 2 : 64;
        sh->cells = xreallocarray(sh->cells, sh->cap, sizeof(*sh->cells));
    }
    sh->cells[sh->count++] = *c;
    b->total_cells++;
}

static int finish_cell(struct xlsx_book *b, struct sheet *sh,
                       struct cell_state *cs, struct err *err)
{
    struct xlsx_cell c = {.row = cs->row, .col = cs->col};
    const char *t = cs->type;
    const char *v = buf_cstr(&cs->v);
    struct err perr;

    if (!cs->has_v) {
        return 0; /* a styled blank */
    }
    if (b->total_cells >= MAX_XLSX_CELLS) {
        return err_set(err, ERR_LIMIT, "more than %d cells", MAX_XLSX_CELLS);
    }
    if (t[0] == '\0' || strcmp(t, "n") == 0) {
        str_trim(&v, &cs->v.len);
        if (parse_double(v, cs->v.len, &c.num, &perr) != 0) {
            return cell_error(sh->name, cs->row, cs->col, err, ERR_PARSE,
                              "malformed number");
        }
        c.type = XLSX_CELL_NUMBER;
        c.text = keep(b, v, cs->v.len);
    } else if (strcmp(t, "s") == 0) {
        int64_t idx;
        if (parse_int64(v, cs->v.len, 0, (int64_t)b->string_count - 1, &idx,
                        &perr) != 0) {
            return cell_error(sh->name, cs->row, cs->col, err, ERR_PARSE,
                              "shared string index out of range");
        }
        c.type = XLSX_CELL_TEXT;
        c.text = b->strings[idx];
    } else if (strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0 ||
               strcmp(t, "d") == 0) {
        c.type = XLSX_CELL_TEXT;
        c.text = keep(b, v, cs->v.len);
    } else if (strcmp(t, "b") == 0) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
            return cell_error(sh->name, cs->row, cs->col, err, ERR_PARSE,
                              "malformed boolean");
        }
        c.type = XLSX_CELL_BOOL;
        c.num = v[0] == '1';
        c.text = v[0] == '1' ? "TRUE" : "FALSE";
    } else if (strcmp(t, "e") == 0) {
        c.type = XLSX_CELL_ERROR;
        c.text = keep(b, v, cs->v.len);
    } else {
        return cell_error(sh->name, cs->row, cs->col, err, ERR_PARSE,
                          "unknown cell type");
    }
    push_cell(b, sh, &c);
    return 0;
}

static int start_row(xmlTextReaderPtr r, struct sheet *sh,
                     struct cell_state *cs, bool first, struct err *err)
{
    char *rv = attr(r, "r");
    int64_t n;
    struct err perr;

    if (rv == NULL) {
        cs->row = first ? 0 : cs->row + 1;
    } else {
        if (parse_int64(rv, strlen(rv), 1, XLSX_MAX_ROW, &n, &perr) != 0) {
            xmlFree(rv);
            return err_set(err, ERR_PARSE, "%s: bad row number", sh->name);
        }
        cs->row = (uint32_t)(n - 1);
        xmlFree(rv);
    }
    if (cs->row >= XLSX_MAX_ROW) {
        return err_set(err, ERR_LIMIT, "%s: too many rows", sh->name);
    }
    cs->next_col = 0;
    return 0;
}

static int start_cell(xmlTextReaderPtr r, struct sheet *sh,
                      struct cell_state *cs, struct err *err)
{
    char *rv = attr(r, "r");
    char *tv = attr(r, "t");
    uint32_t row = cs->row;
    uint32_t col = cs->next_col;
    int rc = 0;

    if (rv != NULL && !parse_ref(rv, &row, &col)) {
        rc = err_set(err, ERR_PARSE, "%s: bad cell reference '%.20s'", sh->name,
                     rv);
    } else if (col >= XLSX_MAX_COL) {
        rc = err_set(err, ERR_LIMIT, "%s: too many columns", sh->name);
    }
    cs->row = row;
    cs->col = col;
    cs->next_col = col + 1;
    snprintf(cs->type, sizeof(cs->type), "%s", tv ? tv : "");
    cs->in_cell = true;
    cs->has_v = false;
    buf_reset(&cs->v);
    xmlFree(rv);
    xmlFree(tv);
    return rc;
}

/* One node inside a sheet. Returns 0 or an error code. */
static int sheet_node(xmlTextReaderPtr r, struct xlsx_book *b, struct sheet *sh,
                      struct cell_state *cs, bool *first, struct err *err)
{
    if (is_start(r, "row")) {
        int rc = start_row(r, sh, cs, *first, err);
        *first = false;
        return rc;
    }
    if (is_start(r, "c")) {
        int rc = start_cell(r, sh, cs, err);
        if (rc == 0 && xmlTextReaderIsEmptyElement(r)) {
            cs->in_cell = false;
        }
        return rc;
    }
    if (!cs->in_cell) {
        return 0;
    }
    if (is_start(r, "f")) {
        return cell_error(sh->name, cs->row, cs->col, err, ERR_INVALID,
                          "formula instead of a value; paste the value "
                          "only");
    }
    if (is_start(r, "v")) {
        cs->in_v = !xmlTextReaderIsEmptyElement(r);
        cs->has_v = true;
    } else if (is_end(r, "v")) {
        cs->in_v = false;
    } else if (is_start(r, "t")) {
        cs->in_is_t = !xmlTextReaderIsEmptyElement(r);
        cs->has_v = true;
    } else if (is_end(r, "t")) {
        cs->in_is_t = false;
    } else if ((cs->in_v || cs->in_is_t) && is_text(r)) {
        append_text(r, &cs->v);
        if (cs->v.len > MAX_XLSX_TEXT) {
            return cell_error(sh->name, cs->row, cs->col, err, ERR_LIMIT,
                              "text too long");
        }
    } else if (is_end(r, "c")) {
        cs->in_cell = false;
        return finish_cell(b, sh, cs, err);
    }
    return 0;
}

static int cell_cmp(const void *a, const void *b)
{
    const struct xlsx_cell *x = a;
    const struct xlsx_cell *y = b;

    if (x->row != y->row) {
        return x->row < y->row ? -1 : 1;
    }
    if (x->col != y->col) {
        return x->col < y->col ? -1 : 1;
    }
    return 0;
}

static int read_sheet(struct xlsx_book *b, struct sheet *sh,
                      const struct buf *xml, struct err *err)
{
    xmlTextReaderPtr r = xml_open(xml, sh->part, err);
    struct cell_state cs;
    bool first = true;
    int rc;

    if (r == NULL) {
        return err->code;
    }
    memset(&cs, 0, sizeof(cs));
    buf_init(&cs.v);
    while ((rc = xml_next(r, sh->part, err)) == 1) {
        if (sheet_node(r, b, sh, &cs, &first, err) != 0) {
            rc = -1;
            break;
        }
    }
    buf_cleanup(&cs.v);
    xmlFreeTextReader(r);
    if (rc < 0) {
        return err->code;
    }
    if (sh->count > 0) {
        qsort(sh->cells, sh->count, sizeof(*sh->cells), cell_cmp);
    }
    for (size_t i = 1; i < sh->count; i++) {
        if (cell_cmp(&sh->cells[i - 1], &sh->cells[i]) == 0) {
            return cell_error(sh->name, sh->cells[i].row, sh->cells[i].col, err,
                              ERR_PARSE, "cell given twice");
        }
    }
    return 0;
}

/* ---- The whole book ----------------------------------------------------- */

static int check_content_types(struct xlsx_book *b, zip_t *z, struct buf *tmp,
                               struct err *err)
{
    if (read_part(b, z, "[Content_Types].xml", tmp, err) != 0) {
        return err_set(err, ERR_INVALID,
                       "not an .xlsx workbook (no "
                       "[Content_Types].xml)");
    }
    if (strstr(buf_cstr(tmp), "macroEnabled") != NULL ||
        strstr(buf_cstr(tmp), "vbaProject") != NULL) {
        return err_set(err, ERR_INVALID,
                       "the workbook is macro-enabled; "
                       "save it as a plain .xlsx");
    }
    return 0;
}

static int read_book(struct xlsx_book *b, zip_t *z, struct err *err)
{
    struct buf tmp;
    char *rids[MAX_XLSX_SHEETS] = {0};
    int rc;

    buf_init(&tmp);
    rc = check_entries(z, err);
    if (rc == 0) {
        rc = check_content_types(b, z, &tmp, err);
    }
    if (rc == 0 && read_part(b, z, "xl/workbook.xml", &tmp, err) != 0) {
        rc = err_set(err, ERR_INVALID,
                     "not an .xlsx workbook (no "
                     "xl/workbook.xml)");
    }
    if (rc == 0) {
        rc = read_sheet_list(b, &tmp, rids, err);
    }
    if (rc == 0) {
        rc = read_part(b, z, "xl/_rels/workbook.xml.rels", &tmp, err);
    }
    if (rc == 0) {
        rc = read_rels(b, &tmp, rids, err);
    }
    if (rc == 0 && zip_name_locate(z, "xl/sharedStrings.xml", 0) >= 0) {
        rc = read_part(b, z, "xl/sharedStrings.xml", &tmp, err);
        if (rc == 0) {
            rc = read_shared(b, &tmp, err);
        }
    }
    for (size_t i = 0; rc == 0 && i < b->sheet_count; i++) {
        rc = read_part(b, z, b->sheets[i].part, &tmp, err);
        if (rc == 0) {
            rc = read_sheet(b, &b->sheets[i], &tmp, err);
        }
    }
    for (size_t i = 0; i < MAX_XLSX_SHEETS; i++) {
        xfree(rids[i]);
    }
    buf_cleanup(&tmp);
    return rc;
}

struct xlsx_book *xlsx_read_mem(const void *data, size_t len, struct err *err)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *z;
    struct xlsx_book *b;

    if (len > MAX_XLSX_FILE) {
        err_set(err, ERR_LIMIT, "the workbook is larger than %d MiB",
                MAX_XLSX_FILE >> 20);
        return NULL;
    }
    if (dynlib_ready(&xml_lib, "reading workbooks", err) != 0 ||
        dynlib_ready(&zip_lib, "reading workbooks", err) != 0) {
        return NULL;
    }
    (void)pthread_once(&xml_once, xml_init);
    zip_error_init(&ze);
    src = zip_source_buffer_create(len ? data : "", len, 0, &ze);
    if (src == NULL) {
        zip_error_fini(&ze);
        err_set(err, ERR_INTERNAL, "cannot read the upload");
        return NULL;
    }
    z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (z == NULL) {
        zip_source_free(src);
        err_set(err, ERR_INVALID, "not an .xlsx workbook (%s)",
                zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return NULL;
    }
    zip_error_fini(&ze);
    b = xcalloc(1, sizeof(*b));
    if (read_book(b, z, err) != 0) {
        zip_discard(z);
        xlsx_book_free(b);
        return NULL;
    }
    zip_discard(z);
    return b;
}

void xlsx_book_free(struct xlsx_book *b)
{
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; i < b->sheet_count; i++) {
        xfree(b->sheets[i].name);
        xfree(b->sheets[i].part);
        xfree(b->sheets[i].cells);
    }
    for (size_t i = 0; i < b->string_count; i++) {
        xfree(b->strings[i]);
    }
    xfree(b->strings);
    for (size_t i = 0; i < b->owned_count; i++) {
        xfree(b->owned[i]);
    }
    xfree(b->owned);
    xfree(b);
}

size_t xlsx_sheet_count(const struct xlsx_book *b)
{
    return b->sheet_count;
}

const char *xlsx_sheet_name(const struct xlsx_book *b, size_t sheet)
{
    return sheet < b->sheet_count ? b->sheets[sheet].name : "";
}

int xlsx_sheet_find(const struct xlsx_book *b, const char *name)
{
    for (size_t i = 0; i < b->sheet_count; i++) {
        if (strcmp(b->sheets[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const struct xlsx_cell *xlsx_sheet_cells(const struct xlsx_book *b,
                                         size_t sheet, size_t *out_count)
{
    if (sheet >= b->sheet_count) {
        *out_count = 0;
        return NULL;
    }
    *out_count = b->sheets[sheet].count;
    return b->sheets[sheet].cells;
}

const struct xlsx_cell *xlsx_cell_at(const struct xlsx_book *b, size_t sheet,
                                     uint32_t row, uint32_t col)
{
    struct xlsx_cell key = {.row = row, .col = col};

    if (sheet >= b->sheet_count || b->sheets[sheet].count == 0) {
        return NULL;
    }
    return bsearch(&key, b->sheets[sheet].cells, b->sheets[sheet].count,
                   sizeof(key), cell_cmp);
}
