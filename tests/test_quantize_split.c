/* gq-quantize on split models (llama.cpp's gguf-split parts), end to end
 * on the gemma4-mini fixture (142 tensors).
 *
 * The split inputs are made here, at test time, with gq's own GGUF writer,
 * laid out as llama.cpp's gguf-split lays them out: 40 tensors per part in
 * the input's order, part 1 with all of the model's metadata, every part
 * ending with uint16 split.no, int32 split.tensors.count, uint16
 * split.count.  (The parts this test writes are byte-identical to
 * gguf-split's: test_parts_like_gguf_split checks their sha256.)
 *
 * Expected values come from outside gq:
 *   - splitting only moves tensors between files, so quantizing the split
 *     model into one file must give the bytes of quantizing the unsplit
 *     one: llama.cpp's reference files in fixtures/quantized/gemma4-mini
 *     (their sha256 are in SHA256SUMS there).  llama-quantize itself gives
 *     those same bytes from the split input.
 *   - sha256 of llama.cpp's outputs (August 2026 snapshot, built locally in
 *     /work/ext/llama.cpp/build), made with:
 *       llama-gguf-split --split --split-max-tensors 40 gemma4-mini-BF16.gguf g4
 *         -> g4-00001-of-00004.gguf ... g4-00004-of-00004.gguf (40/40/40/22 tensors)
 *            sha256 in gguf_split_sha256 below
 *       llama-quantize --keep-split g4-00001-of-00004.gguf lq-ks-Q8_0.gguf Q8_0 2
 *       llama-quantize --keep-split g4-00001-of-00004.gguf lq-ks-Q4_K_M.gguf Q4_K_M 2
 *         -> lq-ks-<TYPE>-0000K-of-00004.gguf, sha256 in keep_split_q8_0 /
 *            keep_split_q4_k_m below
 *       llama-quantize --imatrix /work/shared/fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf \
 *                      --keep-split g4-00001-of-00004.gguf lq-im.gguf IQ2_M 2
 *       llama-quantize --prune-layers 6,7 --keep-split g4-00001-of-00004.gguf lq-pr.gguf Q8_0 2
 *         -> sha256 in keep_split_iq2_m_imatrix / keep_split_prune_q8_0 below
 *       llama-quantize --keep-split gemma4-mini-BF16.gguf lq-ks1.gguf Q8_0 2
 *         -> lq-ks1-00001-of-00001.gguf (an unsplit input: one part, no split
 *            keys, tensors in file order), sha256 c9042b2b... below
 *   - llama.cpp's loader and llama-quant.cpp, read by hand: each output part
 *     holds the tensors of the same input part, in their order there, and
 *     ends its metadata with uint16 split.no (from 0), uint16 split.count,
 *     int32 split.tensors.count (the whole model's); only part 1 carries the
 *     model's metadata. */
#include "gqtest.h"
#include "tmp_dir.h"
#include "program_run.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gq/gguf.h"
#include "gq/types.h"
#include "sha256.h"

#define GEMMA_DIR "fixtures/quantized/gemma4-mini"
#define PER_PART 40
#define N_TENSORS 142
#define N_PARTS 4

static const char *const gguf_split_sha256[N_PARTS] = {
    "10608f61c1719fa3c33f2e62fd5cf91341f76e09298e3326e57b46f57d7913b8",
    "2907af8292023fd0d294890bc234421f44c4b40466d5ba4bd5f9dcde4531c209",
    "ba0a5433dffd6b10901094cc67fa01c83696062bd1b31ca7b022374bd3b1cf14",
    "54fc5a29d4c792530a9952a5d5f72caa955bef4735d08ac9467bca77054fb376",
};

static const char *const keep_split_q8_0[N_PARTS] = {
    "1bb9beebade17d48846990bac9f816c06bf1923120cf6f5c8863258176d41e3f",
    "499369c0c7eebe770ffb0f65379935f782b1bdf0b062ab4aeb505062a9cb23fa",
    "6792857dfc2400559d759b32d6d8e6d0de4132c1c7bab074294e14968f4fb5aa",
    "24c64890e06437730447e6b15789b7752e773869a6ed3101385c05e4a562c555",
};

