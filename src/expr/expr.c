/* Expression engine: a recursive-descent parser into an index-based AST, a
 * compiler to a postfix program with jumps for the short-circuit forms, and
 * a stack evaluator. Recursion is bounded by MAX_EXPR_DEPTH: the parser
 * counts its nesting and rejects trees taller than the limit, so compile,
 * print and eval never recurse deeper either. */
#include "expr.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "../core/strparse.h"

enum node_kind { N_NUM, N_STR, N_REF, N_UNARY, N_BINARY, N_CALL };

enum op {
    OP_NEG,
    OP_NOT,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_POW,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_AND,
    OP_OR,
};

enum fn {
    FN_MIN,
    FN_MAX,
    FN_ABS,
    FN_ROUND,
    FN_LOG,
    FN_EXP,
    FN_SQRT,
    FN_IF,
    FN_COALESCE,
    FN_SUM,
    FN_MEAN,
    FN_COUNT,
};

struct fn_info {
    const char *name;
    int fn;
    int min_args;
    int max_args; /* -1 = any number >= min_args */
};

static const struct fn_info functions[] = {
    {"min", FN_MIN, 1, -1},
    {"max", FN_MAX, 1, -1},
    {"abs", FN_ABS, 1, 1},
    {"round", FN_ROUND, 1, 2},
    {"log", FN_LOG, 1, 1},
    {"exp", FN_EXP, 1, 1},
    {"sqrt", FN_SQRT, 1, 1},
    {"if", FN_IF, 3, 3},
    {"coalesce", FN_COALESCE, 1, -1},
    {"sum", FN_SUM, 1, -1},
    {"mean", FN_MEAN, 1, -1},
    {"count", FN_COUNT, 1, -1},
};

struct node {
    int kind;      /* enum node_kind */
    int op;        /* enum op for N_UNARY/N_BINARY, enum fn for N_CALL */
    int a, b;      /* children (node indexes) for unary/binary */
    int first_arg; /* index into expr->args for N_CALL */
    int nargs;     /* arguments of N_CALL */
    int ref;       /* index into expr->refs for N_REF */
    int height;    /* 1 for a leaf */
    int column;    /* 1-based column of the node's token */
    double num;    /* N_NUM value */
    char *str;     /* N_STR text, owned */
};

struct expr {
    struct node *nodes; /* owned; count used */
    size_t count, cap;
    int *args; /* owned; call arguments, node indexes */
    size_t arg_count, arg_cap;
    struct expr_ref *refs; /* owned */
    size_t ref_count, ref_cap;
    int root;
};

/* ---- parser ---- */

struct parser {
    const char *s;
    size_t len;
    size_t pos;
    int depth;
    struct expr *e;
    struct err *err;
};

static int perr(struct parser *p, size_t at, int code, const char *what)
{
    return err_set(p->err, code, "column %zu: %s", at + 1, what);
}

static void skip_space(struct parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r')) {
        p->pos++;
    }
}

/* True (and consumed) if the next token is the literal tok. */
static bool accept(struct parser *p, const char *tok)
{
    size_t n = strlen(tok);

    skip_space(p);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, tok, n) == 0) {
        p->pos += n;
        return true;
    }
    return false;
}

static int new_node(struct parser *p, int kind, size_t at, int *out)
{
    struct expr *e = p->e;
    struct node *n;

    if (e->count >= MAX_EXPR_NODES) {
        return perr(p, at, ERR_LIMIT, "expression has too many parts");
    }
    if (e->count == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->nodes = xreallocarray(e->nodes, e->cap, sizeof(*e->nodes));
    }
    n = &e->nodes[e->count];
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->height = 1;
    n->column = (int)(at + 1);
    *out = (int)e->count++;
    return 0;
}

static int set_height(struct parser *p, int idx, int h, size_t at)
{
    if (h > MAX_EXPR_DEPTH) {
        return perr(p, at, ERR_LIMIT, "expression nested too deeply");
    }
    p->e->nodes[idx].height = h;
    return 0;
}

static int make_binary(struct parser *p, int op, int a, int b, size_t at,
                       int *out)
{
    int idx;
    int rc = new_node(p, N_BINARY, at, &idx);
    struct node *n;
    int ha;
    int hb;

    if (rc != 0) {
        return rc;
    }
    n = &p->e->nodes[idx];
    n->op = op;
    n->a = a;
    n->b = b;
    ha = p->e->nodes[a].height;
    hb = p->e->nodes[b].height;
    *out = idx;
    return set_height(p, idx, 1 + (ha > hb ? ha : hb), at);
}

static int parse_or(struct parser *p, int *out);

static bool is_ident_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static bool is_code_char(char c)
{
    return is_ident_char(c) || c == '$' || c == '-';
}

