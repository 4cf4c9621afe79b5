/*
 * Declareren across messages (JW323/JW325, WMO323/WMO325): TR333 (9333), TR314 (8021),
 * TR323 (8017), TR390 (9390), TR389 (9389) on the Declaratie (323) and TR366 (9366),
 * TR367 (9367) on the DeclaratieAntwoord (325) (spec §5.4, flows §1.3, 325 §1.5).
 *
 * State, per (family, aanbieder): every DeclaratieNummer of an accepted 323 (table
 * declaratie_nummer) and every Prestatie of an accepted 323 (table declaratie_prestatie:
 * ReferentieNummer, VorigReferentieNummer, DebetCredit, ToewijzingNummer,
 * ProductCategorie/Code, ProductPeriode, GeleverdVolume, Eenheid, IngediendBedrag, the
 * DeclaratieNummer and the 323's BerichtIdentificatie). Only on_accept of a 323 writes;
 * a 325 is checked against the store and changes nothing. The aanbieder of a 323 is its
 * Header/Afzender, of a 325 its Header/Ontvanger (the gemeente sends the 325).
 *
 * Rules on a 323 (one diagnostic per Prestatie: the first failing rule in the order
 * TR314, TR323, TR390, TR389; TR333 is reported on the Declaratie besides):
 * - TR333: the DeclaratieNummer was used before by this aanbieder (any gemeente: "uniek
 *   voor de aanbieder binnen het wettelijk domein"; the family is the domein).
 * - TR314: the ReferentieNummer was used before by this aanbieder, or by an earlier
 *   Prestatie of this message (the first one in document order passes).
 * - TR323: a credit (IngediendBedrag/DebetCredit C) must have a VorigReferentieNummer that
 *   is the ReferentieNummer of a debet Prestatie of this aanbieder in an EARLIER message
 *   ("eerder verzonden"); a debet in the same message does not count. Absent
 *   VorigReferentieNummer on a credit fails too. Uncertain: the rule says "goedgekeurde"
 *   debet. We do not track 325 outcomes yet, so every debet of an accepted 323 counts,
 *   also one the gemeente later rejected in its 325.
 * - TR390: a credit whose VorigReferentieNummer was already credited, by a stored credit
 *   or an earlier credit of this message. Only checked when TR323 passed.
 * - TR389: a debet for the same ToewijzingNummer, ProductCategorie, ProductCode (absent =
 *   its own value) and ProductPeriode (Begindatum and Einddatum) as a stored debet that
 *   is not credited (by a stored credit, or by a credit anywhere in this message: a
 *   credit and its re-declaration travel together, and OP080 gives document order no
 *   meaning), or as an earlier debet of this message. Uncertain, as for TR323: a debet
 *   the gemeente rejected in its 325 still blocks a new debet for that period until it
 *   is credited, because 325 rejections are not tracked yet (follow-up: record the
 *   Prestaties a 325 lists as afgewezen in an on_accept for 325).
 *
 * Rules on a 325 (one diagnostic per listed Prestatie):
 * - TR366: the ProductReferentie/ReferentieNummer is a stored Prestatie of the aanbieder
 *   (any 323 of it; the gemeente and DeclaratieNummer are not compared, TR376/TR337 are
 *   not ours).
 * - TR367: ToewijzingNummer, ProductCategorie, ProductCode, ProductPeriode, GeleverdVolume,
 *   Eenheid and IngediendBedrag (Bedrag and DebetCredit) equal the 323's. Numbers compare
 *   as numbers, dates as days. The path names the first differing element. ProductTarief
 *   and VorigReferentieNummer are not compared (not stored / part of the reference).
 *   The 325 has no retourbericht: the broker answers a rejected 325 with an ERROR.
 *
 * A Prestatie whose numbers or dates do not parse, or that lacks ProductReferentie,
 * IngediendBedrag or ProductPeriode (the XSD prevents it), is neither checked nor recorded.
 * Diagnostics carry codes and paths only, never the Bsn or reference values.
 *
 * Runs on the broker thread inside the broker's transaction: no BEGIN/COMMIT. The tables
 * are created on first use; the statements are prepared once per database handle and
 * re-prepared after an SQLite error (a rolled-back first transaction takes the tables
 * with it), as in filter_tr056.c and filter_startstop.c. All look-ups are done before
 * any diagnostic is added, so the retry does not duplicate diagnostics.
 */
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/alloc.h"
#include "gw/arena.h"
#include "gw/log.h"