static const char *const keep_split_q4_k_m[N_PARTS] = {
    "db9f410b9b4901290d36339cc6e023adcc33cd92721cdc839356777a5ce5b1d0",
    "c0e7456fedea435d0fd56de04daa075f042c7b77195c963db4263fcd3425091c",
    "f8a0c652c315b6cd5dddd1375105aa7b2ad9b54eab7f06141b212398de58e651",
    "85ee3667f457e307292e7ce2013a403b13146b46215449377e031c3533178d18",
};

static const char *const keep_split_iq2_m_imatrix[N_PARTS] = {
    "c2ba4c1daaa0c8bdd2e3527b3ca1ec5317939743f0ed116279b0f4ea82ef46b0",
    "2fc306822d189faf1b3bccbde16d4dfd700262d5dd63171b0b316425a1089b2d",
    "fa7b5efd70ce3892e4b418259f4a6835a5edbb1728663152b04fd08a03098fae",
    "f83db0139ab621ca65327ac0dd0a2e645be2746efeca274f67f232d83c150c92",
};

static const char *const keep_split_prune_q8_0[N_PARTS] = {
    "29bb7b512d96f8ab51cbfa130768acc714b3cac58d2101b41a4a8a2a0aab3127",
    "af430c3febab034dd1f46738cdcd353bae31887b7d1aa212fe4ee256bcc12cb1",
    "c09200f592f1dfbc6a7fa7f4c50f5236f22329e969cf44702328be9aa57e945d",
    "55e963ed43e76578eea515997d5fdbd5dcc1d17b73f5368d6afcfb6176e4989a",
};

/* the reference files' sha256, as in fixtures/.../SHA256SUMS */
#define REF_Q8_0 "30724b8ea0b93a9307b8b19c08cd85465f53b481243b6a13396ba04b8e037266"
#define REF_Q4_K_M "6f49d4ee493f4fc4b3cd1f1fb72beeefb13ab2b4afb09ea1e4e4e4d95247b523"

/* A file of the gemma4-mini fixture (a string literal). */
#define gemma(file) gqt_shared_path(GEMMA_DIR "/" file)

#define tmp(...) gqt_tmp_file(__VA_ARGS__)

/* gq-quantize through the shared harness (support/program_run.h). */
#define run_expect(...) gqt_run_program("gq-quantize", __VA_ARGS__)

/* Expected values here are llama-quantize's outputs (commands above). */
#define expect_sha256(path, want) gqt_expect_sha256(path, want, "llama-quantize")

static bool exists(const char *path) { return access(path, F_OK) == 0; }

/* Files in gqt_tmp_dir() whose name starts with `prefix`. */
static int count_files(const char *prefix) {
    DIR *d = opendir(gqt_tmp_dir());
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
    closedir(d);
    return n;
}

/* ------------------------------------------------------ making a split */

/* Write the BF16 fixture as gguf-split does into gqt_tmp_dir()/<prefix>-0000K-of-0000N.gguf
 * (n_parts parts named; `declared` written as split.count, `tensors_declared`
 * as split.tensors.count, 0 for the true count).  A tensor named poison
 * gets a NaN as its first value. */
