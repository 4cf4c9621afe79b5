/*
 * The contract register (contract_register.h): parses the register file of
 * docs/contract-register.md into linked builder records, checks the
 * references between sections, then freezes everything into sorted arrays in
 * one arena. Every problem of the file is collected as "file:line: text"; any
 * problem refuses the whole register, so a reload keeps the previous one.
 */
#include "contract_register.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/arena.h"
#include "gw/conftext.h"

#define S_MAX_FILE                                                                                 \
    (16u * 1024u * 1024u) /* a register or gemeente list larger than this is refused */
#define S_MAX_VALUE 4096  /* longest value of one key */
#define S_ECHO      48    /* longest piece of input quoted in an error */

/* ------------------------------------------------------------------ static tables ---- */

const gw_cr_rule_info_t gw_cr_rules[GW_CR_NRULES] = {
    [GW_CR_TR378] = {"TR378", "S300", GW_SEV_REJECT,
                     GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M319 | GW_M323,
                     "gemeentecode in the CBS gemeente list on the date"},
    [GW_CR_TR381] = {"TR381", "S329", GW_SEV_REJECT,
                     GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M323,
                     "ProductCode in the product code list with this ProductCategorie"},
    [GW_CR_TR418] = {"TR418", "0611", GW_SEV_REJECT, GW_M323,
                     "ProductTarief equals the contract tariff"},
    [GW_CR_PRODUCT] = {"CR-PRODUCT", "0001", GW_SEV_WARN,
                       GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M323,
                       "the product resolves to a segment of the region"},
    [GW_CR_NIET_GECONTRACTEERD] = {"CR-NIET-GECONTRACTEERD", "0001", GW_SEV_WARN,
                                   GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M323,
                                   "the product is contracted (not 'gecontracteerd = nee')"},
    [GW_CR_CONTRACT] = {"CR-CONTRACT", "0001", GW_SEV_REJECT,
                        GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M323,
                        "the aanbieder is contracted for the product's segment on the date"},
    [GW_CR_BEKOSTIGING] = {"CR-BEKOSTIGING", "0001", GW_SEV_REJECT, GW_M323,
                           "no per-client declaratie for a taakgericht product"},
    [GW_CR_TAAKGERICHT] = {"CR-TAAKGERICHT", "0001", GW_SEV_OFF, GW_M301 | GW_M315 | GW_M317,
                           "no per-client toewijzing or verzoek for a taakgericht product"},
    [GW_CR_EENHEID] = {"CR-EENHEID", "0001", GW_SEV_REJECT, GW_M301 | GW_M315 | GW_M317 | GW_M323,
                       "the Eenheid fits the product's bekostiging"},
    [GW_CR_FREQUENTIE] = {"CR-FREQUENTIE", "0001", GW_SEV_REJECT, GW_M301 | GW_M315 | GW_M317,
                          "the Frequentie is one the product allows"},
    [GW_CR_DUUR] = {"CR-DUUR", "0001", GW_SEV_WARN, GW_M301 | GW_M315 | GW_M317,
                    "the period is within the product's maximum duration"},
    [GW_CR_LEEFTIJD] = {"CR-LEEFTIJD", "0001", GW_SEV_REJECT, GW_M301 | GW_M315 | GW_M317,
                        "the client's age fits the product's age band"},
    [GW_CR_VERWIJZER] = {"CR-VERWIJZER", "0001", GW_SEV_REJECT, GW_M315,
                         "the verwijzer may refer to the product"},
    [GW_CR_ONDERAANNEMER] = {"CR-ONDERAANNEMER", "0001", GW_SEV_ROUTE,
                             GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M319 | GW_M323,
                             "an onderaannemer's messages go via its hoofdaannemer"},
    [GW_CR_SPECIFIEK] = {"CR-SPECIFIEK", "0001", GW_SEV_REJECT,
                         GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317,
                         "a product with `specifiek = ja` carries a ProductCode"},
    [GW_CR_EINDDATUM] = {"CR-EINDDATUM", "0001", GW_SEV_WARN, GW_M301 | GW_M315 | GW_M317,
                         "a product with `einddatum = verplicht` has an Einddatum"},
};

const char *const gw_reg_eenheden[] = {"01", "04", "14", "16", "82", "83", "84", NULL};
const char *const gw_reg_frequenties[] = {"1", "2", "4", "6", NULL};
const char *const gw_reg_verwijzers[] = {"01", "02", "03", "04", "05", "06", "08", NULL};

/* JZ020 (iJw) and WMO020 (iWmo) ProductCategorie codes (spec §4.3). */
static const char *const s_jz020[] = {"31", "32", "33", "34", "35", "36", "37", "38", "40",
                                      "41", "42", "43", "44", "45", "46", "47", "48", "49",
                                      "50", "51", "52", "53", "54", "55", NULL};
static const char *const s_wmo020[] = {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10",
                                       "11", "12", "13", "14", "15", "16", "17", "18", NULL};

gw_cr_rule_t
gw_cr_rule_by_id(const char *id)
{
    for (int i = 0; i < GW_CR_NRULES; i++) {
        if (id && strcmp(gw_cr_rules[i].id, id) == 0) {
            return (gw_cr_rule_t)i;
        }
    }
    return GW_CR_NRULES;
}

