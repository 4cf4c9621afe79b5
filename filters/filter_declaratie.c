/*
 * Declareren across messages (JW323/JW325, WMO323/WMO325): TR333 (9333), TR318 (8214),
 * TR314 (8021), TR319 (9319, its cross-message part), TR323 (8017), TR390 (9390), TR389 (9389)
 * on the Declaratie (323) and TR337, TR371, TR376, TR366 (9366), TR304 (8187), TR367 (9367) on
 * the DeclaratieAntwoord (325) (spec §5.4, flows §1.3, 325 §1.5).
 *
 * State, per (family, aanbieder), in the tables of GW_FSQL_DECLARATIE_DDL (filter_sql.h): every
 * accepted 323 (declaratie_bericht: BerichtIdentificatie, gemeente, DeclaratieNummer, XsdVersie,
 * DeclaratiePeriode) and each of its Prestaties (declaratie_prestatie: ReferentieNummer,
 * VorigReferentieNummer, DebetCredit, ToewijzingNummer, ProductCategorie/Code, ProductPeriode,
 * GeleverdVolume, Eenheid, IngediendBedrag, the Client's Bsn, and its status). on_accept of a
 * 323 records it; on_accept of a 325 records the gemeente's outcome on the 323 its
 * DeclaratieIdentificatie names (s_whole_rejected): a 323 rejected as a whole is marked
 * afgewezen and its Prestaties are forgotten (it "telt als niet verzonden", §1.5); otherwise
 * the Prestaties the 325 lists become afgewezen (status 2) and the others goedgekeurd
 * (status 1). Until its 325 arrives a Prestatie has status 0. The aanbieder of a 323 is its
 * Header/Afzender, of a 325 its Header/Ontvanger (the gemeente sends the 325).
 *
 * Rules on a 323: TR333 and TR318 on the Declaratie (s_check_declaratie), and one diagnostic
 * per Prestatie: the first failing rule in the order TR314, TR319, TR323, TR390, TR389.
 * - TR314: the ReferentieNummer was used before by this aanbieder, or by an earlier
 *   Prestatie of this message (the first one in document order passes).
 * - TR319 (cross-message part): see s_in_periode.
 * - TR323: a credit (IngediendBedrag/DebetCredit C) must have a VorigReferentieNummer that
 *   is the ReferentieNummer of a goedgekeurde debet Prestatie of this aanbieder in an EARLIER
 *   message ("eerder verzonden (goedgekeurde)"): one the 325 on its 323 did not reject. A
 *   debet whose 325 has not arrived yet is not goedgekeurd (uncertain: a gateway that misses
 *   the 325s, because they travel another way, would refuse every credit). A debet in the same
 *   message does not count. Absent VorigReferentieNummer on a credit fails too.
 * - TR390: a credit whose VorigReferentieNummer was already credited, by a stored credit that
 *   was not afgewezen or an earlier credit of this message. Only checked when TR323 passed.
 * - TR389: a debet for the same ToewijzingNummer, ProductCategorie, ProductCode (absent =
 *   its own value) and ProductPeriode (Begindatum and Einddatum) as a stored debet that was
 *   not afgewezen by its 325 and is not credited (by a stored credit not afgewezen, or by a
 *   credit anywhere in this message: a credit and its re-declaration travel together, and
 *   OP080 gives document order no meaning), or as an earlier debet of this message. A debet
 *   still waiting for its 325 blocks (it was "verzonden"); one the 325 rejected does not.
 *
 * Rules on a 325: TR337, TR371, TR376 link it to its 323 (s_check_link; when TR337 fails
 * nothing else is checked), then one diagnostic per listed Prestatie:
 * - TR366: the ProductReferentie/ReferentieNummer is a stored Prestatie of the aanbieder
 *   (any 323 of it).
 * - TR304: the Client's Bsn is the Bsn of that Prestatie's Client in the 323. Reported at
 *   the Client's Bsn, cls the Prestatie, as the toewijzing filter does on the 323.
 * - TR367: ToewijzingNummer, ProductCategorie, ProductCode, ProductPeriode, GeleverdVolume,
 *   Eenheid and IngediendBedrag (Bedrag and DebetCredit) equal the 323's. Numbers compare
 *   as numbers, dates as days. The path names the first differing element. ProductTarief
 *   and VorigReferentieNummer are not compared (not stored / part of the reference).
 * The 325 has no retourbericht: the broker answers a rejected 325 with an ERROR.
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

static const char s_sql_table[] = GW_FSQL_DECLARATIE_DDL;

/* The statements name the secondary index they are written for (INDEXED BY): without
 * statistics SQLite may otherwise walk the primary key's (family, aanbieder) prefix, every
 * Prestatie of the aanbieder, instead. */