static void make_split_ex(const char *prefix, unsigned n_parts, unsigned declared, const char *poison,
                          int32_t tensors_declared) {
    gguf_file *src = gqt_open_gguf(gemma("gemma4-mini-BF16.gguf"));
    uint64_t n = gguf_tensor_count(src);
    assert_int_equal(n, N_TENSORS);
    for (unsigned k = 0; k < n_parts; k++) {
        gguf_error err;
        gguf_writer *w = gguf_writer_open(tmp("%s-%05u-of-%05u.gguf", prefix, k + 1, n_parts), &err);
        if (!w) fail_msg("writer: %s", err.message);
        if (k == 0)
            for (uint64_t i = 0; i < gguf_kv_count(src); i++)
                assert_int_equal(gguf_writer_copy_kv(w, src, gguf_get_kv(src, i)), GQ_OK);
        assert_int_equal(gguf_writer_add_u16(w, "split.no", (uint16_t)k), GQ_OK);
        assert_int_equal(gguf_writer_add_i32(w, "split.tensors.count", tensors_declared ? tensors_declared : (int32_t)n),
                         GQ_OK);
        assert_int_equal(gguf_writer_add_u16(w, "split.count", (uint16_t)declared), GQ_OK);
        uint64_t first = (uint64_t)k * PER_PART, end = k + 1 == n_parts ? n : first + PER_PART;
        for (uint64_t i = first; i < end; i++) {
            const gguf_tensor *t = gguf_get_tensor(src, i);
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)t->name.len, t->name.ptr);
            assert_int_equal(gguf_writer_add_tensor(w, name, t->n_dims, t->ne, t->type, NULL), GQ_OK);
        }
        for (uint64_t i = first; i < end; i++) {
            const gguf_tensor *t = gguf_get_tensor(src, i);
            uint8_t *data = malloc((size_t)t->n_bytes);
            assert_non_null(data);
            assert_int_equal(gguf_read_tensor(src, t, 0, data, t->n_bytes, &err), GQ_OK);
            if (poison && gguf_str_eq(t->name, poison)) {
                assert_int_equal(t->type, GQ_TYPE_BF16);
                data[0] = 0xC0; /* bf16 0x7FC0: a quiet NaN */
                data[1] = 0x7F;
            }
            if (gguf_writer_write(w, data, t->n_bytes, &err) != GQ_OK) fail_msg("write: %s", err.message);
            free(data);
        }
        if (gguf_writer_commit(w, &err) != GQ_OK) fail_msg("commit: %s", err.message);
    }
    gguf_close(src);
}

static void make_split(const char *prefix, unsigned n_parts, unsigned declared, const char *poison) {
    make_split_ex(prefix, n_parts, declared, poison, 0);
}

static uint64_t key_value(const gguf_file *f, const char *key, enum gguf_value_type type) {
    int64_t i = gguf_find_key(f, key);
    if (i < 0) fail_msg("no key %s", key);
    const gguf_kv *kv = gguf_get_kv(f, (uint64_t)i);
    if (kv->value.type != type) fail_msg("%s: type %s", key, gguf_value_type_name(kv->value.type));
    return type == GGUF_TYPE_INT32 ? (uint64_t)kv->value.v.i64 : kv->value.v.u64;
}

/* ----------------------------------------------------------------- tests */

/* The splitter above makes what gguf-split makes, so the llama-quantize
 * sha256s below (made from gguf-split's parts) apply to this test's parts. */
static void test_parts_like_gguf_split(void **state) {
    (void)state;
    make_split("g4", N_PARTS, N_PARTS, NULL);
    for (unsigned k = 0; k < N_PARTS; k++) expect_sha256(tmp("g4-%05u-of-00004.gguf", k + 1), gguf_split_sha256[k]);
}

/* Without --keep-split: one file, the bytes of the unsplit model's. */
static void test_split_input_single_output(void **state) {
    (void)state;
    make_split("g4", N_PARTS, N_PARTS, NULL);
    free(run_expect(0, "-q '%s' '%s' Q8_0 2", tmp("g4-00001-of-00004.gguf"), tmp("one-q8.gguf")));
    expect_sha256(tmp("one-q8.gguf"), REF_Q8_0);
    free(run_expect(0, "-q '%s' '%s' Q4_K_M 2", tmp("g4-00001-of-00004.gguf"), tmp("one-q4.gguf")));
    expect_sha256(tmp("one-q4.gguf"), REF_Q4_K_M);
    /* and no split keys in it */
    gguf_file *f = gqt_open_gguf(tmp("one-q8.gguf"));
    assert_true(gguf_find_key(f, "split.count") < 0);
    assert_true(gguf_find_key(f, "split.no") < 0);
    assert_int_equal(gguf_tensor_count(f), N_TENSORS);
    gguf_close(f);
}