/* Read a NAME (plain or backquoted) into an owned string. */
static int parse_name(struct parser *p, char **out)
{
    size_t start;

    skip_space(p);
    start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '`') {
        const char *q = memchr(p->s + p->pos + 1, '`', p->len - p->pos - 1);
        if (q == NULL) {
            return perr(p, start, ERR_PARSE, "unterminated `name`");
        }
        if (q == p->s + p->pos + 1) {
            return perr(p, start, ERR_PARSE, "empty `name`");
        }
        *out = xstrndup(p->s + start + 1, (size_t)(q - p->s) - start - 1);
        p->pos = (size_t)(q - p->s) + 1;
        return 0;
    }
    if (p->pos >= p->len || !is_ident_start(p->s[p->pos])) {
        return perr(p, start, ERR_PARSE, "expected a name");
    }
    while (p->pos < p->len && is_ident_char(p->s[p->pos])) {
        p->pos++;
    }
    *out = xstrndup(p->s + start, p->pos - start);
    return 0;
}

/* Read a double-quoted string with \" and \\ escapes into an owned
 * string; p->pos is at the opening quote. */
static int parse_string(struct parser *p, char **out)
{
    size_t start = p->pos;
    struct buf b;

    buf_init(&b);
    p->pos++;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        char c = p->s[p->pos];
        if (c == '\\' && p->pos + 1 < p->len &&
            (p->s[p->pos + 1] == '"' || p->s[p->pos + 1] == '\\')) {
            p->pos++;
            c = p->s[p->pos];
        }
        buf_putc(&b, c);
        p->pos++;
    }
    if (p->pos >= p->len) {
        buf_cleanup(&b);
        return perr(p, start, ERR_PARSE, "unterminated string");
    }
    p->pos++;
    *out = b.data ? buf_detach(&b) : xstrdup("");
    buf_cleanup(&b);
    return 0;
}

static int parse_number(struct parser *p, int *out)
{
    size_t start = p->pos;
    const char *s = p->s;
    double v;
    int rc;

    while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9') {
        p->pos++;
    }
    if (p->pos < p->len && s[p->pos] == '.') {
        p->pos++;
        while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9') {
            p->pos++;
        }
    }
    if (p->pos < p->len && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        size_t save = p->pos++;
        if (p->pos < p->len && (s[p->pos] == '+' || s[p->pos] == '-')) {
            p->pos++;
        }
        if (p->pos >= p->len || s[p->pos] < '0' || s[p->pos] > '9') {
            p->pos = save;
        }
        while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9') {
            p->pos++;
        }
    }
    if (!parse_double_fast(s + start, p->pos - start, &v)) {
        return perr(p, start, ERR_PARSE, "bad number");
    }
    rc = new_node(p, N_NUM, start, out);
    if (rc == 0) {
        p->e->nodes[*out].num = v;
    }
    return rc;
}

static struct expr_ref *new_ref(struct expr *e)
{
    struct expr_ref *r;

    if (e->ref_count == e->ref_cap) {
        e->ref_cap = e->ref_cap ? e->ref_cap * 2 : 8;
        e->refs = xreallocarray(e->refs, e->ref_cap, sizeof(*e->refs));
    }
    r = &e->refs[e->ref_count++];
    memset(r, 0, sizeof(*r));
    return r;
}

/* VALUE after "dim=": a code or a quoted string. */
static int parse_dim_value(struct parser *p, char **out)
{
    size_t start;

    skip_space(p);
    start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '"') {
        return parse_string(p, out);
    }
    while (p->pos < p->len && is_code_char(p->s[p->pos])) {
        p->pos++;
    }
    if (p->pos == start) {
        return perr(p, start, ERR_PARSE, "expected a dimension value");
    }
    *out = xstrndup(p->s + start, p->pos - start);
    return 0;
}

static int parse_selector(struct parser *p, struct expr_ref *r)
{
    int rc;

    do {
        struct expr_dim *d;
        skip_space(p);
        if (r->dim_count >= MAX_DIMS) {
            return perr(p, p->pos, ERR_LIMIT, "too many dimensions");
        }
        d = &r->dims[r->dim_count];
        rc = parse_name(p, &d->dim);
        if (rc != 0) {
            return rc;
        }
        r->dim_count++;
        if (!accept(p, "=")) {
            return perr(p, p->pos, ERR_PARSE, "expected '='");
        }
        rc = parse_dim_value(p, &d->value);
        if (rc != 0) {
            return rc;
        }
    } while (accept(p, ","));
    if (!accept(p, "]")) {
        return perr(p, p->pos, ERR_PARSE, "expected ']'");
    }
    return 0;
}

static int parse_offset(struct parser *p, struct expr_ref *r)
{
    size_t start;
    int64_t v;
    struct err tmp;

    skip_space(p);
    start = p->pos;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) {
        p->pos++;
    }
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        p->pos++;
    }
    if (parse_int64(p->s + start, p->pos - start, -(YEAR_MAX - YEAR_MIN),
                    YEAR_MAX - YEAR_MIN, &v, &tmp) != 0) {
        return perr(p, start, ERR_PARSE, "expected a year offset like @-1");
    }
    r->offset = (int)v;
    return 0;
}

