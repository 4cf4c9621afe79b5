/*
 * The embedded default configuration: what `ijwgw` runs with when no -c FILE
 * is given, and what the demo uses. Loopback only, a throw-away store under
 * /tmp, CurveZMQ on (server key made at first start, party keys in
 * /tmp/ijwgw-demo/keys), and a small set of demo parties (two gemeenten, two
 * aanbieders and a platform that taps the heen-berichten with free text stripped). It is
 * parsed by gw_config_parse() like any file, so it is tested like one.
 */
#include "gw_config.h"

const char gw_config_default_text[] = "# ijwgw embedded default (demo) configuration\n"
                                      "gateway\n"
                                      "    endpoint = tcp://127.0.0.1:5570\n"
                                      "    store = /tmp/ijwgw-demo/store.db\n"
                                      "    # CurveZMQ: the gateway makes its key pair at first start;\n"
                                      "    # the demo puts each party's CODE.pub (ijwctl keygen) in keys/\n"
                                      "    curve = on\n"
                                      "    server_key = /tmp/ijwgw-demo/server.key\n"
                                      "    party_keys = /tmp/ijwgw-demo/keys\n"
                                      "    http = 127.0.0.1:9464\n"
                                      "    store_key = /tmp/ijwgw-demo/store.key\n"
                                      "    audit_log = /tmp/ijwgw-demo/audit.log\n"
                                      "\n"
                                      "party 0363\n"
                                      "    kind = gemeente\n"
                                      "    name = Amsterdam\n"
                                      "\n"
                                      "party 0384\n"
                                      "    kind = gemeente\n"
                                      "    name = Diemen\n"
                                      "\n"
                                      "party 42420001\n"
                                      "    kind = aanbieder\n"
                                      "    name = \"Demo Jeugdzorg A\"\n"
                                      "\n"
                                      "party 65656055\n"
                                      "    kind = aanbieder\n"
                                      "    name = \"Demo Jeugdzorg B\"\n"
                                      "\n"
                                      "party platform\n"
                                      "    kind = platform\n"
                                      "    name = \"Regionaal platform\"\n"
                                      "    tap = JW301 JW305 JW307 WMO301 WMO305 WMO307\n"
                                      "    tap_strip_freetext = yes\n"
                                      "\n"
                                      "# the standard's cross-message rules (spec 5.4)\n"
                                      "filter tr056\n"
                                      "filter verzoek\n"
                                      "filter toewijzing\n"
                                      "filter startstop\n"
                                      "filter declaratie\n";