#include "filter_registry.h"
#include "filter_sql.h"

#define S_NO_TWNR ((int64_t)-1) /* no ToewijzingNummer */

static const char s_sql_table[] =
    "CREATE TABLE IF NOT EXISTS declaratie_nummer("
    " family INTEGER NOT NULL,"
    " aanbieder TEXT NOT NULL,"
    " nummer TEXT NOT NULL," /* DeclaratieNummer */
    " PRIMARY KEY(family, aanbieder, nummer));"
    "CREATE TABLE IF NOT EXISTS declaratie_prestatie("
    " family INTEGER NOT NULL,"
    " aanbieder TEXT NOT NULL,"
    " gemeente TEXT NOT NULL,"   /* the 323's Ontvanger (kept, not yet compared) */
    " refnr TEXT NOT NULL,"      /* ProductReferentie/ReferentieNummer */
    " vorig TEXT NOT NULL,"      /* VorigReferentieNummer, '' when absent */
    " dc TEXT NOT NULL,"         /* IngediendBedrag/DebetCredit: D or C */
    " twnr INTEGER NOT NULL,"    /* ToewijzingNummer, -1 when absent */
    " categorie TEXT NOT NULL,"  /* ProductCategorie */
    " code TEXT NOT NULL,"       /* ProductCode, '' when absent */
    " begin INTEGER NOT NULL,"   /* ProductPeriode/Begindatum (days) */
    " eind INTEGER NOT NULL,"    /* ProductPeriode/Einddatum (days) */
    " volume INTEGER NOT NULL,"  /* GeleverdVolume */
    " eenheid TEXT NOT NULL,"    /* Eenheid */
    " bedrag INTEGER NOT NULL,"  /* IngediendBedrag/Bedrag (eurocents) */
    " declnr TEXT NOT NULL,"     /* DeclaratieNummer */
    " ident TEXT NOT NULL,"      /* the 323's BerichtIdentificatie/Identificatie */
    " PRIMARY KEY(family, aanbieder, refnr));"
    "CREATE INDEX IF NOT EXISTS declaratie_prestatie_vorig"
    " ON declaratie_prestatie(family, aanbieder, vorig);"
    "CREATE INDEX IF NOT EXISTS declaratie_prestatie_key"
    " ON declaratie_prestatie(family, aanbieder, twnr, categorie, code, begin, eind)";

enum {
    S_FIND_NUMMER,  /* TR333 */
    S_FIND_REF,     /* TR314, TR323, TR366, TR367 */
    S_FIND_CREDIT,  /* TR390 */
    S_FIND_DEBETS,  /* TR389 */
    S_ADD_NUMMER,   /* on_accept */
    S_ADD_PRESTATIE, /* on_accept */
    S_NSTMT
};

static const char *const s_sql[S_NSTMT] = {
    [S_FIND_NUMMER] = "SELECT 1 FROM declaratie_nummer WHERE family = ?1 AND aanbieder = ?2"
                      " AND nummer = ?3",
    [S_FIND_REF] = "SELECT dc, twnr, categorie, code, begin, eind, volume, eenheid, bedrag"
                   " FROM declaratie_prestatie WHERE family = ?1 AND aanbieder = ?2"
                   " AND refnr = ?3",
    [S_FIND_CREDIT] = "SELECT 1 FROM declaratie_prestatie WHERE family = ?1 AND aanbieder = ?2"
                      " AND vorig = ?3 AND dc = 'C' LIMIT 1",
    [S_FIND_DEBETS] = "SELECT d.refnr FROM declaratie_prestatie d WHERE d.family = ?1"
                      " AND d.aanbieder = ?2 AND d.dc = 'D' AND d.twnr = ?3 AND d.categorie = ?4"
                      " AND d.code = ?5 AND d.begin = ?6 AND d.eind = ?7 AND NOT EXISTS("
                      "SELECT 1 FROM declaratie_prestatie c WHERE c.family = d.family"
                      " AND c.aanbieder = d.aanbieder AND c.vorig = d.refnr AND c.dc = 'C')",
    [S_ADD_NUMMER] = "INSERT OR IGNORE INTO declaratie_nummer(family, aanbieder, nummer)"
                     " VALUES(?1, ?2, ?3)",
    [S_ADD_PRESTATIE] = "INSERT OR IGNORE INTO declaratie_prestatie(family, aanbieder, gemeente,"
                        " refnr, vorig, dc, twnr, categorie, code, begin, eind, volume, eenheid,"
                        " bedrag, declnr, ident) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                        " ?11, ?12, ?13, ?14, ?15, ?16)",
};

