/*
 * The verzoek filter: the cross-message rules of the VOT/VOW flows (spec §1.3,
 * §5.4). A 315 (VOT) or 317 (VOW) opens a verzoek under a ReferentieAanbieder;
 * the gemeente answers it with a 301 that copies the ReferentieAanbieder into
 * ToegewezenProduct (TR379) or with a 319 that copies it into Antwoord (TR355).
 *
 * Rules, and how this filter reads them:
 *
 * - TR347 (9347), 315/317: "ReferentieAanbieder is uniek voor de aanbieder binnen
 *   het wettelijk domein". A ReferentieAanbieder the aanbieder (Header/Afzender)
 *   already used in an accepted 315/317 of the same family (iJw or iWmo: the
 *   wettelijk domein), to whatever gemeente. Duplicates inside one 315 are TR383,
 *   an intra-message rule, and are not looked at here.
 * - TR374 (9374), 315/317: "Een verzoek mag alleen worden verstuurd als er geen
 *   onderhanden verzoek is voor de betreffende client van dezelfde aanbieder."
 *   Read per (family, aanbieder, gemeente = Header/Ontvanger, Client/Bsn): a
 *   ReferentieAanbieder is onderhanden while it is open or in onderzoek, i.e. not
 *   yet answered by a 301 that carries it nor by a 319 with VerzoekAntwoord 1.
 *   A 315 with several AangevraagdProducts is answered per product (OP274): it
 *   stays onderhanden while ANY of its ReferentieAanbieders is. A 317 carries one
 *   ReferentieAanbieder for the whole VOW, answered as a whole by one 301 or one
 *   319 (§1.3): its products have no reference of their own, so it closes on the
 *   first 301 that carries its ReferentieAanbieder, whatever products that 301
 *   holds (uncertain: the standard does not say whether a 301 that honours only
 *   part of a VOW closes it; we cannot tell the parts apart). The rule text says
 *   "client van dezelfde aanbieder" without the gemeente; §5.4 keys it per
 *   gemeente too, which is what we do (another gemeente is another verzoek).
 *   Reported on every AangevraagdProduct of the 315 (the whole verzoek is
 *   refused), or on the 317's Verzoek.
 * - TR355 (9355), 319: "ReferentieAanbieder in het antwoordbericht komt voor in een
 *   eerder verzoek om toewijzing of verzoek om wijziging": an accepted 315/317 of
 *   the 319's Ontvanger (the aanbieder) to the 319's Afzender (the gemeente).
 * - TR359 (9359), 319: no earlier accepted 301 from this gemeente to this
 *   aanbieder with the same ReferentieAanbieder. Any 301 counts, including one
 *   that later removed the toewijzing (RedenWijziging 13, "counts as never sent",
 *   CS335): uncertain, we do not reopen a verzoek on a verwijdering.
 * - TR360 (9360), 319 with VerzoekAntwoord 2: no earlier accepted 319 for this
 *   ReferentieAanbieder (whatever its VerzoekAntwoord).
 * - TR365 (9365), 319: every earlier accepted 319 for this ReferentieAanbieder
 *   must have VerzoekAntwoord 2. A 319 (2) after a 319 (1) breaks both TR360
 *   and TR365 and gets both codes.
 * - TR379 (9379), 301: a ToegewezenProduct's ReferentieAanbieder, when present,
 *   must refer to an accepted 315/317 of the 301's Ontvanger (the aanbieder) to
 *   the 301's Afzender (the gemeente). A 301 repeats every current toewijzing
 *   (OP087), so a ReferentieAanbieder that was already honoured is fine again;
 *   so is one whose verzoek was afgewezen (the rule only asks that it refers to
 *   a verzoek).
 *
 * Parties come from the Header (Afzender/Ontvanger), not from ctx->peer: both
 * sides of the flow are needed and the peer is only one of them.
 *
 * State, per family, in three tables of our own (recorded in on_accept only):
 * verzoek_ref (every ReferentieAanbieder per aanbieder with its gemeente, Bsn and
 * state), verzoek_antwoord (the 319s per ReferentieAanbieder with their
 * VerzoekAntwoord) and verzoek_toewijzing (the 301 ToegewezenProducts that
 * honoured a ReferentieAanbieder). The Bsn is kept in the gateway's own store,
 * which holds the messages anyway; it never appears in a diagnostic or a log.
 * Every write is idempotent (INSERT OR IGNORE, UPDATE), so a failed sequence is
 * simply run again on fresh statements.
 *
 * Runs on the broker thread inside the broker's transaction: no BEGIN/COMMIT.
 * Tables are created on first use; statements are prepared once per database
 * handle, and prepared again (with the tables) after an SQLite error, since a
 * rolled-back first transaction takes the tables with it (see filter_tr056.c).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/arena.h"
#include "gw/log.h"

#include "filter_registry.h"
#include "filter_sql.h"

/* State of a ReferentieAanbieder (verzoek_ref.state). */
enum {
    S_OPEN = 0,       /* sent, not answered */
    S_ONDERZOEK = 1,  /* 319 with VerzoekAntwoord 2 */
    S_AFGEWEZEN = 2,  /* 319 with VerzoekAntwoord 1 */
    S_TOEGEWEZEN = 3, /* honoured by a 301 */
};

