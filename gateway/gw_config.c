/*
 * Configuration parser. Reads the indentation-structured config format
 * (gw_config.h) into a new, immutable gw_config_t generation. Every directive
 * is a row of a table (name, type, offset, default as text, min, max), in the
 * manner of nginx's ngx_command_t and redis's standardConfig: defaults go
 * through the same setter as user values, so a default can never be something
 * a user could not write. Parsing never stops at the first problem: every
 * error is collected as "NAME:LINE: message" so an operator fixes a file in
 * one round. The broker only ever sees a config that passed every check.
 */
#include "gw_config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/conftext.h"
#include "gw/err.h"

#include "gw_calendar.h"
#include "gw_store.h"

#define GW_CONF_MAX_FILE   1048576 /* gw_config_load refuses larger files (1 MiB) */
#define GW_CONF_MAX_ERRORS 100     /* further errors are counted, not listed */
#define GW_CONF_MAX_VALUE  4096    /* longest value on one line */
#define GW_CONF_ECHO       64      /* longest echo of user text in a message */

#define GW_KIB (INT64_C(1) << 10)
#define GW_MIB (INT64_C(1) << 20)
#define GW_GIB (INT64_C(1) << 30)
#define GW_TIB (INT64_C(1) << 40)

#define GW_SEC  INT64_C(1000)
#define GW_MIN  (60 * GW_SEC)
#define GW_HOUR (60 * GW_MIN)
#define GW_DAY  (24 * GW_HOUR)

#define GW_FSIZE(T, m) sizeof(((T *)0)->m)

/* How a directive's value is parsed and stored. */
typedef enum gw_conf_type {
    GW_CT_STRING,       /* char[]: min..max is the length in bytes */
    GW_CT_ENDPOINT,     /* char[]: a ZeroMQ endpoint we can bind */
    GW_CT_SIZE,         /* size_t bytes: "1024", "512K", "25M", "1G" */
    GW_CT_SIZE64,       /* int64_t bytes, same syntax */
    GW_CT_COUNT,        /* size_t, plain decimal */
    GW_CT_DURATION,     /* int64_t milliseconds: "150ms", "2s", "5m", "1h", "3d" */
    GW_CT_DURATION_INT, /* int milliseconds, same syntax */
    GW_CT_CHOICE,       /* int, one of choices[] (case-insensitive) */
    GW_CT_KIND,         /* gw_party_kind_t, one of choices[] */
    GW_CT_TAP,          /* uint32_t: message type names -> bit i of gw_msgtype_at(i) */
    GW_CT_LISTEN,       /* char[]: "" (off) or host:port of a TCP listener (gw_http.h) */
    GW_CT_DATES,        /* char[]: "YYYY-MM-DD ..." (gw_calendar_check_days) */
} gw_conf_type_t;

/* One keyword of a CHOICE or KIND value. */
typedef struct gw_conf_choice {
    const char *name; /* keyword as written */
    int value;        /* stored value */
} gw_conf_choice_t;

enum {
    GW_DIR_PLATFORM_ONLY = 1 << 0, /* party directive valid only for kind platform */
    GW_DIR_REQUIRED = 1 << 1,      /* no default: the section must set it */
};

/* One directive: a row of a section's table. */
typedef struct gw_directive {
    const char *name;                /* key as written in the file */
    gw_conf_type_t type;             /* parser and storage type */
    size_t offset;                   /* offsetof the field in the section's struct */
    const char *dflt;                /* default as text (parsed like user input); NULL = none */
    int64_t min;                     /* lowest value (bytes, ms, count, or string length) */
    int64_t max;                     /* highest value */
    unsigned flags;                  /* GW_DIR_* */
    const gw_conf_choice_t *choices; /* CHOICE/KIND keywords, NULL-terminated; else NULL */
} gw_directive_t;

static const gw_conf_choice_t s_sync_choices[] = {
    {"full", 0},
    {"normal", 1},
    {NULL, 0},
};