typedef struct s_state {
    sqlite3 *db;                 /* handle the statements were prepared on (borrowed) */
    sqlite3_stmt *stmt[S_NSTMT]; /* s_sql */
} s_state_t;

/* One Prestatie of the message, parsed, with what the store says about it. */
typedef struct s_prest {
    const gw_prestatie_t *p; /* borrowed from the message */
    size_t ci, pi;           /* Client and Prestatie index (0-based) */
    int ok;                  /* parsed; otherwise neither checked nor recorded */
    const char *ref;         /* ReferentieNummer */
    const char *vorig;       /* VorigReferentieNummer, "" when absent */
    char dc;                 /* 'D' or 'C' (other: neither) */
    int64_t twnr;            /* ToewijzingNummer, S_NO_TWNR when absent */
    const char *cat;         /* ProductCategorie, "" when absent */
    const char *code;        /* ProductCode, "" when absent */
    int32_t begin, eind;     /* ProductPeriode (days) */
    int64_t volume;          /* GeleverdVolume */
    const char *eenheid;     /* Eenheid, "" when absent */
    int64_t bedrag;          /* IngediendBedrag/Bedrag */
    const char *key;         /* TR389 key text (arena) */
    /* look-up results */
    int ref_used;       /* ReferentieNummer stored */
    int vorig_debet;    /* 323: VorigReferentieNummer is a stored debet */
    int vorig_credited; /* 323: VorigReferentieNummer has a stored credit */
    int debet_open;     /* 323: a stored, uncredited debet with the same key */
    struct s_prest *stored; /* the stored 323 Prestatie (arena), valid when ref_used */
    /* within the message */
    int dup_ref;    /* an earlier Prestatie has the same ReferentieNummer */
    int dup_credit; /* an earlier credit has the same VorigReferentieNummer */
    int dup_debet;  /* an earlier debet has the same key */
} s_prest_t;

/* A message's Prestaties and its party. */
typedef struct s_decl {
    int family;
    const char *aanbieder;
    const char *gemeente;
    const gw_declaratie_t *d;
    int is_323;
    s_prest_t *v;
    size_t n;
    const char **credits; /* 323: VorigReferentieNummers of its credits, sorted */
    size_t ncredits;
    int nummer_used; /* 323: DeclaratieNummer stored */
} s_decl_t;

/* ---- statements ---- */

/* The statement table of this state, for filter_sql.h. */
static void
s_stmts(s_state_t *st, gw_fsql_stmt_t v[S_NSTMT])
{
    for (size_t i = 0; i < S_NSTMT; i++) {
        v[i].slot = &st->stmt[i];
        v[i].sql = s_sql[i];
    }
}

static void
s_forget(s_state_t *st)
{
    gw_fsql_stmt_t v[S_NSTMT];
    s_stmts(st, v);
    gw_fsql_forget(&st->db, v, S_NSTMT);
}

/* Make the tables and statements ready for db. */
static int
s_ready(s_state_t *st, sqlite3 *db)
{
    gw_fsql_stmt_t v[S_NSTMT];
    s_stmts(st, v);
    return gw_fsql_ready(&st->db, db, "declaratie", s_sql_table, v, S_NSTMT);
}

static void
s_done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