/* Findings per item (AangevraagdProduct, Verzoek, Antwoord, ToegewezenProduct). */
enum {
    F_TR347 = 1u << 0,
    F_TR374 = 1u << 1,
    F_TR355 = 1u << 2,
    F_TR359 = 1u << 3,
    F_TR360 = 1u << 4,
    F_TR365 = 1u << 5,
    F_TR379 = 1u << 6,
};

static const char s_sql_tables[] = "CREATE TABLE IF NOT EXISTS verzoek_ref("
                                   " family INTEGER NOT NULL,"
                                   " aanbieder TEXT NOT NULL,"
                                   " ref TEXT NOT NULL,"
                                   " gemeente TEXT NOT NULL,"
                                   " bsn TEXT NOT NULL,"
                                   " soort INTEGER NOT NULL," /* 315 or 317 */
                                   " state INTEGER NOT NULL,"
                                   " PRIMARY KEY(family, aanbieder, ref)) WITHOUT ROWID;"
                                   "CREATE INDEX IF NOT EXISTS verzoek_ref_client"
                                   " ON verzoek_ref(family, aanbieder, gemeente, bsn);"
                                   "CREATE TABLE IF NOT EXISTS verzoek_antwoord("
                                   " family INTEGER NOT NULL,"
                                   " aanbieder TEXT NOT NULL,"
                                   " ref TEXT NOT NULL,"
                                   " gemeente TEXT NOT NULL,"
                                   " ident TEXT NOT NULL," /* the 319's Identificatie */
                                   " antwoord TEXT NOT NULL,"
                                   " PRIMARY KEY(family, aanbieder, ref, gemeente, ident)) WITHOUT ROWID;"
                                   "CREATE TABLE IF NOT EXISTS verzoek_toewijzing("
                                   " family INTEGER NOT NULL,"
                                   " aanbieder TEXT NOT NULL,"
                                   " ref TEXT NOT NULL,"
                                   " gemeente TEXT NOT NULL,"
                                   " toewijzing TEXT NOT NULL," /* ToewijzingNummer */
                                   " PRIMARY KEY(family, aanbieder, ref, gemeente, toewijzing)) WITHOUT ROWID";

/* The statements; every one binds ?1 family, ?2 aanbieder and then its own. */
enum {
    Q_FIND_REF,  /* ?3 ref -> gemeente */
    Q_FIND_OPEN, /* ?3 gemeente, ?4 bsn -> 1 when a verzoek is onderhanden */
    Q_FIND_TOEW, /* ?3 ref, ?4 gemeente -> 1 when a 301 honoured it */
    Q_FIND_ANSW, /* ?3 ref, ?4 gemeente -> count, count of VerzoekAntwoord <> 2 */
    Q_INS_REF,   /* ?3 ref, ?4 gemeente, ?5 bsn, ?6 soort */
    Q_INS_ANSW,  /* ?3 ref, ?4 gemeente, ?5 ident, ?6 antwoord */
    Q_SET_ANSW,  /* ?3 ref, ?4 gemeente, ?5 new state (open/onderzoek only) */
    Q_INS_TOEW,  /* ?3 ref, ?4 gemeente, ?5 ToewijzingNummer */
    Q_SET_TOEW,  /* ?3 ref, ?4 gemeente */
    Q_COUNT
};