static const gw_conf_choice_t s_bool_choices[] = {
    {"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0}, {"on", 1}, {"off", 0}, {NULL, 0},
};

static const gw_conf_choice_t s_closed_choices[] = {
    {"closed", 1}, {"open", 0}, {"yes", 1}, {"no", 0}, {NULL, 0},
};

static const gw_conf_choice_t s_bevrijdingsdag_choices[] = {
    {"closed", GW_CAL_BEVRIJDINGSDAG_YES},
    {"lustrum", GW_CAL_BEVRIJDINGSDAG_LUSTRUM},
    {"open", GW_CAL_BEVRIJDINGSDAG_NO},
    {NULL, 0},
};

static const gw_conf_choice_t s_kind_choices[] = {
    {"gemeente", GW_PARTY_GEMEENTE},
    {"aanbieder", GW_PARTY_AANBIEDER},
    {"platform", GW_PARTY_PLATFORM},
    {NULL, 0},
};

#define GWF(f) offsetof(gw_config_t, f)
#define PTF(f) offsetof(gw_party_conf_t, f)

/* The `gateway` section. Keep deploy/ijwgw.conf.example in step with this table. */
static const gw_directive_t s_gateway_directives[] = {
    {"endpoint", GW_CT_ENDPOINT, GWF(endpoint), "tcp://127.0.0.1:5570", 1,
     GW_FSIZE(gw_config_t, endpoint) - 1, 0, NULL},
    {"store", GW_CT_STRING, GWF(store), "/var/lib/ijwgw/store.db", 1,
     GW_FSIZE(gw_config_t, store) - 1, 0, NULL},
    {"max_message_size", GW_CT_SIZE, GWF(max_message_size), "25M", GW_KIB, 100 * GW_MIB, 0, NULL},
    {"delivery_timeout", GW_CT_DURATION, GWF(delivery_timeout_ms), "3d", 100, 365 * GW_DAY, 0,
     NULL},
    {"retry_initial", GW_CT_DURATION, GWF(retry_initial_ms), "2s", 10, GW_HOUR, 0, NULL},
    {"retry_max", GW_CT_DURATION, GWF(retry_max_ms), "5m", 10, GW_DAY, 0, NULL},
    {"queue_limit", GW_CT_COUNT, GWF(queue_limit), "100000", 1, 100000000, 0, NULL},
    {"inflight_limit", GW_CT_COUNT, GWF(inflight_limit), "256", 1, 65536, 0, NULL},
    {"heartbeat", GW_CT_DURATION_INT, GWF(heartbeat_ms), "5s", 10, GW_HOUR, 0, NULL},
    {"store_sync", GW_CT_CHOICE, GWF(sync_normal), "full", 0, 0, 0, s_sync_choices},
    {"answer_accepted", GW_CT_CHOICE, GWF(answer_accepted), "no", 0, 0, 0, s_bool_choices},
    {"store_max_size", GW_CT_SIZE64, GWF(store_max_bytes), "0", 0, 1024 * GW_TIB, 0, NULL},
    {"curve", GW_CT_CHOICE, GWF(curve), "off", 0, 0, 0, s_bool_choices},
    {"server_key", GW_CT_STRING, GWF(server_key), "/var/lib/ijwgw/server.key", 1,
     GW_FSIZE(gw_config_t, server_key) - 1, 0, NULL},
    {"party_keys", GW_CT_STRING, GWF(party_keys), "/etc/ijwgw/parties", 1,
     GW_FSIZE(gw_config_t, party_keys) - 1, 0, NULL},
    {"http", GW_CT_LISTEN, GWF(http), "", 0, GW_FSIZE(gw_config_t, http) - 1, 0, NULL},
    /* The deadline monitor (gw_deadline.c, docs/deadlines.md). */
    {"deadlines", GW_CT_CHOICE, GWF(deadlines), "yes", 0, 0, 0, s_bool_choices},
    {"clock_offset", GW_CT_DURATION, GWF(clock_offset_ms), "0s", 0, 3650 * GW_DAY, 0, NULL},
    {"goede_vrijdag", GW_CT_CHOICE, GWF(goede_vrijdag), "closed", 0, 0, 0, s_closed_choices},
    {"bevrijdingsdag", GW_CT_CHOICE, GWF(bevrijdingsdag), "closed", 0, 0, 0,
     s_bevrijdingsdag_choices},
    {"closed_days", GW_CT_DATES, GWF(closed_days), "", 0, GW_FSIZE(gw_config_t, closed_days) - 1,
     0, NULL},
    {"store_key", GW_CT_STRING, GWF(store_key), "", 0, GW_FSIZE(gw_config_t, store_key) - 1, 0,
     NULL},
    {"audit_log", GW_CT_STRING, GWF(audit_log), "", 0, GW_FSIZE(gw_config_t, audit_log) - 1, 0,
     NULL},
    {"audit_key", GW_CT_STRING, GWF(audit_key), "", 0, GW_FSIZE(gw_config_t, audit_key) - 1, 0,
     NULL},
    /* This node's id on a shared PostgreSQL store (docs/scale-out.md); "" = the host name. */
    {"node", GW_CT_STRING, GWF(node), "", 0, GW_FSIZE(gw_config_t, node) - 1, 0, NULL},
};

/* The `party CODE` section. */
static const gw_directive_t s_party_directives[] = {
    {"kind", GW_CT_KIND, PTF(kind), NULL, 0, 0, GW_DIR_REQUIRED, s_kind_choices},
    {"name", GW_CT_STRING, PTF(name), "", 0, GW_FSIZE(gw_party_conf_t, name) - 1, 0, NULL},
    {"tap", GW_CT_TAP, PTF(tap), "", 0, 0, GW_DIR_PLATFORM_ONLY, NULL},
    {"tap_strip_freetext", GW_CT_CHOICE, PTF(tap_strip_freetext), "no", 0, 0, GW_DIR_PLATFORM_ONLY,
     s_bool_choices},
    {"max_message_size", GW_CT_SIZE, PTF(max_message_size), "0", 0, 100 * GW_MIB, 0, NULL},
    {"rate", GW_CT_COUNT, PTF(rate), "0", 0, 1000000, 0, NULL},
    {"queue_limit", GW_CT_COUNT, PTF(queue_limit), "0", 0, 100000000, 0, NULL},
};

#define GW_NGATEWAY (sizeof(s_gateway_directives) / sizeof(s_gateway_directives[0]))
#define GW_NPARTY   (sizeof(s_party_directives) / sizeof(s_party_directives[0]))

typedef enum gw_conf_section_id {
    GW_SEC_NONE = 0, /* before the first section line */
    GW_SEC_SKIP,     /* inside a section that was rejected: its keys are ignored */
    GW_SEC_GATEWAY,  /* gateway */
    GW_SEC_PARTY,    /* party CODE */
    GW_SEC_FILTER,   /* filter NAME: free-form keys, no directive table */
} gw_conf_section_id_t;

/* A section keyword: its table and whether it takes an argument. */
typedef struct gw_conf_section {
    const char *name;                 /* keyword at column 0 */
    gw_conf_section_id_t id;          /* parser state while inside it */
    int has_arg;                      /* 1: "party CODE"; 0: "gateway" */
    const char *arg_what;             /* what the argument is, for messages; NULL = none */
    const char *example;              /* an example section line, for messages */
    const gw_directive_t *directives; /* its directive table; NULL for free-form keys */
    size_t ndirectives;               /* rows in directives */
} gw_conf_section_t;

/* Sections with a directive table come first: s_key_line indexes them as 0 and 1. */
static const gw_conf_section_t s_sections[] = {
    {"gateway", GW_SEC_GATEWAY, 0, NULL, "gateway", s_gateway_directives, GW_NGATEWAY},
    {"party", GW_SEC_PARTY, 1, "a code", "party 0363", s_party_directives, GW_NPARTY},
    {"filter", GW_SEC_FILTER, 1, "a name", "filter tr056", NULL, 0},
};

/* The valid section lines, for messages. */
#define GW_SECTIONS_VALID "gateway, party CODE, filter NAME"

/* Longest filter name and filter option key ([a-z0-9_]). */
#define GW_CONF_MAX_IDENT 32

#define GW_NSECTIONS (sizeof(s_sections) / sizeof(s_sections[0]))

/* A slice of the input text. */
typedef struct gw_conf_tok {
    const char *p; /* start, not NUL-terminated */
    size_t n;      /* length */
} gw_conf_tok_t;

/* Parser state for one gw_config_parse() call. Zeroed at start. */
typedef struct gw_conf_parser {
    const char *name;              /* file name for messages */
    gw_config_t *cfg;              /* the generation being built */
    char *errs;                    /* collected messages, '\n'-separated (heap) */
    size_t errs_len;               /* bytes used in errs, without the NUL */
    size_t errs_cap;               /* bytes allocated for errs */
    size_t nerrors;                /* problems found (listed or not) */
    int oom;                       /* an allocation failed */
    int line;                      /* current line, 1-based */
    gw_conf_section_id_t sec;      /* section being read */
    int gateway_line;              /* line of the first `gateway`, 0 = none */
    int gateway_seen[GW_NGATEWAY]; /* line each gateway key was set on, 0 = default */
    int party_sections;            /* `party` lines seen, valid or not */
    int party_keep;                /* the current party is appended at section end */
    gw_party_conf_t party;         /* the party section being read */
    int party_seen[GW_NPARTY];     /* line each party key was set on, 0 = default */
    size_t parties_cap;            /* slots allocated in cfg->parties */
    int filter_keep;               /* the current filter is appended at section end */
    gw_filter_conf_t filter;       /* the filter section being read (owns its strings) */
    int filter_plugin_line;        /* line `plugin` was set on, 0 = absent */
    int filter_types_line;         /* line `types` was set on, 0 = absent */
    size_t filter_opts_cap;        /* slots allocated in filter.opts */
    size_t filters_cap;            /* slots allocated in cfg->filters */
} gw_conf_parser_t;

/* Copy s for quoting in a message: control bytes become '?', long text is cut. */
static const char *
s_echo(const char *s, size_t n, char *buf, size_t bufsz)
{
    size_t o = 0;
    size_t i = 0;
    for (; i < n && o + 4 < bufsz; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : s[i];
    }
    if (i < n) {
        memcpy(buf + o, "...", 3); /* the loop left room for it */
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

static void
s_errs_append(gw_conf_parser_t *p, const char *msg)
{
    size_t n = strlen(msg);
    size_t need = p->errs_len + n + 2; /* '\n' separator + NUL */
    if (need > p->errs_cap) {
        size_t cap = p->errs_cap ? p->errs_cap * 2 : 256;
        while (cap < need) {
            cap *= 2;
        }
        char *grown = gw_realloc(p->errs, cap);
        if (!grown) {
            p->oom = 1;
            return;
        }
        p->errs = grown;
        p->errs_cap = cap;
    }
    if (p->errs_len > 0) {
        p->errs[p->errs_len++] = '\n';
    }
    memcpy(p->errs + p->errs_len, msg, n + 1);
    p->errs_len += n;
}

/* Record one problem as "NAME:LINE: message" (line 0: "NAME: message"). */
GW_PRINTF(3, 4)
static void
s_err(gw_conf_parser_t *p, int line, const char *fmt, ...)
{
    char msg[1536];
    int off;
    p->nerrors++;
    if (p->nerrors > GW_CONF_MAX_ERRORS) {
        return;
    }
    if (line > 0) {
        off = snprintf(msg, sizeof(msg), "%s:%d: ", p->name, line);
    } else {
        off = snprintf(msg, sizeof(msg), "%s: ", p->name);
    }
    if (off < 0 || (size_t)off >= sizeof(msg)) {
        off = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
    va_end(ap);
    s_errs_append(p, msg);
}

/* Decimal digits at *s into *out; advances *s. 0 on overflow or no digits. */
static int
s_parse_u64(const char **s, uint64_t *out)
{
    const char *c = *s;
    uint64_t v = 0;
    if (*c < '0' || *c > '9') {
        return 0;
    }
    for (; *c >= '0' && *c <= '9'; c++) {
        unsigned d = (unsigned)(*c - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return 0;
        }
        v = v * 10 + d;
    }
    *s = c;
    *out = v;
    return 1;
}

int
gw_config_parse_size(const char *s, size_t *out)
{
    static const struct {
        char suffix;
        uint64_t mult;
    } units[] = {
        {'K', (uint64_t)GW_KIB},
        {'M', (uint64_t)GW_MIB},
        {'G', (uint64_t)GW_GIB},
        {'T', (uint64_t)GW_TIB},
    };
    uint64_t v;
    uint64_t mult = 1;
    if (!s || !out || !s_parse_u64(&s, &v)) {
        return GW_EINVAL;
    }
    if (*s != '\0') {
        size_t i;
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (*s == units[i].suffix || *s == units[i].suffix + ('a' - 'A')) {
                break;
            }
        }
        if (i == sizeof(units) / sizeof(units[0]) || s[1] != '\0') {
            return GW_EINVAL;
        }
        mult = units[i].mult;
    }
    if (v > UINT64_MAX / mult || v * mult > SIZE_MAX) {
        return GW_EINVAL;
    }
    *out = (size_t)(v * mult);
    return GW_OK;
}

int
gw_config_parse_duration(const char *s, int64_t *ms)
{
    /* "ms" must come before "m". */
    static const struct {
        const char *unit;
        int64_t mult;
    } units[] = {
        {"ms", 1}, {"s", GW_SEC}, {"m", GW_MIN}, {"h", GW_HOUR}, {"d", GW_DAY},
    };
    uint64_t v;
    if (!s || !ms || !s_parse_u64(&s, &v)) {
        return GW_EINVAL;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(s, units[i].unit) == 0) {
            if (v > (uint64_t)(INT64_MAX / units[i].mult)) {
                return GW_EINVAL;
            }
            *ms = (int64_t)v * units[i].mult;
            return GW_OK;
        }
    }
    return GW_EINVAL; /* no unit, or an unknown one */
}

/* "25M", "1K", "1536": the shortest exact spelling of a byte count. */
static const char *
s_fmt_size(int64_t v, char *buf, size_t n)
{
    static const struct {
        char suffix;
        int64_t mult;
    } units[] = {{'T', GW_TIB}, {'G', GW_GIB}, {'M', GW_MIB}, {'K', GW_KIB}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (v != 0 && v % units[i].mult == 0) {
            snprintf(buf, n, "%lld%c", (long long)(v / units[i].mult), units[i].suffix);
            return buf;
        }
    }
    snprintf(buf, n, "%lld", (long long)v);
    return buf;
}

/* "3d", "5m", "150ms": the largest exact unit of a duration. */
static const char *
s_fmt_duration(int64_t ms, char *buf, size_t n)
{
    static const struct {
        const char *unit;
        int64_t mult;
    } units[] = {{"d", GW_DAY}, {"h", GW_HOUR}, {"m", GW_MIN}, {"s", GW_SEC}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (ms != 0 && ms % units[i].mult == 0) {
            snprintf(buf, n, "%lld%s", (long long)(ms / units[i].mult), units[i].unit);
            return buf;
        }
    }
    snprintf(buf, n, "%lldms", (long long)ms);
    return buf;
}

/* Write "min..max" in the directive's own units. */
static void
s_fmt_range(const gw_directive_t *d, char *buf, size_t n)
{
    char lo[32];
    char hi[32];
    if (d->type == GW_CT_SIZE || d->type == GW_CT_SIZE64) {
        snprintf(buf, n, "%s..%s", s_fmt_size(d->min, lo, sizeof(lo)),
                 s_fmt_size(d->max, hi, sizeof(hi)));
    } else if (d->type == GW_CT_DURATION || d->type == GW_CT_DURATION_INT) {
        snprintf(buf, n, "%s..%s", s_fmt_duration(d->min, lo, sizeof(lo)),
                 s_fmt_duration(d->max, hi, sizeof(hi)));
    } else {
        snprintf(buf, n, "%lld..%lld", (long long)d->min, (long long)d->max);
    }
}

/* Keywords of a choice list as "a, b, c". */
static void
s_fmt_choices(const gw_conf_choice_t *c, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (; c->name && o < n; c++) {
        int w = snprintf(buf + o, n - o, "%s%s", o ? ", " : "", c->name);
        if (w < 0) {
            return;
        }
        o += (size_t)w;
    }
}

static const gw_conf_choice_t *
s_find_choice(const gw_conf_choice_t *c, const char *val)
{
    for (; c->name; c++) {
        if (strcasecmp(c->name, val) == 0) {
            return c;
        }
    }
    return NULL;
}

/*
 * Check the HTTP listener address: host:port with host an IPv4 address, a name
 * ([a-zA-Z0-9.-]) or [IPv6], and port 0..65535 (0: any free port, logged).
 */
static int
s_check_listen(const char *v, char *why, size_t whysz)
{
    static const char usage[] = "(use host:port, e.g. 127.0.0.1:9464 or [::1]:9464, or off)";
    char echo[GW_CONF_ECHO + 4];
    s_echo(v, strlen(v), echo, sizeof(echo));
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || colon[1] == '\0') {
        snprintf(why, whysz, "'%s' needs a host and a port %s", echo, usage);
        return GW_ECONFIG;
    }
    size_t hn = (size_t)(colon - v);
    int ok = 1;
    if (v[0] == '[') {
        ok = hn > 2 && v[hn - 1] == ']';
        for (size_t i = 1; ok && i + 1 < hn; i++) {
            ok = strchr("0123456789abcdefABCDEF:.", v[i]) != NULL;
        }
    } else {
        for (size_t i = 0; ok && i < hn; i++) {
            char c = v[i];
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-';
        }
    }
    if (!ok) {
        snprintf(why, whysz, "bad host in '%s' %s", echo, usage);
        return GW_ECONFIG;
    }
    const char *port = colon + 1;
    uint64_t pv = 0;
    if (!s_parse_u64(&port, &pv) || *port != '\0' || pv > 65535) {
        snprintf(why, whysz, "bad port in '%s' (0..65535; 0 = any free port)", echo);
        return GW_ECONFIG;
    }
    return GW_OK;
}

/*
 * Check a ZeroMQ endpoint the broker can bind: tcp://host:port (host a name,
 * an address, '*' or [IPv6]; port 1..65535 or '*' for an ephemeral one),
 * ipc://path (must fit sockaddr_un) or inproc://name.
 */
static int
s_check_endpoint(const char *ep, char *why, size_t whysz)
{
    static const char usage[] = "(use tcp://host:port, ipc://path or inproc://name)";
    char echo[GW_CONF_ECHO + 4];
    s_echo(ep, strlen(ep), echo, sizeof(echo));
    if (strncmp(ep, "tcp://", 6) == 0) {
        const char *host = ep + 6;
        const char *colon = strrchr(host, ':');
        if (!colon || colon == host) {
            snprintf(why, whysz, "'%s' needs a host and a port %s", echo, usage);
            return GW_ECONFIG;
        }
        size_t hn = (size_t)(colon - host);
        int ok = 1;
        if (host[0] == '[') {
            ok = hn > 2 && host[hn - 1] == ']';
            for (size_t i = 1; ok && i + 1 < hn; i++) {
                ok = strchr("0123456789abcdefABCDEF:.%", host[i]) != NULL;
            }
        } else if (!(hn == 1 && host[0] == '*')) {
            for (size_t i = 0; ok && i < hn; i++) {
                char c = host[i];
                ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '-' || c == '_';
            }
        }
        if (!ok) {
            snprintf(why, whysz, "bad host in '%s' %s", echo, usage);
            return GW_ECONFIG;
        }
        const char *port = colon + 1;
        uint64_t pv = 0;
        if (strcmp(port, "*") != 0 &&
            (!s_parse_u64(&port, &pv) || *port != '\0' || pv < 1 || pv > 65535)) {
            snprintf(why, whysz, "bad port in '%s' (1..65535, or * for any free port)", echo);
            return GW_ECONFIG;
        }
        return GW_OK;
    }
    if (strncmp(ep, "ipc://", 6) == 0) {
        size_t n = strlen(ep + 6);
        if (n == 0 || n > 107) {
            snprintf(why, whysz, "ipc path in '%s' must be 1..107 bytes", echo);
            return GW_ECONFIG;
        }
        return GW_OK;
    }
    if (strncmp(ep, "inproc://", 9) == 0) {
        if (ep[9] == '\0') {
            snprintf(why, whysz, "inproc endpoint '%s' needs a name", echo);
            return GW_ECONFIG;
        }
        return GW_OK;
    }
    snprintf(why, whysz, "unsupported endpoint '%s' %s", echo, usage);
    return GW_ECONFIG;
}

/* "JW301 JW305, WMO301" -> bits of gw_msgtype_at() order. */
static int
s_parse_tap(const char *val, uint32_t *out, char *why, size_t whysz)
{
    uint32_t bits = 0;
    const char *c = val;
    while (*c) {
        while (*c == ' ' || *c == '\t' || *c == ',') {
            c++;
        }
        if (!*c) {
            break;
        }
        size_t n = strcspn(c, " \t,");
        char name[16];
        char echo[GW_CONF_ECHO + 4];
        const gw_msgtype_t *t = NULL;
        if (n < sizeof(name)) {
            memcpy(name, c, n);
            name[n] = '\0';
            t = gw_msgtype_by_name(name);
        }
        if (!t) {
            char valid[512];
            size_t o = 0;
            valid[0] = '\0';
            for (size_t i = 0; i < gw_msgtype_count() && o < sizeof(valid); i++) {
                int w = snprintf(valid + o, sizeof(valid) - o, "%s%s", i ? " " : "",
                                 gw_msgtype_at(i)->name);
                if (w < 0) {
                    break;
                }
                o += (size_t)w;
            }
            snprintf(why, whysz, "unknown message type '%s' (valid: %s)",
                     s_echo(c, n, echo, sizeof(echo)), valid);
            return GW_ECONFIG;
        }
        size_t i = 0;
        while (gw_msgtype_at(i) != t) {
            i++;
        }
        if (i >= 32) {
            snprintf(why, whysz, "message type %s does not fit the 32-bit type mask", t->name);
            return GW_ECONFIG;
        }
        bits |= UINT32_C(1) << i;
        c += n;
    }
    *out = bits;
    return GW_OK;
}

/* Range check for the numeric types; writes the reason into why. */
static int
s_check_range(const gw_directive_t *d, int64_t v, const char *val, char *why, size_t whysz)
{
    if (v >= d->min && v <= d->max) {
        return GW_OK;
    }
    char range[80];
    char echo[GW_CONF_ECHO + 4];
    s_fmt_range(d, range, sizeof(range));
    snprintf(why, whysz, "value %s out of range (allowed %s)",
             s_echo(val, strlen(val), echo, sizeof(echo)), range);
    return GW_ECONFIG;
}

/*
 * Parse val for directive d and store it in the struct at base. The one setter
 * used for defaults and for user values.
 */
static int
s_set(const gw_directive_t *d, void *base, const char *val, char *why, size_t whysz)
{
    char *field = (char *)base + d->offset;
    char echo[GW_CONF_ECHO + 4];
    char list[128];
    size_t len = strlen(val);
    s_echo(val, len, echo, sizeof(echo));

    switch (d->type) {
    case GW_CT_STRING:
    case GW_CT_DATES:
    case GW_CT_ENDPOINT: {
        if ((int64_t)len < d->min) {
            snprintf(why, whysz, "must not be empty");
            return GW_ECONFIG;
        }
        if ((int64_t)len > d->max) {
            snprintf(why, whysz, "too long (%zu bytes, at most %lld)", len, (long long)d->max);
            return GW_ECONFIG;
        }
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)val[i];
            if (c < 0x20 || c == 0x7f) {
                snprintf(why, whysz, "contains a control character");
                return GW_ECONFIG;
            }
        }
        if (d->type == GW_CT_ENDPOINT && s_check_endpoint(val, why, whysz) != GW_OK) {
            return GW_ECONFIG;
        }
        if (d->type == GW_CT_DATES && gw_calendar_check_days(val, why, whysz) != GW_OK) {
            return GW_ECONFIG;
        }
        memcpy(field, val, len + 1);
        return GW_OK;
    }
    case GW_CT_SIZE:
    case GW_CT_SIZE64: {
        size_t v;
        if (gw_config_parse_size(val, &v) != GW_OK || v > (size_t)INT64_MAX) {
            snprintf(why, whysz, "bad size '%s' (use e.g. 1024, 512K, 25M, 1G)", echo);
            return GW_ECONFIG;
        }
        if (s_check_range(d, (int64_t)v, val, why, whysz) != GW_OK) {
            return GW_ECONFIG;
        }
        if (d->type == GW_CT_SIZE) {
            *(size_t *)(void *)field = v;
        } else {
            *(int64_t *)(void *)field = (int64_t)v;
        }
        return GW_OK;
    }
    case GW_CT_COUNT: {
        const char *c = val;
        uint64_t v;
        if (!s_parse_u64(&c, &v) || *c != '\0' || v > (uint64_t)INT64_MAX) {
            snprintf(why, whysz, "bad number '%s' (use digits only)", echo);
            return GW_ECONFIG;
        }
        if (s_check_range(d, (int64_t)v, val, why, whysz) != GW_OK) {
            return GW_ECONFIG;
        }
        *(size_t *)(void *)field = (size_t)v;
        return GW_OK;
    }
    case GW_CT_DURATION:
    case GW_CT_DURATION_INT: {
        int64_t ms;
        if (gw_config_parse_duration(val, &ms) != GW_OK) {
            snprintf(why, whysz, "bad duration '%s' (use e.g. 150ms, 2s, 5m, 1h, 3d)", echo);
            return GW_ECONFIG;
        }
        if (s_check_range(d, ms, val, why, whysz) != GW_OK) {
            return GW_ECONFIG;
        }
        if (d->type == GW_CT_DURATION) {
            *(int64_t *)(void *)field = ms;
        } else {
            *(int *)(void *)field = (int)ms; /* the table's max keeps it within int */
        }
        return GW_OK;
    }
    case GW_CT_CHOICE:
    case GW_CT_KIND: {
        const gw_conf_choice_t *c = s_find_choice(d->choices, val);
        if (!c) {
            s_fmt_choices(d->choices, list, sizeof(list));
            snprintf(why, whysz, "bad value '%s' (valid: %s)", echo, list);
            return GW_ECONFIG;
        }
        if (d->type == GW_CT_CHOICE) {
            *(int *)(void *)field = c->value;
        } else {
            *(gw_party_kind_t *)(void *)field = (gw_party_kind_t)c->value;
        }
        return GW_OK;
    }
    case GW_CT_TAP:
        return s_parse_tap(val, (uint32_t *)(void *)field, why, whysz);
    case GW_CT_LISTEN:
        if ((int64_t)len > d->max) {
            snprintf(why, whysz, "too long (%zu bytes, at most %lld)", len, (long long)d->max);
            return GW_ECONFIG;
        }
        if (len > 0 && strcasecmp(val, "off") != 0 && s_check_listen(val, why, whysz) != GW_OK) {
            return GW_ECONFIG;
        }
        memcpy(field, strcasecmp(val, "off") == 0 ? "" : val,
               strcasecmp(val, "off") == 0 ? 1 : len + 1);
        return GW_OK;
    }
    snprintf(why, whysz, "internal: directive type %d has no parser", (int)d->type);
    return GW_ECONFIG;
}

