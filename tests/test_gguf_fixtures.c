/* libgguf against real files: every fixture under fixtures/real/ and
 * fixtures/quantized/ is read and checked against facts obtained without
 * this library: the rows of fixtures/MANIFEST.md (written by an
 * independent parser), llama.cpp's types-*.txt listings of the gemma4-mini
 * outputs, the README's description of the imatrix file, and the byte
 * order conversion llama.cpp's gguf_convert_endian.py performed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf_builder.h"
#include "gguf_compare_values.h"
#include "gguf_manifest.h"
#include "gqtest.h"
#include "peak_rss.h"

static char *trim(char *s) {
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ') s[--n] = 0;
    return s;
}

/* "BF16×37, F32×11" against the tensors' types. */
static void check_type_histogram(const gguf_file *f, const char *spec, const char *path) {
    uint64_t want[GQ_TYPE_COUNT] = { 0 }, have[GQ_TYPE_COUNT] = { 0 };
    if (strcmp(spec, "—") != 0) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", spec);
        for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
            item = trim(item);
            char *times = strstr(item, "\xc3\x97"); /* U+00D7 MULTIPLICATION SIGN */
            assert_non_null(times);
            *times = 0;
            int id = gq_type_from_name(item);
            if (id < 0) fail_msg("%s: unknown type name %s in MANIFEST.md", path, item);
            want[id] = strtoull(times + 2, NULL, 10);
        }
    }
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        assert_true(t->type < GQ_TYPE_COUNT);
        have[t->type]++;
    }
    if (strcmp(spec, "—") == 0) return; /* listed without a histogram */
    for (int id = 0; id < GQ_TYPE_COUNT; id++)
        if (want[id] != have[id])
            fail_msg("%s: %" PRIu64 " tensors of type %s, MANIFEST.md says %" PRIu64, path, have[id], gq_type_name(id),
                     want[id]);
}

static void check_against_manifest(const manifest_row *r) {
    char rel[300];
    snprintf(rel, sizeof rel, "fixtures/%s", r->path);
    gguf_error err;
    gguf_file *f = gguf_open(gqt_shared_path(rel), 0, &err);
    if (!r->is_gguf) {
        /* legacy imatrix files and the 6-byte stub: not GGUF at all */
        if (f) fail_msg("%s opened, but MANIFEST.md says it is not GGUF", r->path);
        assert_int_equal(err.status, GQ_ERR_FORMAT);
        return;
    }
    if (!f) fail_msg("%s: %s", r->path, err.message);
    assert_int_equal(gguf_version(f), r->version);
    assert_int_equal(gguf_is_big_endian(f), r->big_endian);
    assert_int_equal(gguf_kv_count(f), r->n_kv);
    assert_int_equal(gguf_tensor_count(f), r->n_tensors);
    assert_int_equal(gguf_warning_count(f), 0);
    assert_true(gguf_all_types_known(f));
    gguf_str arch;
    if (r->arch[0]) {
        assert_true(gguf_get_str(f, "general.architecture", &arch));
        assert_string_equal(gqb_cstr(arch), r->arch);
    } else {
        assert_false(gguf_get_str(f, "general.architecture", &arch));
    }
    check_type_histogram(f, r->types, r->path);
    gguf_close(f);
}

static void test_real_fixtures_match_manifest(void **state) {
    (void)state;
    static manifest_row rows[128];
    size_t n_rows = manifest_load(rows, 128);
    static char files[256][256];
    size_t n = manifest_list_files("fixtures/real", files, 256);
    assert_true(n >= 26);
    for (size_t i = 0; i < n; i++) {
        const manifest_row *r = manifest_find(rows, n_rows, files[i] + strlen("fixtures/"));
        if (!r) fail_msg("%s is not described in MANIFEST.md", files[i]);
        check_against_manifest(r);
    }
}

/* ---------------------------------------------------------------- gemma4-mini */

