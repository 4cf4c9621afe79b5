/* Commands of ijwctl, one file per family of commands. */
#ifndef IJWCTL_H
#define IJWCTL_H

#include "gw/client.h"
#include "gw/codec.h"
#include "gw/keys.h"

/* cmd_net.c: act as a party against a running gateway */
int ijwctl_send(int argc, char **argv);
int ijwctl_recv(int argc, char **argv);
int ijwctl_replay(int argc, char **argv);

/* cmd_keys.c: CURVE key pairs, and the keys the party commands connect with */
typedef struct ijwctl_curve {
    int on;                                  /* connect with CURVE */
    char server_public[GW_KEY_Z85_LEN + 1];  /* the gateway's public key */
    gw_keypair_t party;                      /* the party's key pair */
} ijwctl_curve_t;
int ijwctl_keygen(int argc, char **argv);
/* Keys of party from the options or, when use_config and the config (the embedded default
 * without a path) says curve = on, from its files.
 * 0, or -1 after printing why. Wipe out->party with gw_keys_wipe when done. */
int ijwctl_curve(const char *config_path, int use_config, const char *party, const char *key_file,
                 const char *keys_dir, const char *server_key_file, ijwctl_curve_t *out);
/* Point o's CURVE fields at c (borrowed: c must outlive the client's creation). */
void ijwctl_curve_apply(const ijwctl_curve_t *c, gw_client_opts_t *o);

/* cmd_rules.c: dry-run messages through every check, in order */
int ijwctl_rules_test(int argc, char **argv);

/* cmd_store.c: inspect and repair the store */
int ijwctl_queues(int argc, char **argv);
int ijwctl_dlq(int argc, char **argv);

/* cmd_backup.c: backup, restore and the schema version of the store */
int ijwctl_backup(int argc, char **argv);
int ijwctl_restore(int argc, char **argv);
int ijwctl_store(int argc, char **argv);

/* cmd_deadline.c: the deadline monitor's open and overdue items */
int ijwctl_overdue(int argc, char **argv);

/* cmd_audit.c: store keys (encryption at rest) and the audit trail */
int ijwctl_storekey(int argc, char **argv);
int ijwctl_audit(int argc, char **argv);
/* Append an admin entry to the audit log at audit_path ("" or NULL: none). 0 or -1. */
int ijwctl_audit_admin(const char *audit_path, const char *action, const char *target,
                       const char *detail);
/* The config at config_path (NULL: the embedded default), or NULL after printing why
 * (cmd_config.c). Ownership: the caller destroys it with gw_config_destroy(). */
struct gw_config *ijwctl_config_load(const char *config_path);
/* store_key and audit_log of a config (NULL: the embedded default). 0 or -1. */
int ijwctl_config_paths(const char *config_path, char *store_key, size_t kcap, char *audit_log,
                        size_t acap);

/* shared helpers (ijwctl.c) */
char *ijwctl_read_file(const char *path, size_t *len, char *why, size_t why_len);
int ijwctl_write_file(const char *path, const char *buf, size_t len);
/* Files named by argv: directories are expanded to their *.xml files, sorted. */
int ijwctl_collect(int argc, char **argv, char ***files_out, int *n_out);
void ijwctl_free_list(char **files, int n);
/* Endpoint and store from -c CONFIG / defaults. */
int ijwctl_conf(const char *config_path, char *endpoint, size_t ecap, char *store, size_t scap);

#endif
