/* gq-quantize writes the same bytes as llama-quantize.
 *
 * References: ../shared/fixtures/quantized/gemma4-mini/ (nine files
 * written by llama-quantize from gemma4-mini-BF16.gguf, their SHA256SUMS
 * and per-tensor type lists) and real/derived/stories260K-{F16,BF16}.gguf
 * (llama-quantize's F16/BF16 conversions of real/models/stories260K.gguf,
 * MANIFEST.md).  The program is run exactly as the README ran
 * llama-quantize: from the fixture directory, with the bare imatrix file
 * name (it is recorded in the output as quantize.imatrix.file). */
#include "gqtest.h"
#include "sha256.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define GEMMA_DIR "fixtures/quantized/gemma4-mini"

typedef struct reference {
    const char *label;     /* file name part and types-<label>.txt */
    const char *type;      /* the TYPE argument */
    bool imatrix;
} reference;

static const reference references[] = {
    { "Q8_0", "Q8_0", false },      { "Q6_K", "Q6_K", false },
    { "Q4_K_M", "Q4_K_M", false },  { "Q4_K_M-imat", "Q4_K_M", true },
    { "Q4_K_S", "Q4_K_S", true },   { "IQ2_M", "IQ2_M", true },
    { "IQ2_S", "IQ2_S", true },     { "IQ2_XS", "IQ2_XS", true },
    { "IQ2_XXS", "IQ2_XXS", true },
};

/* ------------------------------------------------------------- sha256 */

static void test_sha256_known_answers(void **state) {
    (void)state;
    char hex[65];
    gqt_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    gqt_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    gqt_sha256_hex(two_blocks, strlen(two_blocks), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    assert_non_null(million);
    memset(million, 'a', 1000000);
    gqt_sha256 s;
    uint8_t d[32];
    gqt_sha256_init(&s);
    for (int i = 0; i < 1000000; i += 999) /* odd pieces cross block edges */
        gqt_sha256_update(&s, million + i, i + 999 <= 1000000 ? 999 : (size_t)(1000000 - i));
    gqt_sha256_final(&s, d);
    free(million);
    static const uint8_t expect[32] = { 0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7,
                                        0xe2, 0x84, 0xd7, 0x3e, 0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97,
                                        0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0 };
    assert_memory_equal(d, expect, 32);
}

/* The published checksum of a fixture file. */
static void published_sha256(const char *file, char hex[65]) {
    char *sums = gqt_read_file(gqt_shared_path(GEMMA_DIR "/SHA256SUMS"), NULL);
    char pattern[256];
    snprintf(pattern, sizeof pattern, "  %s\n", file);
    char *at = strstr(sums, pattern);
    if (!at || at - sums < 64) fail_msg("SHA256SUMS has no entry for %s", file);
    memcpy(hex, at - 64, 64);
    hex[64] = 0;
    free(sums);
}

static void test_input_checksum(void **state) {
    (void)state;
    /* the hashing itself on a real file: the BF16 input's published sum */
    char want[65], got[65];
    published_sha256("gemma4-mini-BF16.gguf", want);
    assert_int_equal(gqt_sha256_file(gqt_shared_path(GEMMA_DIR "/gemma4-mini-BF16.gguf"), got), 0);
    assert_string_equal(got, want);
}

/* --------------------------------------------------------- byte identity */

static int run_quantize(const char *extra, const char *type, const char *out, int threads, char **output) {
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s/gq-quantize' %s '%s/gemma4-mini-BF16.gguf' '%s' %s %d 2>&1",
             gqt_shared_path(GEMMA_DIR), gqt_bin_dir(), extra, gqt_shared_path(GEMMA_DIR), out, type, threads);
    return gqt_run(cmd, output);
}