static const char *const s_sql[Q_COUNT] = {
    [Q_FIND_REF] = "SELECT gemeente FROM verzoek_ref"
                   " WHERE family = ?1 AND aanbieder = ?2 AND ref = ?3",
    /* INDEXED BY: without statistics the planner prefers the primary key's (family,
     * aanbieder) prefix of the WITHOUT ROWID table, a scan of the aanbieder's verzoeken. */
    [Q_FIND_OPEN] = "SELECT 1 FROM verzoek_ref INDEXED BY verzoek_ref_client"
                    " WHERE family = ?1 AND aanbieder = ?2"
                    " AND gemeente = ?3 AND bsn = ?4 AND state IN (0, 1) LIMIT 1",
    [Q_FIND_TOEW] = "SELECT 1 FROM verzoek_toewijzing WHERE family = ?1 AND aanbieder = ?2"
                    " AND ref = ?3 AND gemeente = ?4 LIMIT 1",
    [Q_FIND_ANSW] = "SELECT count(*), count(CASE WHEN antwoord <> '2' THEN 1 END)"
                    " FROM verzoek_antwoord WHERE family = ?1 AND aanbieder = ?2"
                    " AND ref = ?3 AND gemeente = ?4",
    [Q_INS_REF] = "INSERT OR IGNORE INTO verzoek_ref(family, aanbieder, ref, gemeente, bsn,"
                  " soort, state) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0)",
    [Q_INS_ANSW] = "INSERT OR IGNORE INTO verzoek_antwoord(family, aanbieder, ref, gemeente,"
                   " ident, antwoord) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_SET_ANSW] = "UPDATE verzoek_ref SET state = ?5 WHERE family = ?1 AND aanbieder = ?2"
                   " AND ref = ?3 AND gemeente = ?4 AND state IN (0, 1)",
    [Q_INS_TOEW] = "INSERT OR IGNORE INTO verzoek_toewijzing(family, aanbieder, ref, gemeente,"
                   " toewijzing) VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_SET_TOEW] = "UPDATE verzoek_ref SET state = 3 WHERE family = ?1 AND aanbieder = ?2"
                   " AND ref = ?3 AND gemeente = ?4",
};

/* The keys of the look-ups that mostly find nothing on a 315 or 317 (a new
 * ReferentieAanbieder: TR347; a client with no verzoek yet: TR374), for the negative caches
 * (filter_sql.h). Only this filter writes verzoek_ref. */
static const char s_sql_scan_ref[] = "SELECT family, aanbieder, ref FROM verzoek_ref";
static const char s_sql_scan_client[] =
    "SELECT family, aanbieder, gemeente, bsn FROM verzoek_ref";

typedef struct s_state {
    sqlite3 *db;              /* handle the statements were prepared on (borrowed) */
    sqlite3_stmt *q[Q_COUNT]; /* s_sql */
    gw_fsql_bloom_t refs;     /* every (family, aanbieder, ref) of verzoek_ref */
    gw_fsql_bloom_t clients;  /* every (family, aanbieder, gemeente, bsn) of verzoek_ref */
} s_state_t;

/* The parties and kind of a message; ok = 0 when there is nothing to look at. */
typedef struct s_key {
    int ok;
    int family;
    int number;            /* 301, 315, 317, 319 */
    const char *aanbieder; /* AGB code */
    const char *gemeente;  /* gemeente code */
    const gw_client_t *client;
    const gw_antwoord_t *antwoord;
    const char *ident; /* Identificatie, "" when absent */
} s_key_t;

/* The statement table of this state, for filter_sql.h. */
static void
s_stmts(s_state_t *st, gw_fsql_stmt_t v[Q_COUNT])
{
    for (size_t i = 0; i < Q_COUNT; i++) {
        v[i].slot = &st->q[i];
        v[i].sql = s_sql[i];
    }
}

static void
s_forget(s_state_t *st)
{
    gw_fsql_stmt_t v[Q_COUNT];
    s_stmts(st, v);
    gw_fsql_forget(&st->db, v, Q_COUNT);
}

/* Make the tables and statements ready for db. */
static int
s_ready(s_state_t *st, sqlite3 *db)
{
    gw_fsql_stmt_t v[Q_COUNT];
    s_stmts(st, v);
    return gw_fsql_ready(&st->db, db, "verzoek", s_sql_tables, v, Q_COUNT);
}