/* types-<T>.txt: "name TYPE ne0xne1... offset" per tensor, in file order. */
static void check_against_types_listing(const char *variant) {
    char rel[256];
    snprintf(rel, sizeof rel, "fixtures/quantized/gemma4-mini/types-%s.txt", variant);
    char *text = gqt_read_file(gqt_shared_path(rel), NULL);
    snprintf(rel, sizeof rel, "fixtures/quantized/gemma4-mini/gemma4-mini-%s.gguf", variant);
    gguf_error err;
    gguf_file *f = gguf_open(gqt_shared_path(rel), 0, &err);
    if (!f) fail_msg("%s: %s", rel, err.message);
    uint64_t i = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
        char name[256], type[32], shape[128];
        uint64_t offset;
        assert_int_equal(sscanf(line, "%255s %31s %127s %" SCNu64, name, type, shape, &offset), 4);
        const gguf_tensor *t = gguf_get_tensor(f, i);
        if (!t) fail_msg("%s: fewer tensors than listed (%" PRIu64 ")", rel, i);
        assert_string_equal(gqb_cstr(t->name), name);
        int id = gq_type_from_name(type);
        assert_true(id >= 0);
        assert_int_equal(t->type, (uint32_t)id);
        uint64_t ne[GGUF_MAX_DIMS] = { 1, 1, 1, 1 };
        uint32_t n_dims = 0;
        for (char *dim = strtok(shape, "x"); dim; dim = strtok(NULL, "x")) {
            assert_true(n_dims < GGUF_MAX_DIMS);
            ne[n_dims++] = strtoull(dim, NULL, 10);
        }
        assert_int_equal(t->n_dims, n_dims);
        uint64_t n_elements = 1;
        for (int d = 0; d < GGUF_MAX_DIMS; d++) {
            assert_int_equal(t->ne[d], ne[d]);
            n_elements *= ne[d];
        }
        assert_int_equal(t->n_elements, n_elements);
        assert_int_equal(t->offset, offset);
        /* byte size from the block arithmetic, done here by hand */
        const gq_type_info *info = gq_type_get(t->type);
        assert_int_equal(t->n_bytes, n_elements / info->block_size * info->type_size);
    }
    assert_int_equal(gguf_tensor_count(f), i);
    gguf_close(f);
    free(text);
}

static void test_gemma4_outputs_match_llamacpp_listings(void **state) {
    (void)state;
    static const char *const variants[] = { "BF16", "IQ2_M", "IQ2_S", "IQ2_XS", "IQ2_XXS",
                                            "Q4_K_M-imat", "Q4_K_M", "Q4_K_S", "Q6_K", "Q8_0" };
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) check_against_types_listing(variants[v]);
    /* and no gemma4-mini GGUF goes unchecked */
    static char files[64][256];
    size_t n = manifest_list_files("fixtures/quantized", files, 64);
    size_t n_gguf = 0;
    for (size_t i = 0; i < n; i++)
        if (strstr(files[i], ".gguf") && !strstr(files[i], "imatrix")) n_gguf++;
    assert_int_equal(n_gguf, sizeof variants / sizeof *variants);
}

static void test_gemma4_imatrix_is_as_described(void **state) {
    (void)state;
    /* README: "<weight>.in_sum2" and "<weight>.counts" tensors, imatrix.*
     * keys, no entries for the token embeddings. */
    gguf_error err;
    gguf_file *im = gguf_open(gqt_shared_path("fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf"), 0, &err);
    if (!im) fail_msg("%s", err.message);
    gguf_file *model = gguf_open(gqt_shared_path("fixtures/quantized/gemma4-mini/gemma4-mini-BF16.gguf"), 0, &err);
    if (!model) fail_msg("%s", err.message);
    bool has_imatrix_key = false;
    for (uint64_t i = 0; i < gguf_kv_count(im); i++)
        if (strncmp(gqb_cstr(gguf_get_kv(im, i)->key), "imatrix.", 8) == 0) has_imatrix_key = true;
    assert_true(has_imatrix_key);
    assert_int_equal(gguf_tensor_count(im) % 2, 0);
    for (uint64_t i = 0; i < gguf_tensor_count(im); i++) {
        char name[256];
        manifest_copy_str(name, sizeof name, gqb_cstr(gguf_get_tensor(im, i)->name));
        char *suffix = strrchr(name, '.');
        assert_non_null(suffix);
        assert_true(strcmp(suffix, ".in_sum2") == 0 || strcmp(suffix, ".counts") == 0);
        *suffix = 0;
        if (gguf_find_tensor(model, name) < 0) fail_msg("imatrix entry for %s, which the model lacks", name);
        assert_true(strncmp(name, "token_embd", 10) != 0);
        assert_int_equal(gguf_get_tensor(im, i)->type, GQ_TYPE_F32);
    }
    gguf_close(model);
    gguf_close(im);
}

/* ---------------------------------------------------------------- backings agree */

static void all_gguf_fixtures(char (*out)[256], size_t *n) {
    static char files[256][256];
    size_t a = manifest_list_files("fixtures/real", files, 256);
    a += manifest_list_files("fixtures/quantized", files + a, 256 - a);
    *n = 0;
    for (size_t i = 0; i < a; i++)
        if (strstr(files[i], ".gguf")) manifest_copy_str(out[(*n)++], 256, files[i]);
}

