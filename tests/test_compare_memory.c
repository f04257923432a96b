/* gq-compare streams: comparing models larger than its memory budget keeps
 * the process under 256 MB.
 *
 * Two models are written here (streamed, so the test itself stays small):
 * an F32 reference and a BF16 variant of the same values, 600 MB of tensor
 * data together, more than twice the budget.  gq-compare runs on them as a
 * child process with two threads; its peak resident size (getrusage of
 * the children) must stay under 256 MB.  The figures are checked too: BF16
 * rounding of values drawn here has a known worst case (relative error at
 * most 2^-8), so max|e| is bounded by the largest |x| / 256. */
#include "gqtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "compare/json_doc.h"
#include "gq/gguf.h"

#define ROWS_PER_TENSOR 12800
#define ROW 4096 /* 52.4M elements per tensor, 200 MiB in F32 */
#define N_TENSORS 2
#define CHUNK_ROWS 256

static uint64_t rng_state;

static float next_value(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)(((double)(rng_state >> 11) * 0x1p-53 - 0.5) * 0.2);
}

/* float -> bf16 with round-to-nearest-even (the values are finite). */
static uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    u += 0x7fff + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

static void write_big(const char *path, bool bf16) {
    gguf_error err;
    gguf_writer *w = gguf_writer_open(path, &err);
    if (!w) fail_msg("open %s: %s", path, err.message);
    assert_int_equal(gguf_writer_add_u32(w, "general.file_type", bf16 ? 32 : 0), GQ_OK);
    for (int t = 0; t < N_TENSORS; t++) {
        char name[64];
        snprintf(name, sizeof name, "blk.%d.ffn_up.weight", t);
        uint64_t ne[2] = { ROW, ROWS_PER_TENSOR };
        assert_int_equal(gguf_writer_add_tensor(w, name, 2, ne, bf16 ? GQ_TYPE_BF16 : GQ_TYPE_F32, NULL), GQ_OK);
    }
    float *f = malloc(sizeof(float) * ROW * CHUNK_ROWS);
    uint16_t *h = malloc(sizeof(uint16_t) * ROW * CHUNK_ROWS);
    rng_state = 0x9e3779b97f4a7c15ull;
    for (int t = 0; t < N_TENSORS; t++)
        for (int r = 0; r < ROWS_PER_TENSOR; r += CHUNK_ROWS) {
            for (size_t i = 0; i < (size_t)ROW * CHUNK_ROWS; i++) f[i] = next_value();
            if (bf16) {
                for (size_t i = 0; i < (size_t)ROW * CHUNK_ROWS; i++) h[i] = to_bf16(f[i]);
                assert_int_equal(gguf_writer_write(w, h, sizeof(uint16_t) * ROW * CHUNK_ROWS, &err), GQ_OK);
            } else {
                assert_int_equal(gguf_writer_write(w, f, sizeof(float) * ROW * CHUNK_ROWS, &err), GQ_OK);
            }
        }
    free(f);
    free(h);
    if (gguf_writer_commit(w, &err) != GQ_OK) fail_msg("commit %s: %s", path, err.message);
}

static void peak_memory_stays_under_256_mb(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200], json[4200], cmd[13000];
    snprintf(a, sizeof a, "%s/big-F32.gguf", dir);
    snprintf(b, sizeof b, "%s/big-BF16.gguf", dir);
    snprintf(json, sizeof json, "%s/report.json", dir);
    write_big(a, false);
    write_big(b, true);
    size_t total = 0, sz;
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    fseek(fa, 0, SEEK_END);
    fseek(fb, 0, SEEK_END);
    total = (size_t)ftell(fa) + (size_t)ftell(fb);
    fclose(fa);
    fclose(fb);
    assert_true(total > 2 * 256 * 1024 * 1024ull);

    snprintf(cmd, sizeof cmd, "'%s/gq-compare' -q --threads 2 --json -o '%s' '%s' '%s'", gqt_bin_dir(), json, a, b);
    int rc = system(cmd);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    struct rusage ru;
    assert_int_equal(getrusage(RUSAGE_CHILDREN, &ru), 0);
    /* ru_maxrss is in KiB on Linux (and bytes on macOS, where this is stricter). */
    double peak_mb = (double)ru.ru_maxrss / 1024.0;
    printf("peak resident size of gq-compare on %.0f MB of models: %.1f MB\n", (double)total / 1048576.0, peak_mb);
    assert_true(peak_mb < 256.0);

    char *text = gqt_read_file(json, &sz);
    char err[256];
    json_node *doc = json_parse(text, sz, err, sizeof err);
    free(text);
    assert_non_null(doc);
    const json_node *v = json_at(json_get(json_get(doc, "errors"), "variants"), 0);
    const json_node *overall = json_get(v, "overall");
    assert_int_equal((int)json_num(json_get(overall, "tensors"), -1), N_TENSORS);
    assert_true(json_num(json_get(overall, "n"), -1) == (double)N_TENSORS * ROW * ROWS_PER_TENSOR);
    /* |x| <= 0.1 and BF16 keeps 8 significant bits: |e| <= half an ulp <= 0.1 * 2^-8. */
    double max_abs = json_num(json_get(overall, "max_abs"), -1);
    assert_true(max_abs > 0 && max_abs <= 0.1 / 256.0);
    json_free(doc);
    gqt_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(peak_memory_stays_under_256_mb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
