/* Commands of ijwctl, one file per family of commands. */
#ifndef IJWCTL_H
#define IJWCTL_H

#include "gw/codec.h"

/* cmd_net.c: act as a party against a running gateway */
int ijwctl_send(int argc, char **argv);
int ijwctl_recv(int argc, char **argv);
int ijwctl_replay(int argc, char **argv);

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
