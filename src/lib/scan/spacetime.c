/*
 * spacetime.c: space-time scan statistics (cylinders). Not written yet:
 * space-time input is refused with TW_E_UNSUPPORTED.
 * NEEDSWORK: cylinders for Poisson and the space-time permutation model.
 */
#include "scan/scan_internal.h"

tw_status scan_spacetime_run(tw_ctx *ctx, const tw_scan_data *d, const tw_scan_opts *o,
                             tw_scan_result **out);

tw_status scan_spacetime_run(tw_ctx *ctx, const tw_scan_data *d, const tw_scan_opts *o,
                             tw_scan_result **out)
{
    (void)d;
    (void)o;
    (void)out;
    return ctx_error(ctx, TW_E_UNSUPPORTED, "space-time scan is not available yet");
}