/* NAME [selector] [@offset], NAME already read into name (taken). */
static int parse_ref(struct parser *p, char *name, size_t at, int *out)
{
    struct expr_ref *r = new_ref(p->e);
    int rc;

    r->name = name;
    r->column = (int)(at + 1);
    if (accept(p, "[")) {
        rc = parse_selector(p, r);
        if (rc != 0) {
            return rc;
        }
    }
    if (accept(p, "@")) {
        rc = parse_offset(p, r);
        if (rc != 0) {
            return rc;
        }
    }
    rc = new_node(p, N_REF, at, out);
    if (rc == 0) {
        p->e->nodes[*out].ref = (int)(p->e->ref_count - 1);
    }
    return rc;
}

static const struct fn_info *find_function(const char *name)
{
    for (size_t i = 0; i < ARRAY_COUNT(functions); i++) {
        if (strcmp(functions[i].name, name) == 0) {
            return &functions[i];
        }
    }
    return NULL;
}

static void push_arg(struct expr *e, int node)
{
    if (e->arg_count == e->arg_cap) {
        e->arg_cap = e->arg_cap ? e->arg_cap * 2 : 8;
        e->args = xreallocarray(e->args, e->arg_cap, sizeof(*e->args));
    }
    e->args[e->arg_count++] = node;
}

/* Arguments after "name(": collected on a local list first, because nested
 * calls append their own arguments to e->args meanwhile. */
static int parse_call(struct parser *p, const char *name, size_t at, int *out)
{
    const struct fn_info *f = find_function(name);
    int list[MAX_EXPR_DEPTH];
    int n = 0;
    int h = 0;
    int rc;

    if (f == NULL) {
        return err_set(p->err, ERR_INVALID, "column %zu: unknown function '%s'",
                       at + 1, name);
    }
    if (!accept(p, ")")) {
        do {
            int a;
            if (n >= MAX_EXPR_DEPTH) {
                return perr(p, p->pos, ERR_LIMIT, "too many arguments");
            }
            rc = parse_or(p, &a);
            if (rc != 0) {
                return rc;
            }
            list[n++] = a;
            if (p->e->nodes[a].height > h) {
                h = p->e->nodes[a].height;
            }
        } while (accept(p, ","));
        if (!accept(p, ")")) {
            return perr(p, p->pos, ERR_PARSE, "expected ')'");
        }
    }
    if (n < f->min_args || (f->max_args >= 0 && n > f->max_args)) {
        const char *want = f->max_args < 0             ? "at least %d"
                           : f->max_args > f->min_args ? "%d or 2"
                                                       : "%d";
        char what[32];
        snprintf(what, sizeof(what), want, f->min_args);
        return err_set(p->err, ERR_INVALID,
                       "column %zu: %s() takes %s argument%s, not %d", at + 1,
                       name, what,
                       f->min_args == 1 && f->max_args == 1 ? "" : "s", n);
    }
    rc = new_node(p, N_CALL, at, out);
    if (rc != 0) {
        return rc;
    }
    p->e->nodes[*out].op = f->fn;
    p->e->nodes[*out].first_arg = (int)p->e->arg_count;
    p->e->nodes[*out].nargs = n;
    for (int i = 0; i < n; i++) {
        push_arg(p->e, list[i]);
    }
    return set_height(p, *out, h + 1, at);
}

static int parse_primary(struct parser *p, int *out)
{
    size_t at;
    char c;
    char *name = NULL;
    int rc;

    skip_space(p);
    at = p->pos;
    if (at >= p->len) {
        return perr(p, at, ERR_PARSE, "unexpected end of expression");
    }
    c = p->s[at];
    if ((c >= '0' && c <= '9') || c == '.') {
        return parse_number(p, out);
    }
    if (c == '"') {
        rc = parse_string(p, &name);
        if (rc != 0) {
            return rc;
        }
        rc = new_node(p, N_STR, at, out);
        if (rc != 0) {
            xfree(name);
            return rc;
        }
        p->e->nodes[*out].str = name;
        return 0;
    }
    if (c == '(') {
        p->pos++;
        rc = parse_or(p, out);
        if (rc != 0) {
            return rc;
        }
        if (!accept(p, ")")) {
            return perr(p, p->pos, ERR_PARSE, "expected ')'");
        }
        return 0;
    }
    if (c != '`' && !is_ident_start(c)) {
        return perr(p, at, ERR_PARSE, "expected a number, name or '('");
    }
    rc = parse_name(p, &name);
    if (rc != 0) {
        return rc;
    }
    if (c != '`' && p->pos < p->len && p->s[p->pos] == '(') {
        p->pos++;
        rc = parse_call(p, name, at, out);
        xfree(name);
        return rc;
    }
    return parse_ref(p, name, at, out);
}

static int parse_unary(struct parser *p, int *out);

static int parse_power(struct parser *p, int *out)
{
    int a;
    int b;
    size_t at;
    int rc = parse_primary(p, &a);

    if (rc != 0) {
        return rc;
    }
    skip_space(p);
    at = p->pos;
    if (!accept(p, "^")) {
        *out = a;
        return 0;
    }
    rc = parse_unary(p, &b);
    if (rc != 0) {
        return rc;
    }
    return make_binary(p, OP_POW, a, b, at, out);
}