/* Apply every default of a table; a rejected default is a bug, reported like any error. */
static void
s_apply_defaults(gw_conf_parser_t *p, const gw_directive_t *t, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++) {
        char why[1024];
        if (t[i].dflt && s_set(&t[i], base, t[i].dflt, why, sizeof(why)) != GW_OK) {
            s_err(p, 0, "internal: default of '%s' rejected: %s", t[i].name, why);
        }
    }
}

static const gw_directive_t *
s_find_directive(const gw_directive_t *t, size_t n, const char *key, size_t *idx)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, key) == 0) {
            *idx = i;
            return &t[i];
        }
    }
    return NULL;
}

/* Line on which the named directive was set (0 = default). The name must exist. */
static int
s_seen_line(const gw_directive_t *t, size_t n, const int *seen, const char *name)
{
    size_t idx = 0;
    const gw_directive_t *d = s_find_directive(t, n, name, &idx);
    assert(d != NULL);
    return d ? seen[idx] : 0;
}

static const char *
s_choice_name(const gw_conf_choice_t *c, int value)
{
    for (; c->name; c++) {
        if (c->value == value) {
            return c->name;
        }
    }
    return "?";
}

static int
s_all_digits(const char *s, size_t n)
{
    if (strlen(s) != n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

static int
s_platform_code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 32) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Close the current party section: whole-party checks, then append it. */
static void
s_party_end(gw_conf_parser_t *p)
{
    gw_party_conf_t *pt = &p->party;
    char echo[GW_CONF_ECHO + 4];
    if (!p->party_keep) {
        return;
    }
    p->party_keep = 0;
    s_echo(pt->code, strlen(pt->code), echo, sizeof(echo));
    for (size_t i = 0; i < GW_NPARTY; i++) {
        if ((s_party_directives[i].flags & GW_DIR_REQUIRED) && p->party_seen[i] == 0) {
            s_err(p, pt->line, "party '%s': missing '%s'", echo, s_party_directives[i].name);
        }
    }
    if (pt->kind != 0) { /* kind was set and valid: check what depends on it */
        const char *shape = NULL;
        if (pt->kind == GW_PARTY_GEMEENTE && !s_all_digits(pt->code, 4)) {
            shape = "gemeente code must be exactly 4 digits (CBS gemeentecode, e.g. 0363)";
        } else if (pt->kind == GW_PARTY_AANBIEDER && !s_all_digits(pt->code, 8)) {
            shape = "aanbieder code must be exactly 8 digits (AGB code, e.g. 42420001)";
        } else if (pt->kind == GW_PARTY_PLATFORM && !s_platform_code_ok(pt->code)) {
            shape = "platform code must be 1..32 of [a-z0-9_-]";
        }
        if (shape) {
            s_err(p, pt->line, "party '%s': %s", echo, shape);
        }
        for (size_t i = 0; i < GW_NPARTY; i++) {
            if ((s_party_directives[i].flags & GW_DIR_PLATFORM_ONLY) && p->party_seen[i] != 0 &&
                pt->kind != GW_PARTY_PLATFORM) {
                s_err(p, p->party_seen[i], "%s: only valid for kind platform (party '%s' is %s)",
                      s_party_directives[i].name, echo,
                      s_choice_name(s_kind_choices, (int)pt->kind));
            }
        }
    }
    gw_config_t *cfg = p->cfg;
    if (cfg->nparties == p->parties_cap) {
        size_t cap = p->parties_cap ? p->parties_cap * 2 : 8;
        gw_party_conf_t *grown = gw_realloc(cfg->parties, cap * sizeof(*grown));
        if (!grown) {
            p->oom = 1;
            return;
        }
        cfg->parties = grown;
        p->parties_cap = cap;
    }
    cfg->parties[cfg->nparties++] = *pt;
}

/* [a-z0-9_]{1,32}: a filter name or a filter option key. */
static int
s_ident_ok(const char *s, size_t n)
{
    if (n < 1 || n > GW_CONF_MAX_IDENT) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return 0;
        }
    }
    return 1;
}

