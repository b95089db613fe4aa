/* Household indicators from a column map. */
#include "indicators.h"

int survey_indicators(const struct survey_ind_opts *o, bool json,
                      struct buf *out, struct err *err)
{
    (void)o;
    (void)json;
    (void)out;
    return err_set(err, ERR_INTERNAL, "not implemented");
}
