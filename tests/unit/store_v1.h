/*
 * The durable store's version-1 schema exactly as the first release created it
 * (gateway/gw_store.c upgrades it in place). Tests of the upgrade, the backup and the
 * deploy path build v1 files from it and add their own rows:
 *   UT_STORE_V1_SCHEMA "INSERT INTO messages ...;" "PRAGMA user_version = 1;"
 * A string literal, so that it concatenates with the rows at compile time.
 */
#ifndef GW_TEST_STORE_V1_H
#define GW_TEST_STORE_V1_H

#define UT_STORE_V1_SCHEMA                                                                         \
    "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL);"      \
    "CREATE TABLE messages (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, recipient TEXT NOT "     \
    "NULL, type TEXT NOT NULL, afzender TEXT NOT NULL, ident TEXT NOT NULL, dagtekening TEXT NOT " \
    "NULL, answers INTEGER NOT NULL DEFAULT 0, payload BLOB NOT NULL, len INTEGER NOT NULL, "      \
    "received_ms INTEGER NOT NULL);"                                                               \
    "CREATE UNIQUE INDEX messages_dedup ON messages (sender, type, ident, dagtekening);"           \
    "CREATE INDEX messages_heen ON messages (type, afzender, ident, dagtekening);"                 \
    "CREATE TABLE deliveries (id INTEGER PRIMARY KEY, msg_id INTEGER NOT NULL REFERENCES "         \
    "messages (id), recipient TEXT NOT NULL, payload BLOB, state TEXT NOT NULL CHECK (state IN "   \
    "('pending', 'inflight', 'delivered', 'dead')), attempts INTEGER NOT NULL DEFAULT 0, "         \
    "created_ms INTEGER NOT NULL, next_attempt_ms INTEGER NOT NULL DEFAULT 0, delivered_ms "       \
    "INTEGER);"                                                                                    \
    "CREATE INDEX deliveries_due ON deliveries (recipient, state, id);"                            \
    "CREATE INDEX deliveries_open ON deliveries (state, created_ms) WHERE state <> 'delivered';"   \
    "INSERT INTO schema_version VALUES (1, 0);"

#endif
