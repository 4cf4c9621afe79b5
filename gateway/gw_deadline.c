/*
 * The deadline monitor (gw_deadline.h): which answer each accepted message is
 * owed and by when, as one table of rules (s_rules), kept in the store's
 * deadline_item and deadline_notice tables. It runs as a sink on the broker
 * thread: ACCEPTED opens and closes items inside the message's transaction;
 * TICK (at most once a second) finds items that became overdue, logs them and
 * sends NOTICEs through the broker's ev->notice. Time: the monitor's clock is
 * the wall clock plus the `clock_offset` setting (testing and simulation only);
 * the store's own timestamps are never shifted.
 */
#include "gw_deadline.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/codec.h"
#include "gw/log.h"
#include "gw/model.h"

#include "gw_calendar.h"
#include "gw_overdue.h"

#define S_CHECK_EVERY_MS 1000 /* overdue scan period (TICK comes every ~200 ms) */
#define S_SCAN_MAX       256  /* items turned overdue per scan; the rest follow next scan */
#define S_PARTIES_MAX    64   /* parties with pending notices handled per scan */
#define S_SEND_MAX       64   /* notices sent to one party per scan */
#define S_KEYS_MAX       64   /* ReferentieAanbieder values read from one message */

/* What opens an item. */
typedef enum s_trigger {
    S_TRIG_ACCEPTED,  /* an accepted message of an `opens` type owes an answer */
    S_TRIG_ONDERZOEK, /* a 319 with VerzoekAntwoord 2 answers an open antwoord item */
    S_TRIG_ARRIVAL,   /* the message itself has a deadline: recorded when it arrives late */
    S_TRIG_ANSWER,    /* an answer of an `opens` type that closes a verzoek's item has a deadline
                         of its own, counted from the verzoek: recorded when it arrives late */
} s_trigger_t;

/* Day 0 of the count. */
typedef enum s_from {
    S_FROM_RECEIPT,    /* the monitor's date when the message was accepted */
    S_FROM_VERZOEK,    /* the Dagtekening of the verzoek (315/317) */
    S_FROM_BEGINDATUM, /* the earliest StartProduct/Begindatum (StatusAanlevering 1) */
    S_FROM_EINDDATUM,  /* the earliest StopProduct/Einddatum (StatusAanlevering 1) */
} s_from_t;

/* How an answer finds the item it closes. */
typedef enum s_key {
    S_KEY_NONE,       /* nothing closes it (S_TRIG_ARRIVAL) */
    S_KEY_ANSWERS,    /* a retourbericht whose `answers` is the item's message (IV028 1-op-1) */
    S_KEY_REFERENTIE, /* same parties, ReferentieAanbieder (TR355, TR379) */
    S_KEY_DECLARATIE, /* same parties, 325 DeclaratieIdentificatie = 323 Identificatie (TR337) */
} s_key_t;

typedef enum s_unit {
    S_WORKDAYS, /* werkdagen (gw_calendar) */
    S_DAYS,     /* calendar days */
} s_unit_t;

/* One deadline of the standard. The rows are data: adding a deadline is a row. */
typedef struct s_rule {
    const char *kind;     /* item kind, stored in deadline_item.kind */
    const char *rule;     /* the standard's rule it implements */
    unsigned opens;       /* GW_M* of the messages that open it */
    unsigned answered_by; /* GW_M* of the messages that close it */
    s_trigger_t trigger;  /* what opens it */
    s_from_t from;        /* day 0 */
    s_unit_t unit;        /* what n counts */
    int n;                /* the answer is on time up to and including day 0 + n */
    s_key_t key;          /* how the answer is matched */
    int uncertain;        /* the reading of the rule is a choice of ours (docs/deadlines.md) */
    const char *reden;    /* S_TRIG_ANSWER: only for this RedenAfwijzingVerzoek; NULL = any */
} s_rule_t;

static const s_rule_t s_rules[] = {
    /* OP090: "binnen drie werkdagen na ontvangst een retourbericht". Not opened when the
     * gateway answers accepted messages itself (answer_accepted = yes). */
    {"retour", "OP090", GW_M301 | GW_M305 | GW_M307 | GW_M315 | GW_M317 | GW_M319,
     GW_M302 | GW_M306 | GW_M308 | GW_M316 | GW_M318 | GW_M320, S_TRIG_ACCEPTED, S_FROM_RECEIPT,
     S_WORKDAYS, 3, S_KEY_ANSWERS, 0, NULL},
    /* OP274/OP346: a 301 or 319 within 5 werkdagen after a VOT (per AangevraagdProduct) or a
     * VOW. Counted from receipt of the verzoek [uncertain: the FAQ counts a 315 from the
     * beoordeling/intake, which the gateway cannot see]. */
    {"antwoord", "OP274/OP346", GW_M315 | GW_M317, GW_M301 | GW_M319, S_TRIG_ACCEPTED,
     S_FROM_RECEIPT, S_WORKDAYS, 5, S_KEY_REFERENTIE, 1, NULL},
    /* OP090x4: the 325 within 10 werkdagen after receipt of the 323. */
    {"declaratie", "OP090x4", GW_M323, GW_M325, S_TRIG_ACCEPTED, S_FROM_RECEIPT, S_WORKDAYS, 10,
     S_KEY_DECLARATIE, 0, NULL},
    /* FAQ "Vragen over reactietijden": after VerzoekAntwoord 2 (Aanvraag in onderzoek) the final
     * 301 or 319 within 8 weeks of the verzoek's Dagtekening [uncertain: a FAQ, not a rule;
     * OP359's 2 weeks for a woonplaatsbeginsel rejection cannot be told apart in advance]. */
    {"onderzoek", "FAQ", GW_M319, GW_M301 | GW_M319, S_TRIG_ONDERZOEK, S_FROM_VERZOEK, S_DAYS, 56,
     S_KEY_REFERENTIE, 1, NULL},
    /* OP271/OP272: start and stop within 5 werkdagen after the actual start / end. Counted
     * from Begindatum / Einddatum [uncertain: after a retroactive toewijzing the FAQ counts
     * from receipt of the 301, which this row does not see, so such a start shows as late]. */
    {"start", "OP271", GW_M305, 0, S_TRIG_ARRIVAL, S_FROM_BEGINDATUM, S_WORKDAYS, 5, S_KEY_NONE, 1,
     NULL},
    {"stop", "OP272", GW_M307, 0, S_TRIG_ARRIVAL, S_FROM_EINDDATUM, S_WORKDAYS, 5, S_KEY_NONE, 1,
     NULL},
    /* OP359: a rejection on the woonplaatsbeginsel (319, RedenAfwijzingVerzoek 8) within 2 weeks.
     * Counted from the verzoek's Dagtekening [uncertain: the FAQ says 10 dagen after the
     * woonplaatsbeginsel research]. Nothing announces it in advance, so it is recorded as late
     * when it arrives after 14 days, never alerted. */
    {"woonplaatsbeginsel", "OP359", GW_M319, 0, S_TRIG_ANSWER, S_FROM_VERZOEK, S_DAYS, 14,
     S_KEY_NONE, 1, "8"},
};

