/*
 * Result codes of the gateway libraries. A result (gw_rc_t) says whether the
 * software worked; whether a message is acceptable is a verdict (gw/diag.h),
 * never an error code. 0 is success; every failure is negative.
 */
#ifndef GW_ERR_H
#define GW_ERR_H

#if defined(__GNUC__) || defined(__clang__)
#define GW_NODISCARD __attribute__((warn_unused_result))
#define GW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GW_NODISCARD
#define GW_PRINTF(f, a)
#endif

typedef enum gw_rc {
    GW_OK = 0,
    GW_ENOMEM = -1,  /* allocation failed */
    GW_EINVAL = -2,  /* caller passed something the contract forbids */
    GW_EIO = -3,     /* socket/file error; errno is logged, not returned */
    GW_EPARSE = -4,  /* input is not well-formed XML / not our envelope */
    GW_ECONFIG = -5, /* configuration rejected */
    GW_ECRYPTO = -6, /* OpenSSL failure */
    GW_EAGAIN = -7,  /* would block; retry from the event loop */
    GW_ESCHEMA = -8, /* a schema could not be loaded or compiled */
    GW_EFULL = -9,   /* storage full or over quota: refuse new work, keep what is stored */
} gw_rc_t;

/**
 * Human-readable text for a result code.
 * @returns a static string; never NULL.
 */
const char *gw_strerror(int rc);

/**
 * printf a message (cut at 511 bytes) into a new heap string at *err, freeing the one
 * that was there: so *err must be NULL or a heap string. Does nothing when err is NULL.
 * Ownership: the caller frees *err with gw_free().
 */
void gw_err_setf(char **err, const char *fmt, ...) GW_PRINTF(2, 3);

#endif
