/* The message-flow table (gw_acl.h): one row per message number, spec §1.1-§1.2. */
#include "gw_acl.h"

#include <stddef.h>

typedef struct acl_row {
    int number;               /* 301 for JW301 and WMO301 */
    gw_party_kind_t sender;   /* kind that sends it */
    gw_party_kind_t receiver; /* kind it is routed to */
} acl_row_t;

#define G GW_PARTY_GEMEENTE
#define A GW_PARTY_AANBIEDER

/* spec §1.1/§1.2 "Sender -> receiver"; retours (even numbers, 316...) go back to the sender
 * of the heenbericht (§1.5); 323 is answered by 325 (no 324). */
static const acl_row_t s_rows[] = {
    {301, G, A}, /* toewijzing */
    {302, A, G}, /* retour toewijzing */
    {305, A, G}, /* start zorg */
    {306, G, A}, /* retour start */
    {307, A, G}, /* stop zorg */
    {308, G, A}, /* retour stop */
    {315, A, G}, /* verzoek om toewijzing (VOT) */
    {316, G, A}, /* retour VOT */
    {317, A, G}, /* verzoek om wijziging (VOW) */
    {318, G, A}, /* retour VOW */
    {319, G, A}, /* antwoordbericht */
    {320, A, G}, /* retour antwoordbericht */
    {323, A, G}, /* declaratie */
    {325, G, A}, /* declaratie-antwoord */
};

#undef G
#undef A

static const acl_row_t *
s_row(const gw_msgtype_t *type)
{
    if (!type) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(s_rows) / sizeof(s_rows[0]); i++) {
        if (s_rows[i].number == type->number) {
            return &s_rows[i];
        }
    }
    return NULL;
}

int
gw_acl_may_send(gw_party_kind_t kind, const gw_msgtype_t *type)
{
    const acl_row_t *r = s_row(type);
    return r && r->sender == kind;
}

int
gw_acl_may_receive(gw_party_kind_t kind, const gw_msgtype_t *type)
{
    const acl_row_t *r = s_row(type);
    return r && r->receiver == kind;
}

const char *
gw_acl_kind_name(gw_party_kind_t kind)
{
    switch (kind) {
    case GW_PARTY_GEMEENTE:
        return "gemeente";
    case GW_PARTY_AANBIEDER:
        return "aanbieder";
    case GW_PARTY_PLATFORM:
        return "platform";
    }
    return "?";
}