#define S_NRULES (sizeof(s_rules) / sizeof(s_rules[0]))

static const s_rule_t *
s_rule_by_kind(const char *kind)
{
    for (size_t i = 0; i < S_NRULES; i++) {
        if (strcmp(s_rules[i].kind, kind) == 0) {
            return &s_rules[i];
        }
    }
    return NULL;
}

/* Message numbers by bit position of GW_M* (include/gw/codec.h). */
static const int s_numbers[] = {301, 302, 305, 306, 307, 308, 315,
                                316, 317, 318, 319, 320, 323, 325};

static const char s_schema[] =
    "CREATE TABLE IF NOT EXISTS deadline_item ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " rule TEXT NOT NULL,"
    " msg_id INTEGER NOT NULL,"
    " type TEXT NOT NULL,"
    " ident TEXT NOT NULL,"
    " sender TEXT NOT NULL,"
    " recipient TEXT NOT NULL,"
    " match_key TEXT NOT NULL DEFAULT '',"
    " expect TEXT NOT NULL,"
    " dagtekening TEXT NOT NULL DEFAULT '',"
    " received_date TEXT NOT NULL,"
    " start_date TEXT NOT NULL,"
    " due_date TEXT NOT NULL,"
    " opened_ms INTEGER NOT NULL,"
    " closed_ms INTEGER,"
    " closed_by INTEGER,"
    " late INTEGER NOT NULL DEFAULT 0,"
    " answered_late INTEGER NOT NULL DEFAULT 0,"
    " overdue_ms INTEGER);"
    "CREATE INDEX IF NOT EXISTS deadline_item_alert ON deadline_item(due_date)"
    " WHERE closed_ms IS NULL AND overdue_ms IS NULL;"
    "CREATE INDEX IF NOT EXISTS deadline_item_msg ON deadline_item(msg_id)"
    " WHERE closed_ms IS NULL;"
    "CREATE INDEX IF NOT EXISTS deadline_item_key ON deadline_item(recipient, sender, match_key)"
    " WHERE closed_ms IS NULL AND match_key <> '';"
    "CREATE INDEX IF NOT EXISTS deadline_item_late ON deadline_item(due_date) WHERE late = 1;"
    "CREATE INDEX IF NOT EXISTS deadline_item_overdue ON deadline_item(due_date)"
    " WHERE closed_ms IS NULL AND overdue_ms IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS deadline_item_answered_late ON deadline_item(due_date)"
    " WHERE answered_late = 1;"
    "CREATE TABLE IF NOT EXISTS deadline_notice ("
    " item_id INTEGER NOT NULL,"
    " party TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " sent_ms INTEGER,"
    " PRIMARY KEY (item_id, party)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS deadline_notice_pending ON deadline_notice(party, item_id)"
    " WHERE sent_ms IS NULL;";

enum {
    S_ST_INSERT,
    S_ST_CLOSE_MSG,
    S_ST_FIND_KEY,
    S_ST_CLOSE_ID,
    S_ST_CLOSE_KEY,
    S_ST_SCAN,
    S_ST_MARK,
    S_ST_NOTICE_ADD,
    S_ST_PENDING_PARTIES,
    S_ST_PENDING,
    S_ST_NOTICE_SENT,
    S_ST_COUNT,
};