static void check_same_header(const gguf_file *a, const gguf_file *b) {
    assert_int_equal(gguf_version(a), gguf_version(b));
    assert_int_equal(gguf_header_size(a), gguf_header_size(b));
    assert_int_equal(gguf_data_offset(a), gguf_data_offset(b));
    assert_int_equal(gguf_kv_count(a), gguf_kv_count(b));
    for (uint64_t i = 0; i < gguf_kv_count(a); i++) {
        const gguf_kv *x = gguf_get_kv(a, i), *y = gguf_get_kv(b, i);
        assert_true(x->key.len == y->key.len && memcmp(x->key.ptr, y->key.ptr, x->key.len) == 0);
        assert_int_equal(x->value.offset, y->value.offset);
        assert_int_equal(x->value.size, y->value.size);
    }
    assert_int_equal(gguf_tensor_count(a), gguf_tensor_count(b));
    for (uint64_t i = 0; i < gguf_tensor_count(a); i++) {
        const gguf_tensor *x = gguf_get_tensor(a, i), *y = gguf_get_tensor(b, i);
        assert_string_equal(gqb_cstr(x->name), gqb_cstr(y->name));
        assert_int_equal(x->offset, y->offset);
        assert_int_equal(x->n_bytes, y->n_bytes);
    }
}

static void test_mmap_pread_and_memory_agree(void **state) {
    (void)state;
    static char files[256][256];
    size_t n;
    all_gguf_fixtures(files, &n);
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        const char *path = gqt_shared_path(files[i]);
        size_t size;
        uint8_t *whole = gqt_read_file(path, &size);
        gguf_error err;
        gguf_file *mem = gguf_open_memory(whole, size, 0, &err);
        if (!mem) fail_msg("%s: %s", files[i], err.message);
        const unsigned modes[] = { 0, GGUF_OPEN_NO_MMAP, GGUF_OPEN_HEADER_ONLY };
        for (size_t m = 0; m < 3; m++) {
            gguf_file *f = gguf_open(path, modes[m], &err);
            if (!f) fail_msg("%s (flags %u): %s", files[i], modes[m], err.message);
            check_same_header(mem, f);
            assert_int_equal(gguf_file_size(f), size);
            /* keys and strings read the same whatever holds the header */
            for (uint64_t k = 0; k < gguf_kv_count(f); k++) {
                const gguf_kv *kv = gguf_get_kv(f, k);
                assert_memory_equal(gguf_raw(f, kv->offset, kv->value.offset + kv->value.size - kv->offset),
                                    whole + kv->offset, kv->value.offset + kv->value.size - kv->offset);
            }
            for (uint64_t t = 0; t < gguf_tensor_count(f); t++) {
                const gguf_tensor *ti = gguf_get_tensor(f, t);
                uint8_t *buf = malloc(ti->n_bytes);
                assert_int_equal(gguf_read_tensor(f, ti, 0, buf, ti->n_bytes, &err), GQ_OK);
                assert_memory_equal(buf, whole + gguf_data_offset(f) + ti->offset, ti->n_bytes);
                const void *direct = gguf_tensor_data(f, ti);
                if (modes[m] == 0) {
                    assert_non_null(direct);
                    assert_memory_equal(direct, buf, ti->n_bytes);
                } else {
                    assert_null(direct); /* nothing mapped */
                }
                free(buf);
            }
            gguf_close(f);
        }
        gguf_close(mem);
        free(whole);
    }
}

/* ---------------------------------------------------------------- byte order */

/* The big-endian files were made from the little-endian ones by llama.cpp's
 * converter, which swaps every header field and every tensor element: the
 * same values must come out, and the data must be the element-swapped
 * bytes of the original. */