static int parse_unary(struct parser *p, int *out)
{
    size_t at;
    int op;
    int a;
    int rc;

    skip_space(p);
    at = p->pos;
    if (at < p->len && p->s[at] == '-') {
        op = OP_NEG;
    } else if (at < p->len && p->s[at] == '!' &&
               !(at + 1 < p->len && p->s[at + 1] == '=')) {
        op = OP_NOT;
    } else {
        return parse_power(p, out);
    }
    p->pos++;
    if (++p->depth > MAX_EXPR_DEPTH) {
        return perr(p, at, ERR_LIMIT, "expression nested too deeply");
    }
    rc = parse_unary(p, &a);
    p->depth--;
    if (rc != 0) {
        return rc;
    }
    rc = new_node(p, N_UNARY, at, out);
    if (rc != 0) {
        return rc;
    }
    p->e->nodes[*out].op = op;
    p->e->nodes[*out].a = a;
    return set_height(p, *out, p->e->nodes[a].height + 1, at);
}

struct binop {
    const char *tok;
    int op;
};

/* One left-associative level: sub (ops sub)*. */
static int parse_level(struct parser *p, const struct binop *ops, size_t nops,
                       int (*sub)(struct parser *, int *), int *out)
{
    int a;
    int rc = sub(p, &a);

    while (rc == 0) {
        size_t i;
        size_t at;
        int b;

        skip_space(p);
        at = p->pos;
        for (i = 0; i < nops; i++) {
            if (accept(p, ops[i].tok)) {
                break;
            }
        }
        if (i == nops) {
            *out = a;
            return 0;
        }
        rc = sub(p, &b);
        if (rc == 0) {
            rc = make_binary(p, ops[i].op, a, b, at, &a);
        }
    }
    return rc;
}

static int parse_prod(struct parser *p, int *out)
{
    static const struct binop ops[] = {{"*", OP_MUL}, {"/", OP_DIV}};
    return parse_level(p, ops, ARRAY_COUNT(ops), parse_unary, out);
}

static int parse_sum(struct parser *p, int *out)
{
    static const struct binop ops[] = {{"+", OP_ADD}, {"-", OP_SUB}};
    return parse_level(p, ops, ARRAY_COUNT(ops), parse_prod, out);
}

static const struct binop cmp_ops[] = {
    {"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE},
    {">=", OP_GE}, {"<", OP_LT},  {">", OP_GT},
};

static int parse_cmp(struct parser *p, int *out)
{
    int a;
    int rc = parse_sum(p, &a);

    for (int round = 0; rc == 0; round++) {
        size_t i;
        size_t at;
        int b;

        skip_space(p);
        at = p->pos;
        for (i = 0; i < ARRAY_COUNT(cmp_ops); i++) {
            if (accept(p, cmp_ops[i].tok)) {
                break;
            }
        }
        if (i == ARRAY_COUNT(cmp_ops)) {
            *out = a;
            return 0;
        }
        if (round > 0) {
            return perr(p, at, ERR_PARSE, "comparisons do not chain; use &&");
        }
        rc = parse_sum(p, &b);
        if (rc == 0) {
            rc = make_binary(p, cmp_ops[i].op, a, b, at, &a);
        }
    }
    return rc;
}

static int parse_and(struct parser *p, int *out)
{
    static const struct binop ops[] = {{"&&", OP_AND}};
    return parse_level(p, ops, ARRAY_COUNT(ops), parse_cmp, out);
}

static int parse_or(struct parser *p, int *out)
{
    static const struct binop ops[] = {{"||", OP_OR}};
    size_t at = p->pos;
    int rc;

    if (++p->depth > MAX_EXPR_DEPTH) {
        return perr(p, at, ERR_LIMIT, "expression nested too deeply");
    }
    rc = parse_level(p, ops, ARRAY_COUNT(ops), parse_and, out);
    p->depth--;
    return rc;
}

struct expr *expr_parse(const char *text, size_t len, struct err *err)
{
    struct parser p = {text, len, 0, 0, NULL, err};
    int rc;

    if (len > MAX_EXPR_LEN) {
        err_set(err, ERR_LIMIT, "expression longer than %d bytes",
                MAX_EXPR_LEN);
        return NULL;
    }
    if (len > 0 && memchr(text, '\0', len) != NULL) {
        err_set(err, ERR_PARSE, "column %zu: NUL byte in expression",
                (size_t)((const char *)memchr(text, '\0', len) - text) + 1);
        return NULL;
    }
    p.e = xcalloc(1, sizeof(*p.e));
    rc = parse_or(&p, &p.e->root);
    if (rc == 0) {
        skip_space(&p);
        if (p.pos < len) {
            rc = perr(&p, p.pos, ERR_PARSE,
                      text[p.pos] == ')' ? "unmatched ')'"
                                         : "unexpected text after expression");
        }
    }
    if (rc != 0) {
        expr_free(p.e);
        return NULL;
    }
    return p.e;
}

void expr_free(struct expr *e)
{
    if (e == NULL) {
        return;
    }
    for (size_t i = 0; i < e->count; i++) {
        xfree(e->nodes[i].str);
    }
    for (size_t i = 0; i < e->ref_count; i++) {
        xfree(e->refs[i].name);
        for (int d = 0; d < e->refs[i].dim_count; d++) {
            xfree(e->refs[i].dims[d].dim);
            xfree(e->refs[i].dims[d].value);
        }
    }
    xfree(e->nodes);
    xfree(e->args);
    xfree(e->refs);
    xfree(e);
}

const struct expr_ref *expr_refs(const struct expr *e, size_t *out_count)
{
    *out_count = e->ref_count;
    return e->refs;
}

/* ---- printing ---- */

enum {
    PREC_OR = 1,
    PREC_AND,
    PREC_CMP,
    PREC_SUM,
    PREC_PROD,
    PREC_UNARY,
    PREC_POW,
    PREC_PRIMARY
};

static const char *op_text(int op)
{
    static const char *const text[] = {"-",  "!", "+",  "-",  "*",
                                       "/",  "^", "==", "!=", "<",
                                       "<=", ">", ">=", "&&", "||"};
    return text[op];
}

static int op_prec(int op)
{
    switch (op) {
    case OP_OR:
        return PREC_OR;
    case OP_AND:
        return PREC_AND;
    case OP_ADD:
    case OP_SUB:
        return PREC_SUM;
    case OP_MUL:
    case OP_DIV:
        return PREC_PROD;
    case OP_POW:
        return PREC_POW;
    default:
        return PREC_CMP;
    }
}

static int node_prec(const struct node *n)
{
    if (n->kind == N_BINARY) {
        return op_prec(n->op);
    }
    if (n->kind == N_UNARY) {
        return PREC_UNARY;
    }
    return PREC_PRIMARY;
}

static bool plain_name(const char *s, bool code)
{
    if (s[0] == '\0' || (!code && !is_ident_start(s[0]))) {
        return false;
    }
    for (const char *c = s; *c; c++) {
        if (code ? !is_code_char(*c) : !is_ident_char(*c)) {
            return false;
        }
    }
    return true;
}

static void print_string(struct buf *out, const char *s)
{
    buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            buf_putc(out, '\\');
        }
        buf_putc(out, *s);
    }
    buf_putc(out, '"');
}