/* Free a string the config owns but exposes as const (gw_filter_opt_t). */
static void
s_free_const(const char *s)
{
    gw_free((void *)(uintptr_t)s);
}

/*
 * Release what a filter section owns. Each option's key and value share one
 * allocation that starts at key.
 */
static void
s_filter_free(gw_filter_conf_t *f)
{
    gw_free(f->plugin);
    f->plugin = NULL;
    for (size_t i = 0; i < f->nopts; i++) {
        s_free_const(f->opts[i].key);
        f->opts[i].key = NULL;
        f->opts[i].value = NULL;
    }
    gw_free(f->opts);
    f->opts = NULL;
    f->nopts = 0;
}

/* Start a `filter NAME` section; a bad name drops it, its keys are still checked. */
static void
s_filter_begin(gw_conf_parser_t *p, gw_conf_tok_t name)
{
    char echo[GW_CONF_ECHO + 4];
    memset(&p->filter, 0, sizeof(p->filter)); /* s_filter_end released the previous one */
    p->filter.line = p->line;
    p->filter_plugin_line = 0;
    p->filter_types_line = 0;
    p->filter_opts_cap = 0;
    p->sec = GW_SEC_FILTER;
    if (!s_ident_ok(name.p, name.n)) {
        s_err(p, p->line, "bad filter name '%s' (1..%d of [a-z0-9_])",
              s_echo(name.p, name.n, echo, sizeof(echo)), GW_CONF_MAX_IDENT);
        return;
    }
    memcpy(p->filter.name, name.p, name.n);
    p->filter.name[name.n] = '\0';
    p->filter_keep = 1;
}