static void check_identical(const reference *r, int threads) {
    char *dir = gqt_mkdtemp();
    char out[4200];
    snprintf(out, sizeof out, "%s/out.gguf", dir);
    char *log = NULL;
    int rc = run_quantize(r->imatrix ? "-q --imatrix gemma4-mini.imatrix.gguf" : "-q", r->type, out, threads, &log);
    if (rc != 0) fail_msg("gq-quantize %s failed (%d): %s", r->label, rc, log ? log : "");
    free(log);
    char file[128], want[65], got[65];
    snprintf(file, sizeof file, "gemma4-mini-%s.gguf", r->label);
    published_sha256(file, want);
    assert_int_equal(gqt_sha256_file(out, got), 0);
    if (strcmp(got, want) != 0)
        fail_msg("%s with %d thread(s): sha256 %s, llama-quantize wrote %s", r->label, threads, got, want);
    gqt_rmtree(dir);
    free(dir);
}

static void test_q8_0(void **s) { (void)s; check_identical(&references[0], 2); }
static void test_q6_k(void **s) { (void)s; check_identical(&references[1], 2); }
static void test_q4_k_m(void **s) { (void)s; check_identical(&references[2], 2); }
static void test_q4_k_m_imat(void **s) { (void)s; check_identical(&references[3], 2); }
static void test_q4_k_s(void **s) { (void)s; check_identical(&references[4], 2); }
static void test_iq2_m(void **s) { (void)s; check_identical(&references[5], 2); }
static void test_iq2_s(void **s) { (void)s; check_identical(&references[6], 2); }
static void test_iq2_xs(void **s) { (void)s; check_identical(&references[7], 2); }
static void test_iq2_xxs(void **s) { (void)s; check_identical(&references[8], 2); }

/* The bytes do not depend on the thread count. */
static void test_thread_count_irrelevant(void **s) {
    (void)s;
    check_identical(&references[3], 1);
    check_identical(&references[8], 3);
}

/* F32 -> F16 / BF16 of a real model, against llama-quantize's own. */
static void check_stories_from(const char *input, const char *type, const char *reference) {
    char *dir = gqt_mkdtemp();
    char out[4200], cmd[16384], ref[512];
    snprintf(out, sizeof out, "%s/out.gguf", dir);
    snprintf(cmd, sizeof cmd, "'%s/gq-quantize' -q '%s' '%s' %s 2>&1", gqt_bin_dir(), gqt_shared_path(input), out,
             type);
    char *log = NULL;
    int rc = gqt_run(cmd, &log);
    if (rc != 0) fail_msg("gq-quantize %s failed (%d): %s", type, rc, log ? log : "");
    free(log);
    snprintf(ref, sizeof ref, "fixtures/real/derived/%s", reference);
    size_t n_got, n_ref;
    char *got = gqt_read_file(out, &n_got), *want = gqt_read_file(gqt_shared_path(ref), &n_ref);
    assert_int_equal(n_got, n_ref);
    assert_memory_equal(got, want, n_ref);
    free(got);
    free(want);
    gqt_rmtree(dir);
    free(dir);
}

static void test_stories_f16(void **s) {
    (void)s;
    check_stories_from("fixtures/real/models/stories260K.gguf", "F16", "stories260K-F16.gguf");
}
static void test_stories_bf16(void **s) {
    (void)s;
    check_stories_from("fixtures/real/models/stories260K.gguf", "BF16", "stories260K-BF16.gguf");
}
/* Big-endian inputs (llama.cpp's endian converter applied to the same
 * models, MANIFEST.md) give the same little-endian file: metadata and
 * tensor data are swapped on the way. */
static void test_stories_big_endian(void **s) {
    (void)s;
    check_stories_from("fixtures/real/derived/stories260K-be.gguf", "F16", "stories260K-F16.gguf");
    check_stories_from("fixtures/real/derived/stories260K-F16-be.gguf", "F16", "stories260K-F16.gguf");
}

/* ------------------------------------------------------------ dry run */

/* --dry-run names every tensor's type in llama.cpp's order and the exact
 * file size, and writes nothing. */