static const char *const s_sql[S_ST_COUNT] = {
    [S_ST_INSERT] = "INSERT INTO deadline_item (kind, rule, msg_id, type, ident, sender, recipient,"
                    " match_key, expect, dagtekening, received_date, start_date, due_date,"
                    " opened_ms, closed_ms, closed_by, late)"
                    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
    [S_ST_CLOSE_MSG] =
        "UPDATE deadline_item SET closed_ms = ?1, closed_by = ?2,"
        " answered_late = (due_date < ?9) WHERE msg_id = ?3 AND kind = ?4 AND closed_ms IS NULL",
    [S_ST_FIND_KEY] = "SELECT id, kind, msg_id, type, ident, dagtekening FROM deadline_item"
                      " WHERE recipient = ?1 AND sender = ?2 AND match_key = ?3"
                      " AND closed_ms IS NULL AND match_key <> ''",
    [S_ST_CLOSE_ID] = "UPDATE deadline_item SET closed_ms = ?1, closed_by = ?2,"
                      " answered_late = (due_date < ?9) WHERE id = ?3",
    [S_ST_CLOSE_KEY] = "UPDATE deadline_item SET closed_ms = ?1, closed_by = ?2,"
                       " answered_late = (due_date < ?9) WHERE recipient = ?3 AND sender = ?4 AND "
                       "match_key = ?5 AND kind = ?6"
                       " AND closed_ms IS NULL AND match_key <> ''",
    [S_ST_SCAN] = "SELECT id, kind, rule, msg_id, type, ident, sender, recipient, due_date"
                  " FROM deadline_item WHERE closed_ms IS NULL AND overdue_ms IS NULL"
                  " AND due_date < ?1 ORDER BY due_date LIMIT ?2",
    [S_ST_MARK] = "UPDATE deadline_item SET overdue_ms = ?1 WHERE id = ?2",
    [S_ST_NOTICE_ADD] = "INSERT OR IGNORE INTO deadline_notice (item_id, party, created_ms)"
                        " VALUES (?1, ?2, ?3)",
    /* From after ?2, the last party of the previous scan: parties that never take notices
     * (offline, or not asking for them) keep theirs pending and must not hide the rest. */
    [S_ST_PENDING_PARTIES] = "SELECT DISTINCT party FROM deadline_notice WHERE sent_ms IS NULL"
                             " AND party > ?2 ORDER BY party LIMIT ?1",
    [S_ST_PENDING] = "SELECT n.item_id, i.kind, i.rule, i.msg_id, i.type, i.ident, i.sender,"
                     " i.recipient, i.received_date, i.due_date, i.expect, i.closed_ms"
                     " FROM deadline_notice n JOIN deadline_item i ON i.id = n.item_id"
                     " WHERE n.party = ?1 AND n.sent_ms IS NULL ORDER BY n.item_id LIMIT ?2",
    [S_ST_NOTICE_SENT] =
        "UPDATE deadline_notice SET sent_ms = ?1 WHERE item_id = ?2 AND party = ?3",
};

typedef struct deadline {
    sqlite3 *db;                  /* the store's connection (borrowed) */
    sqlite3_stmt *st[S_ST_COUNT]; /* prepared at create */
    gw_calendar_t *cal;           /* from the current configuration */
    int64_t offset_ms;            /* clock_offset of the current configuration */
    int answer_accepted;          /* the gateway answers heenberichten itself: no retour items */
    int64_t next_scan_ms;         /* next overdue scan (wall clock) */
    char party_after[65];         /* s_send starts after this party ("" = from the first) */
} deadline_t;

/* ------------------------------------------------------------ helpers ---- */

static void
s_db_error(deadline_t *self, const char *what)
{
    gw_log(GW_LOG_ERROR, "deadline_store_failed", "what=%s error=\"%s\"", what,
           sqlite3_errmsg(self->db));
}

static void
s_text(sqlite3_stmt *st, int i, const char *s)
{
    /* Static: every statement is stepped and reset before the bound strings go away. */
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

static const char *
s_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* Step a statement that returns no rows, then reset it. */
static int
s_exec(deadline_t *self, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        s_db_error(self, what);
        return GW_EIO;
    }
    return GW_OK;
}

static int
s_sql_plain(sqlite3 *db, const char *sql, char **err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err) {
            char buf[256];
            snprintf(buf, sizeof(buf), "deadline tables: %s", msg ? msg : "?");
            *err = gw_strdup(buf);
        }
        sqlite3_free(msg);
        return GW_EIO;
    }
    return GW_OK;
}

int
gw_deadline_schema(void *db, char **err)
{
    return s_sql_plain(db, s_schema, err);
}

/* The types that answer an item of rule r opened by a message of type t: "JW302",
 * "JW301 JW319". */
static void
s_expect(const s_rule_t *r, const gw_msgtype_t *t, char *out, size_t cap)
{
    out[0] = '\0';
    if (r->key == S_KEY_ANSWERS) {
        const gw_msgtype_t *a = gw_msgtype_answer(t);
        snprintf(out, cap, "%s", a ? a->name : "");
        return;
    }
    size_t o = 0;
    for (size_t b = 0; b < sizeof(s_numbers) / sizeof(s_numbers[0]); b++) {
        if (!(r->answered_by & (1u << b))) {
            continue;
        }
        const gw_msgtype_t *a = gw_msgtype_by_number(t->family, s_numbers[b]);
        if (a && o < cap) {
            int w = snprintf(out + o, cap - o, "%s%s", o ? " " : "", a->name);
            o += w > 0 ? (size_t)w : 0;
        }
    }
}

static int32_t
s_due(const deadline_t *self, const s_rule_t *r, int32_t start)
{
    return r->unit == S_WORKDAYS ? gw_calendar_add_workdays(self->cal, start, r->n) : start + r->n;
}

/* What an item is opened from: the message and its parties. */
typedef struct s_open {
    int64_t msg_id;
    const char *type, *ident, *sender, *recipient, *dagtekening;
    int64_t now_ms;   /* monitor clock */
    int32_t received; /* monitor date of receipt */
} s_open_t;

static int
s_insert(deadline_t *self, const s_rule_t *r, const s_open_t *o, const char *key,
         const char *expect, int32_t start, int64_t late_closed_by)
{
    char sdate[11], ddate[11], rdate[11];
    int32_t due = s_due(self, r, start);
    gw_calendar_format(start, sdate);
    gw_calendar_format(due, ddate);
    gw_calendar_format(o->received, rdate);
    sqlite3_stmt *st = self->st[S_ST_INSERT];
    s_text(st, 1, r->kind);
    s_text(st, 2, r->rule);
    sqlite3_bind_int64(st, 3, o->msg_id);
    s_text(st, 4, o->type);
    s_text(st, 5, o->ident);
    s_text(st, 6, o->sender);
    s_text(st, 7, o->recipient);
    s_text(st, 8, key);
    s_text(st, 9, expect);
    s_text(st, 10, o->dagtekening);
    s_text(st, 11, rdate);
    s_text(st, 12, sdate);
    s_text(st, 13, ddate);
    sqlite3_bind_int64(st, 14, o->now_ms);
    if (late_closed_by) { /* recorded late: closed at once, by the message that came late */
        sqlite3_bind_int64(st, 15, o->now_ms);
        sqlite3_bind_int64(st, 16, late_closed_by);
        sqlite3_bind_int(st, 17, 1);
    } else {
        sqlite3_bind_null(st, 15);
        sqlite3_bind_null(st, 16);
        sqlite3_bind_int(st, 17, 0);
    }
    return s_exec(self, st, "insert");
}