enum {
    S_FIND_NUMMER,   /* TR333 */
    S_FIND_REF,      /* TR314, TR323, TR304 (325), TR366, TR367 */
    S_FIND_CREDIT,   /* TR390 */
    S_FIND_DEBETS,   /* TR389 */
    S_LAST_PERIODE,  /* TR318 */
    S_FIND_BERICHT,  /* TR337, TR371, TR376 (325) */
    S_ADD_BERICHT,   /* on_accept 323 */
    S_ADD_PRESTATIE, /* on_accept 323 */
    S_APPROVE,       /* on_accept 325: the 323's Prestaties not listed are goedgekeurd */
    S_REJECT_ONE,    /* on_accept 325: a listed Prestatie is afgewezen */
    S_REJECT_ALL,    /* on_accept 325: the whole 323 is afgewezen ... */
    S_DROP_ALL,      /* ... and counts as not sent: its Prestaties are forgotten */
    S_NSTMT
};

static const char *const s_sql[S_NSTMT] = {
    [S_FIND_NUMMER] = "SELECT 1 FROM declaratie_bericht INDEXED BY declaratie_bericht_nummer"
                      " WHERE family = ?1 AND aanbieder = ?2"
                      " AND nummer = ?3 AND afgewezen = 0 LIMIT 1",
    [S_FIND_REF] = "SELECT dc, twnr, categorie, code, begin, eind, volume, eenheid, bedrag, bsn,"
                   " status FROM declaratie_prestatie WHERE family = ?1 AND aanbieder = ?2"
                   " AND refnr = ?3",
    [S_FIND_CREDIT] =
        "SELECT 1 FROM declaratie_prestatie INDEXED BY declaratie_prestatie_vorig"
        " WHERE family = ?1 AND aanbieder = ?2 AND vorig = ?3 AND dc = 'C' AND status <> 2 LIMIT 1",
    [S_FIND_DEBETS] =
        "SELECT d.refnr FROM declaratie_prestatie d INDEXED BY declaratie_prestatie_key"
        " WHERE d.family = ?1"
        " AND d.aanbieder = ?2 AND d.dc = 'D' AND d.twnr = ?3 AND d.categorie = ?4"
        " AND d.code = ?5 AND d.begin = ?6 AND d.eind = ?7 AND d.status <> 2"
        " AND NOT EXISTS(SELECT 1 FROM declaratie_prestatie c INDEXED BY declaratie_prestatie_vorig"
        " WHERE c.family = d.family AND c.aanbieder = d.aanbieder"
        " AND c.vorig = d.refnr AND c.dc = 'C' AND c.status <> 2)",
    [S_LAST_PERIODE] =
        "SELECT MAX(eind) FROM declaratie_bericht INDEXED BY declaratie_bericht_periode"
        " WHERE family = ?1"
        " AND aanbieder = ?2 AND gemeente = ?3 AND afgewezen = 0",
    [S_FIND_BERICHT] = "SELECT dagtekening, nummer, xsd_basis, xsd_bericht FROM declaratie_bericht"
                       " WHERE family = ?1 AND aanbieder = ?2 AND ident = ?3 AND gemeente = ?4",
    [S_ADD_BERICHT] = "INSERT OR IGNORE INTO declaratie_bericht(family, aanbieder, ident,"
                      " dagtekening, gemeente, nummer, xsd_basis, xsd_bericht, begin, eind)"
                      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [S_ADD_PRESTATIE] = "INSERT OR IGNORE INTO declaratie_prestatie(family, aanbieder, gemeente,"
                        " refnr, vorig, dc, twnr, categorie, code, begin, eind, volume, eenheid,"
                        " bedrag, declnr, ident, bsn) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                        " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [S_APPROVE] = "UPDATE declaratie_prestatie INDEXED BY declaratie_prestatie_ident SET status = 1"
                  " WHERE family = ?1 AND aanbieder = ?2"
                  " AND ident = ?3 AND gemeente = ?4 AND status = 0",
    [S_REJECT_ONE] = "UPDATE declaratie_prestatie SET status = 2 WHERE family = ?1"
                     " AND aanbieder = ?2 AND refnr = ?3 AND gemeente = ?4",
    [S_REJECT_ALL] = "UPDATE declaratie_bericht SET afgewezen = 1 WHERE family = ?1"
                     " AND aanbieder = ?2 AND ident = ?3 AND gemeente = ?4",
    [S_DROP_ALL] = "DELETE FROM declaratie_prestatie INDEXED BY declaratie_prestatie_ident"
                   " WHERE family = ?1 AND aanbieder = ?2"
                   " AND ident = ?3 AND gemeente = ?4",
};