static void check_big_endian_twin(const char *be_rel, const char *le_rel) {
    gguf_error err;
    gguf_file *be = gguf_open(gqt_shared_path(be_rel), 0, &err);
    if (!be) fail_msg("%s: %s", be_rel, err.message);
    gguf_file *le = gguf_open(gqt_shared_path(le_rel), 0, &err);
    if (!le) fail_msg("%s: %s", le_rel, err.message);
    assert_true(gguf_is_big_endian(be));
    assert_false(gguf_is_big_endian(le));
    assert_int_equal(gguf_kv_count(be), gguf_kv_count(le));
    for (uint64_t i = 0; i < gguf_kv_count(le); i++) {
        const gguf_kv *x = gguf_get_kv(be, i), *y = gguf_get_kv(le, i);
        assert_string_equal(gqb_cstr(x->key), gqb_cstr(y->key));
        gqt_assert_same_gguf_value(be, &x->value, le, &y->value);
    }
    assert_int_equal(gguf_tensor_count(be), gguf_tensor_count(le));
    for (uint64_t i = 0; i < gguf_tensor_count(le); i++) {
        const gguf_tensor *x = gguf_get_tensor(be, i), *y = gguf_get_tensor(le, i);
        assert_string_equal(gqb_cstr(x->name), gqb_cstr(y->name));
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->n_dims, y->n_dims);
        assert_memory_equal(x->ne, y->ne, sizeof x->ne);
        assert_int_equal(x->offset, y->offset);
        const uint8_t *db = gguf_tensor_data(be, x), *dl = gguf_tensor_data(le, y);
        uint32_t width = gq_type_get(x->type)->type_size;
        for (uint64_t k = 0; k < x->n_bytes; k += width)
            for (uint32_t j = 0; j < width; j++) assert_int_equal(db[k + j], dl[k + width - 1 - j]);
    }
    gguf_close(be);
    gguf_close(le);
}

static void test_big_endian_files_read_like_their_originals(void **state) {
    (void)state;
    check_big_endian_twin("fixtures/real/derived/stories260K-be.gguf", "fixtures/real/models/stories260K.gguf");
    check_big_endian_twin("fixtures/real/derived/stories260K-F16-be.gguf", "fixtures/real/derived/stories260K-F16.gguf");
}

/* ---------------------------------------------------------------- vocabularies */

static void test_v1_vocabulary_reads_lazily(void **state) {
    (void)state;
    /* GGUF v1 (32-bit lengths): LLaMA's tokenizer has 32,000 tokens, with
     * <unk>, <s>, </s> first and a score and type per token. */
    const char *files[] = { "fixtures/real/vocab/ggml-vocab-llama.v1-2023-08-18.gguf",
                            "fixtures/real/vocab/ggml-vocab-llama.v1-2023-08-21.gguf" };
    for (size_t i = 0; i < 2; i++) {
        const unsigned modes[] = { 0, GGUF_OPEN_NO_MMAP };
        for (size_t m = 0; m < 2; m++) {
            gguf_error err;
            gguf_file *f = gguf_open(gqt_shared_path(files[i]), modes[m], &err);
            if (!f) fail_msg("%s: %s", files[i], err.message);
            assert_int_equal(gguf_version(f), 1);
            const gguf_kv *tokens = gguf_get_kv(f, (uint64_t)gguf_find_key(f, "tokenizer.ggml.tokens"));
            assert_int_equal(tokens->value.type, GGUF_TYPE_ARRAY);
            assert_int_equal(tokens->value.v.arr.type, GGUF_TYPE_STRING);
            assert_int_equal(tokens->value.v.arr.len, 32000);
            gguf_value v;
            assert_true(gguf_array_get(f, &tokens->value, 0, &v));
            assert_string_equal(gqb_cstr(v.v.str), "<unk>");
            assert_true(gguf_array_get(f, &tokens->value, 2, &v));
            assert_string_equal(gqb_cstr(v.v.str), "</s>");
            assert_false(gguf_array_get(f, &tokens->value, 32000, &v));
            /* iteration and random access agree */
            gguf_array_iter it;
            gguf_array_iter_init(&it, f, &tokens->value);
            uint64_t k = 0;
            while (gguf_array_next(&it, &v)) {
                if (k % 4999 == 0) {
                    gguf_value w;
                    assert_true(gguf_array_get(f, &tokens->value, k, &w));
                    assert_int_equal(w.offset, v.offset);
                    assert_int_equal(w.v.str.len, v.v.str.len);
                }
                k++;
            }
            assert_int_equal(k, 32000);
            const gguf_kv *scores = gguf_get_kv(f, (uint64_t)gguf_find_key(f, "tokenizer.ggml.scores"));
            assert_int_equal(scores->value.v.arr.type, GGUF_TYPE_FLOAT32);
            assert_int_equal(scores->value.v.arr.len, 32000);
            gguf_str model;
            assert_true(gguf_get_str(f, "tokenizer.ggml.model", &model));
            assert_true(gguf_str_eq(model, "llama"));
            gguf_close(f);
        }
    }
}

/* ---------------------------------------------------------------- big files */

/* A 4 GiB+ sparse file: a tensor of more than 2^31 elements and one whose
 * data starts past 4 GiB.  Opening must read only the header. */