/* The ReferentieAanbieder values of a verzoek (315 per AangevraagdProduct, 317 Verzoek) or of
 * an answer (301 per ToegewezenProduct, 319 Antwoord), without repeats. */
static size_t
s_referenties(const gw_msg_t *msg, const char *keys[S_KEYS_MAX])
{
    size_t n = 0;
    const gw_bericht_t *b = msg ? msg->bericht : NULL;
    if (!b) {
        return 0;
    }
    const char *cand[S_KEYS_MAX];
    size_t nc = 0;
    if (b->Antwoord) {
        cand[nc++] = b->Antwoord->ReferentieAanbieder;
    }
    if (b->Client) {
        const gw_client_t *c = b->Client;
        if (c->Verzoek && nc < S_KEYS_MAX) {
            cand[nc++] = c->Verzoek->ReferentieAanbieder;
        }
        for (size_t i = 0; i < c->AangevraagdProduct.n && nc < S_KEYS_MAX; i++) {
            cand[nc++] = c->AangevraagdProduct.v[i].ReferentieAanbieder;
        }
        for (size_t i = 0; i < c->ToegewezenProduct.n && nc < S_KEYS_MAX; i++) {
            cand[nc++] = c->ToegewezenProduct.v[i].ReferentieAanbieder;
        }
    }
    for (size_t i = 0; i < nc; i++) {
        if (!cand[i] || !cand[i][0]) {
            continue;
        }
        int seen = 0;
        for (size_t j = 0; j < n && !seen; j++) {
            seen = strcmp(keys[j], cand[i]) == 0;
        }
        if (!seen) {
            keys[n++] = cand[i];
        }
    }
    return n;
}

/* The earliest Begindatum (start) or Einddatum (stop) of the products reported as new
 * (StatusAanlevering 1); 0 with none. */
static int
s_earliest(const gw_msg_t *msg, s_from_t from, int32_t *day)
{
    const gw_bericht_t *b = msg ? msg->bericht : NULL;
    if (!b || !b->Client) {
        return 0;
    }
    const gw_client_t *c = b->Client;
    const gw_start_stop_product_t *v =
        from == S_FROM_BEGINDATUM ? c->StartProduct.v : c->StopProduct.v;
    size_t n = from == S_FROM_BEGINDATUM ? c->StartProduct.n : c->StopProduct.n;
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t d = 0;
        const char *date = from == S_FROM_BEGINDATUM ? v[i].Begindatum : v[i].Einddatum;
        if (!v[i].StatusAanlevering || strcmp(v[i].StatusAanlevering, "1") != 0 ||
            gw_model_date(date, &d) != GW_OK) {
            continue;
        }
        if (!found || d < *day) {
            *day = d;
        }
        found = 1;
    }
    return found;
}

/* ------------------------------------------------------------ ACCEPTED ---- */

/* An answer that closes a verzoek's item and has a deadline of its own (S_TRIG_ANSWER, e.g.
 * OP359): recorded as late when it arrives after it. The record is the verzoek's. */
static int
s_late_answer(deadline_t *self, const gw_event_t *ev, const s_open_t *o, const int64_t *verzoek,
              const char *type, const char *ident, const char *dagtekening, const char *key)
{
    const gw_antwoord_t *a = ev->msg && ev->msg->bericht ? ev->msg->bericht->Antwoord : NULL;
    for (size_t i = 0; i < S_NRULES; i++) {
        const s_rule_t *r = &s_rules[i];
        int32_t start = 0;
        if (r->trigger != S_TRIG_ANSWER || !(r->opens & ev->type->bit) ||
            (r->reden &&
             !(a && a->RedenAfwijzingVerzoek && strcmp(a->RedenAfwijzingVerzoek, r->reden) == 0)) ||
            gw_model_date(dagtekening, &start) != GW_OK || o->received <= s_due(self, r, start)) {
            continue;
        }
        char due[11];
        gw_calendar_format(s_due(self, r, start), due);
        gw_log(GW_LOG_WARN, "deadline_late",
               "kind=%s rule=%s type=%s ident=%s msgid=%" PRId64 " answer=%" PRId64
               " sender=%s recipient=%s due=%s",
               r->kind, r->rule, type, ident, *verzoek, ev->msg_id, ev->recipient, ev->party, due);
        s_open_t vo = {.msg_id = *verzoek,
                       .type = type,
                       .ident = ident,
                       .sender = ev->recipient,
                       .recipient = ev->party,
                       .dagtekening = dagtekening,
                       .now_ms = o->now_ms,
                       .received = o->received};
        if (s_insert(self, r, &vo, key, ev->type->name, start, ev->msg_id) != GW_OK) {
            return GW_EIO;
        }
    }
    return GW_OK;
}

/* Close what an answer answers: by `answers` (retour), ReferentieAanbieder (301/319) or
 * DeclaratieIdentificatie (325). A 319 "in onderzoek" opens the 8-week item. */