static void print_name(struct buf *out, const char *s)
{
    if (plain_name(s, false)) {
        buf_puts(out, s);
    } else {
        buf_putc(out, '`');
        buf_puts(out, s);
        buf_putc(out, '`');
    }
}

static void print_ref(struct buf *out, const struct expr_ref *r)
{
    print_name(out, r->name);
    if (r->dim_count > 0) {
        buf_putc(out, '[');
        for (int i = 0; i < r->dim_count; i++) {
            if (i > 0) {
                buf_putc(out, ',');
            }
            print_name(out, r->dims[i].dim);
            buf_putc(out, '=');
            if (plain_name(r->dims[i].value, true)) {
                buf_puts(out, r->dims[i].value);
            } else {
                print_string(out, r->dims[i].value);
            }
        }
        buf_putc(out, ']');
    }
    if (r->offset != 0) {
        buf_printf(out, "@%+d", r->offset);
    }
}

static void print_node(const struct expr *e, int idx, int min_prec,
                       struct buf *out);

static void print_inner(const struct expr *e, const struct node *n,
                        struct buf *out)
{
    switch (n->kind) {
    case N_NUM:
        buf_put_double(out, n->num);
        break;
    case N_STR:
        print_string(out, n->str);
        break;
    case N_REF:
        print_ref(out, &e->refs[n->ref]);
        break;
    case N_UNARY:
        buf_puts(out, op_text(n->op));
        print_node(e, n->a, PREC_UNARY, out);
        break;
    case N_BINARY: {
        int prec = op_prec(n->op);
        bool right = n->op == OP_POW;
        /* Comparisons do not chain, so a comparison operand of a
         * comparison needs parentheses on the left too. */
        print_node(e, n->a,
                   right ? PREC_PRIMARY : (prec == PREC_CMP ? prec + 1 : prec),
                   out);
        if (n->op == OP_POW) {
            buf_puts(out, "^");
        } else {
            buf_printf(out, " %s ", op_text(n->op));
        }
        print_node(e, n->b, right ? PREC_UNARY : prec + 1, out);
        break;
    }
    default:
        for (size_t i = 0; i < ARRAY_COUNT(functions); i++) {
            if (functions[i].fn == n->op) {
                buf_puts(out, functions[i].name);
            }
        }
        buf_putc(out, '(');
        for (int i = 0; i < n->nargs; i++) {
            if (i > 0) {
                buf_puts(out, ", ");
            }
            print_node(e, e->args[n->first_arg + i], PREC_OR, out);
        }
        buf_putc(out, ')');
        break;
    }
}