uint32_t
gw_reg_code_bit(const char *const *list, const char *code)
{
    for (size_t i = 0; code && list[i]; i++) {
        if (strcmp(list[i], code) == 0) {
            return 1u << i;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ the register ---- */

typedef struct s_cbs {
    const char *code;
    gw_reg_period_t period;
} s_cbs_t;

struct gw_register {
    gw_arena_t *arena;       /* owns everything below */
    const char *file;        /* name given to parse */
    const char *naam;        /* register/naam */
    gw_reg_period_t periode; /* register/periode (open when absent) */
    int complete;            /* productlijst = volledig */
    gw_severity_t sev[GW_CR_NRULES];
    const char **gemeenten; /* sorted; NULL = every gemeente */
    size_t ngemeenten;
    s_cbs_t *cbs; /* sorted by code; NULL = no gemeentelijst */
    size_t ncbs;
    int has_cbs;
    gw_reg_segment_t *segments; /* file order */
    size_t nsegments;
    gw_reg_categorie_t *categorien; /* sorted by (wet, code) */
    size_t ncategorien;
    gw_reg_product_t *products; /* sorted by (wet, code) */
    size_t nproducts;
    gw_reg_aanbieder_t *aanbieders; /* sorted by agb */
    size_t naanbieders;
};

/* ------------------------------------------------------------------ builder ---- */

typedef struct b_tarief {
    gw_reg_tarief_t t;
    struct b_tarief *next;
} b_tarief_t;

typedef struct b_contract {
    gw_reg_contract_t c;
    const char *segment_id;
    struct b_contract *next;
} b_contract_t;

typedef struct b_segment {
    gw_reg_segment_t s;
    struct b_segment *next;
} b_segment_t;

typedef struct b_categorie {
    gw_reg_categorie_t c;
    const char *segment_id; /* NULL = none given */
    int segment_line;
    struct b_categorie *next;
} b_categorie_t;

typedef struct b_product {
    gw_reg_product_t p;
    const char *segment_id;
    int segment_line;
    int categorie_line;
    int wet_set;
    b_tarief_t *tarief;
    size_t ntarief;
    struct b_product *next;
} b_product_t;

typedef struct b_aanbieder {
    gw_reg_aanbieder_t a;
    const char *hoofd; /* hoofdaannemer AGB */
    int hoofd_line;
    b_contract_t *contract;
    size_t ncontract;
    b_tarief_t *tarief;
    size_t ntarief;
    struct b_aanbieder *next;
} b_aanbieder_t;

typedef enum s_sec {
    SEC_NONE = 0,
    SEC_REGISTER,
    SEC_REGELS,
    SEC_SEGMENT,
    SEC_CATEGORIE,
    SEC_PRODUCT,
    SEC_AANBIEDER,
    SEC_SKIP, /* a bad section line: its keys are ignored */
} s_sec_t;

static const char *const s_sec_names[] = {"",          "register", "regels",    "segment",
                                          "categorie", "product",  "aanbieder", ""};

enum {
    K_NAAM,
    K_GEMEENTEN,
    K_PERIODE,
    K_PRODUCTLIJST,
    K_GEMEENTELIJST,
    K_BEKOSTIGING,
    K_EENHEID,
    K_FREQUENTIE,
    K_MAXDUUR,
    K_LEEFTIJD,
    K_CRISIS,
    K_VERWIJZERS,
    K_SCOPE,
    K_SEGMENT,
    K_CATEGORIE,
    K_WET,
    K_GELDIG,
    K_GECONTRACTEERD,
    K_TARIEF,
    K_CONTRACT,
    K_HOOFD,
    K_SPECIFIEK,
    K_EINDDATUM,
    K_LEEFTIJD_OP,
    K_ERNST,
    K_N,
};

#define S_IN(s) (1u << (s))
#define S_PROPS (S_IN(SEC_SEGMENT) | S_IN(SEC_CATEGORIE) | S_IN(SEC_PRODUCT))

static const struct {
    const char *name;
    unsigned secs; /* S_IN(SEC_*) where it is valid */
    int repeat;    /* may appear more than once */
} s_keys[K_N] = {
    [K_NAAM] = {"naam", S_IN(SEC_REGISTER) | S_PROPS | S_IN(SEC_AANBIEDER), 0},
    [K_GEMEENTEN] = {"gemeenten", S_IN(SEC_REGISTER), 0},
    [K_PERIODE] = {"periode", S_IN(SEC_REGISTER), 0},
    [K_PRODUCTLIJST] = {"productlijst", S_IN(SEC_REGISTER), 0},
    [K_GEMEENTELIJST] = {"gemeentelijst", S_IN(SEC_REGISTER), 0},
    [K_BEKOSTIGING] = {"bekostiging", S_PROPS, 0},
    [K_EENHEID] = {"eenheid", S_PROPS, 0},
    [K_FREQUENTIE] = {"frequentie", S_PROPS, 0},
    [K_MAXDUUR] = {"max_duur", S_PROPS, 0},
    [K_LEEFTIJD] = {"leeftijd", S_PROPS, 0},
    [K_CRISIS] = {"crisis", S_PROPS, 0},
    [K_VERWIJZERS] = {"verwijzers", S_PROPS, 0},
    [K_SCOPE] = {"buiten_scope", S_PROPS, 0},
    [K_SEGMENT] = {"segment", S_IN(SEC_CATEGORIE) | S_IN(SEC_PRODUCT), 0},
    [K_CATEGORIE] = {"categorie", S_IN(SEC_PRODUCT), 0},
    [K_WET] = {"wet", S_IN(SEC_CATEGORIE) | S_IN(SEC_PRODUCT), 0},
    [K_GELDIG] = {"geldig", S_IN(SEC_PRODUCT), 0},
    [K_GECONTRACTEERD] = {"gecontracteerd", S_IN(SEC_PRODUCT), 0},
    [K_TARIEF] = {"tarief", S_IN(SEC_PRODUCT) | S_IN(SEC_AANBIEDER), 1},
    [K_CONTRACT] = {"contract", S_IN(SEC_AANBIEDER), 1},
    [K_HOOFD] = {"hoofdaannemer", S_IN(SEC_AANBIEDER), 0},
    [K_SPECIFIEK] = {"specifiek", S_PROPS, 0},
    [K_EINDDATUM] = {"einddatum", S_PROPS, 0},
    [K_LEEFTIJD_OP] = {"leeftijd_max_op", S_PROPS, 0},
    [K_ERNST] = {"ernst", S_PROPS, 0},
};

typedef struct s_parser {
    const char *file; /* for errors */
    const char *dir;  /* for relative paths */
    int line;
    gw_arena_t *a;
    char *err; /* gw_malloc'd lines */
    size_t errn;
    int nerr;
    int oom;

    s_sec_t sec;
    int sec_line;
    int seen[K_N]; /* line each key was set on in the current section, 0 = not yet */
    int regels_seen[GW_CR_NRULES];

    /* register section */
    int have_register;
    int register_line;
    const char *naam;
    gw_reg_period_t periode;
    int complete;
    gw_severity_t sev[GW_CR_NRULES];
    const char **gemeenten;
    size_t ngemeenten;
    const char *gemeentelijst;
    int gemeentelijst_line;

    b_segment_t *segments, *cur_segment;
    size_t nsegments;
    b_categorie_t *categorien, *cur_categorie;
    size_t ncategorien;
    b_product_t *products, *cur_product;
    size_t nproducts;
    b_aanbieder_t *aanbieders, *cur_aanbieder;
    size_t naanbieders;
} s_parser_t;

static void s_err(s_parser_t *p, int line, const char *fmt, ...) GW_PRINTF(3, 4);

static void s_err_in(s_parser_t *p, const char *file, int line, const char *fmt, va_list ap)
    GW_PRINTF(4, 0);

/* Append "file:line: text" (line 0: "file: text"). */
static void
s_err_in(s_parser_t *p, const char *file, int line, const char *fmt, va_list ap)
{
    char msg[1024];
    int hn = line > 0 ? snprintf(msg, sizeof(msg), "%s:%d: ", file, line)
                      : snprintf(msg, sizeof(msg), "%s: ", file);
    if (hn < 0 || (size_t)hn >= sizeof(msg)) {
        hn = 0;
    }
    vsnprintf(msg + hn, sizeof(msg) - (size_t)hn, fmt, ap);
    size_t mn = strlen(msg);
    char *grown = gw_realloc(p->err, p->errn + mn + 2);
    if (!grown) {
        p->oom = 1;
        return;
    }
    p->err = grown;
    if (p->errn > 0) {
        p->err[p->errn++] = '\n';
    }
    memcpy(p->err + p->errn, msg, mn + 1);
    p->errn += mn;
    p->nerr++;
}

static void
s_err(s_parser_t *p, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_err_in(p, p->file, line, fmt, ap);
    va_end(ap);
}

static void s_err_file(s_parser_t *p, const char *file, int line, const char *fmt, ...)
    GW_PRINTF(4, 5);

static void
s_err_file(s_parser_t *p, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_err_in(p, file, line, fmt, ap);
    va_end(ap);
}

/* Copy at most S_ECHO bytes of s[0..n) for an error message, marking a cut. */
static void
s_echo(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = n < S_ECHO ? n : S_ECHO;
    if (k + 4 > cap) {
        k = cap - 4;
    }
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (k < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static void *
s_alloc(s_parser_t *p, size_t n)
{
    void *v = gw_arena_alloc(p->a, n);
    if (!v) {
        p->oom = 1;
    }
    return v;
}

static char *
s_strdup(s_parser_t *p, const char *s)
{
    char *d = gw_arena_strdup(p->a, s);
    if (!d) {
        p->oom = 1;
    }
    return d;
}

/* ------------------------------------------------------------------ value parsers ---- */

static int
s_all(const char *s, const char *set_lo, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!strchr(set_lo, s[i])) {
            return 0;
        }
    }
    return 1;
}

#define S_DIGITS "0123456789"
#define S_ALNUM  "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static int
s_is_agb(const char *s)
{
    return s_all(s, S_DIGITS, 8, 8);
}

static int
s_is_gemeente(const char *s)
{
    return s_all(s, S_DIGITS, 4, 4);
}

static int
s_is_productcode(const char *s)
{
    return s_all(s, S_ALNUM, 1, 5);
}

static int
s_is_segment_id(const char *s)
{
    return s_all(s, S_ALNUM "_.-", 1, 32);
}

/* Split val in place into tokens separated by blanks, and by commas when commas is set.
 * Returns the count (tokens beyond cap are counted, not stored). */
static size_t
s_split_by(char *val, char **tok, size_t cap, int commas)
{
    size_t n = 0;
    char *c = val;
    while (*c) {
        while (*c == ' ' || *c == '\t' || (commas && *c == ',')) {
            *c++ = '\0';
        }
        if (!*c) {
            break;
        }
        if (n < cap) {
            tok[n] = c;
        }
        n++;
        while (*c && *c != ' ' && *c != '\t' && !(commas && *c == ',')) {
            c++;
        }
    }
    return n;
}

static size_t
s_split(char *val, char **tok, size_t cap)
{
    return s_split_by(val, tok, cap, 1);
}

static int
s_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y) {
            return 0;
        }
    }
    return *a == *b;
}

/* ja/nee/yes/no -> 1/0; -1 when neither. */
static int
s_yesno(const char *v)
{
    if (s_ieq(v, "ja") || s_ieq(v, "yes")) {
        return 1;
    }
    if (s_ieq(v, "nee") || s_ieq(v, "no")) {
        return 0;
    }
    return -1;
}

/* "VAN..TOT" with either side empty. 1 on success. */
static int
s_period(const char *v, gw_reg_period_t *out)
{
    const char *dots = strstr(v, "..");
    if (!dots) {
        return 0;
    }
    char a[16], b[16];
    size_t an = (size_t)(dots - v);
    size_t bn = strlen(dots + 2);
    if (an >= sizeof(a) || bn >= sizeof(b)) {
        return 0;
    }
    memcpy(a, v, an);
    a[an] = '\0';
    memcpy(b, dots + 2, bn + 1);
    out->from = GW_REG_OPEN_FROM;
    out->to = GW_REG_OPEN_TO;
    if (an > 0 && (an != 10 || gw_model_date(a, &out->from) != GW_OK)) {
        return 0;
    }
    if (bn > 0 && (bn != 10 || gw_model_date(b, &out->to) != GW_OK)) {
        return 0;
    }
    return out->from <= out->to;
}

/* A non-negative decimal integer up to max. 1 on success. */
static int
s_uint(const char *v, int64_t max, int64_t *out)
{
    if (!*v || strlen(v) > 18) {
        return 0;
    }
    int64_t n = 0;
    for (const char *c = v; *c; c++) {
        if (*c < '0' || *c > '9') {
            return 0;
        }
        n = n * 10 + (*c - '0');
    }
    if (n > max) {
        return 0;
    }
    *out = n;
    return 1;
}

static int
s_bekostiging(const char *v, gw_bekostiging_t *out)
{
    if (s_ieq(v, "inspanningsgericht")) {
        *out = GW_BEK_INSPANNING;
    } else if (s_ieq(v, "outputgericht")) {
        *out = GW_BEK_OUTPUT;
    } else if (s_ieq(v, "taakgericht")) {
        *out = GW_BEK_TAAK;
    } else {
        return 0;
    }
    return 1;
}