/* Close the current filter section: append it to the chain, or release it. */
static void
s_filter_end(gw_conf_parser_t *p)
{
    gw_config_t *cfg = p->cfg;
    if (p->filter_keep && !p->oom && cfg->nfilters == p->filters_cap) {
        size_t cap = p->filters_cap ? p->filters_cap * 2 : 4;
        gw_filter_conf_t *grown = gw_realloc(cfg->filters, cap * sizeof(*grown));
        if (!grown) {
            p->oom = 1;
        } else {
            cfg->filters = grown;
            p->filters_cap = cap;
        }
    }
    if (p->filter_keep && !p->oom) {
        cfg->filters[cfg->nfilters++] = p->filter; /* ownership moves to cfg */
    } else {
        s_filter_free(&p->filter);
    }
    memset(&p->filter, 0, sizeof(p->filter));
    p->filter_keep = 0;
}

/* Line of the filter option key (n bytes) in the current section, 0 = not set. */
static int
s_filter_opt_line(const gw_filter_conf_t *f, const char *key, size_t n)
{
    for (size_t i = 0; i < f->nopts; i++) {
        if (strlen(f->opts[i].key) == n && memcmp(f->opts[i].key, key, n) == 0) {
            return f->opts[i].line;
        }
    }
    return 0;
}