/* The keys of the look-ups that nearly always find nothing on a 323 (a new DeclaratieNummer:
 * TR333; a new ReferentieNummer: TR314), for the negative caches (filter_sql.h). Only this
 * filter writes these tables. */
static const char s_sql_scan_nummer[] = "SELECT family, aanbieder, nummer FROM declaratie_bericht";
static const char s_sql_scan_ref[] = "SELECT family, aanbieder, refnr FROM declaratie_prestatie";

typedef struct s_state {
    sqlite3 *db;                 /* handle the statements were prepared on (borrowed) */
    sqlite3_stmt *stmt[S_NSTMT]; /* s_sql */
    gw_fsql_bloom_t nummers;     /* every (family, aanbieder, nummer) of declaratie_bericht */
    gw_fsql_bloom_t refs;        /* every (family, aanbieder, refnr) of declaratie_prestatie */
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
    const char *bsn;         /* the Client's Bsn ("" when absent); never logged */
    int status;              /* stored row: 0 no 325 yet, 1 goedgekeurd, 2 afgewezen */
    /* look-up results */
    int ref_used;           /* ReferentieNummer stored */
    int vorig_debet;        /* 323: VorigReferentieNummer is a stored debet */
    int vorig_credited;     /* 323: VorigReferentieNummer has a stored credit */
    int debet_open;         /* 323: a stored, uncredited debet with the same key */
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
    int nummer_used;          /* 323: DeclaratieNummer stored */
    int dp_ok;                /* 323: DeclaratiePeriode parsed */
    int32_t dp_begin, dp_end; /* 323: DeclaratiePeriode (days) */
    int has_last;             /* 323: a stored, not afgewezen declaratie of (aanbieder, gemeente) */
    int32_t last_end;         /* ... the latest DeclaratiePeriode/Einddatum of those */
    const gw_header_t *h;     /* the Header */
    int bericht_found;        /* 325: the 323 its DeclaratieIdentificatie names is stored */
    const char *b_dag, *b_nummer, *b_basis, *b_bericht; /* 325: that 323's values (arena) */
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

/* The negative caches' key of (family, aanbieder, text). */
static uint64_t
s_hash(const s_decl_t *m, const char *text)
{
    uint64_t h = gw_fsql_hash_int(GW_FSQL_HASH0, m->family);
    h = gw_fsql_hash_text(h, m->aanbieder);
    return gw_fsql_hash_text(h, text);
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
    if (!gw_fsql_bloom_maybe(&st->refs, s_hash(m, ref))) {
        return SQLITE_DONE; /* certainly not stored */
    }
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
        row->bsn = gw_arena_strdup(arena, s_col(s, 9));
        row->status = sqlite3_column_int(s, 10);
        if (!row->cat || !row->code || !row->eenheid || !row->bsn) {
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

/* S_LAST_PERIODE: the latest DeclaratiePeriode/Einddatum of (aanbieder, gemeente). */
static int
s_find_last(s_state_t *st, s_decl_t *m)
{
    sqlite3_stmt *s = st->stmt[S_LAST_PERIODE];
    m->has_last = 0;
    int rc = s_bind_party(s, m);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 3, m->gemeente, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(s, 0) != SQLITE_NULL) {
            m->has_last = 1;
            m->last_end = (int32_t)sqlite3_column_int(s, 0);
        }
        rc = SQLITE_DONE;
    }
    s_done(s);
    return rc;
}

/* S_FIND_BERICHT: the 323 a 325's DeclaratieIdentificatie names (strings in arena). */
static int
s_find_bericht(s_state_t *st, s_decl_t *m, gw_arena_t *arena, const char *ident)
{
    sqlite3_stmt *s = st->stmt[S_FIND_BERICHT];
    m->bericht_found = 0;
    int rc = s_bind_party(s, m);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 3, ident, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 4, m->gemeente, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    if (rc == SQLITE_ROW) {
        rc = SQLITE_DONE;
        m->bericht_found = 1;
        m->b_dag = gw_arena_strdup(arena, s_col(s, 0));
        m->b_nummer = gw_arena_strdup(arena, s_col(s, 1));
        m->b_basis = gw_arena_strdup(arena, s_col(s, 2));
        m->b_bericht = gw_arena_strdup(arena, s_col(s, 3));
        if (!m->b_dag || !m->b_nummer || !m->b_basis || !m->b_bericht) {
            rc = SQLITE_NOMEM;
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
        m->nummer_used = 0;
        if (gw_fsql_bloom_maybe(&st->nummers, s_hash(m, m->d->DeclaratieNummer))) {
            rc = s_exists(st->stmt[S_FIND_NUMMER], m, m->d->DeclaratieNummer, &m->nummer_used);
        }
    }
    if (rc == SQLITE_DONE && m->is_323 && m->dp_ok) {
        rc = s_find_last(st, m);
    }
    const gw_bericht_identificatie_t *di = m->h->DeclaratieIdentificatie;
    if (rc == SQLITE_DONE && !m->is_323 && di && di->Identificatie) {
        rc = s_find_bericht(st, m, arena, di->Identificatie);
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
            x->vorig_debet = found && vorig.dc == 'D' && vorig.status == 1; /* goedgekeurd */
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
    if (p->ToewijzingNummer &&
        (gw_model_int(p->ToewijzingNummer, &x->twnr) != GW_OK || x->twnr < 0)) {
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
    m->h = h;
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
    if ((m->is_323 && !m->d) || !m->aanbieder || !m->gemeente) {
        return 0;
    }
    if (!m->d) {
        return 1; /* a 325 without DeclaratieAntwoord: header-only, the 323 is afgewezen */
    }
    const gw_periode_t *dp = m->d->DeclaratiePeriode;
    m->dp_ok = m->is_323 && dp && gw_model_date(dp->Begindatum, &m->dp_begin) == GW_OK &&
               gw_model_date(dp->Einddatum, &m->dp_end) == GW_OK;
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
            x->bsn = s_str(c->Bsn);
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
    const char *sub; /* element below the Prestatie ("" = the Prestatie), or below the Client */
    const char *text;
    int on_client; /* sub is below the Client (its Bsn), cls still the Prestatie */
} s_fail_t;

static const s_fail_t s_tr314 = {"TR314", "8021", "/ProductReferentie/ReferentieNummer",
                                 "ReferentieNummer van de Prestatie is niet uniek voor de "
                                 "aanbieder (eerder ontvangen of eerder in dit bericht)",
                                 0};
static const s_fail_t s_tr323 = {"TR323", "8017", "/ProductReferentie/VorigReferentieNummer",
                                 "Credit Prestatie is niet gerelateerd aan een eerder verzonden "
                                 "debet Prestatie op basis van VorigReferentieNummer",
                                 0};
static const s_fail_t s_tr390 = {"TR390", "9390", "/ProductReferentie/VorigReferentieNummer",
                                 "Er bestaat al een credit Prestatie voor deze ProductReferentie",
                                 0};
static const s_fail_t s_tr389 = {"TR389", "9389", "",
                                 "Er is al een niet gecrediteerde debet Prestatie voor dezelfde "
                                 "ProductPeriode, ProductCategorie, ProductCode en "
                                 "ToewijzingNummer",
                                 0};
static const s_fail_t s_tr319 = {"TR319", "9319", "/ProductPeriode",
                                 "De ProductPeriode valt niet geheel binnen de huidige of een "
                                 "voorgaande DeclaratiePeriode",
                                 0};
static const s_fail_t s_tr304 = {"TR304", "8187", "/Bsn",
                                 "Bsn moet overeenkomen met Bsn van een Client (de prestatie hoort "
                                 "niet bij deze client)",
                                 1};
static const s_fail_t s_tr366 = {"TR366", "9366", "/ProductReferentie/ReferentieNummer",
                                 "Prestatie is niet gerelateerd aan een declaratiebericht op "
                                 "basis van ProductReferentie",
                                 0};

/* TR319, cross-message part: the ProductPeriode lies within the current DeclaratiePeriode, or
 * within one earlier calendar month (a voorgaande declaratieperiode: TR318 makes every
 * declaratieperiode a kalendermaand; a month the aanbieder never declared is one too, IV090
 * achteraf declareren). The XSLT part (not after the DeclaratiePeriode, 0001) is a level-2
 * rule in codecs/rules. Uncertain: the rule list gives no more than its text. */
static int
s_in_periode(const s_decl_t *m, const s_prest_t *x)
{
    if (!m->dp_ok || (x->begin >= m->dp_begin && x->eind <= m->dp_end)) {
        return 1;
    }
    int by = 0, bm = 0, bd = 0, ey = 0, em = 0, ed = 0;
    gw_model_date_parts(x->begin, &by, &bm, &bd);
    gw_model_date_parts(x->eind, &ey, &em, &ed);
    return by == ey && bm == em && x->begin <= x->eind && x->eind < m->dp_begin;
}

static const s_fail_t *
s_check_323(const s_decl_t *m, const s_prest_t *x)
{
    if (x->ref_used || x->dup_ref) {
        return &s_tr314;
    }
    if (!s_in_periode(m, x)) {
        return &s_tr319;
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

/* Add one level-3 diagnostic on the Header (cls NULL) or the Declaratie(Antwoord). 0 on OOM. */
static int
s_diag_msg(gw_diag_t *diag, const char *rule, const char *code, const char *path, const void *cls,
           const char *text)
{
    if (gw_diag_add(diag, GW_LEVEL_CROSS, rule, code, path, 0, cls, "%s", text) != GW_OK) {
        gw_log(GW_LOG_ERROR, "declaratie_nomem", "rule=%s", rule);
        return 0;
    }
    return 1;
}

/*
 * The rules on the Declaratie of a 323 as a whole:
 * - TR333 (9333): the DeclaratieNummer was used before by this aanbieder (not counting a 323 a
 *   325 rejected as a whole: it counts as not sent, §1.5).
 * - TR318 (8214): "Indien iedere DeclaratiePeriode zorg is geleverd, moet DeclaratiePeriode de
 *   kalendermaand volgend op voorgaande DeclaratiePeriode zijn." Whether care was delivered in
 *   every period cannot be known, so a gap (a month without declaratie) passes. What is
 *   rejected is a DeclaratiePeriode that goes back: it ends before the latest stored one of
 *   this aanbieder at this gemeente (an earlier month; CS340 makes every period one whole
 *   month). A second 323 for the latest month passes: it is the same declaratieperiode, not a
 *   "volgende" one, and the standard does not forbid several declaraties per period
 *   (uncertain; a strict reading would refuse it). A 323 rejected as a whole by its 325 does
 *   not count.
 */
static gw_verdict_t
s_check_declaratie(const s_decl_t *m, gw_diag_t *diag)
{
    gw_verdict_t v = GW_VERDICT_PASS;
    if (m->nummer_used) {
        if (!s_diag_msg(diag, "TR333", "9333", "/Bericht/Declaratie/DeclaratieNummer", m->d,
                        "DeclaratieNummer van de Declaratie is niet uniek voor de aanbieder")) {
            return GW_VERDICT_ERROR;
        }
        v = GW_VERDICT_REJECT;
    }
    if (m->dp_ok && m->has_last && m->dp_end < m->last_end) {
        if (!s_diag_msg(diag, "TR318", "8214", "/Bericht/Declaratie/DeclaratiePeriode", m->d,
                        "DeclaratiePeriode is niet de kalendermaand die volgt op voorgaande "
                        "DeclaratiePeriode")) {
            return GW_VERDICT_ERROR;
        }
        v = GW_VERDICT_REJECT;
    }
    return v;
}

/*
 * The rules linking a 325 to its 323 (§1.5; spec §5.4 gives them no retourcode):
 * - TR337: DeclaratieIdentificatie (Identificatie and Dagtekening) is the BerichtIdentificatie
 *   of a stored 323 this gemeente (the 325's Afzender) received from this aanbieder (its
 *   Ontvanger). When it fails, nothing else is checked.
 * - TR371: XsdVersieDeclaratie equals that 323's XsdVersie (both versions).
 * - TR376: DeclaratieAntwoord/DeclaratieNummer equals that 323's DeclaratieNummer (the 323
 *   related by DeclaratieIdentificatie, as §1.5 reads "the 323's DeclaratieNummer").
 * Reading: a 325 is itself an answer and gets no retourbericht, so a failing 325 is rejected
 * like one failing TR366/TR367: the broker answers the sender with an ERROR naming the rule.
 * The diagnostic needs a retourcode to count as a rejection; with none in the standard it
 * carries the generic 0001 ("Bericht is afgekeurd om technische redenen"), which never
 * reaches a retourbericht.
 */
static gw_verdict_t
s_check_link(const s_decl_t *m, gw_diag_t *diag)
{
    const gw_bericht_identificatie_t *di = m->h->DeclaratieIdentificatie;
    if (!m->bericht_found || !di || strcmp(m->b_dag, s_str(di->Dagtekening)) != 0) {
        if (!s_diag_msg(diag, "TR337", "0001", "/Bericht/Header/DeclaratieIdentificatie", NULL,
                        "De DeclaratieIdentificatie komt niet overeen met de "
                        "BerichtIdentificatie van een eerder ontvangen Declaratiebericht")) {
            return GW_VERDICT_ERROR;
        }
        return GW_VERDICT_REJECT;
    }
    gw_verdict_t v = GW_VERDICT_PASS;
    const gw_xsd_versie_t *x = m->h->XsdVersieDeclaratie;
    if (!x || strcmp(s_str(x->BasisschemaXsdVersie), m->b_basis) != 0 ||
        strcmp(s_str(x->BerichtXsdVersie), m->b_bericht) != 0) {
        if (!s_diag_msg(diag, "TR371", "0001", "/Bericht/Header/XsdVersieDeclaratie", NULL,
                        "XsdVersieDeclaratie komt niet overeen met de XsdVersie van het "
                        "gerelateerde declaratiebericht")) {
            return GW_VERDICT_ERROR;
        }
        v = GW_VERDICT_REJECT;
    }
    if (m->d && strcmp(s_str(m->d->DeclaratieNummer), m->b_nummer) != 0) {
        if (!s_diag_msg(diag, "TR376", "0001", "/Bericht/DeclaratieAntwoord/DeclaratieNummer", m->d,
                        "Het DeclaratieNummer komt niet overeen met het DeclaratieNummer van de "
                        "gerelateerde Declaratie")) {
            return GW_VERDICT_ERROR;
        }
        v = GW_VERDICT_REJECT;
    }
    return v;
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
    gw_fsql_bloom_free(&st->nummers);
    gw_fsql_bloom_free(&st->refs);
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
    if (got == 0) {
        return GW_VERDICT_PASS;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "declaratie_no_db", "type=%s", type);
        return GW_VERDICT_ERROR;
    }
    if (s_ready(st, ctx->db) != GW_OK) {
        return GW_VERDICT_ERROR;
    }
    /* A cache that cannot be built is off: its look-ups go to SQL. */
    (void)gw_fsql_bloom_ready(&st->nummers, ctx->db, s_sql_scan_nummer);
    (void)gw_fsql_bloom_ready(&st->refs, ctx->db, s_sql_scan_ref);
    int rc = s_lookup(st, &m, msg->arena);
    if (rc != SQLITE_DONE) {
        /* A rolled-back first transaction may have taken the tables with it: retry once. */
        s_forget(st);
        if (s_ready(st, ctx->db) == GW_OK) {
            rc = s_lookup(st, &m, msg->arena);
        }
    }
    if (rc != SQLITE_DONE) {
        gw_log(GW_LOG_ERROR, "declaratie_sqlite", "step=lookup type=%s rc=%d err=\"%s\"", type, rc,
               sqlite3_errmsg(ctx->db));
        s_forget(st); /* re-prepare (and re-create the tables) on the next message */
        return GW_VERDICT_ERROR;
    }
    const char *root = m.is_323 ? "/Bericht/Declaratie" : "/Bericht/DeclaratieAntwoord";
    gw_verdict_t verdict = GW_VERDICT_PASS;
    if (m.is_323) {
        verdict = s_check_declaratie(&m, diag);
    } else {
        verdict = s_check_link(&m, diag);
        if (verdict != GW_VERDICT_PASS) {
            return verdict; /* no related 323 (TR337): nothing to compare the Prestaties with */
        }
    }
    if (verdict == GW_VERDICT_ERROR) {
        return verdict;
    }
    for (size_t i = 0; i < m.n; i++) {
        const s_prest_t *x = &m.v[i];
        if (!x->ok) {
            continue;
        }
        const s_fail_t *f = NULL;
        const char *sub = NULL;
        if (m.is_323) {
            f = s_check_323(&m, x);
            sub = f ? f->sub : NULL;
        } else if (!x->ref_used) {
            f = &s_tr366;
            sub = f->sub;
        } else if (strcmp(x->bsn, x->stored->bsn) != 0) {
            f = &s_tr304;
            sub = f->sub;
        } else if ((sub = s_differs(x)) != NULL) {
            static const s_fail_t tr367 = {"TR367", "9367", "",
                                           "Waarde komt niet overeen met de waarde uit het "
                                           "declaratiebericht (gerelateerd op ProductReferentie)",
                                           0};
            f = &tr367;
        }
        if (!f) {
            continue;
        }
        char path[192];
        if (f->on_client) {
            snprintf(path, sizeof(path), "%s/Clienten/Client[%zu]%s", root, x->ci + 1, sub);
        } else {
            snprintf(path, sizeof(path), "%s/Clienten/Client[%zu]/Prestaties/Prestatie[%zu]%s",
                     root, x->ci + 1, x->pi + 1, sub);
        }
        if (gw_diag_add(diag, GW_LEVEL_CROSS, f->rule, f->code, path, 0, x->p, "%s", f->text) !=
            GW_OK) {
            gw_log(GW_LOG_ERROR, "declaratie_nomem", "type=%s", type);
            return GW_VERDICT_ERROR;
        }
        verdict = GW_VERDICT_REJECT;
    }
    return verdict;
}

/* Bind ?1..?10 of S_ADD_BERICHT for the 323 m. */
static int
s_bind_bericht(sqlite3_stmt *s, const s_decl_t *m)
{
    const gw_bericht_identificatie_t *bi = m->h->BerichtIdentificatie;
    const gw_xsd_versie_t *xv = m->h->XsdVersie;
    int rc = s_bind_party(s, m);
    const char *txt[] = {bi ? bi->Identificatie : NULL,
                         bi ? bi->Dagtekening : NULL,
                         m->gemeente,
                         m->d->DeclaratieNummer,
                         xv ? xv->BasisschemaXsdVersie : NULL,
                         xv ? xv->BerichtXsdVersie : NULL};
    for (int i = 0; rc == SQLITE_OK && i < 6; i++) {
        rc = sqlite3_bind_text(s, 3 + i, s_str(txt[i]), -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int(s, 9, m->dp_begin);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_int(s, 10, m->dp_end);
    }
    return rc;
}

/* Bind ?1..?17 of S_ADD_PRESTATIE for x of the 323 m. */
static int
s_bind_prestatie(sqlite3_stmt *s, const s_decl_t *m, const s_prest_t *x)
{
    const char dc[2] = {x->dc, '\0'};
    const gw_bericht_identificatie_t *bi = m->h->BerichtIdentificatie;
    int rc = s_bind_party(s, m);
    const char *t1[] = {m->gemeente, x->ref, x->vorig};
    for (int i = 0; rc == SQLITE_OK && i < 3; i++) {
        rc = sqlite3_bind_text(s, 3 + i, t1[i], -1, SQLITE_STATIC);
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
    const char *t2[] = {s_str(m->d->DeclaratieNummer), s_str(bi ? bi->Identificatie : NULL),
                        x->bsn};
    for (int i = 0; rc == SQLITE_OK && i < 3; i++) {
        rc = sqlite3_bind_text(s, 15 + i, t2[i], -1, SQLITE_STATIC);
    }
    return rc;
}

/* Bind (family, aanbieder, text, gemeente) of the 325 statements. */
static int
s_bind_answer(sqlite3_stmt *s, const s_decl_t *m, const char *text)
{
    int rc = s_bind_party(s, m);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(s, 4, m->gemeente, -1, SQLITE_STATIC);
    }
    return rc;
}

/* One write of on_accept: statement `which`, for Prestatie x (S_ADD_PRESTATIE, S_REJECT_ONE)
 * or the message. @returns SQLITE_DONE or the error. */
static int
s_write(s_state_t *st, const s_decl_t *m, int which, const s_prest_t *x)
{
    sqlite3_stmt *s = st->stmt[which];
    const gw_bericht_identificatie_t *di = m->h->DeclaratieIdentificatie;
    int rc;
    switch (which) {
    case S_ADD_BERICHT:
        rc = s_bind_bericht(s, m);
        break;
    case S_ADD_PRESTATIE:
        rc = s_bind_prestatie(s, m, x);
        break;
    case S_REJECT_ONE:
        rc = s_bind_answer(s, m, x->ref);
        break;
    default: /* S_APPROVE, S_REJECT_ALL, S_DROP_ALL: the 323 the 325 answers */
        rc = s_bind_answer(s, m, s_str(di ? di->Identificatie : NULL));
        break;
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    s_done(s);
    return rc;
}

/* A code list holds a code other than the given ones (NULL-terminated). */
static int
s_other_code(const gw_codes_t *codes, const char *const *ok)
{
    for (size_t i = 0; i < codes->n; i++) {
        int known = 0;
        for (size_t j = 0; ok[j] && !known; j++) {
            known = codes->v[i] && strcmp(codes->v[i], ok[j]) == 0;
        }
        if (!known) {
            return 1;
        }
    }
    return 0;
}

/*
 * What a 325 says about its 323 (§1.5, IV087/IV088): the whole 323 is afgewezen when the
 * Header carries a code other than 0200 (level 2: 0001; level 3/4 in the Header), when there
 * is no DeclaratieAntwoord, or when the DeclaratieAntwoord carries a code other than 0200 and
 * 8001 (a rule code on the Declaratie): such a 323 "telt als niet verzonden". Otherwise every
 * Prestatie the 325 lists is afgewezen (a failing Prestatie with its code, or 0233 under a
 * failing Client) and every other Prestatie of the 323 is goedgekeurd ("Approved prestaties
 * are not listed").
 */
static int
s_whole_rejected(const s_decl_t *m)
{
    static const char *const header_ok[] = {"0200", NULL};
    static const char *const antwoord_ok[] = {"0200", "8001", NULL};
    return s_other_code(&m->h->RetourCode, header_ok) || !m->d ||
           s_other_code(&m->d->RetourCode, antwoord_ok);
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
    if (got == 0) {
        return GW_OK;
    }
    if (!ctx || !ctx->db) {
        gw_log(GW_LOG_ERROR, "declaratie_no_db", "type=%s", type);
        return GW_EINVAL;
    }
    int rc = s_ready(st, ctx->db);
    if (rc != GW_OK) {
        return rc;
    }
    /* The writes, in order. 323: the Declaratie (i = 0), then Prestatie i - 1. 325: the outcome
     * on the whole 323 (i = 0: approve all, or reject all and, i = 1, forget its Prestaties),
     * then each listed Prestatie i - 1 as afgewezen. */
    int whole = !m.is_323 && s_whole_rejected(&m);
    size_t nw = m.n + 2;
    for (size_t i = 0; i < nw; i++) {
        int which;
        const s_prest_t *x = NULL;
        if (m.is_323) {
            which = i == 0 ? S_ADD_BERICHT : S_ADD_PRESTATIE;
            x = i > 0 && i <= m.n ? &m.v[i - 1] : NULL;
            if ((x && !x->ok) || i > m.n) {
                continue;
            }
        } else if (whole) {
            if (i > 1) {
                break;
            }
            which = i == 0 ? S_REJECT_ALL : S_DROP_ALL;
        } else {
            which = i == 0 ? S_APPROVE : S_REJECT_ONE;
            x = i > 0 && i <= m.n ? &m.v[i - 1] : NULL;
            if (i > m.n || (x && !x->ok)) {
                continue;
            }
        }
        int src = s_write(st, &m, which, x);
        if (src != SQLITE_DONE) {
            s_forget(st); /* see s_on_message: retry once on fresh statements */
            if (s_ready(st, ctx->db) == GW_OK) {
                src = s_write(st, &m, which, x);
            }
        }
        if (src != SQLITE_DONE) {
            gw_log(GW_LOG_ERROR, "declaratie_sqlite", "step=record type=%s rc=%d err=\"%s\"", type,
                   src, sqlite3_errmsg(ctx->db));
            s_forget(st);
            return gw_fsql_rc(src);
        }
        if (which == S_ADD_BERICHT) {
            gw_fsql_bloom_add(&st->nummers, s_hash(&m, m.d->DeclaratieNummer));
        } else if (which == S_ADD_PRESTATIE) {
            gw_fsql_bloom_add(&st->refs, s_hash(&m, x->ref));
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