static void test_offsets_past_4gib_and_header_only_reads(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/big.gguf", dir);
    const uint64_t big = ((uint64_t)1 << 32) + 64; /* i8 elements: > 2^31 */
    gqb b;
    gqb_init(&b, 3, false);
    gqb_header(&b, 2, 1);
    gqb_kv_str(&b, "general.name", "sparse");
    uint64_t ne_big[1] = { big }, ne_small[1] = { 8 };
    gqb_tensor(&b, "huge", 1, ne_big, GQ_TYPE_I8, 0);
    gqb_tensor(&b, "tail", 1, ne_small, GQ_TYPE_F32, big); /* big is a multiple of 32 */
    gqb_pad(&b, 32);
    const uint64_t data_offset = gqb_pos(&b);
    const uint64_t file_size = data_offset + big + 32;
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    const float tail[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    assert_int_equal(pwrite(fd, tail, sizeof tail, (off_t)(data_offset + big)), (ssize_t)sizeof tail);
    assert_int_equal(ftruncate(fd, (off_t)file_size), 0);
    close(fd);

    const unsigned modes[] = { GGUF_OPEN_NO_MMAP, 0 };
    for (size_t m = 0; m < 2; m++) {
        long before = gqt_peak_rss_kb();
        gguf_error err;
        gguf_file *f = gguf_open(path, modes[m], &err);
        if (!f) fail_msg("%s", err.message);
        /* the high-water mark of resident memory grew by far less than the
         * file: the data was not read */
        assert_true(gqt_peak_rss_kb() - before < 64 * 1024);
        assert_int_equal(gguf_file_size(f), file_size);
        const gguf_tensor *h = gguf_get_tensor(f, 0), *t = gguf_get_tensor(f, 1);
        assert_int_equal(h->n_elements, big);
        assert_int_equal(h->n_bytes, big);
        assert_int_equal(t->offset, big);
        float got[8];
        assert_int_equal(gguf_read_tensor(f, t, 0, got, sizeof got, &err), GQ_OK);
        assert_memory_equal(got, tail, sizeof tail);
        uint8_t zeros[16], expect[16] = { 0 };
        assert_int_equal(gguf_read_tensor(f, h, big - 16, zeros, 16, &err), GQ_OK);
        assert_memory_equal(zeros, expect, 16);
        /* reads outside the tensor are refused */
        assert_int_equal(gguf_read_tensor(f, t, 16, got, 17, &err), GQ_ERR_ARG);
        gguf_close(f);
    }
    gqb_free(&b);
    gqt_rmtree(dir);
    free(dir);
}

/* ---------------------------------------------------------------- SIGBUS */

static void test_shrunk_file_fails_cleanly(void **state) {
    (void)state;
    size_t size;
    uint8_t *whole = gqt_read_file(gqt_shared_path("fixtures/real/models/stories260K.gguf"), &size);
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/model.gguf", dir);
    const unsigned modes[] = { 0, GGUF_OPEN_NO_MMAP };
    for (size_t m = 0; m < 2; m++) {
        gqt_write_file(path, whole, size);
        gguf_error err;
        gguf_file *f = gguf_open(path, modes[m], &err);
        if (!f) fail_msg("%s", err.message);
        const gguf_tensor *last = gguf_get_tensor(f, gguf_tensor_count(f) - 1);
        const gguf_tensor *first = gguf_get_tensor(f, 0);
        assert_int_equal(truncate(path, (off_t)(gguf_data_offset(f) + last->offset)), 0);
        uint8_t *buf = malloc(last->n_bytes);
        memset(&err, 0, sizeof err);
        /* with a map, touching the missing pages would raise SIGBUS */
        assert_int_equal(gguf_read_tensor(f, last, 0, buf, last->n_bytes, &err), GQ_ERR_IO);
        assert_non_null(strstr(err.message, "file shrank while open"));
        assert_non_null(strstr(err.message, gqb_cstr(last->name)));
        free(buf);
        /* what is still there still reads */
        buf = malloc(first->n_bytes);
        assert_int_equal(gguf_read_tensor(f, first, 0, buf, first->n_bytes, &err), GQ_OK);
        assert_memory_equal(buf, whole + gguf_data_offset(f) + first->offset, first->n_bytes);
        free(buf);
        gguf_close(f);
    }
    free(whole);
    gqt_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_fixtures_match_manifest),
        cmocka_unit_test(test_gemma4_outputs_match_llamacpp_listings),
        cmocka_unit_test(test_gemma4_imatrix_is_as_described),
        cmocka_unit_test(test_mmap_pread_and_memory_agree),
        cmocka_unit_test(test_big_endian_files_read_like_their_originals),
        cmocka_unit_test(test_v1_vocabulary_reads_lazily),
        cmocka_unit_test(test_offsets_past_4gib_and_header_only_reads),
        cmocka_unit_test(test_shrunk_file_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
