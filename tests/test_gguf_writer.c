/* libgguf's writer: byte-identical round trips of the files ggml's layout
 * produced, faithful copies of every other fixture, the metadata API, and
 * atomicity (abort, unwritable directory, RLIMIT_FSIZE, same inode). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gguf_builder.h"
#include "gguf_compare_values.h"
#include "gguf_manifest.h"
#include "gqtest.h"
#include "peak_rss.h"

/* ---------------------------------------------------------------- helpers */

/* Copy every kv and tensor of `src` into `dst`, tensor data in pieces of
 * at most `piece` bytes (the streaming interface as tools use it). */
static gq_status copy_gguf(const gguf_file *src, const char *dst, size_t piece, gguf_error *err) {
    gguf_writer *w = gguf_writer_open(dst, err);
    if (!w) return err->status;
    for (uint64_t i = 0; i < gguf_kv_count(src); i++) {
        gq_status st = gguf_writer_copy_kv(w, src, gguf_get_kv(src, i));
        if (st != GQ_OK) fail_msg("copy_kv: %s", gguf_writer_last_error(w));
    }
    for (uint64_t i = 0; i < gguf_tensor_count(src); i++) {
        const gguf_tensor *t = gguf_get_tensor(src, i);
        uint64_t index;
        if (gguf_writer_add_tensor(w, gqb_cstr(t->name), t->n_dims, t->ne, t->type, &index) != GQ_OK)
            fail_msg("add_tensor: %s", gguf_writer_last_error(w));
        assert_int_equal(index, i);
    }
    uint8_t *buf = malloc(piece);
    for (uint64_t i = 0; i < gguf_tensor_count(src); i++) {
        const gguf_tensor *t = gguf_get_tensor(src, i);
        for (uint64_t done = 0; done < t->n_bytes;) {
            uint64_t n = t->n_bytes - done < piece ? t->n_bytes - done : piece;
            assert_int_equal(gguf_read_tensor(src, t, done, buf, n, err), GQ_OK);
            gq_status st = gguf_writer_write(w, buf, n, err);
            if (st != GQ_OK) {
                free(buf);
                gguf_writer_abort(w);
                return st;
            }
            done += n;
        }
    }
    free(buf);
    return gguf_writer_commit(w, err);
}

static size_t count_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---------------------------------------------------------------- round trips */

/* The fixtures laid out as ggml writes: version 3, little-endian, header
 * zero-padded to the alignment, each tensor right after the previous
 * one's padded data, the file ending with the last tensor's padding.
 * (Found by the predicate below; listed so that a change in the set is
 * noticed.)  The vocab files and the empty file are written by gguf-py
 * without the header padding ggml adds, v1/v2 files carry older version
 * numbers, and the big-endian ones a byte order the writer converts. */
static const char *const canonical_files[] = {
    "fixtures/real/models/stories260K.gguf",
    "fixtures/real/models/llama-2-tiny-random.gguf",
    "fixtures/real/models/llamacpp-gguf-example-dummy.gguf",
    "fixtures/real/models/sdcpp-taesd-decoder.gguf",
    "fixtures/real/derived/stories260K-BF16.gguf",
    "fixtures/real/derived/stories260K-F16.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-BF16.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-IQ2_M.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-IQ2_S.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-IQ2_XS.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-IQ2_XXS.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-Q4_K_M-imat.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-Q4_K_M.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-Q4_K_S.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-Q6_K.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini-Q8_0.gguf",
    "fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf",
};
#define N_CANONICAL (sizeof canonical_files / sizeof *canonical_files)