static int
s_close(deadline_t *self, const gw_event_t *ev, const s_open_t *o)
{
    const gw_msgtype_t *t = ev->type;
    char today[11]; /* an answer after its due date counts as answered late */
    gw_calendar_format(o->received, today);
    for (size_t ri = 0; ri < S_NRULES; ri++) {
        const s_rule_t *r = &s_rules[ri];
        if (!(r->answered_by & t->bit)) {
            continue;
        }
        if (r->key == S_KEY_ANSWERS && ev->answers > 0) {
            sqlite3_stmt *st = self->st[S_ST_CLOSE_MSG];
            sqlite3_bind_int64(st, 1, o->now_ms);
            sqlite3_bind_int64(st, 2, ev->msg_id);
            sqlite3_bind_int64(st, 3, ev->answers);
            s_text(st, 4, r->kind);
            s_text(st, 9, today);
            if (s_exec(self, st, "close_retour") != GW_OK) {
                return GW_EIO;
            }
        } else if (r->key == S_KEY_DECLARATIE) {
            const gw_header_t *h = ev->msg && ev->msg->bericht ? ev->msg->bericht->Header : NULL;
            const char *key =
                h && h->DeclaratieIdentificatie ? h->DeclaratieIdentificatie->Identificatie : NULL;
            if (!key) {
                continue;
            }
            sqlite3_stmt *st = self->st[S_ST_CLOSE_KEY];
            sqlite3_bind_int64(st, 1, o->now_ms);
            sqlite3_bind_int64(st, 2, ev->msg_id);
            s_text(st, 3, ev->party);     /* the gemeente answers ... */
            s_text(st, 4, ev->recipient); /* ... the aanbieder that declared */
            s_text(st, 5, key);
            s_text(st, 6, r->kind);
            s_text(st, 9, today);
            if (s_exec(self, st, "close_declaratie") != GW_OK) {
                return GW_EIO;
            }
        }
    }
    if (!(t->bit & (GW_M301 | GW_M319)) || !ev->msg) {
        return GW_OK;
    }
    /* A 301 or 319 answers a verzoek by ReferentieAanbieder. */
    const gw_antwoord_t *a = ev->msg->bericht ? ev->msg->bericht->Antwoord : NULL;
    int onderzoek =
        t->bit == GW_M319 && a && a->VerzoekAntwoord && strcmp(a->VerzoekAntwoord, "2") == 0;
    const char *keys[S_KEYS_MAX];
    size_t nk = s_referenties(ev->msg, keys);
    for (size_t k = 0; k < nk; k++) {
        /* The open items with this key between these parties, of any kind (one index search). */
        sqlite3_stmt *st = self->st[S_ST_FIND_KEY];
        s_text(st, 1, ev->party);
        s_text(st, 2, ev->recipient);
        s_text(st, 3, keys[k]);
        struct {
            int64_t id, msg_id;
            const s_rule_t *rule;
            char type[16], ident[64], dagtekening[16];
        } found[8];
        size_t nf = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && nf < 8) {
            const s_rule_t *r = s_rule_by_kind(s_col(st, 1));
            /* Only kinds a 301/319 answers; "in onderzoek" is not the final answer. */
            if (!r || r->key != S_KEY_REFERENTIE || !(r->answered_by & t->bit) ||
                (r->trigger == S_TRIG_ONDERZOEK && onderzoek)) {
                continue;
            }
            found[nf].id = sqlite3_column_int64(st, 0);
            found[nf].rule = r;
            found[nf].msg_id = sqlite3_column_int64(st, 2);
            snprintf(found[nf].type, sizeof(found[nf].type), "%s", s_col(st, 3));
            snprintf(found[nf].ident, sizeof(found[nf].ident), "%s", s_col(st, 4));
            snprintf(found[nf].dagtekening, sizeof(found[nf].dagtekening), "%s", s_col(st, 5));
            nf++;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            s_db_error(self, "find_key");
            return GW_EIO;
        }
        if (nf > 0 && s_late_answer(self, ev, o, &found[0].msg_id, found[0].type, found[0].ident,
                                    found[0].dagtekening, keys[k]) != GW_OK) {
            return GW_EIO;
        }
        for (size_t i = 0; i < nf; i++) {
            sqlite3_stmt *cl = self->st[S_ST_CLOSE_ID];
            sqlite3_bind_int64(cl, 1, o->now_ms);
            sqlite3_bind_int64(cl, 2, ev->msg_id);
            sqlite3_bind_int64(cl, 3, found[i].id);
            s_text(cl, 9, today);
            if (s_exec(self, cl, "close_key") != GW_OK) {
                return GW_EIO;
            }
            if (!onderzoek || found[i].rule->trigger != S_TRIG_ACCEPTED) {
                continue;
            }
            /* "Aanvraag in onderzoek" answers the verzoek for now: the final answer is owed,
             * counted from the verzoek's Dagtekening. The item stays the verzoek's. */
            for (size_t oi = 0; oi < S_NRULES; oi++) {
                const s_rule_t *on = &s_rules[oi];
                int32_t start = 0;
                if (on->trigger != S_TRIG_ONDERZOEK ||
                    gw_model_date(found[i].dagtekening, &start) != GW_OK) {
                    continue;
                }
                s_open_t vo = {.msg_id = found[i].msg_id,
                               .type = found[i].type,
                               .ident = found[i].ident,
                               .sender = ev->recipient,
                               .recipient = ev->party,
                               .dagtekening = found[i].dagtekening,
                               .now_ms = o->now_ms,
                               .received = o->received};
                char expect[64];
                const gw_msgtype_t *vt = gw_msgtype_by_name(found[i].type);
                s_expect(on, vt ? vt : t, expect, sizeof(expect));
                if (s_insert(self, on, &vo, keys[k], expect, start, 0) != GW_OK) {
                    return GW_EIO;
                }
            }
        }
    }
    return GW_OK;
}

