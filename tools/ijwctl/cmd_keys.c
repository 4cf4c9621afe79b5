/*
 * ijwctl keygen, and the CURVE keys ijwctl's party commands connect with.
 *
 *   ijwctl keygen [-o DIR] NAME...   write DIR/NAME.key (secret, 0600) and DIR/NAME.pub
 *
 * send/recv/replay take --key FILE (the party's .key), --keys DIR (a directory of
 * CODE.key files, for replay's many parties) and --server-key FILE (the gateway's .pub).
 * Without them, when the configuration has `curve = on`, the party's key is
 * PARTY_KEYS/CODE.key and the gateway's public key is the .pub beside its server_key:
 * what the demo (tools/quickstart.sh) sets up on one machine. With -e ENDPOINT and no
 * -c, the embedded default configuration says nothing about that gateway: plain TCP
 * unless a key option is given.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gw/alloc.h"
#include "gw/keys.h"

#include "gw_config.h"
#include "ijwctl.h"

int
ijwctl_keygen(int argc, char **argv)
{
    const char *dir = ".";
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "ijwctl: keygen: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: ijwctl keygen [-o DIR] NAME...\n"
                        "  writes DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub (public);\n"
                        "  NAME is the party code (0363, 42420001, platform) or any name\n");
        return 2;
    }
    /* mkdir -p DIR. An empty DIR would start the walk past its NUL; one too long for the
     * buffers below would write the key pair under a cut-off name. */
    char sub[1024];
    if (!dir[0] || strlen(dir) >= sizeof(sub)) {
        fprintf(stderr, "ijwctl: keygen: -o wants a directory name of 1..%zu bytes\n",
                sizeof(sub) - 1);
        return 2;
    }
    snprintf(sub, sizeof(sub), "%s", dir);
    for (char *c = sub + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char keep = *c;
            *c = '\0';
            if (mkdir(sub, 0755) != 0 && errno != EEXIST) {
                fprintf(stderr, "ijwctl: keygen: cannot create %s: %s\n", sub, strerror(errno));
                return 2;
            }
            *c = keep;
            if (!keep) {
                break;
            }
        }
    }
    int status = 0;
    for (; i < argc; i++) {
        const char *name = argv[i];
        if (!name[0] || strchr(name, '/') || strlen(name) > 64) {
            fprintf(stderr, "ijwctl: keygen: bad name '%s' (1..64 bytes, no '/')\n", name);
            status = 2;
            continue;
        }
        char key[1200], pub[1200];
        snprintf(key, sizeof(key), "%s/%s.key", dir, name);
        snprintf(pub, sizeof(pub), "%s/%s.pub", dir, name);
        gw_keypair_t kp;
        char *err = NULL;
        int rc = gw_keys_new(&kp);
        if (rc == GW_OK) {
            rc = gw_keys_save(&kp, key, pub, name, &err);
        }
        if (rc != GW_OK) {
            fprintf(stderr, "ijwctl: keygen: %s\n",
                    err ? err : "libzmq cannot make CURVE keys (built without libsodium?)");
            status = 2;
        } else {
            printf("%s  %s (secret) %s (public)\n", kp.public_key, key, pub);
        }
        gw_keys_wipe(&kp);
        gw_free(err);
    }
    return status;
}

/* Read a key file into kp; 0 or -1 after telling why. */
static int
s_load(const char *path, gw_keypair_t *kp, int need_secret)
{
    char *err = NULL;
    if (gw_keys_load(path, kp, need_secret, &err) != GW_OK) {
        fprintf(stderr, "ijwctl: %s\n", err ? err : path);
        gw_free(err);
        return -1;
    }
    return 0;
}

int
ijwctl_curve(const char *config_path, int use_config, const char *party, const char *key_file,
             const char *keys_dir, const char *server_key_file, ijwctl_curve_t *out)
{
    memset(out, 0, sizeof(*out));
    gw_config_t *cfg = ijwctl_config_load(config_path);
    if (!cfg) {
        return -1;
    }
    int curve = (use_config && cfg->curve) || key_file || keys_dir || server_key_file;
    int rc = 0;
    if (curve) {
        char path[1200];
        gw_keypair_t server;
        if (server_key_file) {
            rc = s_load(server_key_file, &server, 0);
        } else {
            /* The gateway's .pub beside its key file (same machine: the demo, an operator). */
            char *pub = gw_keys_pub_path(cfg->server_key);
            struct stat st;
            rc = s_load(pub && stat(pub, &st) == 0 ? pub : cfg->server_key, &server, 0);
            gw_free(pub);
        }
        if (rc == 0) {
            if (key_file) {
                snprintf(path, sizeof(path), "%s", key_file);
            } else {
                snprintf(path, sizeof(path), "%s/%s.key", keys_dir ? keys_dir : cfg->party_keys,
                         party);
            }
            rc = s_load(path, &out->party, 1);
        }
        if (rc == 0) {
            memcpy(out->server_public, server.public_key, sizeof(out->server_public));
            out->on = 1;
        }
        gw_keys_wipe(&server);
    }
    gw_config_destroy(&cfg);
    if (rc != 0) {
        fprintf(stderr, "ijwctl: the gateway uses CURVE: give --key FILE (the party's .key) and "
                        "--server-key FILE (the gateway's .pub)\n");
    }
    return rc;
}

void
ijwctl_curve_apply(const ijwctl_curve_t *c, gw_client_opts_t *o)
{
    if (!c->on) {
        return;
    }
    o->curve_server_key = c->server_public;
    o->curve_public_key = c->party.public_key;
    o->curve_secret_key = c->party.secret_key;
}