static void print_node(const struct expr *e, int idx, int min_prec,
                       struct buf *out)
{
    const struct node *n = &e->nodes[idx];
    bool paren = node_prec(n) < min_prec;

    if (paren) {
        buf_putc(out, '(');
    }
    print_inner(e, n, out);
    if (paren) {
        buf_putc(out, ')');
    }
}

void expr_print(const struct expr *e, struct buf *out)
{
    print_node(e, e->root, PREC_OR, out);
}

/* ---- compiler ---- */

enum insn_op {
    I_CONST,
    I_LOAD,
    I_NEG,
    I_NOT,
    I_ADD,
    I_SUB,
    I_MUL,
    I_DIV,
    I_POW,
    I_EQ,
    I_NE,
    I_LT,
    I_LE,
    I_GT,
    I_GE,
    I_AND_JUMP, /* top false: make it 0 and jump to a */
    I_AND,
    I_OR_JUMP, /* top true: make it 1 and jump to a */
    I_OR,
    I_IF,       /* pop c: missing → push NaN, jump b; false → jump a */
    I_JUMP,     /* jump to a */
    I_COALESCE, /* top present: jump to a; else pop */
    I_ABS,
    I_SQRT,
    I_EXP,
    I_LOG,
    I_ROUND, /* a = 1 or 2 arguments */
    I_MIN,   /* a arguments */
    I_MAX,
    I_SUM,
    I_MEAN,
    I_COUNT,
};

struct insn {
    uint32_t op;
    uint32_t a;
    uint32_t b;
    double k;
};

struct expr_prog {
    struct insn *code; /* owned; count used */
    size_t count, cap;
    size_t *slots; /* owned; one per reference */
    size_t slot_count;
    size_t depth, max_depth; /* stack use while compiling / needed */
    double *stack;           /* owned; max_depth doubles */
};

struct compiler {
    const struct expr *e;
    const struct expr_resolver *r;
    struct expr_prog *prog;
    struct err *err;
};

static int emit(struct compiler *c, uint32_t op, uint32_t a, double k,
                int stack_change)
{
    struct expr_prog *p = c->prog;

    if (p->count >= MAX_EXPR_NODES) {
        return err_set(c->err, ERR_LIMIT, "expression too large to compile");
    }
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 32;
        p->code = xreallocarray(p->code, p->cap, sizeof(*p->code));
    }
    p->code[p->count].op = op;
    p->code[p->count].a = a;
    p->code[p->count].b = 0;
    p->code[p->count].k = k;
    p->count++;
    p->depth = (size_t)((long)p->depth + stack_change);
    if (p->depth > p->max_depth) {
        p->max_depth = p->depth;
    }
    return 0;
}

static int compile_node(struct compiler *c, int idx);