static int
s_bind_party(sqlite3_stmt *s, const s_decl_t *m)
{
    int rc = sqlite3_bind_int(s, 1, m->family);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 2, m->aanbieder, -1, SQLITE_STATIC);
    }
    return rc;
}

/* Whether a statement keyed by (family, aanbieder, text) has a row. @returns SQLite rc:
 * SQLITE_DONE with *found set, or the error. */
static int
s_exists(sqlite3_stmt *s, const s_decl_t *m, const char *text, int *found)
{
    *found = 0;
    int rc = s_bind_party(s, m);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *found = 1;
            rc = SQLITE_DONE;
        }
    }
    s_done(s);
    return rc;
}

static const char *
s_col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

/* S_FIND_REF for ref: *found, and the stored Prestatie in *row (strings in arena). */
static int
s_find_ref(s_state_t *st, const s_decl_t *m, gw_arena_t *arena, const char *ref, int *found,
           s_prest_t *row)
{
    sqlite3_stmt *s = st->stmt[S_FIND_REF];
    *found = 0;
    int rc = s_bind_party(s, m);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 3, ref, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    if (rc == SQLITE_ROW) {
        *found = 1;
        rc = SQLITE_DONE;
        memset(row, 0, sizeof(*row));
        row->dc = s_col(s, 0)[0];
        row->twnr = sqlite3_column_int64(s, 1);
        row->cat = gw_arena_strdup(arena, s_col(s, 2));
        row->code = gw_arena_strdup(arena, s_col(s, 3));
        row->begin = (int32_t)sqlite3_column_int(s, 4);
        row->eind = (int32_t)sqlite3_column_int(s, 5);
        row->volume = sqlite3_column_int64(s, 6);
        row->eenheid = gw_arena_strdup(arena, s_col(s, 7));
        row->bedrag = sqlite3_column_int64(s, 8);
        if (!row->cat || !row->code || !row->eenheid) {
            rc = SQLITE_NOMEM;
        }
    }
    s_done(s);
    return rc;
}

static int
s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether a credit of this message names refnr as its VorigReferentieNummer. */
static int
s_credited_here(const s_decl_t *m, const char *refnr)
{
    return m->ncredits > 0 &&
           bsearch(&refnr, m->credits, m->ncredits, sizeof(*m->credits), s_cmp_str) != NULL;
}

/* S_FIND_DEBETS for x: any stored debet with x's key, uncredited in the store and here. */
static int
s_find_open_debet(s_state_t *st, const s_decl_t *m, s_prest_t *x)
{
    sqlite3_stmt *s = st->stmt[S_FIND_DEBETS];
    int rc = s_bind_party(s, m);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int64(s, 3, x->twnr);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 4, x->cat, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 5, x->code, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int(s, 6, x->begin);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int(s, 7, x->eind);
    }
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && !s_credited_here(m, s_col(s, 0))) {
            x->debet_open = 1;
            rc = SQLITE_DONE;
        }
    }
    s_done(s);
    return rc;
}

/* All store look-ups of the message. @returns SQLITE_DONE or the error. */
static int
s_lookup(s_state_t *st, s_decl_t *m, gw_arena_t *arena)
{
    int rc = SQLITE_DONE;
    if (m->is_323 && m->d->DeclaratieNummer) {
        rc = s_exists(st->stmt[S_FIND_NUMMER], m, m->d->DeclaratieNummer, &m->nummer_used);
    }
    for (size_t i = 0; i < m->n && rc == SQLITE_DONE; i++) {
        s_prest_t *x = &m->v[i];
        if (!x->ok) {
            continue;
        }
        x->stored = gw_arena_alloc(arena, sizeof(*x->stored));
        if (!x->stored) {
            return SQLITE_NOMEM;
        }
        rc = s_find_ref(st, m, arena, x->ref, &x->ref_used, x->stored);
        if (!m->is_323 || rc != SQLITE_DONE) {
            continue;
        }
        if (x->dc == 'C' && x->vorig[0]) {
            s_prest_t vorig = {.dc = 0};
            int found = 0;
            rc = s_find_ref(st, m, arena, x->vorig, &found, &vorig);
            x->vorig_debet = found && vorig.dc == 'D';
            if (rc == SQLITE_DONE) {
                rc = s_exists(st->stmt[S_FIND_CREDIT], m, x->vorig, &x->vorig_credited);
            }
        } else if (x->dc == 'D') {
            rc = s_find_open_debet(st, m, x);
        }
    }
    return rc;
}