/* A list of codes of one code list into a bit mask; reports the first bad one. */
static int
s_codes(s_parser_t *p, const char *key, char *val, const char *const *list, const char *listname,
        uint32_t *mask)
{
    char *tok[64];
    size_t n = s_split(val, tok, 64);
    if (n == 0 || n > 64) {
        s_err(p, p->line, "%s: expected 1..64 %s codes", key, listname);
        return 0;
    }
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t bit = gw_reg_code_bit(list, tok[i]);
        if (!bit) {
            char echo[S_ECHO + 4];
            char valid[128] = "";
            size_t o = 0;
            for (size_t k = 0; list[k] && o < sizeof(valid); k++) {
                int w = snprintf(valid + o, sizeof(valid) - o, "%s%s", k ? " " : "", list[k]);
                o += w > 0 ? (size_t)w : 0;
            }
            s_echo(tok[i], strlen(tok[i]), echo, sizeof(echo));
            s_err(p, p->line, "%s: '%s' is not a %s code (valid: %s)", key, echo, listname, valid);
            return 0;
        }
        m |= bit;
    }
    *mask = m;
    return 1;
}

/* ------------------------------------------------------------------ sections ---- */

static const char *
s_cur_name(const s_parser_t *p)
{
    switch (p->sec) {
    case SEC_SEGMENT:
        return p->cur_segment ? p->cur_segment->s.id : "";
    case SEC_CATEGORIE:
        return p->cur_categorie ? p->cur_categorie->c.code : "";
    case SEC_PRODUCT:
        return p->cur_product ? p->cur_product->p.code : "";
    case SEC_AANBIEDER:
        return p->cur_aanbieder ? p->cur_aanbieder->a.agb : "";
    default:
        return "";
    }
}

/* A line at column 0: KEYWORD [NAME]. */
static void
s_section_line(s_parser_t *p, char *s)
{
    char *tok[4];
    /* Cut a trailing comment. */
    char *hash = strchr(s, '#');
    if (hash) {
        *hash = '\0';
    }
    size_t n = s_split(s, tok, 4);
    memset(p->seen, 0, sizeof(p->seen));
    p->sec = SEC_SKIP;
    p->sec_line = p->line;
    p->cur_segment = NULL;
    p->cur_categorie = NULL;
    p->cur_product = NULL;
    p->cur_aanbieder = NULL;
    if (n == 0) {
        return;
    }
    char echo[S_ECHO + 4];
    s_echo(tok[0], strlen(tok[0]), echo, sizeof(echo));
    s_sec_t kind = SEC_NONE;
    for (int k = SEC_REGISTER; k <= SEC_AANBIEDER; k++) {
        if (strcmp(tok[0], s_sec_names[k]) == 0) {
            kind = (s_sec_t)k;
        }
    }
    if (kind == SEC_NONE) {
        s_err(p, p->line,
              "unknown section '%s' (sections: register, regels, segment ID, categorie CODE, "
              "product CODE, aanbieder AGB; keys go on indented lines)",
              echo);
        return;
    }
    int named = kind >= SEC_SEGMENT;
    if ((size_t)(named ? 2 : 1) != n) {
        if (named) {
            s_err(p, p->line, "section '%s' needs exactly one name: '%s %s'", echo, echo,
                  kind == SEC_SEGMENT     ? "ID"
                  : kind == SEC_AANBIEDER ? "AGB"
                                          : "CODE");
        } else {
            s_err(p, p->line, "section '%s' takes no name", echo);
        }
        return;
    }
    const char *name = named ? tok[1] : NULL;
    char nech[S_ECHO + 4];
    if (name) {
        s_echo(name, strlen(name), nech, sizeof(nech));
    }
    switch (kind) {
    case SEC_REGISTER:
        if (p->have_register) {
            s_err(p, p->line, "second 'register' section (the first is at line %d)",
                  p->register_line);
            return;
        }
        p->have_register = 1;
        p->register_line = p->line;
        break;
    case SEC_REGELS:
        break;
    case SEC_SEGMENT: {
        if (!s_is_segment_id(name)) {
            s_err(p, p->line, "bad segment id '%s' (1..32 of A-Z a-z 0-9 _ . -)", nech);
            return;
        }
        b_segment_t *b = s_alloc(p, sizeof(*b));
        if (!b) {
            return;
        }
        b->s.id = s_strdup(p, name);
        b->s.line = p->line;
        b->next = p->segments;
        p->segments = b;
        p->nsegments++;
        p->cur_segment = b;
        break;
    }
    case SEC_CATEGORIE: {
        const char *const *list = NULL;
        if (gw_reg_code_bit(s_jz020, name)) {
            list = s_jz020;
        } else if (gw_reg_code_bit(s_wmo020, name)) {
            list = s_wmo020;
        }
        if (!list) {
            s_err(p, p->line,
                  "bad categorie '%s' (a JZ020 code 31..55 for iJw or a WMO020 code 01..18 for "
                  "iWmo)",
                  nech);
            return;
        }
        b_categorie_t *b = s_alloc(p, sizeof(*b));
        if (!b) {
            return;
        }
        b->c.code = s_strdup(p, name);
        b->c.wet = list == s_jz020 ? GW_FAMILY_IJW : GW_FAMILY_IWMO;
        b->c.line = p->line;
        b->next = p->categorien;
        p->categorien = b;
        p->ncategorien++;
        p->cur_categorie = b;
        break;
    }
    case SEC_PRODUCT: {
        if (!s_is_productcode(name)) {
            s_err(p, p->line, "bad product code '%s' (1..5 of A-Z a-z 0-9)", nech);
            return;
        }
        b_product_t *b = s_alloc(p, sizeof(*b));
        if (!b) {
            return;
        }
        b->p.code = s_strdup(p, name);
        b->p.line = p->line;
        b->p.gecontracteerd = 1;
        b->p.geldig = (gw_reg_period_t){GW_REG_OPEN_FROM, GW_REG_OPEN_TO};
        b->next = p->products;
        p->products = b;
        p->nproducts++;
        p->cur_product = b;
        break;
    }
    case SEC_AANBIEDER: {
        if (!s_is_agb(name)) {
            s_err(p, p->line, "bad AGB code '%s' (8 digits)", nech);
            return;
        }
        b_aanbieder_t *b = s_alloc(p, sizeof(*b));
        if (!b) {
            return;
        }
        b->a.agb = s_strdup(p, name);
        b->a.line = p->line;
        b->next = p->aanbieders;
        p->aanbieders = b;
        p->naanbieders++;
        p->cur_aanbieder = b;
        break;
    }
    default:
        return;
    }
    p->sec = kind;
}

/* The props of the current segment/categorie/product section. */
static gw_reg_props_t *
s_cur_props(s_parser_t *p)
{
    switch (p->sec) {
    case SEC_SEGMENT:
        return p->cur_segment ? &p->cur_segment->s.props : NULL;
    case SEC_CATEGORIE:
        return p->cur_categorie ? &p->cur_categorie->c.props : NULL;
    case SEC_PRODUCT:
        return p->cur_product ? &p->cur_product->p.props : NULL;
    default:
        return NULL;
    }
}

