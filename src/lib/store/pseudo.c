/*
 * pseudo.c: pseudonymisation for the case store. Identifiers (accounts,
 * payment accounts, devices, IP addresses, phone numbers, e-mail addresses,
 * handles) are normalised, so that the same account written two ways by two
 * agencies gives the same text, and then replaced by a keyed BLAKE2b hash
 * (libsodium crypto_generichash with a 32-byte key, 128-bit output). The
 * key never enters the store: without it nobody can test a guessed phone
 * number against the store, and with it the same identifier links across
 * batches and agencies.
 *
 * Keys are 64 hex digits in a file created 0600 (tanaw key new) or in the
 * TANAW_KEY environment variable (read by the command, not here: the
 * library reads no environment). A key file that group or others may read
 * is refused, as ssh refuses such private keys.
 *
 * Limits: normalisation is deliberately simple (docs/store.md): it folds
 * case, separators and the Philippine phone prefixes; it does not resolve
 * aliases or look anything up.
 */
#define _POSIX_C_SOURCE 200809L
#include "store/store_internal.h"

#include "cases/cases_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const store_id_columns[ID_NKINDS] = {
    "account_ids", "payment_ids", "device_ids", "ip_addrs",
    "phone_numbers", "emails", "handles", "referred_from"};
const char *const store_id_kinds[ID_NKINDS] = {
    "account", "payment", "device", "ip", "phone", "email", "handle", "reference"};

static void hex_encode(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void pseudo_hash_hex(const uint8_t key[32], const char *domain, const char *s, size_t len,
                     char out[STORE_HASH_HEX])
{
    crypto_generichash_state st;
    uint8_t h[STORE_HASH_BYTES];
    crypto_generichash_init(&st, key, 32, sizeof h);
    /* the domain separates case references from identifiers and from the
       key check, so no hash of one kind can stand for another */
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    crypto_generichash_update(&st, (const unsigned char *)s, len);
    crypto_generichash_final(&st, h, sizeof h);
    hex_encode(h, sizeof h, out);
}

void store_case_ref(const uint8_t key[32], const char *source, size_t source_len,
                    const char *case_id, size_t id_len, char out[STORE_HASH_HEX])
{
    /* the same case of two channels is two cases: the source is part of
       the reference (source, NUL, case id) */
    char ref[CASES_SOURCE_MAX + 1 + CASES_CASE_ID_MAX + 1];
    if (source_len > CASES_SOURCE_MAX)
        source_len = CASES_SOURCE_MAX;
    if (id_len > CASES_CASE_ID_MAX)
        id_len = CASES_CASE_ID_MAX;
    memcpy(ref, source, source_len);
    ref[source_len] = '\0';
    memcpy(ref + source_len + 1, case_id, id_len);
    pseudo_hash_hex(key, "tanaw case v1", ref, source_len + 1 + id_len, out);
}

void pseudo_key_check(const uint8_t key[32], char out[STORE_HASH_HEX])
{
    pseudo_hash_hex(key, "tanaw key check v1", "", 0, out);
}

/* Copy s without blanks at either end, ASCII lower-cased, skipping the
   characters in drop. 0 when it does not fit or ends up empty. */
static int fold(const char *s, size_t len, const char *drop, char *out, size_t cap)
{
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (strchr(drop, c))
            continue;
        if (n + 1 >= cap)
            return 0;
        out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
    return n > 0;
}

static int normalise_phone(const char *s, size_t len, char *out, size_t cap, const char **why)
{
    char d[32];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c)) {
            if (n + 1 >= sizeof d) {
                *why = "phone number longer than 15 digits";
                return 0;
            }
            d[n++] = (char)c;
        } else if (!strchr(" -.()+/", c)) {
            *why = "phone number holds characters other than digits and + - . ( ) /";
            return 0;
        }
    }
    d[n] = '\0';
    /* One form for Philippine mobiles: 09XXXXXXXXX, 9XXXXXXXXX and
       +639XXXXXXXXX are the same number, written as 639XXXXXXXXX. */
    const char *p = d;
    char buf[40];
    if (n == 11 && d[0] == '0' && d[1] == '9') {
        snprintf(buf, sizeof buf, "63%s", d + 1);
        p = buf;
    } else if (n == 10 && d[0] == '9') {
        snprintf(buf, sizeof buf, "63%s", d);
        p = buf;
    }
    size_t m = strlen(p);
    if (m < 7 || m > 15) {
        *why = "phone number must have 7 to 15 digits";
        return 0;
    }
    if (m + 1 > cap) {
        *why = "phone number too long";
        return 0;
    }
    memcpy(out, p, m + 1);
    return 1;
}

static int normalise_ip(const char *s, size_t len, char *out, size_t cap, const char **why)
{
    char in[64];
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0 || len >= sizeof in) {
        *why = "expected an ipv4 or ipv6 address";
        return 0;
    }
    memcpy(in, s, len);
    in[len] = '\0';
    unsigned char bin[16];
    /* inet_ntop writes the canonical form: ipv6 compressed and lowercase */
    if (inet_pton(AF_INET, in, bin) == 1) {
        if (!inet_ntop(AF_INET, bin, out, (socklen_t)cap))
            goto bad;
        return 1;
    }
    if (inet_pton(AF_INET6, in, bin) == 1) {
        if (!inet_ntop(AF_INET6, bin, out, (socklen_t)cap))
            goto bad;
        return 1;
    }