/* ---- the message ---- */

static const char *
s_str(const char *s)
{
    return s ? s : "";
}

/* Parse one Prestatie. 0 when an element does not parse or is missing. */
static int
s_parse(gw_arena_t *arena, const gw_prestatie_t *p, s_prest_t *x)
{
    const gw_referentie_t *r = p->ProductReferentie;
    const gw_bedrag_t *b = p->IngediendBedrag;
    if (!r || !r->ReferentieNummer || !b || !b->DebetCredit || !p->ProductPeriode) {
        return 0;
    }
    x->ref = r->ReferentieNummer;
    x->vorig = s_str(r->VorigReferentieNummer);
    x->dc = b->DebetCredit[0] && !b->DebetCredit[1] ? b->DebetCredit[0] : '?';
    x->twnr = S_NO_TWNR;
    if (p->ToewijzingNummer && (gw_model_int(p->ToewijzingNummer, &x->twnr) != GW_OK ||
                                x->twnr < 0)) {
        return 0;
    }
    x->cat = s_str(p->ProductCategorie);
    x->code = s_str(p->ProductCode);
    x->eenheid = s_str(p->Eenheid);
    if (gw_model_date(p->ProductPeriode->Begindatum, &x->begin) != GW_OK ||
        gw_model_date(p->ProductPeriode->Einddatum, &x->eind) != GW_OK ||
        gw_model_int(p->GeleverdVolume, &x->volume) != GW_OK ||
        gw_model_int(b->Bedrag, &x->bedrag) != GW_OK) {
        return 0;
    }
    x->key = gw_arena_printf(arena, "%lld|%s|%s|%ld|%ld", (long long)x->twnr, x->cat, x->code,
                             (long)x->begin, (long)x->eind);
    return x->key != NULL ? 1 : -1;
}

/* One (key, position) pair for finding repeats inside the message. */
typedef struct s_item {
    const char *key;
    size_t idx;
} s_item_t;

static int
s_cmp_item(const void *a, const void *b)
{
    const s_item_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0) {
        return c;
    }
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Flag (offset `flag` in s_prest_t) every item whose key an earlier item has. */
static void
s_repeats(s_prest_t *v, s_item_t *items, size_t n, size_t flag)
{
    qsort(items, n, sizeof(*items), s_cmp_item);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(items[i].key, items[i - 1].key) == 0) {
            *(int *)((char *)&v[items[i].idx] + flag) = 1;
        }
    }
}