/* One of the inheritable product properties. */
static void
s_props_key(s_parser_t *p, int k, char *val)
{
    gw_reg_props_t *pr = s_cur_props(p);
    const char *key = s_keys[k].name;
    char echo[S_ECHO + 4];
    s_echo(val, strlen(val), echo, sizeof(echo));
    if (!pr) {
        return;
    }
    switch (k) {
    case K_BEKOSTIGING:
        if (!s_bekostiging(val, &pr->bekostiging)) {
            s_err(p, p->line,
                  "bekostiging: '%s' is not inspanningsgericht, outputgericht or taakgericht",
                  echo);
            return;
        }
        pr->set |= GW_REG_P_BEKOSTIGING;
        return;
    case K_EENHEID:
        if (s_codes(p, key, val, gw_reg_eenheden, "WJ756 Eenheid", &pr->eenheden)) {
            pr->set |= GW_REG_P_EENHEID;
        }
        return;
    case K_FREQUENTIE:
        if (s_codes(p, key, val, gw_reg_frequenties, "WMO757 Frequentie", &pr->frequenties)) {
            pr->set |= GW_REG_P_FREQUENTIE;
        }
        return;
    case K_VERWIJZERS:
        if (s_codes(p, key, val, gw_reg_verwijzers, "COD327 Verwijzer/Type", &pr->verwijzers)) {
            pr->set |= GW_REG_P_VERWIJZERS;
        }
        return;
    case K_MAXDUUR: {
        size_t n = strlen(val);
        int64_t num = 0;
        char unit = n > 0 ? val[n - 1] : '\0';
        if (unit == 'y') {
            unit = 'j';
        }
        if (n < 2 || !strchr("dwmj", unit)) {
            s_err(p, p->line,
                  "max_duur: '%s' is not a duration (a number with d, w, m or j: 28d, 4w, 6m, 1j)",
                  echo);
            return;
        }
        val[n - 1] = '\0';
        if (!s_uint(val, 36500, &num) || num == 0) {
            s_err(p, p->line, "max_duur: '%s' is not a duration of 1..36500 units", echo);
            return;
        }
        pr->dur_n = (int32_t)num;
        pr->dur_unit = unit;
        pr->set |= GW_REG_P_MAXDUUR;
        return;
    }
    case K_LEEFTIJD: {
        char *dots = strstr(val, "..");
        int64_t lo = -1, hi = -1;
        int ok = dots != NULL;
        if (ok) {
            *dots = '\0';
            ok = (!*val || s_uint(val, 150, &lo)) && (!dots[2] || s_uint(dots + 2, 150, &hi)) &&
                 (lo >= 0 || hi >= 0) && (lo < 0 || hi < 0 || lo <= hi);
        }
        if (!ok) {
            s_err(p, p->line,
                  "leeftijd: '%s' is not an age band MIN..MAX (whole years, both inclusive, "
                  "e.g. 4..17)",
                  echo);
            return;
        }
        pr->age_min = (int)lo;
        pr->age_max = (int)hi;
        pr->set |= GW_REG_P_LEEFTIJD;
        return;
    }
    case K_CRISIS:
    case K_SCOPE:
    case K_SPECIFIEK: {
        int yn = s_yesno(val);
        if (yn < 0) {
            s_err(p, p->line, "%s: '%s' is not ja or nee", key, echo);
            return;
        }
        if (k == K_CRISIS) {
            pr->crisis = yn;
            pr->set |= GW_REG_P_CRISIS;
        } else if (k == K_SCOPE) {
            pr->buiten_scope = yn;
            pr->set |= GW_REG_P_SCOPE;
        } else {
            pr->specifiek = yn;
            pr->set |= GW_REG_P_SPECIFIEK;
        }
        return;
    }
    case K_EINDDATUM:
        if (s_ieq(val, "verplicht")) {
            pr->einddatum = 1;
        } else if (s_ieq(val, "optioneel")) {
            pr->einddatum = 0;
        } else {
            s_err(p, p->line, "einddatum: '%s' is not verplicht or optioneel", echo);
            return;
        }
        pr->set |= GW_REG_P_EINDDATUM;
        return;
    case K_LEEFTIJD_OP:
        if (s_ieq(val, "ingangsdatum")) {
            pr->age_max_at_begin = 1;
        } else if (s_ieq(val, "einddatum")) {
            pr->age_max_at_begin = 0;
        } else {
            s_err(p, p->line, "leeftijd_max_op: '%s' is not ingangsdatum or einddatum", echo);
            return;
        }
        pr->set |= GW_REG_P_LEEFTIJD_OP;
        return;
    case K_ERNST: {
        char *tok[GW_CR_NRULES + 1];
        size_t n = s_split(val, tok, GW_CR_NRULES + 1);
        for (size_t i = 0; i < n && i <= GW_CR_NRULES; i++) {
            char te[S_ECHO + 4];
            s_echo(tok[i], strlen(tok[i]), te, sizeof(te));
            char *colon = strchr(tok[i], ':');
            if (colon) {
                *colon = '\0';
            }
            gw_cr_rule_t r = gw_cr_rule_by_id(tok[i]);
            gw_severity_t sv = GW_SEV_OFF;
            int ok = colon != NULL;
            if (ok && s_ieq(colon + 1, "reject")) {
                sv = GW_SEV_REJECT;
            } else if (ok && s_ieq(colon + 1, "warn")) {
                sv = GW_SEV_WARN;
            } else if (!ok || !s_ieq(colon + 1, "off")) {
                ok = 0;
            }
            if (!ok || r == GW_CR_NRULES) {
                s_err(p, p->line,
                      "ernst: '%s' is not RULE-ID:SEVERITY (e.g. CR-VERWIJZER:warn; severities "
                      "reject, warn, off)",
                      te);
                return;
            }
            if (r == GW_CR_TR378 || r == GW_CR_ONDERAANNEMER) {
                s_err(p, p->line, "ernst: %s is a rule of the whole message: set it in `regels`",
                      gw_cr_rules[r].id);
                return;
            }
            pr->sev[r] = (uint8_t)sv;
            pr->sev_set |= 1u << r;
        }
        if (n == 0 || n > GW_CR_NRULES) {
            s_err(p, p->line, "ernst: expected 1..%d RULE-ID:SEVERITY pairs", GW_CR_NRULES);
        }
        return;
    }
    default:
        return;
    }
}

/* `tarief = AMOUNT [PERIOD]` (product) or `tarief = CODE AMOUNT [PERIOD]` (aanbieder). */
static void
s_tarief_key(s_parser_t *p, char *val)
{
    char *tok[4];
    size_t n = s_split(val, tok, 4);
    int prov = p->sec == SEC_AANBIEDER;
    size_t i = 0;
    const char *code = NULL;
    if (prov) {
        if (n < 1 || !s_is_productcode(tok[0])) {
            s_err(p, p->line, "tarief: expected PRODUCTCODE AMOUNT [PERIOD] (amount in eurocents)");
            return;
        }
        code = tok[i++];
    }
    int64_t amount = 0;
    gw_reg_period_t per = {GW_REG_OPEN_FROM, GW_REG_OPEN_TO};
    if (n < i + 1 || n > i + 2 || !s_uint(tok[i], 999999999, &amount) ||
        (n == i + 2 && !s_period(tok[i + 1], &per))) {
        s_err(p, p->line,
              "tarief: expected %sAMOUNT [PERIOD]: an amount in eurocents (4512 = EUR 45,12) and "
              "an optional YYYY-MM-DD..YYYY-MM-DD",
              prov ? "PRODUCTCODE " : "");
        return;
    }
    b_tarief_t *t = s_alloc(p, sizeof(*t));
    if (!t) {
        return;
    }
    t->t.amount = amount;
    t->t.period = per;
    t->t.line = p->line;
    t->t.product = code ? s_strdup(p, code) : NULL;
    if (prov) {
        t->next = p->cur_aanbieder->tarief;
        p->cur_aanbieder->tarief = t;
        p->cur_aanbieder->ntarief++;
    } else {
        t->next = p->cur_product->tarief;
        p->cur_product->tarief = t;
        p->cur_product->ntarief++;
    }
}

/* A list of 4-digit gemeente codes or product codes into an arena array. */
static const char **
s_list(s_parser_t *p, const char *key, char *val, int (*valid)(const char *), const char *what,
       size_t *count)
{
    char *tok[512];
    size_t n = s_split(val, tok, 512);
    if (n == 0 || n > 512) {
        s_err(p, p->line, "%s: expected 1..512 %s", key, what);
        return NULL;
    }
    const char **v = s_alloc(p, n * sizeof(*v));
    if (!v) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!valid(tok[i])) {
            char echo[S_ECHO + 4];
            s_echo(tok[i], strlen(tok[i]), echo, sizeof(echo));
            s_err(p, p->line, "%s: '%s' is not a %s", key, echo, what);
            return NULL;
        }
        v[i] = s_strdup(p, tok[i]);
    }
    *count = n;
    return v;
}

/* `contract = SEGMENT [PERIOD] [bekostiging=X] [gemeenten=A,B] [producten=C,D]`. */
static void
s_contract_key(s_parser_t *p, char *val)
{
    char *tok[8];
    size_t n = s_split_by(val, tok, 8, 0); /* options keep their comma lists */
    if (n == 0 || n > 5) {
        s_err(p, p->line,
              "contract: expected SEGMENT [PERIOD] [bekostiging=X] [gemeenten=CODE,...] "
              "[producten=CODE,...]");
        return;
    }
    b_contract_t *c = s_alloc(p, sizeof(*c));
    if (!c) {
        return;
    }
    c->segment_id = s_strdup(p, tok[0]);
    c->c.line = p->line;
    c->c.period = (gw_reg_period_t){GW_REG_OPEN_FROM, GW_REG_OPEN_TO};
    int period_set = 0;
    for (size_t i = 1; i < n; i++) {
        char echo[S_ECHO + 4];
        s_echo(tok[i], strlen(tok[i]), echo, sizeof(echo));
        char *eq = strchr(tok[i], '=');
        if (!eq) {
            if (period_set || i != 1 || !s_period(tok[i], &c->c.period)) {
                s_err(p, p->line,
                      "contract: bad period '%s' (YYYY-MM-DD..YYYY-MM-DD, either end may be "
                      "empty)",
                      echo);
                return;
            }
            period_set = 1;
            continue;
        }
        *eq = '\0';
        char *v = eq + 1;
        if (strcmp(tok[i], "bekostiging") == 0) {
            if (!s_bekostiging(v, &c->c.bekostiging)) {
                s_err(p, p->line,
                      "contract: bekostiging must be inspanningsgericht, outputgericht or "
                      "taakgericht");
                return;
            }
        } else if (strcmp(tok[i], "gemeenten") == 0 || strcmp(tok[i], "producten") == 0) {
            /* The list uses commas only (blanks separate the options). */
            int gem = tok[i][0] == 'g';
            size_t cnt = 0;
            const char **lst = s_list(p, gem ? "contract gemeenten" : "contract producten", v,
                                      gem ? s_is_gemeente : s_is_productcode,
                                      gem ? "gemeentecode (4 digits)" : "product code", &cnt);
            if (!lst) {
                return;
            }
            if (gem) {
                c->c.gemeenten = lst;
                c->c.ngemeenten = cnt;
            } else {
                c->c.producten = lst;
                c->c.nproducten = cnt;
            }
        } else {
            s_err(p, p->line,
                  "contract: unknown option '%s' (options: bekostiging=, gemeenten=, producten=)",
                  echo);
            return;
        }
    }
    if (!period_set) {
        c->c.period.from = INT32_MIN + 1; /* marker: take the register's periode later */
    }
    c->next = p->cur_aanbieder->contract;
    p->cur_aanbieder->contract = c;
    p->cur_aanbieder->ncontract++;
}