static bool all_zero(const uint8_t *p, uint64_t n) {
    for (uint64_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

static bool has_ggml_layout(const gguf_file *f, const uint8_t *bytes, uint64_t size) {
    if (gguf_version(f) != 3 || gguf_is_big_endian(f)) return false;
    const uint64_t a = gguf_alignment(f);
    uint64_t pos = gguf_header_size(f);
    uint64_t padded = (pos + a - 1) / a * a;
    if (!all_zero(bytes + pos, padded - pos > size - pos ? size - pos : padded - pos)) return false;
    if (padded > size) return false;
    pos = padded;
    for (uint64_t i = 0; i < gguf_tensor_count(f); i++) {
        const gguf_tensor *t = gguf_get_tensor(f, i);
        if (gguf_data_offset(f) + t->offset != pos) return false;
        uint64_t end = pos + t->n_bytes, next = (end + a - 1) / a * a;
        if (next > size || !all_zero(bytes + end, next - end)) return false;
        pos = next;
    }
    return pos == size;
}

static bool is_canonical(const char *rel) {
    for (size_t i = 0; i < N_CANONICAL; i++)
        if (strcmp(canonical_files[i], rel) == 0) return true;
    return false;
}

static void all_gguf_fixtures(char (*out)[256], size_t *n) {
    static char files[256][256];
    size_t a = manifest_list_files("fixtures/real", files, 256);
    a += manifest_list_files("fixtures/quantized", files + a, 256 - a);
    *n = 0;
    for (size_t i = 0; i < a; i++)
        if (strstr(files[i], ".gguf")) manifest_copy_str(out[(*n)++], 256, files[i]);
}

static void test_canonical_set_is_what_the_bytes_say(void **state) {
    (void)state;
    static char files[256][256];
    size_t n;
    all_gguf_fixtures(files, &n);
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        size_t size;
        uint8_t *bytes = gqt_read_file(gqt_shared_path(files[i]), &size);
        gguf_error err;
        gguf_file *f = gguf_open_memory(bytes, size, 0, &err);
        if (!f) fail_msg("%s: %s", files[i], err.message);
        bool ggml_layout = has_ggml_layout(f, bytes, size);
        if (ggml_layout != is_canonical(files[i]))
            fail_msg("%s: ggml layout %d but listed %d", files[i], ggml_layout, is_canonical(files[i]));
        found += ggml_layout;
        gguf_close(f);
        free(bytes);
    }
    assert_int_equal(found, N_CANONICAL);
}

static void test_canonical_files_round_trip_byte_identical(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char out[4200];
    snprintf(out, sizeof out, "%s/copy.gguf", dir);
    const size_t pieces[] = { 1u << 20, 4096, 1000 }; /* whole, page-sized and odd pieces */
    for (size_t i = 0; i < N_CANONICAL; i++) {
        size_t size;
        uint8_t *orig = gqt_read_file(gqt_shared_path(canonical_files[i]), &size);
        gguf_error err;
        gguf_file *src = gguf_open(gqt_shared_path(canonical_files[i]), i % 2 ? GGUF_OPEN_NO_MMAP : 0, &err);
        if (!src) fail_msg("%s: %s", canonical_files[i], err.message);
        if (copy_gguf(src, out, pieces[i % 3], &err) != GQ_OK) fail_msg("%s: %s", canonical_files[i], err.message);
        gguf_close(src);
        size_t copy_size;
        uint8_t *copy = gqt_read_file(out, &copy_size);
        if (copy_size != size || memcmp(copy, orig, size) != 0)
            fail_msg("%s: the copy differs (%zu bytes vs %zu)", canonical_files[i], copy_size, size);
        free(copy);
        free(orig);
        assert_int_equal(count_entries(dir), 1); /* no temporary left behind */
    }
    gqt_rmtree(dir);
    free(dir);
}

/* Same keys, types and values, same tensors. */
static void check_same_facts(const gguf_file *src, const gguf_file *copy) {
    uint64_t n_unique = 0;
    for (uint64_t i = 0; i < gguf_kv_count(src); i++) n_unique += !gguf_get_kv(src, i)->duplicate;
    assert_int_equal(gguf_kv_count(copy), n_unique);
    uint64_t j = 0;
    for (uint64_t i = 0; i < gguf_kv_count(src); i++) {
        const gguf_kv *x = gguf_get_kv(src, i);
        if (x->duplicate) continue;
        const gguf_kv *y = gguf_get_kv(copy, j++);
        assert_int_equal(x->key.len, y->key.len);
        assert_memory_equal(x->key.ptr, y->key.ptr, x->key.len);
        gqt_assert_same_gguf_value(src, &x->value, copy, &y->value);
    }
    assert_int_equal(gguf_tensor_count(copy), gguf_tensor_count(src));
    for (uint64_t i = 0; i < gguf_tensor_count(src); i++) {
        const gguf_tensor *x = gguf_get_tensor(src, i), *y = gguf_get_tensor(copy, i);
        assert_string_equal(gqb_cstr(x->name), gqb_cstr(y->name));
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->n_dims, y->n_dims);
        assert_memory_equal(x->ne, y->ne, sizeof x->ne);
        assert_int_equal(x->offset, y->offset);
        /* tensor data is copied as it is, whatever the byte order */
        assert_memory_equal(gguf_tensor_data(src, x), gguf_tensor_data(copy, y), x->n_bytes);
    }
}