/* Collect the message's Prestaties. 1: a declaratie of ours; 0: nothing to do; -1: OOM. */
static int
s_decl_of(const gw_msg_t *msg, s_decl_t *m)
{
    memset(m, 0, sizeof(*m));
    const gw_header_t *h = msg->bericht ? msg->bericht->Header : NULL;
    if (!h) {
        return 0;
    }
    m->family = (int)msg->type->family;
    if (msg->type->bit == GW_M323) {
        m->is_323 = 1;
        m->d = msg->bericht->Declaratie;
        m->aanbieder = h->Afzender;
        m->gemeente = h->Ontvanger;
    } else if (msg->type->bit == GW_M325) {
        m->d = msg->bericht->DeclaratieAntwoord;
        m->aanbieder = h->Ontvanger;
        m->gemeente = h->Afzender;
    }
    if (!m->d || !m->aanbieder || !m->gemeente) {
        return 0;
    }
    size_t n = 0;
    for (size_t ci = 0; ci < m->d->Client.n; ci++) {
        n += m->d->Client.v[ci].Prestatie.n;
    }
    if (n == 0) {
        return 1;
    }
    gw_arena_t *arena = msg->arena;
    m->v = gw_arena_alloc(arena, n * sizeof(*m->v));
    s_item_t *refs = gw_arena_alloc(arena, n * sizeof(*refs));
    s_item_t *credits = gw_arena_alloc(arena, n * sizeof(*credits));
    s_item_t *debets = gw_arena_alloc(arena, n * sizeof(*debets));
    m->credits = gw_arena_alloc(arena, n * sizeof(*m->credits));
    if (!m->v || !refs || !credits || !debets || !m->credits) {
        return -1;
    }
    size_t nref = 0, ncredit = 0, ndebet = 0;
    for (size_t ci = 0; ci < m->d->Client.n; ci++) {
        const gw_client_t *c = &m->d->Client.v[ci];
        for (size_t pi = 0; pi < c->Prestatie.n; pi++) {
            s_prest_t *x = &m->v[m->n];
            memset(x, 0, sizeof(*x));
            x->p = &c->Prestatie.v[pi];
            x->ci = ci;
            x->pi = pi;
            int ok = s_parse(arena, x->p, x);
            if (ok < 0) {
                return -1;
            }
            x->ok = ok;
            if (ok) {
                refs[nref++] = (s_item_t){x->ref, m->n};
                if (x->dc == 'C' && x->vorig[0]) {
                    credits[ncredit++] = (s_item_t){x->vorig, m->n};
                    m->credits[m->ncredits++] = x->vorig;
                } else if (x->dc == 'D') {
                    debets[ndebet++] = (s_item_t){x->key, m->n};
                }
            }
            m->n++;
        }
    }
    if (m->is_323) {
        s_repeats(m->v, refs, nref, offsetof(s_prest_t, dup_ref));
        s_repeats(m->v, credits, ncredit, offsetof(s_prest_t, dup_credit));
        s_repeats(m->v, debets, ndebet, offsetof(s_prest_t, dup_debet));
        qsort(m->credits, m->ncredits, sizeof(*m->credits), s_cmp_str);
    }
    return 1;
}

/* ---- the checks ---- */

typedef struct s_fail {
    const char *rule;
    const char *code;
    const char *sub; /* element below the Prestatie ("" = the Prestatie) */
    const char *text;
} s_fail_t;

static const s_fail_t s_tr314 = {"TR314", "8021", "/ProductReferentie/ReferentieNummer",
                                 "ReferentieNummer van de Prestatie is niet uniek voor de "
                                 "aanbieder (eerder ontvangen of eerder in dit bericht)"};
static const s_fail_t s_tr323 = {"TR323", "8017", "/ProductReferentie/VorigReferentieNummer",
                                 "Credit Prestatie is niet gerelateerd aan een eerder verzonden "
                                 "debet Prestatie op basis van VorigReferentieNummer"};
static const s_fail_t s_tr390 = {"TR390", "9390", "/ProductReferentie/VorigReferentieNummer",
                                 "Er bestaat al een credit Prestatie voor deze ProductReferentie"};
static const s_fail_t s_tr389 = {"TR389", "9389", "",
                                 "Er is al een niet gecrediteerde debet Prestatie voor dezelfde "
                                 "ProductPeriode, ProductCategorie, ProductCode en "
                                 "ToewijzingNummer"};
static const s_fail_t s_tr366 = {"TR366", "9366", "/ProductReferentie/ReferentieNummer",
                                 "Prestatie is niet gerelateerd aan een declaratiebericht op "
                                 "basis van ProductReferentie"};

static const s_fail_t *
s_check_323(const s_prest_t *x)
{
    if (x->ref_used || x->dup_ref) {
        return &s_tr314;
    }
    if (x->dc == 'C') {
        if (!x->vorig[0] || !x->vorig_debet) {
            return &s_tr323;
        }
        if (x->vorig_credited || x->dup_credit) {
            return &s_tr390;
        }
    } else if (x->dc == 'D' && (x->debet_open || x->dup_debet)) {
        return &s_tr389;
    }
    return NULL;
}

