/* libgguf against the malformed files of fixtures/hostile/: each gets the
 * verdict its problem deserves, in every open mode, and the offset an
 * error names is checked against the file's own bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf_builder.h"
#include "gguf_manifest.h"
#include "gqtest.h"

static const unsigned open_modes[] = { 0, GGUF_OPEN_NO_MMAP, GGUF_OPEN_HEADER_ONLY };

/* Open `rel` in every mode with `flags` added; expect the same failure. */
static gguf_error expect_refused(const char *rel, unsigned flags) {
    gguf_error first;
    memset(&first, 0, sizeof first);
    for (size_t m = 0; m < sizeof open_modes / sizeof *open_modes; m++) {
        gguf_error err;
        memset(&err, 0, sizeof err);
        gguf_file *f = gguf_open(gqt_shared_path(rel), flags | open_modes[m], &err);
        if (f) fail_msg("%s opened (flags %u), but it is malformed", rel, flags | open_modes[m]);
        assert_true(err.message[0] != 0);
        if (m == 0) {
            first = err;
        } else {
            assert_int_equal(err.status, first.status);
            assert_int_equal(err.offset, first.offset);
            assert_string_equal(err.message, first.message);
        }
    }
    /* and from memory */
    size_t size;
    void *bytes = gqt_read_file(gqt_shared_path(rel), &size);
    gguf_error err;
    assert_null(gqb_open_copy(bytes, size, flags, &err));
    assert_string_equal(err.message, first.message);
    free(bytes);
    return first;
}

static const uint8_t *find_bytes(const uint8_t *hay, size_t size, const void *needle, size_t len) {
    for (size_t i = 0; i + len <= size; i++)
        if (memcmp(hay + i, needle, len) == 0) return hay + i;
    return NULL;
}

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* The byte offsets where "<u64 length><key>" is encoded in the file. */
static size_t find_key_encodings(const uint8_t *data, size_t size, const char *key, size_t *out, size_t max) {
    size_t n = 0, len = strlen(key);
    for (size_t at = 0; at + 8 + len <= size && n < max; at++)
        if (le64(data + at) == len && memcmp(data + at + 8, key, len) == 0) out[n++] = at;
    return n;
}

/* The keys after "duplicate keys: " in a MANIFEST problems cell. */
static size_t manifest_duplicate_keys(const manifest_row *r, char keys[][128], size_t max) {
    const char *marker = "; duplicate keys: ";
    const char *p = strstr(r->problems, marker);
    assert_non_null(p);
    p += strlen(marker);
    size_t n = 0;
    while (*p && n < max) {
        size_t len = strcspn(p, ",");
        assert_true(len < 128);
        memcpy(keys[n], p, len);
        keys[n][len] = 0;
        n++;
        p += len;
        while (*p == ',' || *p == ' ') p++;
    }
    return n;
}

static void check_duplicate_keys(const char *name) {
    static manifest_row rows[128];
    size_t n_rows = manifest_load(rows, 128);
    char path[256];
    snprintf(path, sizeof path, "hostile/%s", name);
    const manifest_row *row = manifest_find(rows, n_rows, path);
    assert_non_null(row);
    char keys[8][128];
    size_t n_keys = manifest_duplicate_keys(row, keys, 8);
    assert_true(n_keys >= 1);

    char rel[300];
    snprintf(rel, sizeof rel, "fixtures/hostile/%s", name);
    size_t size;
    uint8_t *data = gqt_read_file(gqt_shared_path(rel), &size);

    /* strict: refused at the second occurrence of the first repeated key
     * in file order, and the message names it */
    gguf_error err = expect_refused(rel, 0);
    assert_int_equal(err.status, GQ_ERR_FORMAT);
    assert_non_null(strstr(err.message, "duplicate key"));
    size_t earliest_second = SIZE_MAX;
    const char *earliest_key = NULL;
    for (size_t k = 0; k < n_keys; k++) {
        size_t at[4];
        size_t n = find_key_encodings(data, size, keys[k], at, 4);
        assert_true(n >= 2);
        if (at[1] < earliest_second) {
            earliest_second = at[1];
            earliest_key = keys[k];
        }
    }
    assert_int_equal(err.offset, earliest_second);
    char quoted[160];
    snprintf(quoted, sizeof quoted, "key '%s'", earliest_key);
    assert_non_null(strstr(err.message, quoted));

    /* lenient: opens with the MANIFEST's kv count, one warning per repeated
     * key, and the first occurrence wins */
    for (size_t m = 0; m < sizeof open_modes / sizeof *open_modes; m++) {
        gguf_file *f = gguf_open(gqt_shared_path(rel), GGUF_OPEN_LENIENT | open_modes[m], &err);
        if (!f) fail_msg("%s (lenient): %s", name, err.message);
        assert_int_equal(gguf_kv_count(f), row->n_kv);
        assert_int_equal(gguf_warning_count(f), n_keys);
        uint64_t n_flagged = 0;
        for (uint64_t i = 0; i < gguf_kv_count(f); i++) n_flagged += gguf_get_kv(f, i)->duplicate;
        assert_int_equal(n_flagged, n_keys);
        for (size_t k = 0; k < n_keys; k++) {
            bool warned = false;
            for (size_t w = 0; w < gguf_warning_count(f); w++)
                if (strstr(gguf_warning(f, w), keys[k])) warned = true;
            assert_true(warned);
            size_t at[4];
            find_key_encodings(data, size, keys[k], at, 4);
            int64_t idx = gguf_find_key(f, keys[k]);
            assert_true(idx >= 0);
            assert_int_equal(gguf_get_kv(f, (uint64_t)idx)->offset, at[0]);
            assert_false(gguf_get_kv(f, (uint64_t)idx)->duplicate);
        }
        gguf_close(f);
    }
    free(data);
}