static void test_other_files_copy_to_the_same_facts(void **state) {
    (void)state;
    static char files[256][256];
    size_t n;
    all_gguf_fixtures(files, &n);
    /* and the lenient reading of the duplicate-key files */
    manifest_copy_str(files[n++], 256, "fixtures/hostile/ggml-vocab-dbrx-duplicate-key.gguf");
    manifest_copy_str(files[n++], 256, "fixtures/hostile/ggml-vocab-deepseek-coder-4-duplicate-keys.gguf");
    char *dir = gqt_mkdtemp();
    char out[4200];
    snprintf(out, sizeof out, "%s/copy.gguf", dir);
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_canonical(files[i])) continue;
        gguf_error err;
        gguf_file *src = gguf_open(gqt_shared_path(files[i]), GGUF_OPEN_LENIENT, &err);
        if (!src) fail_msg("%s: %s", files[i], err.message);
        if (copy_gguf(src, out, 1u << 16, &err) != GQ_OK) fail_msg("%s: %s", files[i], err.message);
        gguf_file *copy = gguf_open(out, 0, &err);
        if (!copy) fail_msg("%s copy: %s", files[i], err.message);
        assert_int_equal(gguf_version(copy), 3);
        assert_false(gguf_is_big_endian(copy));
        assert_int_equal(gguf_warning_count(copy), 0);
        check_same_facts(src, copy);
        /* a v3 little-endian source differs only by the padding ggml puts
         * after the header */
        if (gguf_version(src) == 3 && !gguf_is_big_endian(src) && gguf_warning_count(src) == 0) {
            size_t a, b;
            uint8_t *orig = gqt_read_file(gqt_shared_path(files[i]), &a);
            uint8_t *dup = gqt_read_file(out, &b);
            assert_int_equal(b, (a + 31) / 32 * 32);
            assert_memory_equal(dup, orig, a);
            assert_true(all_zero(dup + a, b - a));
            free(orig);
            free(dup);
        }
        gguf_close(copy);
        gguf_close(src);
        checked++;
    }
    assert_int_equal(checked, n - N_CANONICAL);
    assert_true(checked >= 20);
    gqt_rmtree(dir);
    free(dir);
}

/* gguf_convert_endian.py made the big-endian files from the little-endian
 * ones; converting back while copying must give the original's header
 * byte for byte (the data stays as stored: swapped). */
static void test_big_endian_copy_restores_the_original_header(void **state) {
    (void)state;
    const char *pairs[2][2] = {
        { "fixtures/real/derived/stories260K-be.gguf", "fixtures/real/models/stories260K.gguf" },
        { "fixtures/real/derived/stories260K-F16-be.gguf", "fixtures/real/derived/stories260K-F16.gguf" },
    };
    char *dir = gqt_mkdtemp();
    char out[4200];
    snprintf(out, sizeof out, "%s/le.gguf", dir);
    for (size_t p = 0; p < 2; p++) {
        gguf_error err;
        gguf_file *be = gguf_open(gqt_shared_path(pairs[p][0]), 0, &err);
        if (!be) fail_msg("%s", err.message);
        assert_int_equal(copy_gguf(be, out, 1u << 20, &err), GQ_OK);
        size_t a, b;
        uint8_t *orig = gqt_read_file(gqt_shared_path(pairs[p][1]), &a);
        uint8_t *conv = gqt_read_file(out, &b);
        assert_int_equal(a, b);
        uint64_t header = gguf_data_offset(be);
        assert_memory_equal(conv, orig, header);
        gguf_close(be);
        free(orig);
        free(conv);
    }
    gqt_rmtree(dir);
    free(dir);
}

