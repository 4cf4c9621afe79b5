/* Helpers to read typed values out of the text leaves of the model (gw/model.h). */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "gw/err.h"
#include "gw/model.h"

/* Leaves of non-string XSD types are whitespace-collapsed by the validator, so a
 * value may carry leading/trailing whitespace; skip it. */
static void
s_trim(const char **b, const char **e)
{
    while (*b < *e && isspace((unsigned char)**b)) {
        (*b)++;
    }
    while (*e > *b && isspace((unsigned char)(*e)[-1])) {
        (*e)--;
    }
}

int
gw_model_int(const char *s, int64_t *out)
{
    if (!s) {
        return GW_EINVAL;
    }
    const char *b = s, *e = s + strlen(s);
    s_trim(&b, &e);
    int neg = 0;
    if (b < e && (*b == '+' || *b == '-')) {
        neg = *b == '-';
        b++;
    }
    if (b == e) {
        return GW_EINVAL;
    }
    int64_t v = 0;
    for (; b < e; b++) {
        if (!isdigit((unsigned char)*b)) {
            return GW_EINVAL;
        }
        int d = *b - '0';
        if (v > (INT64_MAX - d) / 10) {
            return GW_EINVAL;
        }
        v = v * 10 + d;
    }
    *out = neg ? -v : v;
    return GW_OK;
}

/* Days from civil (Howard Hinnant's algorithm), proleptic Gregorian. */
int32_t
gw_model_days(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void
gw_model_date_parts(int32_t days, int *y, int *m, int *d)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = (int)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (mm <= 2);
    *m = (int)mm;
    *d = (int)dd;
}

static int
s_days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return dim[m - 1];
}

int
gw_model_date(const char *s, int32_t *days)
{
    if (!s) {
        return GW_EINVAL;
    }
    const char *b = s, *e = s + strlen(s);
    s_trim(&b, &e);
    if (e - b != 10 || b[4] != '-' || b[7] != '-') {
        return GW_EINVAL;
    }
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !isdigit((unsigned char)b[i])) {
            return GW_EINVAL;
        }
    }
    int y = (b[0] - '0') * 1000 + (b[1] - '0') * 100 + (b[2] - '0') * 10 + (b[3] - '0');
    int m = (b[5] - '0') * 10 + (b[6] - '0');
    int d = (b[8] - '0') * 10 + (b[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > s_days_in_month(y, m)) {
        return GW_EINVAL;
    }
    *days = gw_model_days(y, m, d);
    return GW_OK;
}