static void test_duplicate_keys_dbrx(void **state) {
    (void)state;
    check_duplicate_keys("ggml-vocab-dbrx-duplicate-key.gguf");
}

static void test_duplicate_keys_deepseek(void **state) {
    (void)state;
    check_duplicate_keys("ggml-vocab-deepseek-coder-4-duplicate-keys.gguf");
}

static void test_unknown_value_type_13(void **state) {
    (void)state;
    const char *rel = "fixtures/hostile/llamacpp-pr-test_writer-valuetype13.gguf";
    size_t size;
    uint8_t *data = gqt_read_file(gqt_shared_path(rel), &size);
    const unsigned flag_sets[] = { 0, GGUF_OPEN_LENIENT }; /* no mode accepts it */
    for (size_t s = 0; s < 2; s++) {
        gguf_error err = expect_refused(rel, flag_sets[s]);
        assert_int_equal(err.status, GQ_ERR_FORMAT);
        assert_non_null(strstr(err.message, "unknown value type 13"));
        /* the offset is the type field, preceded by the named key */
        assert_true(err.offset + 4 <= size);
        assert_int_equal(le64(data + err.offset) & 0xffffffffu, 13);
        const char *q = strstr(err.message, "key '");
        assert_non_null(q);
        q += 5;
        size_t len = strcspn(q, "'");
        assert_true(len > 0 && err.offset >= 8 + len);
        assert_int_equal(le64(data + err.offset - len - 8), len);
        assert_memory_equal(data + err.offset - len, q, len);
    }
    free(data);
}

static void test_truncated_6_bytes(void **state) {
    (void)state;
    gguf_error err = expect_refused("fixtures/hostile/ollama-api-test-truncated-6B.gguf", GGUF_OPEN_LENIENT);
    assert_int_equal(err.status, GQ_ERR_FORMAT);
    assert_int_equal(err.offset, 4); /* "GGUF" then 2 of the version's 4 bytes */
    assert_non_null(strstr(err.message, "truncated"));
}

/* ollama's fuzz corpus: header counts far beyond what the file could hold.
 * They must be refused at the count itself, before any kv or tensor is
 * read (and so before anything is allocated for them). */
static void test_fuzz_counts_refused_at_the_header(void **state) {
    (void)state;
    static manifest_row rows[128];
    size_t n_rows = manifest_load(rows, 128);
    size_t seen = 0;
    for (size_t i = 0; i < n_rows; i++) {
        const manifest_row *r = &rows[i];
        if (!strstr(r->path, "ollama-go-fuzz-FuzzReadInfo/")) continue;
        seen++;
        char rel[300] = "fixtures/";
        manifest_copy_str(rel + strlen(rel), sizeof rel - strlen(rel), r->path);
        gguf_error err = expect_refused(rel, GGUF_OPEN_LENIENT);
        assert_int_equal(err.status, GQ_ERR_FORMAT);
        assert_non_null(strstr(err.message, "cannot fit"));
        /* v3: tensor count at byte 8, kv count at 16; the count named is
         * the one MANIFEST.md's independent parser read */
        char number[32];
        if (err.offset == 8) {
            snprintf(number, sizeof number, "tensor count %" PRIu64 " ", r->n_tensors);
        } else {
            assert_int_equal(err.offset, 16);
            snprintf(number, sizeof number, "kv count %" PRIu64 " ", r->n_kv);
        }
        if (!strstr(err.message, number)) fail_msg("%s: expected \"%s\" in: %s", r->path, number, err.message);
    }
    assert_int_equal(seen, 8);
}