static int
s_key(const gw_msg_t *msg, s_key_t *k)
{
    memset(k, 0, sizeof(*k));
    const gw_bericht_t *b = msg->bericht;
    const gw_header_t *h = b ? b->Header : NULL;
    if (!h || !h->Afzender || !h->Ontvanger) {
        return 0; /* the XSD guarantees both; nothing to check */
    }
    k->family = (int)msg->type->family;
    k->number = msg->type->number;
    k->ident = h->BerichtIdentificatie && h->BerichtIdentificatie->Identificatie
                   ? h->BerichtIdentificatie->Identificatie
                   : "";
    switch (k->number) {
    case 315:
    case 317: /* aanbieder -> gemeente */
        k->aanbieder = h->Afzender;
        k->gemeente = h->Ontvanger;
        k->client = b->Client;
        k->ok = k->client && k->client->Bsn;
        break;
    case 301: /* gemeente -> aanbieder */
        k->aanbieder = h->Ontvanger;
        k->gemeente = h->Afzender;
        k->client = b->Client;
        k->ok = k->client != NULL;
        break;
    case 319:
        k->aanbieder = h->Ontvanger;
        k->gemeente = h->Afzender;
        k->antwoord = b->Antwoord;
        k->ok = k->antwoord && k->antwoord->ReferentieAanbieder && k->antwoord->VerzoekAntwoord;
        break;
    default:
        break;
    }
    return k->ok;
}

/* Bind ?1 family, ?2 aanbieder and then the texts in order as ?3, ?4, ... */
static int
s_bind(sqlite3_stmt *s, const s_key_t *k, const char *const *texts, size_t n)
{
    int rc = sqlite3_bind_int(s, 1, k->family);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 2, k->aanbieder, -1, SQLITE_STATIC);
    }
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        rc = sqlite3_bind_text(s, (int)i + 3, texts[i], -1, SQLITE_STATIC);
    }
    return rc;
}

static void
s_done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Run a query; *found = 1 when it returned a row, whose first two integer columns
 * go to c0/c1 (may be NULL) and whose first text column to text (cap > 0 or NULL).
 * @returns SQLITE_DONE or the SQLite error. */
static int
s_query(sqlite3_stmt *s, const s_key_t *k, const char *const *texts, size_t n, int *found,
        char *text, size_t cap, int *c0, int *c1)
{
    *found = 0;
    int rc = s_bind(s, k, texts, n);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *found = 1;
            if (text) {
                gw_fsql_copy(text, cap, sqlite3_column_text(s, 0));
            }
            if (c0) {
                *c0 = sqlite3_column_int(s, 0);
            }
            if (c1) {
                *c1 = sqlite3_column_int(s, 1);
            }
            rc = SQLITE_DONE;
        }
    }
    s_done(s);
    return rc;
}

