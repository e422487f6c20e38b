/*
 * test_store_internal.c: internals of the store module: forward migration
 * of a store created at schema version 1 (its batches and records survive,
 * the new columns and tables appear), refusal of a store newer than the
 * library, and the normalisation of identifiers (the same phone, e-mail,
 * handle, device or IP written several ways gives one text; malformed
 * values are refused without being quoted).
 */
#include "harness.h"
#include "store/store_internal.h"

#include <string.h>

static void test_migrate_from_v1(void)
{
    tw_ctx *ctx = tw_ctx_new();
    tw_store *st = NULL;
    CHECK_OK(ctx, tw_store_open(ctx, harness_tmp("v1.db"), TW_STORE_CREATE, &st));
    int from = -1;
    CHECK_OK(ctx, store_migrate_to(st, 1, &from));
    CHECK_EQ_INT(from, 0);
    int v = 0;
    CHECK_OK(ctx, store_version(st, &v));
    CHECK_EQ_INT(v, 1);
    CHECK_OK(ctx, store_exec(st, "INSERT INTO batch VALUES(1,'a','b','2024-01-01T00:00:00Z','f.csv',"
                                 "'00',1,1,0,'x');"
                                 "INSERT INTO record VALUES(1,1,'h','r','NBI',19000,NULL,NULL,"
                                 "'0702201001',1,NULL)"));
    /* a v1 store is not used for ingest until migrated */
    tw_store_info info;
    CHECK(tw_store_info_get(ctx, st, &info) == TW_E_ARG);
    int to = 0;
    CHECK_OK(ctx, tw_store_migrate(ctx, st, &from, &to));
    CHECK_EQ_INT(from, 1);
    CHECK_EQ_INT(to, STORE_SCHEMA_VERSION);
    CHECK_OK(ctx, tw_store_info_get(ctx, st, &info));
    CHECK_EQ_INT(info.records, 1);
    CHECK_EQ_INT(info.batches, 1);
    /* columns of later migrations exist, with their defaults */
    CHECK_OK(ctx, store_exec(st, "UPDATE record SET incident_day=18999, location_precision='exact'"));
    tw_store_batch *b = NULL;
    size_t n = 0;
    CHECK_OK(ctx, tw_store_batches(ctx, st, &b, &n));
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK_EQ_INT(b[0].purged, 0);
    tw_store_batches_free(ctx, b);
    /* a store from a newer tanaw is refused, not downgraded */
    CHECK_OK(ctx, store_exec(st, "INSERT INTO schema_migrations VALUES(99, 'future')"));
    CHECK(tw_store_migrate(ctx, st, NULL, NULL) == TW_E_UNSUPPORTED);
    tw_store_close(st);
    tw_ctx_free(ctx);
}

static int norm(int kind, const char *in, char *out)
{
    const char *why = NULL;
    return pseudo_normalise(kind, in, strlen(in), out, 256, &why);
}

static void test_normalise(void)
{
    char a[256], b[256];
    static const char *const phones[] = {"09171234567", "+63 917 123 4567", "917-123-4567",
                                         "(63) 917.123.4567"};
    for (size_t i = 0; i < 4; i++) {
        CHECK(norm(ID_PHONE, phones[i], a));
        CHECK(strcmp(a, "639171234567") == 0);
    }
    CHECK(!norm(ID_PHONE, "0917abc", a));
    CHECK(!norm(ID_PHONE, "12", a));
    CHECK(norm(ID_EMAIL, " Someone@Example.ORG ", a) && strcmp(a, "someone@example.org") == 0);
    CHECK(!norm(ID_EMAIL, "no-at-sign", a));
    CHECK(!norm(ID_EMAIL, "a@b@c", a));
    CHECK(norm(ID_HANDLE, "@Juan_DC", a) && norm(ID_HANDLE, "juan_dc", b) && strcmp(a, b) == 0);
    CHECK(norm(ID_DEVICE, "35-209900-176148-1", a) && strcmp(a, "352099001761481") == 0);
    CHECK(norm(ID_DEVICE, "AA:BB:CC:00:11:22", a) && strcmp(a, "aabbcc001122") == 0);
    CHECK(norm(ID_IP, " 2001:DB8:0:0:0:0:0:1 ", a) && strcmp(a, "2001:db8::1") == 0);
    CHECK(norm(ID_IP, "203.0.113.7", a) && strcmp(a, "203.0.113.7") == 0);
    CHECK(!norm(ID_IP, "203.0.113", a));
    CHECK(!norm(ID_ACCOUNT, "   ", a));
    /* the hash depends on the key and on the domain */
    uint8_t k1[32] = {1}, k2[32] = {2};
    char h1[STORE_HASH_HEX], h2[STORE_HASH_HEX], h3[STORE_HASH_HEX];
    pseudo_hash_hex(k1, "tanaw id v1", "x", 1, h1);
    pseudo_hash_hex(k2, "tanaw id v1", "x", 1, h2);
    pseudo_hash_hex(k1, "tanaw case v1", "x", 1, h3);
    CHECK(strcmp(h1, h2) != 0);
    CHECK(strcmp(h1, h3) != 0);
    CHECK_EQ_INT(strlen(h1), 2 * STORE_HASH_BYTES);
}

int main(void)
{
    RUN(test_migrate_from_v1);
    RUN(test_normalise);
    return harness_finish();
}