/* TR367: the first element of x that differs from the stored 323 Prestatie, or NULL. */
static const char *
s_differs(const s_prest_t *x)
{
    const s_prest_t *r = x->stored;
    if (x->twnr != r->twnr) {
        return "/ToewijzingNummer";
    }
    if (strcmp(x->cat, r->cat) != 0) {
        return "/ProductCategorie";
    }
    if (strcmp(x->code, r->code) != 0) {
        return "/ProductCode";
    }
    if (x->begin != r->begin) {
        return "/ProductPeriode/Begindatum";
    }
    if (x->eind != r->eind) {
        return "/ProductPeriode/Einddatum";
    }
    if (x->volume != r->volume) {
        return "/GeleverdVolume";
    }
    if (strcmp(x->eenheid, r->eenheid) != 0) {
        return "/Eenheid";
    }
    if (x->bedrag != r->bedrag) {
        return "/IngediendBedrag/Bedrag";
    }
    if (x->dc != r->dc) {
        return "/IngediendBedrag/DebetCredit";
    }
    return NULL;
}

/* ---- the filter ---- */

static int
s_create(void **state, const gw_filter_opts_t *opts, char **err)
{
    return gw_fsql_create(state, sizeof(s_state_t), "declaratie", opts, err);
}

static void
s_destroy(void *state)
{
    s_state_t *st = state;
    if (!st) {
        return;
    }
    s_forget(st);
    gw_free(st);
}

static gw_verdict_t
s_on_message(void *state, const gw_msg_t *msg, gw_diag_t *diag, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    s_decl_t m;
    const char *type = msg->type->name;
    int got = s_decl_of(msg, &m);
    if (got < 0) {
        gw_log(GW_LOG_ERROR, "declaratie_nomem", "type=%s", type);
        return GW_VERDICT_ERROR;
    }
    if (got == 0 || (m.n == 0 && !m.is_323)) {
        return GW_VERDICT_PASS;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "declaratie_no_db", "type=%s", type);
        return GW_VERDICT_ERROR;
    }
    if (s_ready(st, ctx->db) != GW_OK) {
        return GW_VERDICT_ERROR;
    }
    int rc = s_lookup(st, &m, msg->arena);
    if (rc != SQLITE_DONE) {
        /* A rolled-back first transaction may have taken the tables with it: retry once. */
        s_forget(st);
        if (s_ready(st, ctx->db) == GW_OK) {
            rc = s_lookup(st, &m, msg->arena);
        }
    }
    if (rc != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "declaratie_sqlite", "step=lookup type=%s rc=%d err=\"%s\"", type,
               rc, sqlite3_errmsg(ctx->db));
        s_forget(st); /* re-prepare (and re-create the tables) on the next message */
        return GW_VERDICT_ERROR;
    }
    const char *root = m.is_323 ? "/Bericht/Declaratie" : "/Bericht/DeclaratieAntwoord";
    gw_verdict_t verdict = GW_VERDICT_PASS;
    if (m.nummer_used) {
        char path[64];
        snprintf(path, sizeof(path), "%s/DeclaratieNummer", root);
        if (gw_diag_add(diag, GW_LEVEL_CROSS, "TR333", "9333", path, 0, m.d, "%s",
                        "DeclaratieNummer van de Declaratie is niet uniek voor de aanbieder") !=
            GW_OK) {
            gw_log(GW_LOG_ERROR, "declaratie_nomem", "type=%s", type);
            return GW_VERDICT_ERROR;
        }
        verdict = GW_VERDICT_REJECT;
    }
    for (size_t i = 0; i < m.n; i++) {
        const s_prest_t *x = &m.v[i];
        if (!x->ok) {
            continue;
        }
        const s_fail_t *f = NULL;
        const char *sub = NULL;
        if (m.is_323) {
            f = s_check_323(x);
            sub = f ? f->sub : NULL;
        } else if (!x->ref_used) {
            f = &s_tr366;
            sub = f->sub;
        } else if ((sub = s_differs(x)) != NULL) {
            static const s_fail_t tr367 = {"TR367", "9367", "",
                                           "Waarde komt niet overeen met de waarde uit het "
                                           "declaratiebericht (gerelateerd op ProductReferentie)"};
            f = &tr367;
        }
        if (!f) {
            continue;
        }
        char path[192];
        snprintf(path, sizeof(path), "%s/Clienten/Client[%zu]/Prestaties/Prestatie[%zu]%s", root,
                 x->ci + 1, x->pi + 1, sub);
        if (gw_diag_add(diag, GW_LEVEL_CROSS, f->rule, f->code, path, 0, x->p, "%s", f->text) !=
            GW_OK) {
            gw_log(GW_LOG_ERROR, "declaratie_nomem", "type=%s", type);
            return GW_VERDICT_ERROR;
        }
        verdict = GW_VERDICT_REJECT;
    }
    return verdict;
}