/* Run a write; ?3.. are texts, then an optional integer (has_int). */
static int
s_write(sqlite3_stmt *s, const s_key_t *k, const char *const *texts, size_t n, int has_int, int v)
{
    int rc = s_bind(s, k, texts, n);
    if (rc == SQLITE_OK && has_int) {
        rc = sqlite3_bind_int(s, (int)n + 3, v);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    s_done(s);
    return rc;
}

/* Was ref sent by k->aanbieder? *same_gemeente says whether to k->gemeente. */
/* The negative caches' keys. */
static uint64_t
s_hash_ref(const s_key_t *k, const char *ref)
{
    uint64_t h = gw_fsql_hash_int(GW_FSQL_HASH0, k->family);
    h = gw_fsql_hash_text(h, k->aanbieder);
    return gw_fsql_hash_text(h, ref);
}

static uint64_t
s_hash_client(const s_key_t *k, const char *bsn)
{
    uint64_t h = gw_fsql_hash_int(GW_FSQL_HASH0, k->family);
    h = gw_fsql_hash_text(h, k->aanbieder);
    h = gw_fsql_hash_text(h, k->gemeente);
    return gw_fsql_hash_text(h, bsn);
}

static int
s_find_ref(s_state_t *st, const s_key_t *k, const char *ref, int *found, int *same_gemeente)
{
    char gemeente[16] = "";
    const char *t[1] = {ref};
    if (!gw_fsql_bloom_maybe(&st->refs, s_hash_ref(k, ref))) {
        *found = 0; /* certainly not stored */
        *same_gemeente = 0;
        return SQLITE_DONE;
    }
    int rc = s_query(st->q[Q_FIND_REF], k, t, 1, found, gemeente, sizeof(gemeente), NULL, NULL);
    *same_gemeente = *found && strcmp(gemeente, k->gemeente) == 0;
    return rc;
}

/* ---- checks: fill flags[] (one per item); no diagnostics yet ---- */

static int
s_check_verzoek(s_state_t *st, const s_key_t *k, unsigned char *flags, size_t n)
{
    const gw_client_t *c = k->client;
    int open = 0;
    const char *t[2] = {k->gemeente, c->Bsn};
    int rc = SQLITE_DONE;
    if (c->Bsn && gw_fsql_bloom_maybe(&st->clients, s_hash_client(k, c->Bsn))) {
        rc = s_query(st->q[Q_FIND_OPEN], k, t, 2, &open, NULL, 0, NULL, NULL);
    }
    for (size_t i = 0; rc == SQLITE_DONE && i < n; i++) {
        const char *ref = k->number == 315 ? c->AangevraagdProduct.v[i].ReferentieAanbieder
                                           : c->Verzoek->ReferentieAanbieder;
        int found = 0;
        int same = 0;
        if (ref) {
            rc = s_find_ref(st, k, ref, &found, &same);
        }
        flags[i] = (unsigned char)((found ? F_TR347 : 0) | (open ? F_TR374 : 0));
    }
    return rc;
}

static int
s_check_antwoord(s_state_t *st, const s_key_t *k, unsigned char *flags)
{
    const gw_antwoord_t *a = k->antwoord;
    int found = 0;
    int same = 0;
    int rc = s_find_ref(st, k, a->ReferentieAanbieder, &found, &same);
    if (rc != SQLITE_DONE) {
        return rc;
    }
    flags[0] = same ? 0 : F_TR355;
    const char *t[2] = {a->ReferentieAanbieder, k->gemeente};
    int toew = 0;
    rc = s_query(st->q[Q_FIND_TOEW], k, t, 2, &toew, NULL, 0, NULL, NULL);
    if (rc != SQLITE_DONE) {
        return rc;
    }
    if (toew) {
        flags[0] |= F_TR359;
    }
    int row = 0;
    int earlier = 0;
    int not_onderzoek = 0;
    rc = s_query(st->q[Q_FIND_ANSW], k, t, 2, &row, NULL, 0, &earlier, &not_onderzoek);
    if (rc != SQLITE_DONE) {
        return rc;
    }
    if (earlier > 0 && strcmp(a->VerzoekAntwoord, "2") == 0) {
        flags[0] |= F_TR360;
    }
    if (not_onderzoek > 0) {
        flags[0] |= F_TR365;
    }
    return SQLITE_DONE;
}

static int
s_check_toewijzing(s_state_t *st, const s_key_t *k, unsigned char *flags, size_t n)
{
    int rc = SQLITE_DONE;
    for (size_t i = 0; rc == SQLITE_DONE && i < n; i++) {
        const char *ref = k->client->ToegewezenProduct.v[i].ReferentieAanbieder;
        flags[i] = 0;
        if (!ref) {
            continue; /* not sent to honour a verzoek: nothing to check */
        }
        int found = 0;
        int same = 0;
        rc = s_find_ref(st, k, ref, &found, &same);
        if (!same) {
            flags[i] = F_TR379;
        }
    }
    return rc;
}

static size_t
s_items(const s_key_t *k)
{
    switch (k->number) {
    case 315:
        return k->client->AangevraagdProduct.n;
    case 317:
        return k->client->Verzoek ? 1 : 0;
    case 319:
        return 1;
    default:
        return k->client->ToegewezenProduct.n;
    }
}

static int
s_check(s_state_t *st, const s_key_t *k, unsigned char *flags, size_t n)
{
    switch (k->number) {
    case 315:
    case 317:
        return s_check_verzoek(st, k, flags, n);
    case 319:
        return s_check_antwoord(st, k, flags);
    default:
        return s_check_toewijzing(st, k, flags, n);
    }
}

/* ---- diagnostics ---- */

typedef struct s_rule {
    unsigned flag;
    const char *rule;
    const char *code;
    const char *text; /* the retourcode's text (WJ001) */
} s_rule_t;

static const s_rule_t s_rules[] = {
    {F_TR347, "TR347", "9347",
     "ReferentieAanbieder is niet uniek voor de aanbieder binnen het wettelijk domein"},
    {F_TR374, "TR374", "9374", "Er is al een verzoek onderhanden."},
    {F_TR355, "TR355", "9355",
     "ReferentieAanbieder in het antwoordbericht komt niet voor in een eerder verzoek om "
     "toewijzing of verzoek om wijziging"},
    {F_TR359, "TR359", "9359", "Er is al een toewijzing gestuurd met deze ReferentieAanbieder."},
    {F_TR360, "TR360", "9360",
     "Er is al een antwoordbericht met deze ReferentieAanbieder, terwijl antwoordbericht in "
     "VerzoekAntwoord waarde 2 (aanvraag in onderzoek) heeft."},
    {F_TR365, "TR365", "9365",
     "Er is al een antwoordbericht met dezelfde ReferentieAanbieder waar VerzoekAntwoord niet de "
     "waarde 'Aanvraag in onderzoek' heeft."},
    {F_TR379, "TR379", "9379",
     "ReferentieAanbieder refereert niet naar een verzoek om toewijzing of verzoek om wijziging, "
     "is onterecht gevuld"},
};

/* Element path and class of a finding on item i. */
static void
s_where(const s_key_t *k, size_t i, unsigned flag, char *path, size_t cap, const void **cls)
{
    switch (k->number) {
    case 315:
        *cls = &k->client->AangevraagdProduct.v[i];
        snprintf(path, cap, "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct[%zu]%s",
                 i + 1, flag == F_TR374 ? "" : "/ReferentieAanbieder");
        break;
    case 317:
        *cls = k->client->Verzoek;
        snprintf(path, cap, "/Bericht/Client/Verzoek%s",
                 flag == F_TR374 ? "" : "/ReferentieAanbieder");
        break;
    case 319:
        *cls = k->antwoord;
        snprintf(path, cap, "/Bericht/Antwoord/%s",
                 flag == F_TR360 || flag == F_TR365 ? "VerzoekAntwoord" : "ReferentieAanbieder");
        break;
    default:
        *cls = &k->client->ToegewezenProduct.v[i];
        snprintf(path, cap,
                 "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[%zu]/ReferentieAanbieder",
                 i + 1);
        break;
    }
}

static gw_verdict_t
s_report(const s_key_t *k, const unsigned char *flags, size_t n, gw_diag_t *diag)
{
    int rejected = 0;
    for (size_t r = 0; r < sizeof(s_rules) / sizeof(s_rules[0]); r++) {
        for (size_t i = 0; i < n; i++) {
            if (!(flags[i] & s_rules[r].flag)) {
                continue;
            }
            char path[128];
            const void *cls = NULL;
            s_where(k, i, s_rules[r].flag, path, sizeof(path), &cls);
            if (gw_diag_add(diag, GW_LEVEL_CROSS, s_rules[r].rule, s_rules[r].code, path, 0, cls,
                            "%s", s_rules[r].text) != GW_OK) {
                gw_log(GW_LOG_ERROR, "verzoek_nomem", "number=%d", k->number);
                return GW_VERDICT_ERROR;
            }
            rejected = 1;
        }
    }
    return rejected ? GW_VERDICT_REJECT : GW_VERDICT_PASS;
}

/* ---- recording ---- */

static int
s_record(s_state_t *st, const s_key_t *k)
{
    int rc = SQLITE_DONE;
    const gw_client_t *c = k->client;
    switch (k->number) {
    case 315:
    case 317: {
        size_t n = s_items(k);
        for (size_t i = 0; rc == SQLITE_DONE && i < n; i++) {
            const char *ref = k->number == 315 ? c->AangevraagdProduct.v[i].ReferentieAanbieder
                                               : c->Verzoek->ReferentieAanbieder;
            if (ref) {
                const char *t[3] = {ref, k->gemeente, c->Bsn};
                rc = s_write(st->q[Q_INS_REF], k, t, 3, 1, k->number);
                if (rc == SQLITE_DONE) {
                    gw_fsql_bloom_add(&st->refs, s_hash_ref(k, ref));
                    gw_fsql_bloom_add(&st->clients, s_hash_client(k, c->Bsn));
                }
            }
        }
        break;
    }
    case 319: {
        const gw_antwoord_t *a = k->antwoord;
        const char *t[4] = {a->ReferentieAanbieder, k->gemeente, k->ident, a->VerzoekAntwoord};
        rc = s_write(st->q[Q_INS_ANSW], k, t, 4, 0, 0);
        int to = strcmp(a->VerzoekAntwoord, "1") == 0   ? S_AFGEWEZEN
                 : strcmp(a->VerzoekAntwoord, "2") == 0 ? S_ONDERZOEK
                                                        : -1;
        if (rc == SQLITE_DONE && to >= 0) {
            rc = s_write(st->q[Q_SET_ANSW], k, t, 2, 1, to);
        }
        break;
    }
    default:
        for (size_t i = 0; rc == SQLITE_DONE && i < c->ToegewezenProduct.n; i++) {
            const gw_toegewezen_product_t *p = &c->ToegewezenProduct.v[i];
            if (!p->ReferentieAanbieder) {
                continue;
            }
            const char *t[3] = {p->ReferentieAanbieder, k->gemeente,
                                p->ToewijzingNummer ? p->ToewijzingNummer : ""};
            rc = s_write(st->q[Q_INS_TOEW], k, t, 3, 0, 0);
            if (rc == SQLITE_DONE) {
                rc = s_write(st->q[Q_SET_TOEW], k, t, 2, 0, 0);
            }
        }
        break;
    }
    return rc;
}

/* ---- the filter ---- */

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    return gw_fsql_create(state, sizeof(s_state_t), "verzoek", opts, err);
}