/* Open the items an accepted message owes, and record a late start or stop. */
static int
s_opens(deadline_t *self, const gw_event_t *ev, const s_open_t *o)
{
    const gw_msgtype_t *t = ev->type;
    for (size_t ri = 0; ri < S_NRULES; ri++) {
        const s_rule_t *r = &s_rules[ri];
        if (!(r->opens & t->bit) || r->trigger == S_TRIG_ONDERZOEK || r->trigger == S_TRIG_ANSWER) {
            continue;
        }
        char expect[64];
        s_expect(r, t, expect, sizeof(expect));
        int rc = GW_OK;
        if (r->trigger == S_TRIG_ARRIVAL) {
            int32_t start = 0;
            if (s_earliest(ev->msg, r->from, &start) && o->received > s_due(self, r, start)) {
                char due[11];
                gw_calendar_format(s_due(self, r, start), due);
                gw_log(GW_LOG_WARN, "deadline_late",
                       "kind=%s rule=%s type=%s ident=%s msgid=%" PRId64
                       " sender=%s recipient=%s due=%s",
                       r->kind, r->rule, t->name, o->ident, o->msg_id, o->sender, o->recipient,
                       due);
                rc = s_insert(self, r, o, "", "", start, o->msg_id);
            }
        } else if (r->key == S_KEY_ANSWERS) {
            if (!self->answer_accepted) {
                rc = s_insert(self, r, o, "", expect, o->received, 0);
            }
        } else if (r->key == S_KEY_DECLARATIE) {
            rc = s_insert(self, r, o, o->ident, expect, o->received, 0);
        } else if (r->key == S_KEY_REFERENTIE) {
            const char *keys[S_KEYS_MAX];
            size_t nk = s_referenties(ev->msg, keys);
            for (size_t k = 0; k < nk && rc == GW_OK; k++) {
                rc = s_insert(self, r, o, keys[k], expect, o->received, 0);
            }
        }
        if (rc != GW_OK) {
            return rc;
        }
    }
    return GW_OK;
}

static void
s_accepted(deadline_t *self, const gw_event_t *ev)
{
    if (!ev->type || !ev->db) {
        return;
    }
    int64_t now = ev->now_ms + self->offset_ms;
    s_open_t o = {.msg_id = ev->msg_id,
                  .type = ev->type->name,
                  .ident = ev->ident,
                  .sender = ev->party,
                  .recipient = ev->recipient,
                  .dagtekening = ev->dagtekening,
                  .now_ms = now,
                  .received = gw_calendar_day_of(now)};
    if (s_close(self, ev, &o) != GW_OK || s_opens(self, ev, &o) != GW_OK) {
        gw_log(GW_LOG_ERROR, "deadline_record_failed", "msgid=%" PRId64 " type=%s", ev->msg_id,
               ev->type->name);
    }
}

/* ------------------------------------------------------------ TICK ---- */

/* A notice read from the store, to send. */
typedef struct s_out {
    int64_t item;    /* deadline_item.id */
    int closed;      /* answered meanwhile: nothing to send */
    char props[768]; /* the NOTICE's properties */
} s_out_t;

typedef struct s_due_item {
    int64_t id, msg_id;
    char kind[16], rule[16], type[16], ident[64], sender[65], recipient[65], due[11];
} s_due_item_t;

/* Items that became overdue: mark them, log them, queue a notice for the party owed the answer
 * and for every platform party. */
static int
s_scan(deadline_t *self, const gw_event_t *ev, int32_t today)
{
    char tdate[11];
    gw_calendar_format(today, tdate);
    sqlite3_stmt *st = self->st[S_ST_SCAN];
    s_text(st, 1, tdate);
    sqlite3_bind_int(st, 2, S_SCAN_MAX);
    s_due_item_t *v = gw_calloc(S_SCAN_MAX, sizeof(*v));
    if (!v) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return GW_ENOMEM;
    }
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < S_SCAN_MAX) {
        s_due_item_t *it = &v[n++];
        it->id = sqlite3_column_int64(st, 0);
        snprintf(it->kind, sizeof(it->kind), "%s", s_col(st, 1));
        snprintf(it->rule, sizeof(it->rule), "%s", s_col(st, 2));
        it->msg_id = sqlite3_column_int64(st, 3);
        snprintf(it->type, sizeof(it->type), "%s", s_col(st, 4));
        snprintf(it->ident, sizeof(it->ident), "%s", s_col(st, 5));
        snprintf(it->sender, sizeof(it->sender), "%s", s_col(st, 6));
        snprintf(it->recipient, sizeof(it->recipient), "%s", s_col(st, 7));
        snprintf(it->due, sizeof(it->due), "%s", s_col(st, 8));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    int status = rc == SQLITE_ROW || rc == SQLITE_DONE ? GW_OK : GW_EIO;
    if (status != GW_OK) {
        s_db_error(self, "scan");
    }
    int64_t now = ev->now_ms + self->offset_ms;
    for (size_t i = 0; i < n && status == GW_OK; i++) {
        s_due_item_t *it = &v[i];
        sqlite3_stmt *mk = self->st[S_ST_MARK];
        sqlite3_bind_int64(mk, 1, now);
        sqlite3_bind_int64(mk, 2, it->id);
        status = s_exec(self, mk, "mark");
        gw_log(GW_LOG_WARN, "deadline_overdue",
               "kind=%s rule=%s type=%s ident=%s msgid=%" PRId64 " sender=%s recipient=%s due=%s",
               it->kind, it->rule, it->type, it->ident, it->msg_id, it->sender, it->recipient,
               it->due);
        const gw_config_t *cfg = ev->config;
        size_t np = cfg ? cfg->nparties : 0;
        for (size_t p = 0; p <= np && status == GW_OK; p++) {
            const char *party = it->sender;
            if (p < np) {
                if (cfg->parties[p].kind != GW_PARTY_PLATFORM) {
                    continue;
                }
                party = cfg->parties[p].code;
            }
            sqlite3_stmt *na = self->st[S_ST_NOTICE_ADD];
            sqlite3_bind_int64(na, 1, it->id);
            s_text(na, 2, party);
            sqlite3_bind_int64(na, 3, now);
            status = s_exec(self, na, "notice_add");
        }
    }
    gw_free(v);
    return status;
}

