/*
 * test_header.c: the public header compiles on its own (included first,
 * nothing before it) under the strict warning flags, and its promised
 * constants and status texts hold.
 */
#include "tanaw/tanaw.h"

#include "harness.h"

#include <string.h>

static void test_version(void)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", TW_VERSION_MAJOR, TW_VERSION_MINOR, TW_VERSION_PATCH);
    CHECK(strcmp(buf, TW_VERSION_STRING) == 0);
    CHECK(TW_PSGC_LEN == 10);
}

static void test_levels(void)
{
    CHECK(tw_level_parse(tw_level_name(TW_LEVEL_BARANGAY)) == TW_LEVEL_BARANGAY);
    CHECK(tw_level_parse(tw_level_name(TW_LEVEL_MUNICIPALITY)) == TW_LEVEL_MUNICIPALITY);
    CHECK(tw_level_parse("no such level") == TW_LEVEL_UNKNOWN);
    CHECK(TW_OK == 0);
}

int main(void)
{
    RUN(test_version);
    RUN(test_levels);
    return harness_finish();
}