static void
s_destroy(void *state)
{
    s_state_t *st = state;
    if (!st) {
        return;
    }
    s_forget(st);
    gw_fsql_bloom_free(&st->refs);
    gw_fsql_bloom_free(&st->clients);
    gw_free(st);
}

static gw_verdict_t
s_on_message(void *state, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    s_key_t k;
    if (!s_key(msg, &k)) {
        return GW_VERDICT_PASS;
    }
    size_t n = s_items(&k);
    if (n == 0) {
        return GW_VERDICT_PASS;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "verzoek_no_db", "type=%s", msg->type->name);
        return GW_VERDICT_ERROR;
    }
    unsigned char *flags = gw_arena_alloc(msg->arena, n);
    if (!flags) {
        gw_log(GW_LOG_ERROR, "verzoek_nomem", "type=%s", msg->type->name);
        return GW_VERDICT_ERROR;
    }
    if (s_ready(st, ctx->db) != GW_OK) {
        return GW_VERDICT_ERROR;
    }
    /* A cache that cannot be built is off: its look-ups go to SQL. */
    (void)gw_fsql_bloom_ready(&st->refs, ctx->db, s_sql_scan_ref);
    (void)gw_fsql_bloom_ready(&st->clients, ctx->db, s_sql_scan_client);
    /* All lookups first, diagnostics after: a retry must not report twice. */
    int rc = s_check(st, &k, flags, n);
    if (rc != SQLITE_DONE) {
        /* A rolled-back first transaction may have taken the tables with it: retry once. */
        s_forget(st);
        if (s_ready(st, ctx->db) == GW_OK) {
            rc = s_check(st, &k, flags, n);
        }
    }
    if (rc != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "verzoek_sqlite", "step=check type=%s rc=%d err=\"%s\"",
               msg->type->name, rc, sqlite3_errmsg(ctx->db));
        s_forget(st); /* re-prepare (and re-create the tables) on the next message */
        return GW_VERDICT_ERROR;
    }
    return s_report(&k, flags, n, diag);
}

static int
s_on_accept(void *state, const gw_msg_t *msg, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    s_key_t k;
    if (!s_key(msg, &k) || s_items(&k) == 0) {
        return GW_OK;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "verzoek_no_db", "type=%s", msg->type->name);
        return GW_EINVAL;
    }
    int rc = s_ready(st, ctx->db);
    if (rc != GW_OK) {
        return rc;
    }
    int src = s_record(st, &k);
    if (src != SQLITE_DONE) {
        s_forget(st); /* see s_on_message; every write is idempotent, so run all again */
        if (s_ready(st, ctx->db) == GW_OK) {
            src = s_record(st, &k);
        }
    }
    if (src != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "verzoek_sqlite", "step=record type=%s rc=%d err=\"%s\"",
               msg->type->name, src, sqlite3_errmsg(ctx->db));
        s_forget(st);
        return gw_fsql_rc(src);
    }
    return GW_OK;
}

const gw_filter_ops_t filter_verzoek = {
    .abi = GW_FILTER_ABI,
    .name = "verzoek",
    .families = GW_FAMILY_IJW | GW_FAMILY_IWMO,
    .msgs = GW_M301 | GW_M315 | GW_M317 | GW_M319,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
    .on_accept = s_on_accept,
};