/* `RULE-ID = reject|warn|off[|route]` in the regels section. */
static void
s_regel_key(s_parser_t *p, const char *key, const char *val)
{
    char echo[S_ECHO + 4];
    s_echo(key, strlen(key), echo, sizeof(echo));
    gw_cr_rule_t r = gw_cr_rule_by_id(key);
    if (r == GW_CR_NRULES) {
        char valid[512] = "";
        size_t o = 0;
        for (int i = 0; i < GW_CR_NRULES && o < sizeof(valid); i++) {
            int w =
                snprintf(valid + o, sizeof(valid) - o, "%s%s", i ? ", " : "", gw_cr_rules[i].id);
            o += w > 0 ? (size_t)w : 0;
        }
        s_err(p, p->line, "unknown rule '%s' (rules: %s)", echo, valid);
        return;
    }
    if (p->regels_seen[r]) {
        s_err(p, p->line, "rule %s set twice (first at line %d)", gw_cr_rules[r].id,
              p->regels_seen[r]);
        return;
    }
    p->regels_seen[r] = p->line;
    if (s_ieq(val, "reject")) {
        p->sev[r] = GW_SEV_REJECT;
    } else if (s_ieq(val, "warn")) {
        p->sev[r] = GW_SEV_WARN;
    } else if (s_ieq(val, "off")) {
        p->sev[r] = GW_SEV_OFF;
    } else if (r == GW_CR_ONDERAANNEMER && s_ieq(val, "route")) {
        p->sev[r] = GW_SEV_ROUTE;
    } else {
        s_err(p, p->line, "%s: severity must be reject, warn or off%s", gw_cr_rules[r].id,
              r == GW_CR_ONDERAANNEMER ? " (or route)" : "");
    }
}

/* An indented `key = value` line. */
static void
s_key_line(s_parser_t *p, const char *s, size_t n)
{
    const char *end = s + n;
    const char *c = s;
    while (c < end && *c != ' ' && *c != '\t' && *c != '=' && *c != '#') {
        c++;
    }
    size_t kn = (size_t)(c - s);
    char echo[S_ECHO + 4];
    s_echo(s, kn, echo, sizeof(echo));
    if (kn == 0) {
        s_err(p, p->line, "missing key before '='");
        return;
    }
    while (c < end && (*c == ' ' || *c == '\t')) {
        c++;
    }
    if (c == end || *c != '=') {
        s_err(p, p->line, "expected '=' after '%s'", echo);
        return;
    }
    char local[S_MAX_VALUE];
    const char *why = NULL;
    if (!gw_conf_value(c + 1, end, local, sizeof(local), &why)) {
        s_err(p, p->line, "%s: %s", echo, why);
        return;
    }
    if (local[0] == '\0') {
        s_err(p, p->line, "%s: %s", echo, "empty value");
        return;
    }
    if (p->sec == SEC_NONE) {
        s_err(p, p->line, "key '%s' outside a section (the file starts with a 'register' section)",
              echo);
        return;
    }
    if (p->sec == SEC_SKIP) {
        return;
    }
    char key[40];
    if (kn >= sizeof(key)) {
        s_err(p, p->line, "unknown key '%s' in section '%s'", echo, s_sec_names[p->sec]);
        return;
    }
    memcpy(key, s, kn);
    key[kn] = '\0';
    if (p->sec == SEC_REGELS) {
        s_regel_key(p, key, local);
        return;
    }
    int k = 0;
    while (k < K_N && strcmp(s_keys[k].name, key) != 0) {
        k++;
    }
    if (k == K_N || !(s_keys[k].secs & S_IN(p->sec))) {
        char valid[256] = "";
        size_t o = 0;
        for (int i = 0; i < K_N && o < sizeof(valid); i++) {
            if (s_keys[i].secs & S_IN(p->sec)) {
                int w =
                    snprintf(valid + o, sizeof(valid) - o, "%s%s", o ? ", " : "", s_keys[i].name);
                o += w > 0 ? (size_t)w : 0;
            }
        }
        s_err(p, p->line, "unknown key '%s' in section '%s' (valid: %s)", echo, s_sec_names[p->sec],
              valid);
        return;
    }
    if (p->seen[k] && !s_keys[k].repeat) {
        s_err(p, p->line, "'%s' set twice in section '%s%s%s' (first at line %d)", key,
              s_sec_names[p->sec], p->sec >= SEC_SEGMENT ? " " : "", s_cur_name(p), p->seen[k]);
        return;
    }
    p->seen[k] = p->line;
    char vecho[S_ECHO + 4];
    s_echo(local, strlen(local), vecho, sizeof(vecho));
    switch (k) {
    case K_NAAM: {
        const char *d = s_strdup(p, local);
        if (p->sec == SEC_REGISTER) {
            p->naam = d;
        } else if (p->sec == SEC_SEGMENT) {
            p->cur_segment->s.naam = d;
        } else if (p->sec == SEC_CATEGORIE) {
            p->cur_categorie->c.naam = d;
        } else if (p->sec == SEC_PRODUCT) {
            p->cur_product->p.naam = d;
        } else {
            p->cur_aanbieder->a.naam = d;
        }
        return;
    }
    case K_GEMEENTEN:
        p->gemeenten =
            s_list(p, key, local, s_is_gemeente, "gemeentecode (4 digits)", &p->ngemeenten);
        return;
    case K_PERIODE:
        if (!s_period(local, &p->periode)) {
            s_err(p, p->line, "periode: bad period '%s' (YYYY-MM-DD..YYYY-MM-DD)", vecho);
        }
        return;
    case K_PRODUCTLIJST:
        if (s_ieq(local, "volledig")) {
            p->complete = 1;
        } else if (s_ieq(local, "gedeeltelijk")) {
            p->complete = 0;
        } else {
            s_err(p, p->line, "productlijst: '%s' is not volledig or gedeeltelijk", vecho);
        }
        return;
    case K_GEMEENTELIJST:
        p->gemeentelijst = s_strdup(p, local);
        p->gemeentelijst_line = p->line;
        return;
    case K_SEGMENT:
        if (!s_is_segment_id(local)) {
            s_err(p, p->line, "segment: bad segment id '%s'", vecho);
            return;
        }
        if (p->sec == SEC_CATEGORIE) {
            p->cur_categorie->segment_id = s_strdup(p, local);
            p->cur_categorie->segment_line = p->line;
        } else {
            p->cur_product->segment_id = s_strdup(p, local);
            p->cur_product->segment_line = p->line;
        }
        return;
    case K_CATEGORIE:
        if (!gw_reg_code_bit(s_jz020, local) && !gw_reg_code_bit(s_wmo020, local)) {
            s_err(p, p->line,
                  "categorie: '%s' is not a JZ020 (31..55) or WMO020 (01..18) ProductCategorie",
                  vecho);
            return;
        }
        p->cur_product->p.categorie = s_strdup(p, local);
        p->cur_product->categorie_line = p->line;
        return;
    case K_WET: {
        gw_family_t w;
        if (s_ieq(local, "jeugdwet")) {
            w = GW_FAMILY_IJW;
        } else if (s_ieq(local, "wmo")) {
            w = GW_FAMILY_IWMO;
        } else {
            s_err(p, p->line, "wet: '%s' is not jeugdwet or wmo", vecho);
            return;
        }
        if (p->sec == SEC_CATEGORIE) {
            if (w != p->cur_categorie->c.wet) {
                s_err(p, p->line, "wet: categorie %s is not a %s category",
                      p->cur_categorie->c.code, w == GW_FAMILY_IJW ? "jeugdwet" : "wmo");
            }
        } else {
            p->cur_product->p.wet = w;
            p->cur_product->wet_set = p->line;
        }
        return;
    }
    case K_GELDIG:
        if (!s_period(local, &p->cur_product->p.geldig)) {
            s_err(p, p->line, "geldig: bad period '%s' (YYYY-MM-DD..YYYY-MM-DD)", vecho);
        }
        return;
    case K_GECONTRACTEERD: {
        int yn = s_yesno(local);
        if (yn < 0) {
            s_err(p, p->line, "gecontracteerd: '%s' is not ja or nee", vecho);
            return;
        }
        p->cur_product->p.gecontracteerd = yn;
        return;
    }
    case K_TARIEF:
        s_tarief_key(p, local);
        return;
    case K_CONTRACT:
        s_contract_key(p, local);
        return;
    case K_HOOFD:
        if (!s_is_agb(local)) {
            s_err(p, p->line, "hoofdaannemer: '%s' is not an AGB code (8 digits)", vecho);
            return;
        }
        p->cur_aanbieder->hoofd = s_strdup(p, local);
        p->cur_aanbieder->hoofd_line = p->line;
        return;
    default:
        s_props_key(p, k, local);
        return;
    }
}

/* ------------------------------------------------------------------ the gemeente list ---- */

static int
s_cbs_cmp(const void *a, const void *b)
{
    const s_cbs_t *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c != 0) {
        return c;
    }
    return x->period.from < y->period.from ? -1 : x->period.from > y->period.from;
}

static char *s_read_file(const char *path, size_t *len, char *why, size_t whycap);