static bool is_ordering(int op)
{
    return op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

static int compile_leaf(struct compiler *c, const struct node *n)
{
    double v;
    size_t slot;
    int rc;

    if (n->kind == N_NUM) {
        return emit(c, I_CONST, 0, n->num, 1);
    }
    if (n->kind == N_STR) {
        if (c->r->string == NULL) {
            return err_set(c->err, ERR_INVALID,
                           "column %d: text \"%s\" is not allowed here",
                           n->column, n->str);
        }
        rc = c->r->string(c->r->ctx, n->str, &v, c->err);
        if (rc != 0) {
            return err_prefix(c->err, "column %d", n->column);
        }
        return emit(c, I_CONST, 0, v, 1);
    }
    rc = c->r->resolve(c->r->ctx, &c->e->refs[n->ref], &slot, c->err);
    if (rc != 0) {
        return err_prefix(c->err, "column %d", n->column);
    }
    if (slot >= c->r->slot_count) {
        return err_set(c->err, ERR_INTERNAL, "column %d: slot out of range",
                       n->column);
    }
    c->prog->slots[n->ref] = slot;
    return emit(c, I_LOAD, (uint32_t)slot, 0, 1);
}

/* Patch the jump target of the instruction at at to the current end. */
static void patch(struct compiler *c, size_t at, bool second)
{
    if (second) {
        c->prog->code[at].b = (uint32_t)c->prog->count;
    } else {
        c->prog->code[at].a = (uint32_t)c->prog->count;
    }
}

static int compile_logic(struct compiler *c, const struct node *n)
{
    bool is_and = n->op == OP_AND;
    size_t jump;
    int rc = compile_node(c, n->a);

    if (rc == 0) {
        jump = c->prog->count;
        rc = emit(c, is_and ? I_AND_JUMP : I_OR_JUMP, 0, 0, 0);
    }
    if (rc == 0) {
        rc = compile_node(c, n->b);
    }
    if (rc == 0) {
        rc = emit(c, is_and ? I_AND : I_OR, 0, 0, -1);
    }
    if (rc == 0) {
        patch(c, jump, false);
    }
    return rc;
}

static int compile_if(struct compiler *c, const int *args)
{
    size_t cond;
    size_t skip;
    int rc = compile_node(c, args[0]);

    if (rc != 0) {
        return rc;
    }
    cond = c->prog->count;
    rc = emit(c, I_IF, 0, 0, -1);
    if (rc == 0) {
        rc = compile_node(c, args[1]);
    }
    if (rc != 0) {
        return rc;
    }
    skip = c->prog->count;
    rc = emit(c, I_JUMP, 0, 0, -1);
    if (rc == 0) {
        patch(c, cond, false);
        rc = compile_node(c, args[2]);
    }
    if (rc == 0) {
        patch(c, skip, false);
        patch(c, cond, true);
    }
    return rc;
}

static int compile_coalesce(struct compiler *c, const int *args, int n)
{
    size_t jumps[MAX_EXPR_DEPTH];
    int rc = 0;

    for (int i = 0; i < n && rc == 0; i++) {
        rc = compile_node(c, args[i]);
        if (rc == 0 && i + 1 < n) {
            jumps[i] = c->prog->count;
            rc = emit(c, I_COALESCE, 0, 0, -1);
        }
    }
    for (int i = 0; i + 1 < n && rc == 0; i++) {
        patch(c, jumps[i], false);
    }
    return rc;
}

static int compile_call(struct compiler *c, const struct node *n)
{
    static const uint32_t ops[] = {
        [FN_MIN] = I_MIN,     [FN_MAX] = I_MAX, [FN_ABS] = I_ABS,
        [FN_ROUND] = I_ROUND, [FN_LOG] = I_LOG, [FN_EXP] = I_EXP,
        [FN_SQRT] = I_SQRT,   [FN_SUM] = I_SUM, [FN_MEAN] = I_MEAN,
        [FN_COUNT] = I_COUNT,
    };
    const int *args = &c->e->args[n->first_arg];
    int rc = 0;

    if (n->op == FN_IF) {
        return compile_if(c, args);
    }
    if (n->op == FN_COALESCE) {
        return compile_coalesce(c, args, n->nargs);
    }
    for (int i = 0; i < n->nargs && rc == 0; i++) {
        rc = compile_node(c, args[i]);
    }
    if (rc != 0) {
        return rc;
    }
    return emit(c, ops[n->op], (uint32_t)n->nargs, 0, 1 - n->nargs);
}

static int compile_node(struct compiler *c, int idx)
{
    const struct node *n = &c->e->nodes[idx];
    int rc;

    switch (n->kind) {
    case N_UNARY:
        rc = compile_node(c, n->a);
        if (rc != 0) {
            return rc;
        }
        return emit(c, n->op == OP_NEG ? I_NEG : I_NOT, 0, 0, 0);
    case N_BINARY:
        if (n->op == OP_AND || n->op == OP_OR) {
            return compile_logic(c, n);
        }
        if (is_ordering(n->op) && (c->e->nodes[n->a].kind == N_STR ||
                                   c->e->nodes[n->b].kind == N_STR)) {
            /* Text maps to a code number whose order means nothing. */
            return err_set(c->err, ERR_INVALID,
                           "column %d: text can only be compared with == "
                           "or !=",
                           n->column);
        }
        rc = compile_node(c, n->a);
        if (rc == 0) {
            rc = compile_node(c, n->b);
        }
        if (rc != 0) {
            return rc;
        }
        return emit(c, I_ADD + (uint32_t)(n->op - OP_ADD), 0, 0, -1);
    case N_CALL:
        return compile_call(c, n);
    default:
        return compile_leaf(c, n);
    }
}

struct expr_prog *expr_compile(const struct expr *e,
                               const struct expr_resolver *r, struct err *err)
{
    struct expr_prog *p = xcalloc(1, sizeof(*p));
    struct compiler c = {e, r, p, err};

    p->slot_count = e->ref_count;
    p->slots = xcalloc(e->ref_count ? e->ref_count : 1, sizeof(*p->slots));
    if (compile_node(&c, e->root) != 0) {
        expr_prog_free(p);
        return NULL;
    }
    p->stack = xcalloc(p->max_depth + 1, sizeof(*p->stack));
    return p;
}

void expr_prog_free(struct expr_prog *p)
{
    if (p == NULL) {
        return;
    }
    xfree(p->code);
    xfree(p->slots);
    xfree(p->stack);
    xfree(p);
}

const size_t *expr_prog_slots(const struct expr_prog *p, size_t *out_count)
{
    *out_count = p->slot_count;
    return p->slots;
}

size_t expr_prog_stack_size(const struct expr_prog *p)
{
    return p->max_depth + 1;
}

/* ---- evaluator ---- */

int expr_truth(double v)
{
    if (isnan(v)) {
        return -1;
    }
    return v != 0.0;
}

static double fin(double v)
{
    return isfinite(v) ? v : NAN;
}

static double cmp(double a, double b, uint32_t op)
{
    bool r;

    if (isnan(a) || isnan(b)) {
        return NAN;
    }
    switch (op) {
    case I_EQ:
        r = a == b;
        break;
    case I_NE:
        r = a != b;
        break;
    case I_LT:
        r = a < b;
        break;
    case I_LE:
        r = a <= b;
        break;
    case I_GT:
        r = a > b;
        break;
    default:
        r = a >= b;
        break;
    }
    return r ? 1.0 : 0.0;
}

static double arith(double a, double b, uint32_t op)
{
    switch (op) {
    case I_ADD:
        return fin(a + b);
    case I_SUB:
        return fin(a - b);
    case I_MUL:
        return fin(a * b);
    case I_DIV:
        return fin(a / b);
    case I_POW:
        return fin(pow(a, b));
    default:
        return cmp(a, b, op);
    }
}

static double round_digits(double x, double digits)
{
    double scale;
    double r;

    if (isnan(x) || isnan(digits) || digits != floor(digits) ||
        fabs(digits) > 15) {
        return NAN;
    }
    scale = pow(10.0, digits);
    r = round(x * scale) / scale;
    return isfinite(r) ? r : x;
}

/* Variadic functions over the n values at sp[0..n). */
static double variadic(uint32_t op, const double *v, uint32_t n)
{
    double acc = op == I_SUM || op == I_MEAN ? 0.0 : v[0];
    uint32_t present = 0;

    for (uint32_t i = 0; i < n; i++) {
        if (isnan(v[i])) {
            if (op != I_COUNT) {
                return NAN;
            }
            continue;
        }
        present++;
        if (op == I_MIN && v[i] < acc) {
            acc = v[i];
        } else if (op == I_MAX && v[i] > acc) {
            acc = v[i];
        } else if (op == I_SUM || op == I_MEAN) {
            acc += v[i];
        }
    }
    if (op == I_COUNT) {
        return (double)present;
    }
    return fin(op == I_MEAN ? acc / n : acc);
}

static double unary_fn(uint32_t op, double x)
{
    switch (op) {
    case I_NEG:
        return -x;
    case I_NOT:
        return isnan(x) ? NAN : (x == 0.0 ? 1.0 : 0.0);
    case I_ABS:
        return fabs(x);
    case I_SQRT:
        return fin(sqrt(x));
    case I_EXP:
        return fin(exp(x));
    default:
        return fin(log(x));
    }
}

double expr_eval_stack(const struct expr_prog *p, const double *slots,
                       double *stack)
{
    const struct insn *code = p->code;
    size_t pc = 0;
    size_t sp = 0; /* stack[sp - 1] is the top */

    while (pc < p->count) {
        const struct insn *in = &code[pc++];
        double t;

        switch (in->op) {
        case I_CONST:
            stack[sp++] = in->k;
            break;
        case I_LOAD:
            stack[sp++] = slots[in->a];
            break;
        case I_NEG:
        case I_NOT:
        case I_ABS:
        case I_SQRT:
        case I_EXP:
        case I_LOG:
            stack[sp - 1] = unary_fn(in->op, stack[sp - 1]);
            break;
        case I_AND_JUMP:
            if (stack[sp - 1] == 0.0) {
                stack[sp - 1] = 0.0; /* -0 is false too; answer 0 */
                pc = in->a;
            }
            break;
        case I_OR_JUMP:
            t = stack[sp - 1];
            if (!isnan(t) && t != 0.0) {
                stack[sp - 1] = 1.0;
                pc = in->a;
            }
            break;
        case I_AND:
        case I_OR: {
            double b = stack[--sp];
            double a = stack[sp - 1];
            double decisive = in->op == I_AND ? 0.0 : 1.0;
            if (!isnan(b) && (b != 0.0) == (decisive != 0.0)) {
                stack[sp - 1] = decisive;
            } else if (isnan(a) || isnan(b)) {
                stack[sp - 1] = NAN;
            } else {
                stack[sp - 1] = 1.0 - decisive;
            }
            break;
        }
        case I_IF:
            t = stack[--sp];
            if (isnan(t)) {
                stack[sp++] = NAN;
                pc = in->b;
            } else if (t == 0.0) {
                pc = in->a;
            }
            break;
        case I_JUMP:
            pc = in->a;
            break;
        case I_COALESCE:
            if (!isnan(stack[sp - 1])) {
                pc = in->a;
            } else {
                sp--;
            }
            break;
        case I_ROUND:
            if (in->a == 2) {
                sp--;
                stack[sp - 1] = round_digits(stack[sp - 1], stack[sp]);
            } else {
                stack[sp - 1] = round_digits(stack[sp - 1], 0.0);
            }
            break;
        case I_MIN:
        case I_MAX:
        case I_SUM:
        case I_MEAN:
        case I_COUNT:
            sp -= in->a;
            stack[sp] = variadic(in->op, &stack[sp], in->a);
            sp++;
            break;
        default: {
            double b = stack[--sp];
            stack[sp - 1] = arith(stack[sp - 1], b, in->op);
            break;
        }
        }
    }
    return stack[0];
}

double expr_eval(struct expr_prog *p, const double *slots)
{
    return expr_eval_stack(p, slots, p->stack);
}