/* ---------------------------------------------------------------- the metadata API */

static void test_written_values_read_back(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/values.gguf", dir);
    gguf_error err;
    gguf_writer *w = gguf_writer_open(path, &err);
    assert_non_null(w);
    assert_int_equal(gguf_writer_add_u8(w, "u8", 250), GQ_OK);
    assert_int_equal(gguf_writer_add_i8(w, "i8", -8), GQ_OK);
    assert_int_equal(gguf_writer_add_u16(w, "u16", 65000), GQ_OK);
    assert_int_equal(gguf_writer_add_i16(w, "i16", -16000), GQ_OK);
    assert_int_equal(gguf_writer_add_u32(w, "u32", 4000000000u), GQ_OK);
    assert_int_equal(gguf_writer_add_i32(w, "i32", -32), GQ_OK);
    assert_int_equal(gguf_writer_add_f32(w, "f32", 0.1f), GQ_OK);
    assert_int_equal(gguf_writer_add_bool(w, "bool", true), GQ_OK);
    assert_int_equal(gguf_writer_add_str(w, "str", "text"), GQ_OK);
    assert_int_equal(gguf_writer_add_u64(w, "u64", UINT64_MAX), GQ_OK);
    assert_int_equal(gguf_writer_add_i64(w, "i64", INT64_MIN), GQ_OK);
    assert_int_equal(gguf_writer_add_f64(w, "f64", 0.1), GQ_OK);
    const float floats[3] = { 1.0f, -2.5f, 1e-3f };
    assert_int_equal(gguf_writer_add_array(w, "floats", GGUF_TYPE_FLOAT32, floats, 3), GQ_OK);
    const bool bools[2] = { true, false };
    assert_int_equal(gguf_writer_add_array(w, "bools", GGUF_TYPE_BOOL, bools, 2), GQ_OK);
    const char *const strs[3] = { "a", "", "long string" };
    assert_int_equal(gguf_writer_add_str_array(w, "strs", strs, 3), GQ_OK);
    assert_int_equal(gguf_writer_add_array(w, "empty", GGUF_TYPE_INT32, NULL, 0), GQ_OK);
    /* re-adding replaces and moves last; removing drops */
    assert_int_equal(gguf_writer_add_u32(w, "u8", 7), GQ_OK);
    gguf_writer_remove_key(w, "i8");
    gguf_writer_remove_key(w, "not there");
    /* general.alignment 64 through set_alignment */
    gguf_writer_set_alignment(w, 64);
    const uint64_t sizes[3] = { 10, 100, 64 }; /* i8 elements = bytes */
    const char *names[3] = { "t0", "t1", "t2" };
    for (int i = 0; i < 3; i++) {
        uint64_t ne[1] = { sizes[i] }, index;
        assert_int_equal(gguf_writer_add_tensor(w, names[i], 1, ne, GQ_TYPE_I8, &index), GQ_OK);
        assert_int_equal(index, (uint64_t)i);
    }
    assert_non_null(strstr(gguf_writer_temp_path(w), "/values.gguf.tmp-"));
    uint8_t data[100];
    for (int i = 0; i < 3; i++) {
        memset(data, 0xa0 + i, sizeof data);
        /* two pieces per tensor */
        assert_int_equal(gguf_writer_write(w, data, sizes[i] / 2, &err), GQ_OK);
        assert_int_equal(gguf_writer_write(w, data, sizes[i] - sizes[i] / 2, &err), GQ_OK);
    }
    assert_int_equal(gguf_writer_commit(w, &err), GQ_OK);

    gguf_file *f = gguf_open(path, 0, &err);
    if (!f) fail_msg("%s", err.message);
    uint64_t u;
    int64_t i;
    double d;
    bool b;
    gguf_str s;
    assert_int_equal(gguf_find_key(f, "i8"), -1);
    assert_int_equal(gguf_get_kv(f, gguf_kv_count(f) - 1)->value.type, GGUF_TYPE_UINT32);
    assert_true(gguf_str_eq(gguf_get_kv(f, gguf_kv_count(f) - 2)->key, "u8")); /* then alignment last */
    assert_true(gguf_str_eq(gguf_get_kv(f, gguf_kv_count(f) - 1)->key, "general.alignment"));
    assert_true(gguf_get_u64(f, "u8", &u) && u == 7);
    assert_true(gguf_get_u64(f, "u16", &u) && u == 65000);
    assert_true(gguf_get_i64(f, "i16", &i) && i == -16000);
    assert_true(gguf_get_u64(f, "u32", &u) && u == 4000000000u);
    assert_true(gguf_get_i64(f, "i32", &i) && i == -32);
    assert_true(gguf_get_f64(f, "f32", &d) && d == (double)0.1f);
    assert_true(gguf_get_bool(f, "bool", &b) && b);
    assert_true(gguf_get_str(f, "str", &s) && gguf_str_eq(s, "text"));
    assert_true(gguf_get_u64(f, "u64", &u) && u == UINT64_MAX);
    assert_true(gguf_get_i64(f, "i64", &i) && i == INT64_MIN);
    assert_true(gguf_get_f64(f, "f64", &d) && d == 0.1);
    const gguf_value *arr = &gguf_get_kv(f, (uint64_t)gguf_find_key(f, "floats"))->value;
    gguf_value e;
    assert_true(gguf_array_get(f, arr, 1, &e) && e.v.f64 == -2.5);
    arr = &gguf_get_kv(f, (uint64_t)gguf_find_key(f, "bools"))->value;
    assert_true(gguf_array_get(f, arr, 0, &e) && e.v.b);
    assert_true(gguf_array_get(f, arr, 1, &e) && !e.v.b);
    arr = &gguf_get_kv(f, (uint64_t)gguf_find_key(f, "strs"))->value;
    assert_true(gguf_array_get(f, arr, 2, &e) && gguf_str_eq(e.v.str, "long string"));
    assert_int_equal(gguf_get_kv(f, (uint64_t)gguf_find_key(f, "empty"))->value.v.arr.len, 0);
    /* ggml's offsets for alignment 64: 10 -> 64, 100 -> 128, 64 -> 64 */
    assert_int_equal(gguf_alignment(f), 64);
    assert_int_equal(gguf_data_offset(f) % 64, 0);
    const uint64_t offsets[3] = { 0, 64, 192 };
    for (int t = 0; t < 3; t++) {
        const gguf_tensor *ti = gguf_get_tensor(f, (uint64_t)t);
        assert_int_equal(ti->offset, offsets[t]);
        const uint8_t *p = gguf_tensor_data(f, ti);
        for (uint64_t k = 0; k < sizes[t]; k++) assert_int_equal(p[k], 0xa0 + t);
    }
    assert_int_equal(gguf_file_size(f), gguf_data_offset(f) + 256);
    size_t size;
    uint8_t *bytes = gqt_read_file(path, &size);
    assert_true(all_zero(bytes + gguf_data_offset(f) + 10, 54)); /* padding is zeros */
    free(bytes);
    gguf_close(f);
    assert_int_equal(count_entries(dir), 1);
    gqt_rmtree(dir);
    free(dir);
}