/* Load the CBS list `CODE [PERIOD] NAAM` lines into reg. Errors under its own name. */
static void
s_load_cbs(s_parser_t *p, gw_register_t *reg, const char *path, int line)
{
    char why[256];
    size_t len = 0;
    char *text = s_read_file(path, &len, why, sizeof(why));
    if (!text) {
        s_err(p, line, "gemeentelijst: cannot read %s: %s", path, why);
        return;
    }
    size_t cap = 64, n = 0;
    s_cbs_t *v = gw_malloc(cap * sizeof(*v));
    int ln = 0;
    const char *c = text, *end = text + len;
    while (v && c < end) {
        const char *nl = memchr(c, '\n', (size_t)(end - c));
        const char *le = nl ? nl : end;
        ln++;
        char buf[512];
        size_t bn = (size_t)(le - c);
        if (bn >= sizeof(buf)) {
            s_err_file(p, path, ln, "line too long");
            c = nl ? nl + 1 : end;
            continue;
        }
        memcpy(buf, c, bn);
        buf[bn] = '\0';
        if (bn > 0 && buf[bn - 1] == '\r') {
            buf[bn - 1] = '\0';
        }
        c = nl ? nl + 1 : end;
        char *hash = strchr(buf, '#');
        if (hash) {
            *hash = '\0';
        }
        char *tok[3];
        char *save = buf;
        /* CODE, then an optional PERIOD; the rest is the name. */
        while (*save == ' ' || *save == '\t') {
            save++;
        }
        if (!*save) {
            continue;
        }
        tok[0] = save;
        while (*save && *save != ' ' && *save != '\t') {
            save++;
        }
        if (*save) {
            *save++ = '\0';
        }
        while (*save == ' ' || *save == '\t') {
            save++;
        }
        tok[1] = save;
        gw_reg_period_t per = {GW_REG_OPEN_FROM, GW_REG_OPEN_TO};
        if (!s_is_gemeente(tok[0])) {
            char echo[S_ECHO + 4];
            s_echo(tok[0], strlen(tok[0]), echo, sizeof(echo));
            s_err_file(p, path, ln, "'%s' is not a gemeentecode (4 digits)", echo);
            continue;
        }
        char *sp = tok[1];
        while (*sp && *sp != ' ' && *sp != '\t') {
            sp++;
        }
        char keep = *sp;
        *sp = '\0';
        if (strstr(tok[1], "..")) {
            if (!s_period(tok[1], &per)) {
                char echo[S_ECHO + 4];
                s_echo(tok[1], strlen(tok[1]), echo, sizeof(echo));
                s_err_file(p, path, ln, "bad period '%s' (YYYY-MM-DD..YYYY-MM-DD)", echo);
                continue;
            }
        }
        *sp = keep;
        if (n == cap) {
            s_cbs_t *g = gw_realloc(v, 2 * cap * sizeof(*v));
            if (!g) {
                gw_free(v);
                v = NULL;
                break;
            }
            v = g;
            cap *= 2;
        }
        v[n].code = s_strdup(p, tok[0]);
        v[n].period = per;
        n++;
    }
    gw_free(text);
    if (!v) {
        p->oom = 1;
        return;
    }
    if (n == 0) {
        s_err(p, line, "gemeentelijst %s holds no gemeentecodes", path);
    }
    reg->cbs = s_alloc(p, (n ? n : 1) * sizeof(*reg->cbs));
    if (reg->cbs) {
        memcpy(reg->cbs, v, n * sizeof(*v));
        qsort(reg->cbs, n, sizeof(*reg->cbs), s_cbs_cmp);
        reg->ncbs = n;
        reg->has_cbs = 1;
    }
    gw_free(v);
}

/* ------------------------------------------------------------------ freezing ---- */

static int
s_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
s_cat_cmp(const void *a, const void *b)
{
    const gw_reg_categorie_t *x = a, *y = b;
    if (x->wet != y->wet) {
        return x->wet < y->wet ? -1 : 1;
    }
    return strcmp(x->code, y->code);
}

static int
s_prod_cmp(const void *a, const void *b)
{
    const gw_reg_product_t *x = a, *y = b;
    if (x->wet != y->wet) {
        return x->wet < y->wet ? -1 : 1;
    }
    return strcmp(x->code, y->code);
}

static int
s_aanb_cmp(const void *a, const void *b)
{
    const gw_reg_aanbieder_t *x = a, *y = b;
    return strcmp(x->agb, y->agb);
}

static int
s_tarief_cmp(const void *a, const void *b)
{
    const gw_reg_tarief_t *x = a, *y = b;
    int c = strcmp(x->product ? x->product : "", y->product ? y->product : "");
    if (c != 0) {
        return c;
    }
    return x->period.from < y->period.from ? -1 : x->period.from > y->period.from;
}

static const gw_reg_segment_t *
s_segment(const gw_register_t *reg, const char *id)
{
    for (size_t i = 0; id && i < reg->nsegments; i++) {
        if (strcmp(reg->segments[i].id, id) == 0) {
            return &reg->segments[i];
        }
    }
    return NULL;
}

/* "1, 2, 5" into buf, for "unknown segment" errors. */
static void
s_segment_names(const gw_register_t *reg, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < reg->nsegments && o < cap; i++) {
        int w = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", reg->segments[i].id);
        o += w > 0 ? (size_t)w : 0;
    }
    if (reg->nsegments == 0) {
        snprintf(buf, cap, "none defined");
    }
}

/* Fill the fields of dst not set in it from src. */
static void
s_inherit(gw_reg_props_t *dst, const gw_reg_props_t *src)
{
    uint32_t take = src->set & ~dst->set;
    if (take & GW_REG_P_BEKOSTIGING) {
        dst->bekostiging = src->bekostiging;
    }
    if (take & GW_REG_P_EENHEID) {
        dst->eenheden = src->eenheden;
    }
    if (take & GW_REG_P_FREQUENTIE) {
        dst->frequenties = src->frequenties;
    }
    if (take & GW_REG_P_MAXDUUR) {
        dst->dur_n = src->dur_n;
        dst->dur_unit = src->dur_unit;
    }
    if (take & GW_REG_P_LEEFTIJD) {
        dst->age_min = src->age_min;
        dst->age_max = src->age_max;
    }
    if (take & GW_REG_P_CRISIS) {
        dst->crisis = src->crisis;
    }
    if (take & GW_REG_P_VERWIJZERS) {
        dst->verwijzers = src->verwijzers;
    }
    if (take & GW_REG_P_SCOPE) {
        dst->buiten_scope = src->buiten_scope;
    }
    if (take & GW_REG_P_SPECIFIEK) {
        dst->specifiek = src->specifiek;
    }
    if (take & GW_REG_P_EINDDATUM) {
        dst->einddatum = src->einddatum;
    }
    if (take & GW_REG_P_LEEFTIJD_OP) {
        dst->age_max_at_begin = src->age_max_at_begin;
    }
    dst->set |= take;
    /* Severities per rule: each rule inherits on its own. */
    for (int r = 0; r < GW_CR_NRULES; r++) {
        if (!(dst->sev_set & (1u << r)) && (src->sev_set & (1u << r))) {
            dst->sev[r] = src->sev[r];
            dst->sev_set |= 1u << r;
        }
    }
}

/* Units allowed by the bekostiging when no `eenheid` was given anywhere. */
static void
s_default_units(gw_reg_props_t *pr)
{
    if (pr->set & GW_REG_P_EENHEID) {
        return;
    }
    const char *const insp[] = {"01", "04", "14", "16", "84", NULL};
    const char *const outp[] = {"82", "83", NULL};
    const char *const *l = pr->bekostiging == GW_BEK_INSPANNING ? insp
                           : pr->bekostiging == GW_BEK_OUTPUT   ? outp
                                                                : NULL;
    if (!l) {
        return;
    }
    pr->eenheden = 0;
    for (size_t i = 0; l[i]; i++) {
        pr->eenheden |= gw_reg_code_bit(gw_reg_eenheden, l[i]);
    }
    pr->set |= GW_REG_P_EENHEID;
}

/* Sorted tariffs from a builder list into the arena; overlapping periods are errors. */
static const gw_reg_tarief_t *
s_freeze_tarief(s_parser_t *p, b_tarief_t *list, size_t n, const char *owner)
{
    if (n == 0) {
        return NULL;
    }
    gw_reg_tarief_t *v = s_alloc(p, n * sizeof(*v));
    if (!v) {
        return NULL;
    }
    size_t i = n;
    for (b_tarief_t *t = list; t; t = t->next) {
        v[--i] = t->t; /* the list is newest first: restore file order */
    }
    qsort(v, n, sizeof(*v), s_tarief_cmp);
    for (i = 1; i < n; i++) {
        int same =
            strcmp(v[i].product ? v[i].product : "", v[i - 1].product ? v[i - 1].product : "") == 0;
        if (same && v[i].period.from <= v[i - 1].period.to) {
            s_err(p, v[i].line, "%s: tarief%s%s overlaps the one at line %d", owner,
                  v[i].product ? " of " : "", v[i].product ? v[i].product : "", v[i - 1].line);
        }
    }
    return v;
}

/* A ProductCode of either wet in the (sorted) product list. */
static int
s_has_code(const gw_register_t *reg, const char *code)
{
    return gw_register_product(reg, GW_FAMILY_IJW, code) ||
           gw_register_product(reg, GW_FAMILY_IWMO, code);
}