bad:
    *why = "expected an ipv4 or ipv6 address";
    return 0;
}

int pseudo_normalise(int kind, const char *s, size_t len, char *out, size_t cap,
                     const char **why)
{
    switch (kind) {
    case ID_PHONE:
        return normalise_phone(s, len, out, cap, why);
    case ID_IP:
        return normalise_ip(s, len, out, cap, why);
    case ID_EMAIL: {
        if (!fold(s, len, "", out, cap)) {
            *why = "empty or too long e-mail address";
            return 0;
        }
        const char *at = strchr(out, '@');
        if (!at || at == out || !at[1] || strchr(at + 1, '@') || strpbrk(out, " \t")) {
            *why = "expected one e-mail address (local@domain)";
            return 0;
        }
        return 1;
    }
    case ID_HANDLE:
        while (len && isspace((unsigned char)*s))
            s++, len--;
        if (len && *s == '@') /* "@name" and "name" are one handle */
            s++, len--;
        if (!fold(s, len, "", out, cap)) {
            *why = "empty or too long handle";
            return 0;
        }
        return 1;
    case ID_PAYMENT:
    case ID_DEVICE:
        /* IMEIs, MAC addresses and account numbers are written with
           arbitrary grouping: the separators carry nothing */
        if (!fold(s, len, " -:.", out, cap)) {
            *why = "empty or too long identifier";
            return 0;
        }
        return 1;
    case ID_ACCOUNT:
        if (!fold(s, len, "", out, cap)) {
            *why = "empty or too long account identifier";
            return 0;
        }
        return 1;
    default:
        *why = "unknown identifier kind";
        return 0;
    }
}

/* ---- keys ---------------------------------------------------------- */

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

tw_status tw_key_parse(tw_ctx *ctx, const char *text, uint8_t key[TW_KEY_BYTES])
{
    if (!ctx || !text || !key)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_key_parse: NULL argument") : TW_E_ARG;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    while (len && isspace((unsigned char)*text))
        text++, len--;
    if (len != 2 * TW_KEY_BYTES)
        return ctx_error(ctx, TW_E_ARG, "a key is %d hex digits, got %zu characters",
                         2 * TW_KEY_BYTES, len);
    uint8_t k[TW_KEY_BYTES];
    for (size_t i = 0; i < TW_KEY_BYTES; i++) {
        int hi = hex_value((unsigned char)text[2 * i]), lo = hex_value((unsigned char)text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            sodium_memzero(k, sizeof k);
            return ctx_error(ctx, TW_E_ARG, "a key is %d hex digits: found a non-hex character",
                             2 * TW_KEY_BYTES);
        }
        k[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(key, k, sizeof k);
    sodium_memzero(k, sizeof k);
    return TW_OK;
}

tw_status tw_key_new_file(tw_ctx *ctx, const char *path)
{
    if (!ctx || !path)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_key_new_file: NULL argument") : TW_E_ARG;
    if (sodium_init() < 0)
        return ctx_error(ctx, TW_E_INTERNAL, "libsodium could not be initialised");
    uint8_t k[TW_KEY_BYTES];
    char text[2 * TW_KEY_BYTES + 2];
    randombytes_buf(k, sizeof k);
    hex_encode(k, sizeof k, text);
    sodium_memzero(k, sizeof k);
    text[2 * TW_KEY_BYTES] = '\n';
    text[2 * TW_KEY_BYTES + 1] = '\0';
    /* O_EXCL: a key is never overwritten, since every hash in a store
       depends on it */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        tw_status s = ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot create the key file: %s",
                                   errno == EEXIST ? "it exists (keys are never overwritten)"
                                                   : strerror(errno));
        sodium_memzero(text, sizeof text);
        return s;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int bad = w < 0 || (size_t)w != len;
    bad |= fsync(fd) != 0;
    bad |= close(fd) != 0;
    sodium_memzero(text, sizeof text);
    if (bad) {
        unlink(path);
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot write the key file");
    }
    return TW_OK;
}

tw_status tw_key_read_file(tw_ctx *ctx, const char *path, uint8_t key[TW_KEY_BYTES])
{
    if (!ctx || !path || !key)
        return ctx ? ctx_error(ctx, TW_E_ARG, "tw_key_read_file: NULL argument") : TW_E_ARG;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot open the key file: %s",
                            strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot stat the key file");
    }
    if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        return ctx_error_at(ctx, TW_E_ARG, path, 0, 0, NULL,
                            "key file may be read by group or others (mode %03o): chmod 600 it",
                            (unsigned)(sb.st_mode & 0777));
    }
    char text[2 * TW_KEY_BYTES + 16];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0)
        return ctx_error_at(ctx, TW_E_IO, path, 0, 0, NULL, "cannot read the key file");
    text[n] = '\0';
    tw_status s = tw_key_parse(ctx, text, key);
    sodium_memzero(text, sizeof text);
    if (s) {
        char msg[sizeof tw_ctx_error(ctx)->message]; /* rewritten below: copy it first */
        snprintf(msg, sizeof msg, "%s", tw_ctx_error(ctx)->message);
        return ctx_error_at(ctx, s, path, 0, 0, NULL, "%s", msg);
    }
    return TW_OK;
}