/* Send the pending notices of every party the broker can reach now. */
static int
s_send(deadline_t *self, const gw_event_t *ev)
{
    if (!ev->notice) {
        return GW_OK;
    }
    sqlite3_stmt *st = self->st[S_ST_PENDING_PARTIES];
    sqlite3_bind_int(st, 1, S_PARTIES_MAX);
    s_text(st, 2, self->party_after);
    char parties[S_PARTIES_MAX][65];
    size_t np = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && np < S_PARTIES_MAX) {
        snprintf(parties[np++], sizeof(parties[0]), "%s", s_col(st, 0));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        s_db_error(self, "pending_parties");
        return GW_EIO;
    }
    /* A full page: the next scan goes on after its last party; a short one: from the start. */
    snprintf(self->party_after, sizeof(self->party_after), "%s",
             np == S_PARTIES_MAX ? parties[np - 1] : "");
    s_out_t *out = NULL;
    int status = GW_OK;
    for (size_t p = 0; p < np && status == GW_OK; p++) {
        if (ev->notice(ev->notice_ctx, parties[p], NULL, NULL) != GW_OK) {
            continue; /* offline, or it did not ask for notices: it gets them when it does */
        }
        if (!out && !(out = gw_calloc(S_SEND_MAX, sizeof(*out)))) {
            return GW_ENOMEM;
        }
        sqlite3_stmt *pe = self->st[S_ST_PENDING];
        s_text(pe, 1, parties[p]);
        sqlite3_bind_int(pe, 2, S_SEND_MAX);
        size_t n = 0;
        while ((rc = sqlite3_step(pe)) == SQLITE_ROW && n < S_SEND_MAX) {
            out[n].item = sqlite3_column_int64(pe, 0);
            out[n].closed = sqlite3_column_type(pe, 11) != SQLITE_NULL;
            snprintf(out[n].props, sizeof(out[n].props),
                     "kind=overdue\ndeadline=%s\nrule=%s\nmsgid=%" PRId64
                     "\ntype=%s\nident=%.64s\nfrom=%s\nto=%s\nreceived=%s\ndue=%s\nexpect=%s\n",
                     s_col(pe, 1), s_col(pe, 2), (int64_t)sqlite3_column_int64(pe, 3), s_col(pe, 4),
                     s_col(pe, 5), s_col(pe, 6), s_col(pe, 7), s_col(pe, 8), s_col(pe, 9),
                     s_col(pe, 10));
            n++;
        }
        sqlite3_reset(pe);
        sqlite3_clear_bindings(pe);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            s_db_error(self, "pending");
            status = GW_EIO;
            break;
        }
        for (size_t i = 0; i < n && status == GW_OK; i++) {
            /* sent_ms 0: answered before the party could be told; nothing to send. */
            int64_t sent = 0;
            if (!out[i].closed) {
                char id[32];
                snprintf(id, sizeof(id), "overdue-%" PRId64, out[i].item);
                if (ev->notice(ev->notice_ctx, parties[p], id, out[i].props) != GW_OK) {
                    break; /* its pipe is full or it left: try again next scan */
                }
                sent = ev->now_ms;
                gw_log(GW_LOG_INFO, "deadline_notice", "party=%s item=%" PRId64, parties[p],
                       out[i].item);
            }
            sqlite3_stmt *ns = self->st[S_ST_NOTICE_SENT];
            sqlite3_bind_int64(ns, 1, sent);
            sqlite3_bind_int64(ns, 2, out[i].item);
            s_text(ns, 3, parties[p]);
            status = s_exec(self, ns, "notice_sent");
        }
    }
    gw_free(out);
    return status;
}

static void
s_tick(deadline_t *self, const gw_event_t *ev)
{
    if (ev->now_ms < self->next_scan_ms) {
        return;
    }
    self->next_scan_ms = ev->now_ms + S_CHECK_EVERY_MS;
    int32_t today = gw_calendar_day_of(ev->now_ms + self->offset_ms);
    /* Outside the broker's transactions: a savepoint groups this scan's writes. */
    if (sqlite3_exec(self->db, "SAVEPOINT deadline_tick", NULL, NULL, NULL) != SQLITE_OK) {
        s_db_error(self, "savepoint");
        return;
    }
    int rc = s_scan(self, ev, today);
    if (rc == GW_OK) {
        rc = s_send(self, ev);
    }
    if (rc != GW_OK) {
        (void)sqlite3_exec(self->db, "ROLLBACK TO deadline_tick", NULL, NULL, NULL);
    }
    if (sqlite3_exec(self->db, "RELEASE deadline_tick", NULL, NULL, NULL) != SQLITE_OK) {
        s_db_error(self, "release");
    }
}

/* ------------------------------------------------------------ the sink ---- */

static int
s_configure(deadline_t *self, const gw_config_t *cfg, char **err)
{
    gw_calendar_opts_t co = {.goede_vrijdag = cfg->goede_vrijdag,
                             .bevrijdingsdag = (gw_cal_bevrijdingsdag_t)cfg->bevrijdingsdag,
                             .closed_days = cfg->closed_days};
    gw_calendar_t *cal = gw_calendar_new(&co, err);
    if (!cal) {
        return GW_ECONFIG;
    }
    gw_calendar_destroy(&self->cal);
    self->cal = cal;
    self->offset_ms = cfg->clock_offset_ms;
    self->answer_accepted = cfg->answer_accepted;
    self->next_scan_ms = 0; /* a new clock_offset takes effect at the next tick */
    return GW_OK;
}

static void
s_on_event(void *state, const gw_event_t *ev)
{
    deadline_t *self = state;
    switch (ev->kind) {
    case GW_EV_ACCEPTED:
        s_accepted(self, ev);
        break;
    case GW_EV_TICK:
        s_tick(self, ev);
        break;
    case GW_EV_RELOADED:
        if (ev->config) {
            char *err = NULL;
            if (s_configure(self, ev->config, &err) != GW_OK) {
                gw_log(GW_LOG_ERROR, "deadline_reload_failed", "reason=\"%s\"", err ? err : "?");
            } else if (self->offset_ms) {
                gw_log(GW_LOG_WARN, "deadline_clock_offset", "offset_ms=%" PRId64, self->offset_ms);
            }
            gw_free(err);
        }
        break;
    default:
        break;
    }
}