static void check_dry_run(const reference *r) {
    char *dir = gqt_mkdtemp();
    char out[4200];
    snprintf(out, sizeof out, "%s/never-written.gguf", dir);
    char extra[256];
    snprintf(extra, sizeof extra, "--dry-run%s", r->imatrix ? " --imatrix gemma4-mini.imatrix.gguf" : "");
    char *log = NULL;
    int rc = run_quantize(extra, r->type, out, 2, &log);
    if (rc != 0) fail_msg("dry run %s failed (%d): %s", r->label, rc, log ? log : "");

    char rel[128];
    snprintf(rel, sizeof rel, GEMMA_DIR "/types-%s.txt", r->label);
    char *types = gqt_read_file(gqt_shared_path(rel), NULL);
    size_t n_lines = 0;
    char *save = NULL;
    const char *cursor = log;
    for (char *line = strtok_r(types, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[128], type[32];
        assert_int_equal(sscanf(line, "%127s %31s", name, type), 2);
        /* the dry-run line: "[   i/   n] <name> <shape> <in> -> <out> <bytes> bytes" */
        const char *at = strstr(cursor, "] ");
        assert_non_null(at);
        char got_name[128], in_type[32], arrow[8], out_type[32];
        if (sscanf(at + 2, "%127s %*s %31s %7s %31s", got_name, in_type, arrow, out_type) != 4)
            fail_msg("%s: unparsable dry-run line near '%.80s'", r->label, at);
        assert_string_equal(got_name, name);
        if (strcasecmp(out_type, type) != 0)
            fail_msg("%s: %s: dry run says %s, llama-quantize wrote %s", r->label, name, out_type, type);
        cursor = at + 2;
        n_lines++;
    }
    assert_int_equal(n_lines, 142);

    char file[256];
    snprintf(file, sizeof file, GEMMA_DIR "/gemma4-mini-%s.gguf", r->label);
    struct stat st;
    assert_int_equal(stat(gqt_shared_path(file), &st), 0);
    char expect[64];
    snprintf(expect, sizeof expect, "file size:  %lld bytes", (long long)st.st_size);
    if (!strstr(log, expect)) fail_msg("%s: expected '%s' in:\n%s", r->label, expect, log);

    assert_int_not_equal(stat(out, &st), 0); /* nothing written */
    free(types);
    free(log);
    gqt_rmtree(dir);
    free(dir);
}

static void test_dry_run_predicts_all(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof references / sizeof references[0]; i++) check_dry_run(&references[i]);
}

/* --json: a machine-readable summary with the same prediction. */
static void test_dry_run_json(void **state) {
    (void)state;
    char *log = NULL;
    int rc = run_quantize("--dry-run --json", "Q6_K", "/nonexistent-dir/x.gguf", 2, &log);
    if (rc != 0) fail_msg("json dry run failed: %s", log);
    assert_non_null(strstr(log, "\"schema\": \"gq-quantize/1\""));
    assert_non_null(strstr(log, "\"file_size\": 5969792")); /* gemma4-mini-Q6_K.gguf's size */
    assert_non_null(strstr(log, "\"type_out\": \"q6_K\""));
    free(log);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_answers),
        cmocka_unit_test(test_input_checksum),
        cmocka_unit_test(test_q8_0),
        cmocka_unit_test(test_q6_k),
        cmocka_unit_test(test_q4_k_m),
        cmocka_unit_test(test_q4_k_m_imat),
        cmocka_unit_test(test_q4_k_s),
        cmocka_unit_test(test_iq2_m),
        cmocka_unit_test(test_iq2_s),
        cmocka_unit_test(test_iq2_xs),
        cmocka_unit_test(test_iq2_xxs),
        cmocka_unit_test(test_thread_count_irrelevant),
        cmocka_unit_test(test_stories_f16),
        cmocka_unit_test(test_stories_bf16),
        cmocka_unit_test(test_stories_big_endian),
        cmocka_unit_test(test_dry_run_predicts_all),
        cmocka_unit_test(test_dry_run_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
