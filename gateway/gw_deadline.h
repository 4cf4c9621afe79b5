/*
 * The deadline monitor: a broker sink (gw_events.h) that records, for every
 * accepted message the standard says must be answered in time (OP090 retour in
 * 3 werkdagen, OP274/OP346 toewijzing or antwoord in 5, OP090x4 325 in 10, the
 * FAQ's 8 weeks after "Aanvraag in onderzoek"), the answer it is owed and its
 * due date in working days (gw_calendar.h). The answer passing through the
 * gateway closes the item. An item still open after its due date is overdue:
 * the monitor logs it once and sends a NOTICE (docs/protocol.md) to the party
 * owed the answer and to every platform party, re-sending to one that was
 * offline. Start and stop messages that arrive later than OP271/OP272 allow are
 * recorded as late. State lives in the store's deadline_ tables
 * (docs/store.md); the rules are the table in gw_deadline.c (docs/deadlines.md).
 */
#ifndef GW_DEADLINE_H
#define GW_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

#include "gw/err.h"

#include "gw_config.h"
#include "gw_events.h"

/** The monitor as a sink (the row of gw_sinks.c). Off (on_event NULL) with deadlines = no. */
int gw_deadline_sink_create(const gw_config_t *cfg, void *db, gw_sink_t *sink, char **err);

/** Create the deadline_ tables when missing (the sink does this at start). */
GW_NODISCARD int gw_deadline_schema(void *db, char **err);

/* One row of deadline_item, borrowed for a callback. */
typedef struct gw_deadline_item {
    int64_t id;            /* item id */
    const char *kind;      /* the rule row: retour, antwoord, declaratie, onderzoek, start, stop */
    const char *rule;      /* the standard's rule, "OP090" */
    int64_t msg_id;        /* the store's id of the message owed an answer */
    const char *type;      /* its type, "JW315" */
    const char *ident;     /* its BerichtIdentificatie */
    const char *sender;    /* its sender: the party owed the answer */
    const char *recipient; /* its recipient: the party that owes it */
    const char *expect;    /* the answering types, "JW301 JW319" */
    const char *start;     /* day 0 of the count, YYYY-MM-DD */
    const char *due;       /* the last day on time, YYYY-MM-DD */
    const char *received;  /* the message's receipt date, YYYY-MM-DD */
    int late;              /* start, stop, OP359: arrived after its due date (closed at once) */
    int alerted;           /* the monitor found it overdue and alerted */
    int uncertain;         /* our reading of its rule is a choice (docs/deadlines.md) */
} gw_deadline_item_t;

/**
 * Open items (or, with late, start/stop messages that arrived late), earliest due first.
 * @param party NULL, or only items where it is the sender or the recipient.
 * @param fn called per item; a non-zero return stops the walk.
 * @returns GW_OK (also when the store has no deadline_ tables yet), GW_EIO.
 */
GW_NODISCARD int gw_deadline_list(void *db, const char *party, int late,
                                  int (*fn)(void *arg, const gw_deadline_item_t *it), void *arg);

/**
 * Counts for metrics: open items, and those due before `today` (a day number; overdue).
 * @returns GW_OK (zeros when there are no deadline_ tables), GW_EIO.
 */
GW_NODISCARD int gw_deadline_counts(void *db, int32_t today, int64_t *open, int64_t *overdue);

#endif