/* --keep-split: the same parts, named after OUT, with llama-quantize's bytes. */
static void check_keep_split(const char *type, const char *const *want_sha) {
    make_split("g4", N_PARTS, N_PARTS, NULL);
    free(run_expect(0, "-q --keep-split '%s' '%s' %s 2", tmp("g4-00001-of-00004.gguf"), tmp("ks-%s.gguf", type), type));
    char prefix[64];
    snprintf(prefix, sizeof prefix, "ks-%s", type);
    assert_int_equal(count_files(prefix), N_PARTS); /* OUT.gguf itself is not written */
    assert_false(exists(tmp("ks-%s.gguf", type)));
    for (unsigned k = 0; k < N_PARTS; k++) {
        const char *out = tmp("ks-%s-%05u-of-00004.gguf", type, k + 1);
        gguf_file *o = gqt_open_gguf(out), *in = gqt_open_gguf(tmp("g4-%05u-of-00004.gguf", k + 1));
        assert_int_equal(key_value(o, "split.no", GGUF_TYPE_UINT16), k);
        assert_int_equal(key_value(o, "split.count", GGUF_TYPE_UINT16), N_PARTS);
        assert_int_equal(key_value(o, "split.tensors.count", GGUF_TYPE_INT32), N_TENSORS);
        /* only part 1 carries the model; the split keys come last */
        assert_int_equal(gguf_find_key(o, "general.architecture") >= 0, k == 0);
        if (k > 0) assert_int_equal(gguf_kv_count(o), 3);
        assert_true(gguf_str_eq(gguf_get_kv(o, gguf_kv_count(o) - 1)->key, "split.tensors.count"));
        /* the input part's tensors, in its order */
        assert_int_equal(gguf_tensor_count(o), gguf_tensor_count(in));
        for (uint64_t i = 0; i < gguf_tensor_count(in); i++) {
            gguf_str a = gguf_get_tensor(o, i)->name, b = gguf_get_tensor(in, i)->name;
            if (a.len != b.len || memcmp(a.ptr, b.ptr, (size_t)a.len) != 0)
                fail_msg("%s: tensor %llu is '%.*s', the input part has '%.*s'", out, (unsigned long long)i,
                         (int)a.len, a.ptr, (int)b.len, b.ptr);
        }
        gguf_close(o);
        gguf_close(in);
        expect_sha256(out, want_sha[k]);
    }
}

static void test_keep_split_q8_0(void **state) {
    (void)state;
    check_keep_split("Q8_0", keep_split_q8_0);
}

static void test_keep_split_q4_k_m(void **state) {
    (void)state;
    check_keep_split("Q4_K_M", keep_split_q4_k_m);
}

/* With an importance matrix (recorded under the name llama-quantize was
 * given) and with --prune-layers (blocks 6 and 7 gone, so split.tensors.count
 * is the kept count): still llama-quantize's parts. */
static void test_keep_split_imatrix_and_prune(void **state) {
    (void)state;
    make_split("g4", N_PARTS, N_PARTS, NULL);
    free(run_expect(0, "-q --imatrix '%s' --imatrix-name %s --keep-split '%s' '%s' IQ2_M 2",
                    gemma("gemma4-mini.imatrix.gguf"), "/work/shared/fixtures/quantized/gemma4-mini/gemma4-mini.imatrix.gguf",
                    tmp("g4-00001-of-00004.gguf"), tmp("im.gguf")));
    for (unsigned k = 0; k < N_PARTS; k++)
        expect_sha256(tmp("im-%05u-of-00004.gguf", k + 1), keep_split_iq2_m_imatrix[k]);
    free(run_expect(0, "-q --prune-layers 6,7 --keep-split '%s' '%s' Q8_0 2", tmp("g4-00001-of-00004.gguf"),
                    tmp("pr.gguf")));
    for (unsigned k = 0; k < N_PARTS; k++) expect_sha256(tmp("pr-%05u-of-00004.gguf", k + 1), keep_split_prune_q8_0[k]);
}