static void test_header_only_file(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/vocab.gguf", dir);
    gguf_error err;
    gguf_writer *w = gguf_writer_open(path, &err);
    assert_int_equal(gguf_writer_add_str(w, "general.architecture", "llama"), GQ_OK);
    assert_int_equal(gguf_writer_commit(w, &err), GQ_OK);
    size_t size;
    uint8_t *bytes = gqt_read_file(path, &size);
    /* "GGUF", 3, 0 tensors, 1 kv, the kv, zero padding to 32 (as ggml) */
    const size_t header = 4 + 4 + 8 + 8 + 8 + 20 + 4 + 8 + 5;
    assert_int_equal(size, (header + 31) / 32 * 32);
    assert_memory_equal(bytes, "GGUF\x03\x00\x00\x00", 8);
    assert_true(all_zero(bytes + header, size - header));
    gguf_file *f = gguf_open_memory(bytes, size, 0, &err);
    assert_non_null(f);
    assert_int_equal(gguf_tensor_count(f), 0);
    gguf_close(f);
    free(bytes);
    gqt_rmtree(dir);
    free(dir);
}

static void test_writer_refuses_bad_input(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/bad.gguf", dir);
    gguf_error err;
    gguf_writer *w = gguf_writer_open(path, &err);
    assert_non_null(w);
    uint64_t ne[2] = { 32, 2 }, zero[2] = { 32, 0 }, odd[1] = { 33 }, wrap[2] = { (uint64_t)1 << 40, (uint64_t)1 << 40 };
    struct {
        const char *name;
        uint32_t n_dims;
        const uint64_t *ne;
        uint32_t type;
        const char *why;
    } bad[] = {
        { "", 1, ne, GQ_TYPE_F32, "empty name" },
        { "t", 0, ne, GQ_TYPE_F32, "n_dims 0" },
        { "t", 5, ne, GQ_TYPE_F32, "n_dims 5" },
        { "t", 2, zero, GQ_TYPE_F32, "dimension 1 is 0" },
        { "t", 1, odd, GQ_TYPE_Q4_0, "not a multiple of the q4_0 block size 32" },
        { "t", 1, ne, 4, "unknown type id 4" },
        { "t", 1, ne, 99, "unknown type id 99" },
        { "t", 2, wrap, GQ_TYPE_F32, "exceeds 2^63-1" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(gguf_writer_add_tensor(w, bad[i].name, bad[i].n_dims, bad[i].ne, bad[i].type, NULL), GQ_ERR_ARG);
        if (!strstr(gguf_writer_last_error(w), bad[i].why))
            fail_msg("expected \"%s\" in: %s", bad[i].why, gguf_writer_last_error(w));
    }
    assert_int_equal(gguf_writer_add_tensor(w, "t", 1, ne, GQ_TYPE_F32, NULL), GQ_OK);
    assert_int_equal(gguf_writer_add_tensor(w, "t", 1, ne, GQ_TYPE_F32, NULL), GQ_ERR_ARG);
    assert_non_null(strstr(gguf_writer_last_error(w), "added twice"));
    assert_int_equal(gguf_writer_add_array(w, "a", GGUF_TYPE_STRING, NULL, 0), GQ_ERR_ARG);
    assert_int_equal(gguf_writer_add_u32(w, "", 1), GQ_ERR_ARG);
    /* general.alignment must be a uint32 power of two */
    assert_int_equal(gguf_writer_add_u32(w, "general.alignment", 3), GQ_ERR_ARG);
    assert_int_equal(gguf_writer_add_u64(w, "general.alignment", 32), GQ_ERR_ARG);
    assert_non_null(strstr(gguf_writer_last_error(w), "must be a uint32"));
    /* a piece may not run into the next tensor: the writer fails for good */
    uint8_t buf[200] = { 0 };
    assert_int_equal(gguf_writer_write(w, buf, 200, &err), GQ_ERR_ARG);
    assert_non_null(strstr(err.message, "tensor 't'"));
    assert_int_equal(count_entries(dir), 0); /* temporary removed at once */
    assert_int_equal(gguf_writer_write(w, buf, 1, &err), GQ_ERR_ARG);
    assert_int_equal(gguf_writer_commit(w, &err), GQ_ERR_ARG);
    assert_false(exists(path));

    /* missing data: commit refuses and leaves nothing */
    w = gguf_writer_open(path, &err);
    assert_int_equal(gguf_writer_add_tensor(w, "t", 1, ne, GQ_TYPE_F32, NULL), GQ_OK);
    assert_int_equal(gguf_writer_write(w, buf, 100, &err), GQ_OK);
    assert_int_equal(gguf_writer_commit(w, &err), GQ_ERR_ARG);
    assert_non_null(strstr(err.message, "only 100 of its 128 bytes"));
    assert_int_equal(count_entries(dir), 0);
    /* metadata after the header is written */
    w = gguf_writer_open(path, &err);
    assert_int_equal(gguf_writer_add_tensor(w, "t", 1, ne, GQ_TYPE_F32, NULL), GQ_OK);
    assert_int_equal(gguf_writer_write(w, buf, 64, &err), GQ_OK);
    assert_int_equal(gguf_writer_add_u32(w, "late", 1), GQ_ERR_ARG);
    assert_int_equal(gguf_writer_add_tensor(w, "u", 1, ne, GQ_TYPE_F32, NULL), GQ_ERR_ARG);
    gguf_writer_abort(w);
    /* an invalid alignment fails the writer */
    w = gguf_writer_open(path, &err);
    gguf_writer_set_alignment(w, 48);
    assert_int_equal(gguf_writer_commit(w, &err), GQ_ERR_ARG);
    assert_non_null(strstr(err.message, "alignment 48"));
    assert_int_equal(count_entries(dir), 0);
    gqt_rmtree(dir);
    free(dir);
}

/* ---------------------------------------------------------------- atomicity */

static void test_abort_and_replace(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/model.gguf", dir);
    gqt_write_file(path, "old contents", 12);
    gguf_error err;
    uint64_t ne[1] = { 64 };
    uint8_t data[64] = { 1 };

    gguf_writer *w = gguf_writer_open(path, &err);
    assert_non_null(w);
    char temp[4300];
    snprintf(temp, sizeof temp, "%s", gguf_writer_temp_path(w));
    assert_true(strncmp(temp, path, strlen(path)) == 0);
    assert_true(strncmp(temp + strlen(path), ".tmp-", 5) == 0);
    assert_true(exists(temp));
    assert_int_equal(gguf_writer_add_tensor(w, "t", 1, ne, GQ_TYPE_I8, NULL), GQ_OK);
    assert_int_equal(gguf_writer_write(w, data, 64, &err), GQ_OK);
    gguf_writer_abort(w);
    assert_false(exists(temp));
    assert_int_equal(count_entries(dir), 1);
    size_t size;
    char *old = gqt_read_file(path, &size);
    assert_int_equal(size, 12);
    free(old);

    /* commit replaces the target; until then it is untouched */
    w = gguf_writer_open(path, &err);
    assert_int_equal(gguf_writer_add_tensor(w, "t", 1, ne, GQ_TYPE_I8, NULL), GQ_OK);
    assert_int_equal(gguf_writer_write(w, data, 64, &err), GQ_OK);
    old = gqt_read_file(path, &size);
    assert_int_equal(size, 12);
    free(old);
    assert_int_equal(gguf_writer_commit(w, &err), GQ_OK);
    gguf_file *f = gguf_open(path, 0, &err);
    assert_non_null(f);
    assert_int_equal(gguf_tensor_count(f), 1);
    gguf_close(f);
    assert_int_equal(count_entries(dir), 1);
    /* the result has the usual permissions, not mkstemp's 0600 */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    mode_t mask = umask(022);
    umask(mask);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
    gqt_rmtree(dir);
    free(dir);
}

static void test_unwritable_directory(void **state) {
    (void)state;
    gguf_error err;
    assert_null(gguf_writer_open("/nonexistent-dir/x.gguf", &err));
    assert_int_equal(err.status, GQ_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent-dir/x.gguf"));

    /* a directory we may not write: as root, drop to nobody in a child */
    char *dir = gqt_mkdtemp();
    assert_int_equal(chmod(dir, 0555), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/x.gguf", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
        gguf_error e;
        gguf_writer *w = gguf_writer_open(path, &e);
        if (w) _exit(4);
        if (e.status != GQ_ERR_IO) _exit(5);
        if (!strstr(e.message, path) || !strstr(e.message, strerror(EACCES))) _exit(6);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(count_entries(dir), 0);
    chmod(dir, 0755);
    gqt_rmtree(dir);
    free(dir);
}

static void test_file_size_limit_is_no_space(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/model.gguf", dir);
    gqt_write_file(path, "old contents", 12);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* whoever lowers RLIMIT_FSIZE ignores SIGXFSZ (see gguf.h) */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = { 64 * 1024, 64 * 1024 };
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(2);
        gguf_error e;
        gguf_writer *w = gguf_writer_open(path, &e);
        if (!w) _exit(3);
        uint64_t ne[1] = { 4u << 20 };
        if (gguf_writer_add_tensor(w, "big", 1, ne, GQ_TYPE_I8, NULL) != GQ_OK) _exit(4);
        static uint8_t chunk[1 << 16];
        gq_status st = GQ_OK;
        for (int i = 0; i < 64 && st == GQ_OK; i++) st = gguf_writer_write(w, chunk, sizeof chunk, &e);
        if (st == GQ_OK) {
            gguf_writer_abort(w);
            _exit(5); /* 4 MiB went through a 64 KiB limit */
        }
        if (st != GQ_ERR_NOSPACE || !strstr(e.message, "no space left")) _exit(6);
        /* the temporary is gone already; commit reports the same */
        st = gguf_writer_commit(w, &e);
        if (st != GQ_ERR_NOSPACE) _exit(7);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status)) fail_msg("child killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    assert_int_equal(WEXITSTATUS(status), 0);
    /* nothing partial, the old file untouched */
    assert_int_equal(count_entries(dir), 1);
    size_t size;
    char *old = gqt_read_file(path, &size);
    assert_int_equal(size, 12);
    assert_memory_equal(old, "old contents", 12);
    free(old);
    gqt_rmtree(dir);
    free(dir);
}

static void test_same_inode_refused(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200], link_path[4200], sym[4200], none[4200];
    snprintf(a, sizeof a, "%s/a.gguf", dir);
    snprintf(b, sizeof b, "%s/b.gguf", dir);
    snprintf(link_path, sizeof link_path, "%s/hard.gguf", dir);
    snprintf(sym, sizeof sym, "%s/sym.gguf", dir);
    snprintf(none, sizeof none, "%s/none.gguf", dir);
    gqt_write_file(a, "a", 1);
    gqt_write_file(b, "b", 1);
    assert_int_equal(link(a, link_path), 0);
    assert_int_equal(symlink(a, sym), 0);
    gguf_error err;
    assert_int_equal(gguf_writer_check_not_same(a, a, &err), GQ_ERR_ARG);
    assert_non_null(strstr(err.message, a));
    assert_int_equal(gguf_writer_check_not_same(link_path, a, &err), GQ_ERR_ARG);
    assert_int_equal(gguf_writer_check_not_same(sym, a, &err), GQ_ERR_ARG);
    assert_int_equal(gguf_writer_check_not_same(b, a, &err), GQ_OK);
    assert_int_equal(gguf_writer_check_not_same(none, a, &err), GQ_OK);
    gqt_rmtree(dir);
    free(dir);
}

/* ---------------------------------------------------------------- streaming */

static void test_streaming_does_not_hold_the_data(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/big.gguf", dir);
    gguf_error err;
    const uint64_t total = 128u << 20;
    gguf_writer *w = gguf_writer_open(path, &err);
    uint64_t ne[2] = { 1u << 20, 128 };
    assert_int_equal(gguf_writer_add_tensor(w, "big", 2, ne, GQ_TYPE_I8, NULL), GQ_OK);
    uint8_t *chunk = calloc(1, 1u << 20);
    long before = gqt_peak_rss_kb();
    for (uint64_t done = 0; done < total; done += 1u << 20) {
        chunk[0] = (uint8_t)(done >> 20);
        assert_int_equal(gguf_writer_write(w, chunk, 1u << 20, &err), GQ_OK);
    }
    assert_int_equal(gguf_writer_commit(w, &err), GQ_OK);
    assert_true(gqt_peak_rss_kb() - before < 32 * 1024);
    free(chunk);
    gguf_file *f = gguf_open(path, 0, &err);
    assert_non_null(f);
    const uint8_t *p = gguf_tensor_data(f, gguf_get_tensor(f, 0));
    assert_int_equal(p[(uint64_t)127 << 20], 127);
    gguf_close(f);
    gqt_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_set_is_what_the_bytes_say),
        cmocka_unit_test(test_canonical_files_round_trip_byte_identical),
        cmocka_unit_test(test_other_files_copy_to_the_same_facts),
        cmocka_unit_test(test_big_endian_copy_restores_the_original_header),
        cmocka_unit_test(test_written_values_read_back),
        cmocka_unit_test(test_header_only_file),
        cmocka_unit_test(test_writer_refuses_bad_input),
        cmocka_unit_test(test_abort_and_replace),
        cmocka_unit_test(test_unwritable_directory),
        cmocka_unit_test(test_file_size_limit_is_no_space),
        cmocka_unit_test(test_same_inode_refused),
        cmocka_unit_test(test_streaming_does_not_hold_the_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