/* Append key (n bytes) = val to the current filter's options. */
static void
s_filter_add_opt(gw_conf_parser_t *p, const char *key, size_t n, const char *val)
{
    gw_filter_conf_t *f = &p->filter;
    if (f->nopts == p->filter_opts_cap) {
        size_t cap = p->filter_opts_cap ? p->filter_opts_cap * 2 : 4;
        gw_filter_opt_t *grown = gw_realloc(f->opts, cap * sizeof(*grown));
        if (!grown) {
            p->oom = 1;
            return;
        }
        f->opts = grown;
        p->filter_opts_cap = cap;
    }
    size_t vn = strlen(val);
    char *kv = gw_malloc(n + 1 + vn + 1);
    if (!kv) {
        p->oom = 1;
        return;
    }
    memcpy(kv, key, n);
    kv[n] = '\0';
    memcpy(kv + n + 1, val, vn + 1);
    f->opts[f->nopts].key = kv;
    f->opts[f->nopts].value = kv + n + 1;
    f->opts[f->nopts].line = p->line;
    f->nopts++;
}

/*
 * A `key = value` line of a filter section. `plugin` and `types` are ours;
 * every other key is an option the filter validates at create time, so only
 * its syntax, its uniqueness and a non-empty value are checked here.
 */
static void
s_filter_key(gw_conf_parser_t *p, const char *key, size_t n, const char *val)
{
    gw_filter_conf_t *f = &p->filter;
    char echo[GW_CONF_ECHO + 4];
    char why[1024];
    s_echo(key, n, echo, sizeof(echo));
    if (!s_ident_ok(key, n)) {
        s_err(p, p->line, "bad key '%s' in section 'filter' (keys are 1..%d of [a-z0-9_])", echo,
              GW_CONF_MAX_IDENT);
        return;
    }
    int *reserved = NULL;
    if (n == 6 && memcmp(key, "plugin", 6) == 0) {
        reserved = &p->filter_plugin_line;
    } else if (n == 5 && memcmp(key, "types", 5) == 0) {
        reserved = &p->filter_types_line;
    }
    int first = reserved ? *reserved : s_filter_opt_line(f, key, n);
    if (first != 0) {
        s_err(p, p->line, "duplicate key '%s' (first set at line %d)", echo, first);
        return;
    }
    if (reserved) {
        *reserved = p->line;
    }
    if (val[0] == '\0') {
        s_err(p, p->line, "%s: must not be empty", echo);
        return;
    }
    if (reserved == &p->filter_plugin_line) {
        for (const char *c = val; *c; c++) {
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                s_err(p, p->line, "plugin: contains a control character");
                return;
            }
        }
        f->plugin = gw_strdup(val);
        if (!f->plugin) {
            p->oom = 1;
        }
    } else if (reserved == &p->filter_types_line) {
        if (s_parse_tap(val, &f->types, why, sizeof(why)) != GW_OK) {
            s_err(p, p->line, "types: %s", why);
        } else if (f->types == 0) {
            s_err(p, p->line, "types: names no message type (leave it out for all types)");
        }
    } else {
        s_filter_add_opt(p, key, n, val);
    }
}

static void
s_section_end(gw_conf_parser_t *p)
{
    if (p->sec == GW_SEC_PARTY) {
        s_party_end(p);
    } else if (p->sec == GW_SEC_FILTER) {
        s_filter_end(p);
    }
}

/* Next word of a section line: a run of non-blank, non-'#' bytes. */
static gw_conf_tok_t
s_word(const char **c, const char *end)
{
    gw_conf_tok_t t;
    while (*c < end && (**c == ' ' || **c == '\t')) {
        (*c)++;
    }
    t.p = *c;
    while (*c < end && **c != ' ' && **c != '\t' && **c != '#') {
        (*c)++;
    }
    t.n = (size_t)(*c - t.p);
    return t;
}

/* A line at column 0: `gateway`, `party CODE` or `filter NAME`. */
static void
s_section_line(gw_conf_parser_t *p, const char *s, size_t n)
{
    const char *end = s + n;
    const char *hash = memchr(s, '#', n);
    const char *eq = memchr(s, '=', n);
    char echo[GW_CONF_ECHO + 4];
    if (eq && (!hash || eq < hash)) {
        size_t kn = strcspn(s, " \t=");
        s_err(p, p->line,
              "'%s' at column 0: keys must be indented under a section (" GW_SECTIONS_VALID ")",
              s_echo(s, kn < n ? kn : n, echo, sizeof(echo)));
        return;
    }
    const char *c = s;
    gw_conf_tok_t kw = s_word(&c, end);
    gw_conf_tok_t arg = s_word(&c, end);
    gw_conf_tok_t extra = s_word(&c, end);

    s_section_end(p);
    p->sec = GW_SEC_SKIP;

    const gw_conf_section_t *sec = NULL;
    for (size_t i = 0; i < GW_NSECTIONS; i++) {
        if (strlen(s_sections[i].name) == kw.n && memcmp(s_sections[i].name, kw.p, kw.n) == 0) {
            sec = &s_sections[i];
        }
    }
    if (!sec) {
        s_err(p, p->line, "unknown section '%s' (valid: " GW_SECTIONS_VALID ")",
              s_echo(kw.p, kw.n, echo, sizeof(echo)));
        return;
    }
    if (sec->id == GW_SEC_PARTY) {
        p->party_sections++;
    }
    if (!sec->has_arg && arg.n > 0) {
        s_err(p, p->line, "section '%s' takes no argument", sec->name);
        return;
    }
    if (sec->has_arg && arg.n == 0) {
        s_err(p, p->line, "section '%s' needs %s, e.g. '%s'", sec->name, sec->arg_what,
              sec->example);
        return;
    }
    if (extra.n > 0) {
        s_err(p, p->line, "unexpected '%s' after section '%s'",
              s_echo(extra.p, extra.n, echo, sizeof(echo)), sec->name);
        return;
    }

    if (sec->id == GW_SEC_GATEWAY) {
        if (p->gateway_line != 0) {
            s_err(p, p->line, "duplicate section 'gateway' (first at line %d)", p->gateway_line);
        } else {
            p->gateway_line = p->line;
        }
        p->sec = GW_SEC_GATEWAY; /* keys still checked; duplicates show as such */
        return;
    }

    if (sec->id == GW_SEC_FILTER) {
        s_filter_begin(p, arg);
        return;
    }

    /* party CODE */
    memset(&p->party, 0, sizeof(p->party));
    memset(p->party_seen, 0, sizeof(p->party_seen));
    p->party.line = p->line;
    p->sec = GW_SEC_PARTY;
    if (arg.n >= sizeof(p->party.code)) {
        s_err(p, p->line, "party code '%s' too long (%zu bytes)",
              s_echo(arg.p, arg.n, echo, sizeof(echo)), arg.n);
        return; /* keys are still checked, the party is dropped */
    }
    memcpy(p->party.code, arg.p, arg.n);
    p->party.code[arg.n] = '\0';
    for (size_t i = 0; i < p->cfg->nparties; i++) {
        if (strcmp(p->cfg->parties[i].code, p->party.code) == 0) {
            s_err(p, p->line, "duplicate party '%s' (first at line %d)",
                  s_echo(arg.p, arg.n, echo, sizeof(echo)), p->cfg->parties[i].line);
            return;
        }
    }
    s_apply_defaults(p, s_party_directives, GW_NPARTY, &p->party);
    p->party_keep = 1;
}

