/*
 * Gateway configuration: one human-readable file, parsed into an immutable
 * generation, validated whole (unknown keys, bad values and duplicate parties
 * are errors with file and line), then swapped in. SIGHUP builds a new
 * generation; if it fails the old one stays.
 *
 * Format (indentation-structured, '#' comments):
 *
 *   gateway
 *       endpoint = tcp://127.0.0.1:5570
 *       store = /var/lib/ijwgw/store.db
 *       max_message_size = 25M
 *       delivery_timeout = 3d
 *   party 0363
 *       kind = gemeente
 *       name = Amsterdam
 *   party 42420001
 *       kind = aanbieder
 *   party platform
 *       kind = platform
 *       tap = JW301 JW305 JW307 WMO301
 *       tap_strip_freetext = yes
 *   filter tr056
 *   filter max_products
 *       plugin = /usr/lib/ijwgw/plugin_example.so
 *       types = JW301 WMO301
 *       max_products = 5
 *
 * Each `filter NAME` section is one position of the filter chain, in file
 * order; a NAME ([a-z0-9_]{1,32}) may appear more than once. `plugin` (a
 * shared object; absent = a built-in filter) and `types` (as `tap`; absent =
 * all types) are reserved; every other key ([a-z0-9_]{1,32} = a non-empty
 * value, once per section) is an option the filter validates itself.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"
#include "gw_chain.h"

typedef enum gw_party_kind {
    GW_PARTY_GEMEENTE = 1, /* code: 4-digit gemeentecode */
    GW_PARTY_AANBIEDER,    /* code: 8-digit AGB code */
    GW_PARTY_PLATFORM,     /* code: a name, [a-z0-9_-]{1,32} */
} gw_party_kind_t;

typedef struct gw_party_conf {
    char code[65];          /* routing identity */
    gw_party_kind_t kind;
    char name[128];         /* display name, optional */
    uint32_t tap;           /* platform: bit i set = wants copies of gw_msgtype_at(i) */
    int tap_strip_freetext; /* platform: strip Commentaar and names from copies */
    size_t max_message_size; /* largest message it may submit; 0 = the gateway's */
    size_t rate;            /* messages per second it may submit (token bucket, burst = rate);
                               0 = unlimited */
    size_t queue_limit;     /* max undelivered messages to it; 0 = the gateway's queue_limit */
    int line;               /* where it was defined */
} gw_party_conf_t;

typedef struct gw_filter_conf {
    char name[33];         /* filter name, [a-z0-9_]{1,32} */
    char *plugin;          /* shared object path (heap), NULL = a built-in filter */
    uint32_t types;        /* bit i = gw_msgtype_at(i) passes through it; 0 = all */
    gw_filter_opt_t *opts; /* the other keys in file order; key and value strings owned here */
    size_t nopts;          /* entries in opts */
    int line;              /* line of the `filter NAME` line */
} gw_filter_conf_t;

typedef struct gw_config {
    char *path;                 /* file it came from ("<default>" for the embedded one) */
    char endpoint[256];         /* ROUTER bind endpoint */
    char store[1024];           /* SQLite file, or a postgresql:// URL (docs/scale-out.md) */
    char node[64];              /* node id on a PostgreSQL store; "" = the host name */
    size_t max_message_size;    /* bytes, default 25M (OP179) */
    int64_t delivery_timeout_ms; /* undelivered after this -> dead letter; default 3d */
    int64_t retry_initial_ms;   /* first redelivery after; default 2s */
    int64_t retry_max_ms;       /* backoff cap; default 5m */
    size_t queue_limit;         /* max undelivered per recipient before senders are refused; default 100000 */
    size_t inflight_limit;      /* max unacknowledged deliveries per recipient; default 256 */
    int heartbeat_ms;           /* default 5000 */
    int sync_normal;            /* store synchronous=NORMAL; default no (FULL) */
    int answer_accepted;        /* ACK carries the gateway's own retourbericht (no retourcodes) for
                                   accepted heenberichten, for recipients that let the gateway
                                   answer for them; default no: the recipient answers (1-op-1) */
    int64_t store_max_bytes;    /* refuse new messages above; 0 = none */
    int curve;                  /* CurveZMQ on the endpoint: parties authenticate by key */
    char server_key[1024];      /* the gateway's key pair file (created at first start) */
    char party_keys[1024];      /* directory of CODE.pub files: the parties' public keys */
    char http[128];             /* metrics + status page listener "host:port"; "" = off */
    /* The deadline monitor (gw_deadline.c); the calendar's choices are [UNVERIFIED] defaults. */
    int deadlines;              /* track answers owed (OP090...); default yes */
    int64_t clock_offset_ms;    /* testing/simulation only: the monitor's "now" runs this far
                                   ahead of the wall clock; message timestamps do not; default 0 */
    int goede_vrijdag;          /* 1: Goede Vrijdag is not a werkdag; default closed */
    int bevrijdingsdag;         /* gw_cal_bevrijdingsdag_t for 5 May; default closed */
    char closed_days[2048];     /* extra closed days, "YYYY-MM-DD ..." */
    char store_key[1024];       /* key file for payload encryption at rest; "" = off */
    char audit_log[1024];       /* append-only audit trail; "" = off */
    char audit_key[1024];       /* key file with the client-reference secret; "" = store_key's */
    gw_party_conf_t *parties;   /* registered parties */
    size_t nparties;
    gw_filter_conf_t *filters;  /* filter chain positions, in file order */
    size_t nfilters;
} gw_config_t;

/** The embedded default config (demo: loopback endpoint, store in /tmp, demo parties). */
extern const char gw_config_default_text[];

/**
 * Parse config text. name is used in error messages ("file:line: ...").
 * @returns the config or NULL with *err (heap, gw_free; one line per problem).
 */
gw_config_t *gw_config_parse(const char *text, size_t len, const char *name, char **err);
/** Read and parse a file. */
gw_config_t *gw_config_load(const char *path, char **err);
void gw_config_destroy(gw_config_t **self_p);
/** Party by code, or NULL. */
const gw_party_conf_t *gw_config_party(const gw_config_t *self, const char *code);
/**
 * The chain specs of the config's filters, for gw_chain_new(specs, c->nfilters, ...).
 * out must have room for c->nfilters entries; opts.file is c->path.
 * Ownership: every pointer in out borrows from c (valid until gw_config_destroy).
 */
void gw_config_chain_specs(const gw_config_t *c, gw_chain_spec_t *out);
/** Parse "25M", "512K", "1000" (bytes) and "3d", "5m", "2s", "150ms" (durations). */
/* Both return GW_OK, or GW_EINVAL (garbage, missing/unknown unit, overflow; *out untouched).
 * Sizes: digits with an optional K, M, G or T suffix (binary, case-insensitive).
 * Durations: digits with a required unit ms, s, m, h or d. */
GW_NODISCARD int gw_config_parse_size(const char *s, size_t *out);
GW_NODISCARD int gw_config_parse_duration(const char *s, int64_t *ms);

#endif