/* --keep-split on an unsplit input: llama-quantize still names the output
 * as part 1 of 1, without split keys, tensors in file order. */
static void test_keep_split_unsplit_input(void **state) {
    (void)state;
    free(run_expect(0, "-q --keep-split '%s' '%s' Q8_0 2", gemma("gemma4-mini-BF16.gguf"), tmp("ks1.gguf")));
    expect_sha256(tmp("ks1-00001-of-00001.gguf"), "c9042b2ba102a2fa0ba4e920bbf866de027ec4b6aed9a2f2135db058e1685538");
    gguf_file *f = gqt_open_gguf(tmp("ks1-00001-of-00001.gguf"));
    assert_true(gguf_find_key(f, "split.count") < 0);
    gguf_close(f);
}

/* --dry-run lists the input parts and the output parts, and writes nothing. */
static void test_dry_run_shows_parts(void **state) {
    (void)state;
    make_split("g4", N_PARTS, N_PARTS, NULL);
    char *log = run_expect(0, "--dry-run --keep-split '%s' '%s' Q8_0", tmp("g4-00001-of-00004.gguf"), tmp("dry.gguf"));
    gqt_expect_in(log, "input part 4/4:  ");
    gqt_expect_in(log, "g4-00004-of-00004.gguf (22 tensors)");
    /* sizes: those of llama-quantize's parts (3342368, 1336800, 1861600, 861888 bytes) */
    gqt_expect_in(log, "dry-00001-of-00004.gguf (40 tensors, 3342368 bytes)");
    gqt_expect_in(log, "dry-00002-of-00004.gguf (40 tensors, 1336800 bytes)");
    gqt_expect_in(log, "dry-00003-of-00004.gguf (40 tensors, 1861600 bytes)");
    gqt_expect_in(log, "dry-00004-of-00004.gguf (22 tensors, 861888 bytes)");
    free(log);
    /* --json names the same parts and sizes (output is only their prefix) */
    log = run_expect(0, "--dry-run --json --keep-split '%s' '%s' Q8_0", tmp("g4-00001-of-00004.gguf"),
                     tmp("dry.gguf"));
    gqt_expect_in(log, "\"output_parts\": [");
    static const char *const sizes[] = { "3342368", "1336800", "1861600", "861888" };
    static const char *const counts[] = { "40", "40", "40", "22" };
    for (unsigned k = 0; k < N_PARTS; k++) {
        char want[512];
        snprintf(want, sizeof want, "\"path\": \"%s\",\n      \"tensors\": %s,\n      \"file_size\": %s",
                 tmp("dry-%05u-of-00004.gguf", k + 1), counts[k], sizes[k]);
        gqt_expect_in(log, want);
    }
    free(log);
    assert_int_equal(count_files("dry"), 0);
}

/* A missing part, a part named in place of the first, and a split.count
 * that disagrees with the names: refused like an unreadable input (exit 1),
 * nothing written. */