/* An indented `key = value` line. */
static void
s_key_line(gw_conf_parser_t *p, const char *s, size_t n)
{
    const char *end = s + n;
    const char *c = s;
    char echo[GW_CONF_ECHO + 4];
    char key[64];
    char val[GW_CONF_MAX_VALUE];
    const char *syntax = NULL;

    while (c < end && *c != ' ' && *c != '\t' && *c != '=' && *c != '#') {
        c++;
    }
    size_t kn = (size_t)(c - s);
    if (kn == 0) {
        s_err(p, p->line, "missing key before '='");
        return;
    }
    s_echo(s, kn, echo, sizeof(echo));
    while (c < end && (*c == ' ' || *c == '\t')) {
        c++;
    }
    if (c == end || *c != '=') {
        s_err(p, p->line, "expected '=' after '%s'", echo);
        return;
    }
    if (!gw_conf_value(c + 1, end, val, sizeof(val), &syntax)) {
        s_err(p, p->line, "%s: %s", echo, syntax);
        return;
    }

    if (p->sec == GW_SEC_NONE) {
        s_err(p, p->line, "key '%s' outside a section (start one: " GW_SECTIONS_VALID ")", echo);
        return;
    }
    if (p->sec == GW_SEC_SKIP) {
        return; /* the section line was already reported */
    }
    if (p->sec == GW_SEC_FILTER) {
        s_filter_key(p, s, kn, val);
        return;
    }

    const gw_conf_section_t *sec = &s_sections[p->sec == GW_SEC_GATEWAY ? 0 : 1];
    const gw_conf_section_t *other = &s_sections[p->sec == GW_SEC_GATEWAY ? 1 : 0];
    void *base = p->sec == GW_SEC_GATEWAY ? (void *)p->cfg : (void *)&p->party;
    int *seen = p->sec == GW_SEC_GATEWAY ? p->gateway_seen : p->party_seen;
    const gw_directive_t *d = NULL;
    size_t idx = 0;
    if (kn < sizeof(key)) {
        memcpy(key, s, kn);
        key[kn] = '\0';
        d = s_find_directive(sec->directives, sec->ndirectives, key, &idx);
    }
    if (!d) {
        char valid[512]; /* every key of the section, comma-separated */
        size_t o = 0;
        size_t other_idx;
        valid[0] = '\0';
        for (size_t i = 0; i < sec->ndirectives && o < sizeof(valid); i++) {
            int w = snprintf(valid + o, sizeof(valid) - o, "%s%s", i ? ", " : "",
                             sec->directives[i].name);
            if (w < 0) {
                break;
            }
            o += (size_t)w;
        }
        if (kn < sizeof(key) &&
            s_find_directive(other->directives, other->ndirectives, key, &other_idx)) {
            s_err(p, p->line, "unknown key '%s' in section '%s' (it belongs in '%s'; valid: %s)",
                  echo, sec->name, other->name, valid);
        } else {
            s_err(p, p->line, "unknown key '%s' in section '%s' (valid: %s)", echo, sec->name,
                  valid);
        }
        return;
    }
    if (seen[idx] != 0) {
        s_err(p, p->line, "duplicate key '%s' (first set at line %d)", d->name, seen[idx]);
        return;
    }
    seen[idx] = p->line;
    char why[1024];
    if (s_set(d, base, val, why, sizeof(why)) != GW_OK) {
        s_err(p, p->line, "%s: %s", d->name, why);
    }
}

static int
s_gw_line(const gw_conf_parser_t *p, const char *name)
{
    return s_seen_line(s_gateway_directives, GW_NGATEWAY, p->gateway_seen, name);
}

/* Built-in filters that keep state in the store's SQLite database (gw_filter_ctx_t.db). */
static const char *const s_sql_state_filters[] = {"declaratie", "startstop", "toewijzing",
                                                  "tr056",      "verzoek",   NULL};

/* A PostgreSQL store (docs/scale-out.md): what keeps SQL state in the SQLite store cannot
 * run on it yet, and is refused rather than run on per-node state. */
static void
s_pg_check(gw_conf_parser_t *p)
{
    const gw_config_t *cfg = p->cfg;
    int store_line = s_gw_line(p, "store");
    const char *until = "until its state moves to PostgreSQL (docs/scale-out.md)";
    for (size_t i = 0; cfg->node[i]; i++) {
        char c = cfg->node[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.') ||
            i >= 63) {
            s_err(p, s_gw_line(p, "node"), "node: 1..63 of [A-Za-z0-9._-]");
            break;
        }
    }
    if (!gw_store_is_pg(cfg->store)) {
        return;
    }
    if (cfg->deadlines) {
        int line = s_gw_line(p, "deadlines");
        s_err(p, line ? line : store_line,
              "deadlines: the deadline monitor needs the SQLite store %s; with store = "
              "postgresql://... set 'deadlines = no'",
              until);
    }
    if (cfg->sync_normal) {
        s_err(p, s_gw_line(p, "store_sync"),
              "store_sync applies to the SQLite store only (PostgreSQL commits with "
              "synchronous_commit = on)");
    }
    if (cfg->store_max_bytes) {
        s_err(p, s_gw_line(p, "store_max_size"),
              "store_max_size applies to the SQLite store only (size a PostgreSQL database with "
              "the server's quotas)");
    }
    for (size_t i = 0; i < cfg->nfilters; i++) {
        const gw_filter_conf_t *f = &cfg->filters[i];
        if (f->plugin) {
            s_err(p, f->line,
                  "filter '%s': plugin filters may keep state in the SQLite store and need it %s",
                  f->name, until);
            continue;
        }
        for (size_t k = 0; s_sql_state_filters[k]; k++) {
            if (strcmp(f->name, s_sql_state_filters[k]) == 0) {
                s_err(p, f->line, "filter '%s' keeps its state in the SQLite store and needs it %s",
                      f->name, until);
            }
        }
    }
}