/* "FUGG" files predate GGUF's release.  The bytes decide: the vocabulary
 * one is laid out like v1 apart from its magic, but example.gguf types
 * every tensor-info field (a string tag before the name, int32 tags before
 * the dimensions), which no released version does; a reader cannot tell
 * the two apart from the header, so both are refused as not GGUF, as ggml
 * and llama.cpp always have. */
static void test_prerelease_fugg_refused(void **state) {
    (void)state;
    const char *files[] = { "fixtures/hostile/prerelease-FUGG-example.gguf",
                            "fixtures/hostile/prerelease-FUGG-ggml-vocab-llama.gguf" };
    for (size_t i = 0; i < 2; i++) {
        gguf_error err = expect_refused(files[i], GGUF_OPEN_LENIENT);
        assert_int_equal(err.status, GQ_ERR_FORMAT);
        assert_int_equal(err.offset, 0);
        assert_non_null(strstr(err.message, "not a GGUF file"));
        assert_non_null(strstr(err.message, "'FUGG'"));
    }
    /* the evidence for "not v1": in example.gguf the 4 bytes before the
     * first tensor name are a type tag 8 (string), then the name length */
    size_t size;
    uint8_t *ex = gqt_read_file(gqt_shared_path(files[0]), &size);
    const uint8_t *name = find_bytes(ex, size, "tensor1", 7);
    assert_non_null(name);
    assert_int_equal(name[-8], 8);
    assert_int_equal(name[-4], 7);
    free(ex);
}

static void test_overlapping_offsets(void **state) {
    (void)state;
    static manifest_row rows[128];
    size_t n_rows = manifest_load(rows, 128);
    const manifest_row *row = manifest_find(rows, n_rows, "hostile/threatflux-test_model-overlapping-offsets.gguf");
    assert_non_null(row);
    const char *rel = "fixtures/hostile/threatflux-test_model-overlapping-offsets.gguf";
    size_t size;
    uint8_t *data = gqt_read_file(gqt_shared_path(rel), &size);
    const unsigned flag_sets[] = { 0, GGUF_OPEN_LENIENT };
    for (size_t s = 0; s < 2; s++) {
        gguf_error err = expect_refused(rel, flag_sets[s]);
        assert_int_equal(err.status, GQ_ERR_FORMAT);
        assert_non_null(strstr(err.message, "overlaps"));
        /* both tensors are named; the ranges MANIFEST.md gives agree */
        static const struct {
            const char *name, *range;
        } known[] = { { "output_norm.weight", "[0, 512)" }, { "output.weight", "[0, 512000)" },
                      { "token_embd.weight", NULL } }; /* MANIFEST.md gives no range for it */
        int named = 0;
        for (size_t k = 0; k < 3; k++) {
            char quoted[64];
            snprintf(quoted, sizeof quoted, "'%s'", known[k].name);
            const char *at = strstr(err.message, quoted);
            if (!at) continue;
            named++;
            if (known[k].range) {
                const char *range = at + strlen(quoted);
                range += strspn(range, ": ");
                if (strncmp(range, "data ", 5) == 0) range += 5;
                assert_memory_equal(range, known[k].range, strlen(known[k].range));
            }
        }
        assert_int_equal(named, 2);
        /* every tensor starts at data offset 0, so the error points at the
         * start of the data section: aligned, inside the file, after the
         * tensor index (whose last name it follows) */
        assert_int_equal(err.offset % 32, 0);
        assert_true(err.offset < size);
        const uint8_t *last_name = find_bytes(data, size, "output.weight", 13);
        assert_non_null(last_name);
        assert_true(err.offset > (uint64_t)(last_name - data));
    }
    free(data);
}

/* Nothing under hostile/ is left without a verdict. */
static void test_every_hostile_file_is_refused_strictly(void **state) {
    (void)state;
    static char files[64][256];
    size_t n = manifest_list_files("fixtures/hostile", files, 64);
    assert_int_equal(n, 15);
    for (size_t i = 0; i < n; i++) {
        gguf_error err = expect_refused(files[i], 0);
        assert_true(err.status == GQ_ERR_FORMAT);
        assert_true(err.has_offset);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_keys_dbrx),
        cmocka_unit_test(test_duplicate_keys_deepseek),
        cmocka_unit_test(test_unknown_value_type_13),
        cmocka_unit_test(test_truncated_6_bytes),
        cmocka_unit_test(test_fuzz_counts_refused_at_the_header),
        cmocka_unit_test(test_prerelease_fugg_refused),
        cmocka_unit_test(test_overlapping_offsets),
        cmocka_unit_test(test_every_hostile_file_is_refused_strictly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
