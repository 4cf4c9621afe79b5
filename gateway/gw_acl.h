/*
 * Who may send and receive which message (issue 5, item 2): a table, derived
 * from the standard's message catalogue (spec §1.1 iJw, §1.2 iWmo: the column
 * "Sender -> receiver"), of the party kind that sends each message number and
 * the kind that receives it. The same numbers hold for iJw and iWmo. A
 * retourbericht flows back to the party that sent its heenbericht (§1.5), so
 * its sender is the heenbericht's receiver. The regional platform is not a
 * party of any flow: it sends nothing and receives only the copies it taps
 * (gateway config `tap`), never a routed message.
 */
#ifndef GW_ACL_H
#define GW_ACL_H

#include "gw/codec.h"

#include "gw_config.h"

/** 1 when a party of kind may submit messages of type. */
int gw_acl_may_send(gw_party_kind_t kind, const gw_msgtype_t *type);
/** 1 when a party of kind may have messages of type routed to it. */
int gw_acl_may_receive(gw_party_kind_t kind, const gw_msgtype_t *type);
/** "gemeente", "aanbieder", "platform" (for messages). */
const char *gw_acl_kind_name(gw_party_kind_t kind);

#endif