/* Checks that span several gateway directives. */
static void
s_gateway_check(gw_conf_parser_t *p)
{
    s_pg_check(p);
    const gw_config_t *cfg = p->cfg;
    char a[32];
    char b[32];
    if (cfg->retry_initial_ms > cfg->retry_max_ms) {
        int line = s_gw_line(p, "retry_initial");
        if (line == 0) {
            line = s_gw_line(p, "retry_max");
        }
        s_err(p, line, "retry_initial (%s) must not exceed retry_max (%s)",
              s_fmt_duration(cfg->retry_initial_ms, a, sizeof(a)),
              s_fmt_duration(cfg->retry_max_ms, b, sizeof(b)));
    }
    if (cfg->store_max_bytes != 0 && (uint64_t)cfg->store_max_bytes < cfg->max_message_size) {
        int line = s_gw_line(p, "store_max_size");
        if (line == 0) {
            line = s_gw_line(p, "max_message_size");
        }
        s_err(p, line,
              "store_max_size (%s) must be 0 (unlimited) or at least max_message_size (%s)",
              s_fmt_size(cfg->store_max_bytes, a, sizeof(a)),
              s_fmt_size((int64_t)cfg->max_message_size, b, sizeof(b)));
    }
}

gw_config_t *
gw_config_parse(const char *text, size_t len, const char *name, char **err)
{
    gw_conf_parser_t p;
    memset(&p, 0, sizeof(p));
    p.name = name ? name : "<config>";
    if (err) {
        *err = NULL;
    }
    if (!text && len > 0) {
        s_err(&p, 0, "no text to parse");
        goto fail;
    }
    p.cfg = gw_calloc(1, sizeof(*p.cfg));
    if (!p.cfg) {
        p.oom = 1;
        goto fail;
    }
    p.cfg->path = gw_strdup(p.name);
    if (!p.cfg->path) {
        p.oom = 1;
        goto fail;
    }
    s_apply_defaults(&p, s_gateway_directives, GW_NGATEWAY, p.cfg);

    size_t pos = 0;
    while (pos < len && !p.oom) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        p.line++;
        if (n > 0 && s[n - 1] == '\r') {
            n--;
        }
        if (p.line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3; /* UTF-8 byte order mark */
            n -= 3;
        }
        if (memchr(s, '\0', n)) {
            s_err(&p, p.line, "NUL byte in line");
            continue;
        }
        size_t i = 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
        if (i == n || s[i] == '#') {
            continue; /* blank or comment */
        }
        if (i == 0) {
            s_section_line(&p, s, n);
        } else {
            s_key_line(&p, s + i, n - i);
        }
    }
    s_section_end(&p);
    if (p.oom) {
        goto fail;
    }
    s_gateway_check(&p);
    if (p.party_sections == 0) {
        s_err(&p, p.line > 0 ? p.line : 1, "no parties configured (add a 'party CODE' section)");
    }
    if (p.nerrors > 0 || p.oom) {
        goto fail;
    }
    gw_free(p.errs);
    return p.cfg;

fail:
    s_filter_free(&p.filter); /* a section cut short by an allocation failure */
    gw_config_destroy(&p.cfg);
    if (p.oom) {
        gw_free(p.errs);
        p.errs = gw_strdup("out of memory while parsing the configuration");
    } else if (p.nerrors > GW_CONF_MAX_ERRORS) {
        char more[128];
        snprintf(more, sizeof(more), "%s: %zu more errors not shown", p.name,
                 p.nerrors - GW_CONF_MAX_ERRORS);
        s_errs_append(&p, more);
    }
    if (err) {
        *err = p.errs;
    } else {
        gw_free(p.errs);
    }
    return NULL;
}

/* "PATH: what: strerror(e)" as a heap string, or NULL. */
static char *
s_io_error(const char *path, const char *what, int e)
{
    char estr[256];
    char msg[1536];
    if (strerror_r(e, estr, sizeof(estr)) != 0) {
        snprintf(estr, sizeof(estr), "error %d", e);
    }
    snprintf(msg, sizeof(msg), "%s: %s: %s", path, what, estr);
    return gw_strdup(msg);
}

gw_config_t *
gw_config_load(const char *path, char **err)
{
    gw_config_t *cfg = NULL;
    char *buf = NULL;
    char *msg = NULL;
    size_t len = 0;
    size_t cap = 0;
    struct stat st;
    int fd = -1;

    if (err) {
        *err = NULL;
    }
    if (!path) {
        msg = gw_strdup("<config>: no path given");
        goto fail;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        msg = s_io_error(path, "cannot open", errno);
        goto fail;
    }
    if (fstat(fd, &st) != 0) {
        msg = s_io_error(path, "cannot stat", errno);
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        msg = s_io_error(path, "cannot read", EISDIR);
        goto fail;
    }
    if (S_ISREG(st.st_mode) && st.st_size > GW_CONF_MAX_FILE) {
        char m[1280];
        snprintf(m, sizeof(m), "%s: file too large (%lld bytes, at most %d)", path,
                 (long long)st.st_size, GW_CONF_MAX_FILE);
        msg = gw_strdup(m);
        goto fail;
    }
    /* Read to EOF, not to st_size: pipes and files that grow are bounded too. */
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 16384;
            if (ncap > GW_CONF_MAX_FILE + 1) {
                ncap = GW_CONF_MAX_FILE + 1;
            }
            if (ncap == cap) {
                char m[1280];
                snprintf(m, sizeof(m), "%s: file too large (more than %d bytes)", path,
                         GW_CONF_MAX_FILE);
                msg = gw_strdup(m);
                goto fail;
            }
            char *grown = gw_realloc(buf, ncap);
            if (!grown) {
                msg = gw_strdup("out of memory while reading the configuration");
                goto fail;
            }
            buf = grown;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            msg = s_io_error(path, "cannot read", errno);
            goto fail;
        }
        if (r == 0) {
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    fd = -1;
    cfg = gw_config_parse(buf, len, path, err);
    gw_free(buf);
    return cfg;

fail:
    if (fd >= 0) {
        close(fd);
    }
    gw_free(buf);
    if (err) {
        *err = msg;
    } else {
        gw_free(msg);
    }
    return NULL;
}

void
gw_config_destroy(gw_config_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    gw_config_t *self = *self_p;
    gw_free(self->path);
    self->path = NULL;
    gw_free(self->parties);
    self->parties = NULL;
    for (size_t i = 0; i < self->nfilters; i++) {
        s_filter_free(&self->filters[i]);
    }
    gw_free(self->filters);
    self->filters = NULL;
    gw_free(self);
    *self_p = NULL;
}

const gw_party_conf_t *
gw_config_party(const gw_config_t *self, const char *code)
{
    if (!self || !code) {
        return NULL;
    }
    for (size_t i = 0; i < self->nparties; i++) {
        if (strcmp(self->parties[i].code, code) == 0) {
            return &self->parties[i];
        }
    }
    return NULL;
}

void
gw_config_chain_specs(const gw_config_t *c, gw_chain_spec_t *out)
{
    if (!c || !out) {
        return;
    }
    for (size_t i = 0; i < c->nfilters; i++) {
        const gw_filter_conf_t *f = &c->filters[i];
        out[i] = (gw_chain_spec_t){
            .name = f->name,
            .plugin = f->plugin,
            .types = f->types,
            .opts = {.file = c->path, .v = f->opts, .n = f->nopts},
            .line = f->line,
        };
    }
}