static void test_broken_splits_refused(void **state) {
    (void)state;
    make_split("g4", N_PARTS, N_PARTS, NULL);
    assert_int_equal(unlink(tmp("g4-00004-of-00004.gguf")), 0);
    char *log = run_expect(1, "-q '%s' '%s' Q8_0 2", tmp("g4-00001-of-00004.gguf"), tmp("x.gguf"));
    gqt_expect_in(log, "g4-00004-of-00004.gguf");
    gqt_expect_in(log, "No such file");
    free(log);

    log = run_expect(1, "-q '%s' '%s' Q8_0 2", tmp("g4-00002-of-00004.gguf"), tmp("x.gguf"));
    gqt_expect_in(log, "this is part 2 of 4 of a split model: give the first part");
    free(log);

    /* three parts named "-of-00003" but split.count says 4 */
    make_split("c3", 3, 4, NULL);
    log = run_expect(1, "-q '%s' '%s' Q8_0 2", tmp("c3-00001-of-00003.gguf"), tmp("x.gguf"));
    gqt_expect_in(log, "split.count is 4");
    free(log);

    /* all four parts present, but split.count says 3: part 4's tensors would be lost */
    make_split("c4", 4, 3, NULL);
    log = run_expect(1, "-q '%s' '%s' Q8_0 2", tmp("c4-00001-of-00004.gguf"), tmp("x.gguf"));
    gqt_expect_in(log, "split.count is 3");
    free(log);

    /* a part of another position in its place: its split.no says so */
    make_split("sw", N_PARTS, N_PARTS, NULL);
    assert_int_equal(unlink(tmp("sw-00002-of-00004.gguf")), 0);
    assert_int_equal(rename(tmp("sw-00003-of-00004.gguf"), tmp("sw-00002-of-00004.gguf")), 0);
    make_split("sw3", N_PARTS, N_PARTS, NULL); /* and a part 3 in its own place */
    assert_int_equal(rename(tmp("sw3-00003-of-00004.gguf"), tmp("sw-00003-of-00004.gguf")), 0);
    log = run_expect(1, "-q '%s' '%s' Q8_0 2", tmp("sw-00001-of-00004.gguf"), tmp("x.gguf"));
    gqt_expect_in(log, "sw-00002-of-00004.gguf: split.no is 2, expected 1");
    free(log);

    /* split.tensors.count disagrees with the tensors the parts hold */
    make_split_ex("tc", N_PARTS, N_PARTS, NULL, N_TENSORS + 1);
    log = run_expect(1, "-q '%s' '%s' Q8_0 2", tmp("tc-00001-of-00004.gguf"), tmp("x.gguf"));
    gqt_expect_in(log, "split.tensors.count is 143 but the 4 parts hold 142 tensors");
    free(log);
    assert_int_equal(count_files("x"), 0);
}

/* A failure while writing part 3 (a NaN weight there) leaves no part at
 * all: parts 1 and 2, already complete, are not renamed into place. */
static void test_keep_split_all_or_nothing(void **state) {
    (void)state;
    make_split("nan", N_PARTS, N_PARTS, NULL);
    /* a tensor of the third part, quantized (a 2-D weight) */
    gguf_file *p3 = gqt_open_gguf(tmp("nan-00003-of-00004.gguf"));
    const gguf_tensor *victim = NULL;
    for (uint64_t i = 0; i < gguf_tensor_count(p3) && !victim; i++) {
        const gguf_tensor *t = gguf_get_tensor(p3, i);
        if (t->n_dims == 2 && t->type == GQ_TYPE_BF16) victim = t;
    }
    assert_non_null(victim);
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)victim->name.len, victim->name.ptr);
    gguf_close(p3);
    make_split("nan", N_PARTS, N_PARTS, name);

    char *log = run_expect(1, "-q --keep-split '%s' '%s' Q8_0 2", tmp("nan-00001-of-00004.gguf"), tmp("out.gguf"));
    gqt_expect_in(log, "non-finite");
    gqt_expect_in(log, name);
    free(log);
    assert_int_equal(count_files("out"), 0); /* no part, no pending or temporary file */

    /* the same run without the NaN writes all four */
    make_split("nan", N_PARTS, N_PARTS, NULL);
    free(run_expect(0, "-q --keep-split '%s' '%s' Q8_0 2", tmp("nan-00001-of-00004.gguf"), tmp("out.gguf")));
    assert_int_equal(count_files("out"), N_PARTS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parts_like_gguf_split, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_split_input_single_output, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_keep_split_q8_0, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_keep_split_q4_k_m, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_keep_split_imatrix_and_prune, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_keep_split_unsplit_input, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_dry_run_shows_parts, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_broken_splits_refused, gqt_tmp_setup, gqt_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_keep_split_all_or_nothing, gqt_tmp_setup, gqt_tmp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