static void
s_destroy(void *state)
{
    deadline_t *self = state;
    if (!self) {
        return;
    }
    for (size_t i = 0; i < S_ST_COUNT; i++) {
        sqlite3_finalize(self->st[i]);
        self->st[i] = NULL;
    }
    gw_calendar_destroy(&self->cal);
    gw_free(self);
}

int
gw_deadline_sink_create(const gw_config_t *cfg, void *db, gw_sink_t *sink, char **err)
{
    if (!cfg->deadlines || !db) {
        return GW_OK;
    }
    deadline_t *self = gw_calloc(1, sizeof(*self));
    if (!self) {
        *err = gw_strdup("out of memory");
        return GW_ENOMEM;
    }
    self->db = db;
    if (gw_deadline_schema(db, err) != GW_OK) {
        goto fail;
    }
    for (size_t i = 0; i < S_ST_COUNT; i++) {
        if (sqlite3_prepare_v3(self->db, s_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &self->st[i],
                               NULL) != SQLITE_OK) {
            char buf[256];
            snprintf(buf, sizeof(buf), "deadline monitor: %s", sqlite3_errmsg(self->db));
            *err = gw_strdup(buf);
            goto fail;
        }
    }
    if (s_configure(self, cfg, err) != GW_OK) {
        goto fail;
    }
    if (self->offset_ms) {
        gw_log(GW_LOG_WARN, "deadline_clock_offset", "offset_ms=%" PRId64, self->offset_ms);
    }
    sink->name = "deadline";
    sink->state = self;
    sink->on_event = s_on_event;
    sink->destroy = s_destroy;
    return GW_OK;
fail:
    s_destroy(self);
    return GW_EIO;
}

/* ------------------------------------------------------------ reading ---- */

static int
s_has_tables(sqlite3 *db, int *yes)
{
    sqlite3_stmt *st = NULL;
    *yes = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table'"
                           " AND name = 'deadline_item'",
                           -1, &st, NULL) != SQLITE_OK) {
        return GW_EIO;
    }
    int rc = sqlite3_step(st);
    *yes = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? GW_OK : GW_EIO;
}

int
gw_deadline_list(void *db, const char *party, int late,
                 int (*fn)(void *arg, const gw_deadline_item_t *it), void *arg)
{
    int yes = 0;
    if (s_has_tables(db, &yes) != GW_OK) {
        return GW_EIO;
    }
    if (!yes) {
        return GW_OK;
    }
    const char *sql =
        late ? "SELECT id, kind, rule, msg_id, type, ident, sender, recipient, expect,"
               " start_date, due_date, received_date, late, overdue_ms IS NOT NULL"
               " FROM deadline_item WHERE late = 1 AND (?1 IS NULL OR sender = ?1"
               " OR recipient = ?1) ORDER BY due_date, id"
             : "SELECT id, kind, rule, msg_id, type, ident, sender, recipient, expect,"
               " start_date, due_date, received_date, late, overdue_ms IS NOT NULL"
               " FROM deadline_item WHERE closed_ms IS NULL AND (?1 IS NULL OR sender = ?1"
               " OR recipient = ?1) ORDER BY due_date, id";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return GW_EIO;
    }
    if (party) {
        sqlite3_bind_text(st, 1, party, -1, SQLITE_TRANSIENT);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gw_deadline_item_t it = {
            .id = sqlite3_column_int64(st, 0),
            .kind = s_col(st, 1),
            .rule = s_col(st, 2),
            .msg_id = sqlite3_column_int64(st, 3),
            .type = s_col(st, 4),
            .ident = s_col(st, 5),
            .sender = s_col(st, 6),
            .recipient = s_col(st, 7),
            .expect = s_col(st, 8),
            .start = s_col(st, 9),
            .due = s_col(st, 10),
            .received = s_col(st, 11),
            .late = sqlite3_column_int(st, 12),
            .alerted = sqlite3_column_int(st, 13),
        };
        const s_rule_t *r = s_rule_by_kind(it.kind);
        it.uncertain = r ? r->uncertain : 0;
        if (fn(arg, &it) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? GW_OK : GW_EIO;
}

int
gw_deadline_counts(void *db, int32_t today, int64_t *open, int64_t *overdue)
{
    *open = 0;
    *overdue = 0;
    int yes = 0;
    if (s_has_tables(db, &yes) != GW_OK) {
        return GW_EIO;
    }
    if (!yes) {
        return GW_OK;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*), coalesce(sum(due_date < ?1), 0) FROM deadline_item"
                           " INDEXED BY deadline_item_msg WHERE closed_ms IS NULL",
                           -1, &st, NULL) != SQLITE_OK) {
        return GW_EIO;
    }
    char tdate[11];
    gw_calendar_format(today, tdate);
    sqlite3_bind_text(st, 1, tdate, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *open = sqlite3_column_int64(st, 0);
        *overdue = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? GW_OK : GW_EIO;
}

/* The metrics' view (gw_overdue.h): items the monitor found overdue and that are still open
 * (its own judgement, so its clock_offset counts), and answers that came after their due date.
 * now_ms is not needed: the monitor marks items overdue as its clock passes their due date. */
void
gw_overdue_counts(void *db, int64_t now_ms, gw_overdue_t *out)
{
    (void)now_ms;
    memset(out, 0, sizeof(*out));
    int yes = 0;
    if (!db || s_has_tables(db, &yes) != GW_OK || !yes) {
        return;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT (SELECT count(*) FROM deadline_item INDEXED BY deadline_item_overdue"
            " WHERE closed_ms IS NULL AND overdue_ms IS NOT NULL),"
            " (SELECT count(*) FROM deadline_item INDEXED BY"
            " deadline_item_answered_late WHERE answered_late = 1)",
            -1, &st, NULL) != SQLITE_OK) {
        return;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->open = sqlite3_column_int64(st, 0);
        out->late = sqlite3_column_int64(st, 1);
        out->available = 1;
    }
    sqlite3_finalize(st);
}
