/* Text for gw_rc_t result codes, and gw_err_setf() for the `char **err` out-parameter. */
#include <stdarg.h>
#include <stdio.h>

#include "gw/alloc.h"
#include "gw/err.h"

const char *
gw_strerror(int rc)
{
    switch (rc) {
    case GW_OK:
        return "ok";
    case GW_ENOMEM:
        return "out of memory";
    case GW_EINVAL:
        return "invalid argument";
    case GW_EIO:
        return "input/output error";
    case GW_EPARSE:
        return "parse error";
    case GW_ECONFIG:
        return "configuration rejected";
    case GW_ECRYPTO:
        return "cryptographic failure";
    case GW_EAGAIN:
        return "try again";
    case GW_ESCHEMA:
        return "schema could not be loaded";
    case GW_EFULL:
        return "storage full";
    default:
        return "unknown error";
    }
}

void
gw_err_setf(char **err, const char *fmt, ...)
{
    if (!err) {
        return;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    gw_free(*err);
    *err = gw_strdup(buf);
}