static gw_register_t *
s_freeze(s_parser_t *p)
{
    gw_register_t *reg = s_alloc(p, sizeof(*reg));
    if (!reg) {
        return NULL;
    }
    reg->file = s_strdup(p, p->file);
    reg->naam = p->naam;
    reg->periode = p->periode;
    reg->complete = p->complete;
    memcpy(reg->sev, p->sev, sizeof(reg->sev));
    if (!p->have_register) {
        s_err(p, 0, "no 'register' section (the file starts with `register` and its `naam`)");
    } else if (!p->naam) {
        s_err(p, p->register_line, "register: missing 'naam'");
    }
    if (p->gemeenten) {
        reg->gemeenten = p->gemeenten;
        reg->ngemeenten = p->ngemeenten;
        qsort(reg->gemeenten, reg->ngemeenten, sizeof(*reg->gemeenten), s_str_cmp);
    }

    /* Segments, in file order (the builder list is newest first). */
    reg->nsegments = p->nsegments;
    reg->segments = s_alloc(p, (p->nsegments ? p->nsegments : 1) * sizeof(*reg->segments));
    if (!reg->segments) {
        return reg;
    }
    size_t i = p->nsegments;
    for (b_segment_t *b = p->segments; b; b = b->next) {
        reg->segments[--i] = b->s;
    }
    for (i = 0; i < reg->nsegments; i++) {
        for (size_t k = 0; k < i; k++) {
            if (strcmp(reg->segments[i].id, reg->segments[k].id) == 0) {
                s_err(p, reg->segments[i].line, "duplicate segment %s (first at line %d)",
                      reg->segments[i].id, reg->segments[k].line);
                break;
            }
        }
    }
    char segnames[256];
    s_segment_names(reg, segnames, sizeof(segnames));

    /* Categories: own props, then the segment's. */
    reg->ncategorien = p->ncategorien;
    reg->categorien = s_alloc(p, (p->ncategorien ? p->ncategorien : 1) * sizeof(*reg->categorien));
    if (!reg->categorien) {
        return reg;
    }
    i = 0;
    for (b_categorie_t *b = p->categorien; b; b = b->next, i++) {
        gw_reg_categorie_t *c = &reg->categorien[i];
        *c = b->c;
        c->segment = s_segment(reg, b->segment_id);
        if (b->segment_id && !c->segment) {
            s_err(p, b->segment_line, "categorie %s: unknown segment '%s' (segments: %s)", c->code,
                  b->segment_id, segnames);
        } else if (!b->segment_id && !(c->props.buiten_scope)) {
            s_err(p, c->line, "categorie %s: missing 'segment' (or buiten_scope = ja)", c->code);
        }
        if (c->segment) {
            s_inherit(&c->props, &c->segment->props);
        }
        /* Default units come after the products inherited (a product's own bekostiging
         * decides its default units, not its category's). */
    }
    qsort(reg->categorien, reg->ncategorien, sizeof(*reg->categorien), s_cat_cmp);
    for (i = 1; i < reg->ncategorien; i++) {
        if (s_cat_cmp(&reg->categorien[i], &reg->categorien[i - 1]) == 0) {
            const gw_reg_categorie_t *x = &reg->categorien[i], *y = &reg->categorien[i - 1];
            s_err(p, x->line > y->line ? x->line : y->line,
                  "duplicate categorie %s (first at line %d)", x->code,
                  x->line > y->line ? y->line : x->line);
        }
    }

    /* Products: own props, then the category's (already with its segment's), then the segment's. */
    reg->nproducts = p->nproducts;
    reg->products = s_alloc(p, (p->nproducts ? p->nproducts : 1) * sizeof(*reg->products));
    if (!reg->products) {
        return reg;
    }
    i = 0;
    for (b_product_t *b = p->products; b; b = b->next, i++) {
        gw_reg_product_t *pr = &reg->products[i];
        *pr = b->p;
        if (!pr->categorie) {
            s_err(p, pr->line, "product %s: missing 'categorie'", pr->code);
            continue;
        }
        gw_family_t cw = gw_reg_code_bit(s_jz020, pr->categorie) ? GW_FAMILY_IJW : GW_FAMILY_IWMO;
        if (!b->wet_set) {
            pr->wet = cw;
        } else if (pr->wet != cw) {
            s_err(p, b->wet_set, "product %s: categorie %s is not a %s category", pr->code,
                  pr->categorie, pr->wet == GW_FAMILY_IJW ? "jeugdwet" : "wmo");
        }
        gw_reg_categorie_t key = {.wet = pr->wet, .code = pr->categorie};
        const gw_reg_categorie_t *cat =
            bsearch(&key, reg->categorien, reg->ncategorien, sizeof(key), s_cat_cmp);
        if (b->segment_id) {
            pr->segment = s_segment(reg, b->segment_id);
            if (!pr->segment) {
                s_err(p, b->segment_line, "product %s: unknown segment '%s' (segments: %s)",
                      pr->code, b->segment_id, segnames);
            }
        } else if (cat) {
            pr->segment = cat->segment;
        }
        /* The category's own keys first, then the segment's: inherit from a copy of the
         * category without its segment's contribution would need the raw props; the
         * category's segment is the product's unless the product names another. */
        if (cat && (!pr->segment || pr->segment == cat->segment)) {
            s_inherit(&pr->props, &cat->props);
        } else if (cat) {
            /* Another segment: only what the categorie section itself says. */
            for (b_categorie_t *bc = p->categorien; bc; bc = bc->next) {
                if (bc->c.wet == cat->wet && strcmp(bc->c.code, cat->code) == 0) {
                    s_inherit(&pr->props, &bc->c.props);
                    break;
                }
            }
        }
        if (pr->segment) {
            s_inherit(&pr->props, &pr->segment->props);
        }
        if (!pr->segment && !pr->props.buiten_scope && !b->segment_id) {
            s_err(p, pr->line,
                  "product %s: no segment (set 'segment', give categorie %s a segment, or "
                  "buiten_scope = ja)",
                  pr->code, pr->categorie);
        }
        s_default_units(&pr->props);
        char owner[32];
        snprintf(owner, sizeof(owner), "product %s", pr->code);
        pr->tarief = s_freeze_tarief(p, b->tarief, b->ntarief, owner);
        pr->ntarief = b->ntarief;
    }
    qsort(reg->products, reg->nproducts, sizeof(*reg->products), s_prod_cmp);
    for (i = 0; i < reg->ncategorien; i++) {
        s_default_units(&reg->categorien[i].props);
    }
    for (i = 1; i < reg->nproducts; i++) {
        if (s_prod_cmp(&reg->products[i], &reg->products[i - 1]) == 0) {
            const gw_reg_product_t *x = &reg->products[i], *y = &reg->products[i - 1];
            s_err(p, x->line > y->line ? x->line : y->line,
                  "duplicate product %s (first at line %d)", x->code,
                  x->line > y->line ? y->line : x->line);
        }
    }

    /* Aanbieders: contracts and tariffs, sorted; then the hoofdaannemer links. */
    reg->naanbieders = p->naanbieders;
    reg->aanbieders = s_alloc(p, (p->naanbieders ? p->naanbieders : 1) * sizeof(*reg->aanbieders));
    if (!reg->aanbieders) {
        return reg;
    }
    i = 0;
    for (b_aanbieder_t *b = p->aanbieders; b; b = b->next, i++) {
        gw_reg_aanbieder_t *a = &reg->aanbieders[i];
        *a = b->a;
        gw_reg_contract_t *cv = s_alloc(p, (b->ncontract ? b->ncontract : 1) * sizeof(*cv));
        if (!cv) {
            return reg;
        }
        size_t k = b->ncontract;
        for (b_contract_t *c = b->contract; c; c = c->next) {
            gw_reg_contract_t *dst = &cv[--k];
            *dst = c->c;
            dst->segment = s_segment(reg, c->segment_id);
            if (!dst->segment) {
                s_err(p, c->c.line, "aanbieder %s: contract: unknown segment '%s' (segments: %s)",
                      a->agb, c->segment_id, segnames);
            }
            if (dst->period.from == INT32_MIN + 1) {
                dst->period = reg->periode; /* open unless the register has a periode */
            }
            for (size_t g = 0; g < dst->nproducten; g++) {
                if (!s_has_code(reg, dst->producten[g])) {
                    s_err(p, c->c.line, "aanbieder %s: contract: unknown product '%s'", a->agb,
                          dst->producten[g]);
                }
            }
        }
        a->contract = cv;
        a->ncontract = b->ncontract;
        char owner[32];
        snprintf(owner, sizeof(owner), "aanbieder %s", a->agb);
        a->tarief = s_freeze_tarief(p, b->tarief, b->ntarief, owner);
        a->ntarief = b->ntarief;
        for (k = 0; k < a->ntarief; k++) {
            if (!s_has_code(reg, a->tarief[k].product)) {
                s_err(p, a->tarief[k].line, "aanbieder %s: tarief: unknown product '%s'", a->agb,
                      a->tarief[k].product);
            }
        }
    }
    qsort(reg->aanbieders, reg->naanbieders, sizeof(*reg->aanbieders), s_aanb_cmp);
    for (i = 1; i < reg->naanbieders; i++) {
        if (strcmp(reg->aanbieders[i].agb, reg->aanbieders[i - 1].agb) == 0) {
            const gw_reg_aanbieder_t *x = &reg->aanbieders[i], *y = &reg->aanbieders[i - 1];
            s_err(p, x->line > y->line ? x->line : y->line,
                  "duplicate aanbieder %s (first at line %d)", x->agb,
                  x->line > y->line ? y->line : x->line);
        }
    }
    for (b_aanbieder_t *b = p->aanbieders; b; b = b->next) {
        if (!b->hoofd) {
            continue;
        }
        gw_reg_aanbieder_t *self = (gw_reg_aanbieder_t *)gw_register_aanbieder(reg, b->a.agb);
        const gw_reg_aanbieder_t *h = gw_register_aanbieder(reg, b->hoofd);
        if (!h) {
            s_err(p, b->hoofd_line,
                  "aanbieder %s: hoofdaannemer %s is not an aanbieder of this register", b->a.agb,
                  b->hoofd);
        } else if (h == self) {
            s_err(p, b->hoofd_line, "aanbieder %s: cannot be its own hoofdaannemer", b->a.agb);
        } else if (self) {
            self->hoofdaannemer = h;
        }
    }
    for (i = 0; i < reg->naanbieders; i++) {
        const gw_reg_aanbieder_t *a = &reg->aanbieders[i];
        if (a->hoofdaannemer && a->hoofdaannemer->hoofdaannemer) {
            s_err(p, a->line,
                  "aanbieder %s: its hoofdaannemer %s is itself an onderaannemer (one level only)",
                  a->agb, a->hoofdaannemer->agb);
        }
    }

    if (p->gemeentelijst) {
        char path[4096];
        if (p->gemeentelijst[0] == '/' || !p->dir) {
            snprintf(path, sizeof(path), "%s", p->gemeentelijst);
        } else {
            snprintf(path, sizeof(path), "%s/%s", p->dir, p->gemeentelijst);
        }
        s_load_cbs(p, reg, path, p->gemeentelijst_line);
    }
    return reg;
}

