/*
 * Stub of the overdue-retour counts (gw_overdue.h): no deadline monitor in
 * this build yet, so the counts are "not available". The coordinator replaces
 * this when the deadline monitor lands.
 */
#include "gw_overdue.h"

#include <string.h>

void
gw_overdue_counts(void *db, int64_t now_ms, gw_overdue_t *out)
{
    (void)db;
    (void)now_ms;
    memset(out, 0, sizeof(*out));
}