/* Run S_ADD_NUMMER (x NULL) or S_ADD_PRESTATIE for x. @returns SQLITE_DONE or the error. */
static int
s_write(s_state_t *st, const s_decl_t *m, const gw_header_t *h, const s_prest_t *x)
{
    sqlite3_stmt *s = st->stmt[x ? S_ADD_PRESTATIE : S_ADD_NUMMER];
    int rc = s_bind_party(s, m);
    if (!x) {
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 3, m->d->DeclaratieNummer, -1, SQLITE_STATIC);
        }
    } else {
        const char dc[2] = {x->dc, '\0'};
        const char *ident = h->BerichtIdentificatie ? h->BerichtIdentificatie->Identificatie
                                                    : NULL;
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 3, m->gemeente, -1, SQLITE_STATIC);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 4, x->ref, -1, SQLITE_STATIC);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 5, x->vorig, -1, SQLITE_STATIC);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 6, dc, -1, SQLITE_TRANSIENT);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_int64(s, 7, x->twnr);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 8, x->cat, -1, SQLITE_STATIC);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 9, x->code, -1, SQLITE_STATIC);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_int(s, 10, x->begin);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_int(s, 11, x->eind);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_int64(s, 12, x->volume);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 13, x->eenheid, -1, SQLITE_STATIC);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_int64(s, 14, x->bedrag);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 15, s_str(m->d->DeclaratieNummer), -1, SQLITE_STATIC);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_bind_text(s, 16, s_str(ident), -1, SQLITE_STATIC);
        }
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    s_done(s);
    return rc;
}

static int
s_on_accept(void *state, const gw_msg_t *msg, const gw_filter_ctx_t *ctx)
{
    s_state_t *st = state;
    s_decl_t m;
    const char *type = msg->type->name;
    int got = s_decl_of(msg, &m);
    if (got < 0) {
        gw_log(GW_LOG_ERROR, "declaratie_nomem", "type=%s", type);
        return GW_ENOMEM;
    }
    if (got == 0 || !m.is_323) {
        return GW_OK; /* a 325 changes no state (see the top of the file) */
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "declaratie_no_db", "type=%s", type);
        return GW_EINVAL;
    }
    int rc = s_ready(st, ctx->db);
    if (rc != GW_OK) {
        return rc;
    }
    const gw_header_t *h = msg->bericht->Header;
    /* i == 0 is the DeclaratieNummer, then Prestatie i - 1. */
    for (size_t i = 0; i <= m.n; i++) {
        const s_prest_t *x = i > 0 ? &m.v[i - 1] : NULL;
        if ((x && !x->ok) || (!x && !m.d->DeclaratieNummer)) {
            continue;
        }
        int src = s_write(st, &m, h, x);
        if (src != SQLITE_DONE) {
            s_forget(st); /* see s_on_message: retry once on fresh statements */
            if (s_ready(st, ctx->db) == GW_OK) {
                src = s_write(st, &m, h, x);
            }
        }
        if (src != SQLITE_DONE) {
            gw_log(GW_LOG_ERROR, "declaratie_sqlite", "step=record type=%s rc=%d err=\"%s\"",
                   type, src, sqlite3_errmsg(ctx->db));
            s_forget(st);
            return gw_fsql_rc(src);
        }
    }
    return GW_OK;
}

const gw_filter_ops_t filter_declaratie = {
    .abi = GW_FILTER_ABI,
    .name = "declaratie",
    .families = GW_FAMILY_IJW | GW_FAMILY_IWMO,
    .msgs = GW_M323 | GW_M325,
    .create = s_create,
    .destroy = s_destroy,
    .on_message = s_on_message,
    .on_accept = s_on_accept,
};