/* ------------------------------------------------------------------ entry points ---- */

gw_register_t *
gw_register_parse(const char *text, size_t len, const char *name, const char *dir, char **err)
{
    s_parser_t p;
    memset(&p, 0, sizeof(p));
    p.file = name ? name : "(register)";
    p.dir = dir;
    p.complete = 1;
    p.periode = (gw_reg_period_t){GW_REG_OPEN_FROM, GW_REG_OPEN_TO};
    for (int r = 0; r < GW_CR_NRULES; r++) {
        p.sev[r] = gw_cr_rules[r].def;
    }
    if (err) {
        *err = NULL;
    }
    gw_register_t *reg = NULL;
    p.a = gw_arena_new(64 * 1024);
    if (!p.a) {
        p.oom = 1;
        goto out;
    }
    const char *c = text, *end = text + len;
    char line[S_MAX_VALUE + 256];
    while (c < end && !p.oom) {
        const char *nl = memchr(c, '\n', (size_t)(end - c));
        const char *le = nl ? nl : end;
        p.line++;
        size_t n = (size_t)(le - c);
        if (n > 0 && c[n - 1] == '\r') {
            n--;
        }
        const char *s = c;
        c = nl ? nl + 1 : end;
        if (memchr(s, '\0', n)) {
            s_err(&p, p.line, "NUL byte in line");
            continue;
        }
        if (n >= sizeof(line)) {
            s_err(&p, p.line, "line too long (more than %zu bytes)", sizeof(line) - 1);
            continue;
        }
        size_t lead = 0;
        while (lead < n && (s[lead] == ' ' || s[lead] == '\t')) {
            lead++;
        }
        if (lead == n || s[lead] == '#') {
            continue; /* blank or comment */
        }
        if (lead == 0) {
            memcpy(line, s, n);
            line[n] = '\0';
            s_section_line(&p, line);
        } else {
            s_key_line(&p, s + lead, n - lead);
        }
    }
    if (!p.oom) {
        reg = s_freeze(&p);
    }
out:
    if (p.oom || p.nerr > 0 || !reg) {
        if (p.oom) {
            gw_free(p.err);
            p.err = gw_strdup("out of memory reading the contract register");
        }
        if (err) {
            *err = p.err;
        } else {
            gw_free(p.err);
        }
        gw_arena_destroy(&p.a);
        return NULL;
    }
    gw_free(p.err);
    reg->arena = p.a;
    return reg;
}

static char *
s_read_file(const char *path, size_t *len, char *why, size_t whycap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whycap, "cannot open");
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= S_MAX_FILE) {
                snprintf(why, whycap, "larger than %u bytes", S_MAX_FILE);
                gw_free(buf);
                fclose(f);
                return NULL;
            }
            size_t ncap = cap ? cap * 2 : 65536;
            char *g = gw_realloc(buf, ncap + 1);
            if (!g) {
                snprintf(why, whycap, "out of memory");
                gw_free(buf);
                fclose(f);
                return NULL;
            }
            buf = g;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(why, whycap, "read error");
        gw_free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

gw_register_t *
gw_register_load(const char *path, char **err)
{
    char why[128];
    size_t len = 0;
    if (err) {
        *err = NULL;
    }
    char *text = s_read_file(path, &len, why, sizeof(why));
    if (!text) {
        if (err) {
            char msg[4200];
            snprintf(msg, sizeof(msg), "%s: cannot read the contract register: %s", path, why);
            *err = gw_strdup(msg);
        }
        return NULL;
    }
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        if (slash == dir) {
            dir[0] = '/';
            dir[1] = '\0';
        }
    } else {
        snprintf(dir, sizeof(dir), ".");
    }
    gw_register_t *reg = gw_register_parse(text, len, path, dir, err);
    gw_free(text);
    return reg;
}

int
gw_register_resolve(const char *conf_file, const char *reg, char *out, size_t cap)
{
    const char *slash = conf_file ? strrchr(conf_file, '/') : NULL;
    int n;
    if (reg[0] != '/' && slash) {
        n = snprintf(out, cap, "%.*s/%s", (int)(slash - conf_file), conf_file, reg);
    } else {
        n = snprintf(out, cap, "%s", reg);
    }
    return n < 0 || (size_t)n >= cap ? GW_EINVAL : GW_OK;
}

void
gw_register_destroy(gw_register_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_arena_t *a = (*self_p)->arena; /* the register itself lives in its arena */
    *self_p = NULL;
    gw_arena_destroy(&a);
}

/* ------------------------------------------------------------------ lookups ---- */

const char *
gw_register_name(const gw_register_t *self)
{
    return self->naam;
}

const char *
gw_register_file(const gw_register_t *self)
{
    return self->file;
}

gw_severity_t
gw_register_severity(const gw_register_t *self, gw_cr_rule_t rule)
{
    return rule < GW_CR_NRULES ? self->sev[rule] : GW_SEV_OFF;
}

gw_severity_t
gw_register_severity_for(const gw_register_t *self, const gw_reg_props_t *props, gw_cr_rule_t rule)
{
    if (props && rule < GW_CR_NRULES && (props->sev_set & (1u << rule))) {
        return (gw_severity_t)props->sev[rule];
    }
    return gw_register_severity(self, rule);
}

int
gw_register_complete_list(const gw_register_t *self)
{
    return self->complete;
}

int
gw_register_in_scope(const gw_register_t *self, const char *gemeente)
{
    if (!self->gemeenten) {
        return 1;
    }
    if (!gemeente) {
        return 0;
    }
    return bsearch(&gemeente, self->gemeenten, self->ngemeenten, sizeof(*self->gemeenten),
                   s_str_cmp) != NULL;
}

static int
s_in(gw_reg_period_t per, int32_t day)
{
    return day >= per.from && day <= per.to;
}

int
gw_register_gemeente_known(const gw_register_t *self, const char *gemeente, int32_t day)
{
    if (!self->has_cbs) {
        return -1;
    }
    if (!gemeente) {
        return 0;
    }
    /* Lower bound on code, then every entry of that code. */
    size_t lo = 0, hi = self->ncbs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(self->cbs[mid].code, gemeente) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (; lo < self->ncbs && strcmp(self->cbs[lo].code, gemeente) == 0; lo++) {
        if (s_in(self->cbs[lo].period, day)) {
            return 1;
        }
    }
    return 0;
}

const gw_reg_product_t *
gw_register_product(const gw_register_t *self, gw_family_t wet, const char *code)
{
    if (!code) {
        return NULL;
    }
    gw_reg_product_t key = {.wet = wet, .code = code};
    return bsearch(&key, self->products, self->nproducts, sizeof(key), s_prod_cmp);
}

const gw_reg_categorie_t *
gw_register_categorie(const gw_register_t *self, gw_family_t wet, const char *code)
{
    if (!code) {
        return NULL;
    }
    gw_reg_categorie_t key = {.wet = wet, .code = code};
    return bsearch(&key, self->categorien, self->ncategorien, sizeof(key), s_cat_cmp);
}

const gw_reg_aanbieder_t *
gw_register_aanbieder(const gw_register_t *self, const char *agb)
{
    if (!agb) {
        return NULL;
    }
    gw_reg_aanbieder_t key = {.agb = agb};
    return bsearch(&key, self->aanbieders, self->naanbieders, sizeof(key), s_aanb_cmp);
}

static int
s_listed(const char *const *v, size_t n, const char *s)
{
    if (!v) {
        return 1; /* not restricted */
    }
    for (size_t i = 0; s && i < n; i++) {
        if (strcmp(v[i], s) == 0) {
            return 1;
        }
    }
    return 0;
}

const gw_reg_contract_t *
gw_register_contract(const gw_reg_aanbieder_t *a, const gw_reg_segment_t *seg, int32_t day,
                     const char *gemeente, const char *product)
{
    for (size_t i = 0; a && i < a->ncontract; i++) {
        const gw_reg_contract_t *c = &a->contract[i];
        if (c->segment == seg && s_in(c->period, day) &&
            (!gemeente || s_listed(c->gemeenten, c->ngemeenten, gemeente)) &&
            (!product || s_listed(c->producten, c->nproducten, product))) {
            return c;
        }
    }
    return NULL;
}

int
gw_register_tarief(const gw_reg_aanbieder_t *a, const gw_reg_product_t *p, int32_t day,
                   int64_t *amount)
{
    for (size_t i = 0; a && i < a->ntarief; i++) {
        if (strcmp(a->tarief[i].product, p->code) == 0 && s_in(a->tarief[i].period, day)) {
            *amount = a->tarief[i].amount;
            return 1;
        }
    }
    for (size_t i = 0; i < p->ntarief; i++) {
        if (s_in(p->tarief[i].period, day)) {
            *amount = p->tarief[i].amount;
            return 1;
        }
    }
    return 0;
}

size_t
gw_register_count_products(const gw_register_t *self)
{
    return self->nproducts;
}

size_t
gw_register_count_aanbieders(const gw_register_t *self)
{
    return self->naanbieders;
}
