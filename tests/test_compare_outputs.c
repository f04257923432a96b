/* gq-compare's output formats, read back the way their users read them:
 *   --json      parsed, and checked against reference-errors.json and the
 *               fixture's types-<TYPE>.txt listings (figures survive the
 *               printing; every tensor of every variant is there);
 *   --csv       parsed as RFC 4180, one row per tensor per variant;
 *   --markdown  every table well formed (same cell count on every row);
 *   text        colour only on a terminal and without NO_COLOR;
 *   hostile names and values come out escaped in HTML and Markdown. */
#include "gqtest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compare/json_doc.h"
#include "gq/gguf.h"

#define DIR "fixtures/quantized/gemma4-mini/"

static const char *const variants[] = { "Q8_0", "Q6_K", "Q4_K_M", "IQ2_M" };
#define N_VARIANTS 4

/* The compare command over BF16 + the four variants with reference figures. */
static void gemma_command(char *cmd, size_t cap, const char *options) {
    int n = snprintf(cmd, cap, "'%s/gq-compare' -q %s '%s'", gqt_bin_dir(), options,
                     gqt_shared_path(DIR "gemma4-mini-BF16.gguf"));
    for (int i = 0; i < N_VARIANTS; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, DIR "gemma4-mini-%s.gguf", variants[i]);
        n += snprintf(cmd + n, cap - (size_t)n, " '%s'", gqt_shared_path(rel));
    }
}

static char *run_ok(const char *cmd) {
    char *out = NULL;
    int rc = gqt_run(cmd, &out);
    if (rc != 0) fail_msg("exit %d from %s\n%s", rc, cmd, out ? out : "");
    return out;
}

static json_node *parse_or_fail(const char *text, const char *what) {
    char err[256];
    json_node *doc = json_parse(text, strlen(text), err, sizeof err);
    if (!doc) fail_msg("%s is not valid JSON: %s", what, err);
    return doc;
}

static void assert_rel(double got, double want, double tol, const char *what) {
    if (want == 0 ? got == 0 : fabs(got - want) <= tol * fabs(want)) return;
    fail_msg("%s: got %.17g, expected %.17g", what, got, want);
}

/* The fixture's listing of a file: name -> type, and the element count. */
typedef struct listing {
    size_t n;
    char names[256][96];
    char types[256][16];
    uint64_t params;
} listing;

static void read_listing_lines(const char *variant, listing *l) {
    char rel[128];
    snprintf(rel, sizeof rel, DIR "types-%s.txt", variant);
    size_t size;
    char *text = gqt_read_file(gqt_shared_path(rel), &size);
    memset(l, 0, sizeof *l);
    char *p = text;
    while (*p && l->n < 256) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        char shape[64];
        if (sscanf(p, "%95s %15s %63s", l->names[l->n], l->types[l->n], shape) == 3) {
            uint64_t elements = 1;
            char *d = shape;
            while (*d) {
                elements *= strtoull(d, &d, 10);
                if (*d == 'x') d++;
            }
            l->params += elements;
            l->n++;
        }
        if (!nl) break;
        p = nl + 1;
    }
    free(text);
}

static void json_has_every_figure(void **state) {
    (void)state;
    char cmd[8192];
    gemma_command(cmd, sizeof cmd, "--json");
    char *out = run_ok(cmd);
    json_node *doc = parse_or_fail(out, "--json output");
    free(out);
    char *ref_text = gqt_read_file(gqt_shared_path(DIR "reference-errors.json"), NULL);
    json_node *ref = parse_or_fail(ref_text, "reference-errors.json");
    free(ref_text);

    assert_string_equal(json_str(json_get(doc, "schema")), "gq-compare/1");
    const json_node *inputs = json_get(doc, "inputs");
    assert_int_equal(inputs->n, 1 + N_VARIANTS);
    assert_int_equal((int)json_num(json_get(json_get(doc, "reference"), "index"), -1), 0);
    assert_string_equal(json_str(json_get(json_get(doc, "reference"), "reason")), "float");

    /* Sizes: parameters from the listings; file bytes from the files. */
    listing bf16;
    read_listing_lines("BF16", &bf16);
    assert_int_equal(bf16.n, 142);
    const json_node *sizes = json_get(doc, "sizes");
    for (size_t i = 0; i < sizes->n; i++) {
        const json_node *s = json_at(sizes, i);
        assert_true((uint64_t)json_num(json_get(s, "params"), -1) == bf16.params);
        double tb = json_num(json_get(s, "tensor_bytes"), -1);
        assert_rel(json_num(json_get(s, "bpw"), -1), 8 * tb / (double)bf16.params, 1e-12, "bpw");
        const char *path = json_str(json_get(json_at(inputs, i), "path"));
        size_t fsize;
        free(gqt_read_file(path, &fsize));
        assert_true((uint64_t)json_num(json_get(s, "file_bytes"), -1) == fsize);
    }

    /* Tensor index: the type of every tensor in every file, as listed. */
    const json_node *rows = json_get(json_get(doc, "tensors"), "rows");
    assert_int_equal(rows->n, 142);
    for (int f = 0; f <= N_VARIANTS; f++) {
        listing l;
        read_listing_lines(f ? variants[f - 1] : "BF16", &l);
        for (size_t k = 0; k < l.n; k++) {
            const json_node *row = NULL;
            for (size_t i = 0; i < rows->n && !row; i++)
                if (strcmp(json_str(json_get(json_at(rows, i), "name")), l.names[k]) == 0) row = json_at(rows, i);
            assert_non_null(row);
            const char *t = json_str(json_at(json_get(row, "types"), (size_t)f));
            if (strcasecmp(t, l.types[k]) != 0) fail_msg("%s in input %d: %s, listed as %s", l.names[k], f, t, l.types[k]);
        }
    }

    /* Metadata: general.file_type differs, as an expected difference. */
    const json_node *diffs = json_get(json_get(doc, "metadata"), "differences");
    bool saw_file_type = false;
    for (size_t i = 0; i < diffs->n; i++) {
        const json_node *d = json_at(diffs, i);
        if (strcmp(json_str(json_get(d, "key")), "general.file_type") != 0) continue;
        saw_file_type = true;
        assert_true(json_get(d, "expected")->b);
        assert_string_equal(json_str(json_get(d, "kind")), "value");
    }
    assert_true(saw_file_type);

    /* Errors: every tensor of every variant, figures as the reference has them. */
    const json_node *ev = json_get(json_get(doc, "errors"), "variants");
    assert_int_equal(ev->n, N_VARIANTS);
    for (size_t v = 0; v < ev->n; v++) {
        const json_node *jv = json_at(ev, v);
        size_t in = (size_t)json_num(json_get(jv, "input"), -1);
        const char *path = json_str(json_get(json_at(inputs, in), "path"));
        const char *base = strrchr(path, '/') + 1;
        const json_node *rv = json_get(json_get(ref, "variants"), base);
        assert_non_null(rv);
        assert_rel(json_num(json_get(json_get(jv, "overall"), "nmse"), NAN), json_num(json_get(rv, "nmse_overall"), NAN),
                   1e-9, "overall nmse");
        assert_int_equal((int)json_num(json_get(json_get(jv, "overall"), "tensors"), -1),
                         (int)json_num(json_get(rv, "n_changed"), -2));
        const json_node *tensors = json_get(jv, "tensors");
        assert_int_equal(tensors->n, 142);
        for (size_t t = 0; t < tensors->n; t++) {
            const json_node *jt = json_at(tensors, t);
            const json_node *rt = json_get(json_get(rv, "tensors"), json_str(json_get(jt, "name")));
            assert_non_null(rt);
            assert_string_equal(json_str(json_get(jt, "status")), "ok");
            static const char *const exact[] = { "n", "max_abs" };
            static const char *const summed[] = { "sum_e2", "sum_x2", "rmse", "nmse" };
            for (int k = 0; k < 2; k++)
                assert_rel(json_num(json_get(jt, exact[k]), NAN), json_num(json_get(rt, exact[k]), NAN), 0, exact[k]);
            for (int k = 0; k < 4; k++)
                assert_rel(json_num(json_get(jt, summed[k]), NAN), json_num(json_get(rt, summed[k]), NAN), 1e-9,
                           summed[k]);
            assert_rel(json_num(json_get(jt, "p99_abs"), NAN), json_num(json_get(rt, "p99_abs"), NAN), 0.01, "p99");
            /* Unchanged tensors: SNR is infinite, written as null. */
            if (json_num(json_get(rt, "sum_e2"), -1) == 0) assert_int_equal(json_get(jt, "snr_db")->kind, JSON_NULL);
        }
    }
    json_free(ref);
    json_free(doc);
}

/* One CSV record: fields split on commas outside quotes, "" unescaped. */
static size_t csv_fields(const char *line, char fields[][128], size_t max) {
    size_t n = 0, k = 0;
    bool quoted = false;
    fields[0][0] = 0;
    for (const char *p = line;; p++) {
        if (quoted) {
            if (*p == '"' && p[1] == '"') {
                if (k < 127) fields[n][k++] = '"';
                p++;
            } else if (*p == '"') {
                quoted = false;
            } else if (*p) {
                if (k < 127) fields[n][k++] = *p;
            } else {
                break;
            }
            continue;
        }
        if (*p == '"') quoted = true;
        else if (*p == ',' || *p == 0) {
            fields[n][k] = 0;
            if (*p == 0 || n + 1 >= max) return n + 1;
            n++;
            k = 0;
        } else if (k < 127) fields[n][k++] = *p;
    }
    fields[n][k] = 0;
    return n + 1;
}

static void csv_has_a_row_per_tensor_per_variant(void **state) {
    (void)state;
    char cmd[8192];
    gemma_command(cmd, sizeof cmd, "--csv");
    char *out = run_ok(cmd);
    char *ref_text = gqt_read_file(gqt_shared_path(DIR "reference-errors.json"), NULL);
    json_node *ref = parse_or_fail(ref_text, "reference-errors.json");
    free(ref_text);
    static char fields[32][128];
    size_t rows = 0, columns = 0, col_tensor = 0, col_nmse = 0, col_path = 0, col_status = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        size_t n = csv_fields(line, fields, 32);
        if (!columns) {
            columns = n;
            for (size_t i = 0; i < n; i++) {
                if (strcmp(fields[i], "tensor") == 0) col_tensor = i;
                if (strcmp(fields[i], "nmse") == 0) col_nmse = i;
                if (strcmp(fields[i], "variant_path") == 0) col_path = i;
                if (strcmp(fields[i], "status") == 0) col_status = i;
            }
            assert_int_equal(columns, 24);
            assert_true(col_tensor && col_nmse && col_path && col_status);
            continue;
        }
        if (n != columns) fail_msg("CSV row %zu has %zu fields, header %zu: %s", rows + 1, n, columns, line);
        assert_string_equal(fields[col_status], "ok");
        const char *base = strrchr(fields[col_path], '/') + 1;
        const json_node *rt = json_get(json_get(json_get(json_get(ref, "variants"), base), "tensors"), fields[col_tensor]);
        assert_non_null(rt);
        assert_rel(strtod(fields[col_nmse], NULL), json_num(json_get(rt, "nmse"), NAN), 1e-9, "csv nmse");
        rows++;
    }
    assert_int_equal(rows, 142 * N_VARIANTS);
    json_free(ref);
    free(out);
}

/* Cells of a Markdown table row: unescaped '|' between the outer ones. */
static int md_cells(const char *line) {
    int pipes = 0;
    for (const char *p = line; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        /* Inside inline code a pipe is still a cell boundary in GFM, so the
         * writer never puts one there: count them all. */
        if (*p == '|') pipes++;
    }
    return pipes - 1;
}

static void check_markdown_tables(char *text, int *n_tables) {
    int want = -1;
    *n_tables = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] != '|') {
            want = -1;
            continue;
        }
        int cells = md_cells(line);
        if (want < 0) {
            want = cells;
            (*n_tables)++;
        } else if (cells != want) {
            fail_msg("Markdown table row with %d cells, header has %d: %s", cells, want, line);
        }
    }
}

static void markdown_is_a_well_formed_report(void **state) {
    (void)state;
    char cmd[8192];
    gemma_command(cmd, sizeof cmd, "--markdown");
    char *out = run_ok(cmd);
    const char *sections[] = { "# Quantization comparison", "## 1. Size", "## 2. Metadata", "## 3. Tensor index",
                               "## 4. Reconstruction error", "### NMSE by tensor class", "### NMSE by layer" };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (!strstr(out, sections[i])) fail_msg("Markdown lacks '%s'", sections[i]);
    int tables;
    check_markdown_tables(out, &tables);
    assert_true(tables >= 8);
    free(out);
}

static void colour_only_on_a_terminal(void **state) {
    (void)state;
    char cmd[8192], wrapped[9000];
    gemma_command(cmd, sizeof cmd, "--no-errors");
    char *out = run_ok(cmd);
    assert_null(strchr(out, '\033'));
    free(out);
    /* script(1) gives the program a pseudo-terminal. */
    snprintf(wrapped, sizeof wrapped, "script -qec \"%s\" /dev/null", cmd);
    out = run_ok(wrapped);
    assert_non_null(strstr(out, "\033[1m"));
    free(out);
    char nocolor[9100];
    snprintf(nocolor, sizeof nocolor, "NO_COLOR=1 %s", wrapped);
    out = run_ok(nocolor);
    assert_null(strchr(out, '\033'));
    free(out);
}

static void hostile_names_are_escaped(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    char a[4200], b[4200], html[4200], cmd[16000];
    snprintf(a, sizeof a, "%s/a.gguf", dir);
    snprintf(b, sizeof b, "%s/b.gguf", dir);
    snprintf(html, sizeof html, "%s/r.html", dir);
    const char *evil_name = "blk.0.<script>x|y`z</script>.weight";
    for (int f = 0; f < 2; f++) {
        gguf_error err;
        gguf_writer *w = gguf_writer_open(f ? b : a, &err);
        assert_non_null(w);
        assert_int_equal(gguf_writer_add_str(w, "general.name", f ? "<img src=x onerror=alert(1)>|a" : "plain"), GQ_OK);
        uint64_t ne[1] = { 32 };
        float x[32];
        for (int i = 0; i < 32; i++) x[i] = (float)(i + f);
        assert_int_equal(gguf_writer_add_tensor(w, evil_name, 1, ne, GQ_TYPE_F32, NULL), GQ_OK);
        assert_int_equal(gguf_writer_write(w, x, sizeof x, &err), GQ_OK);
        assert_int_equal(gguf_writer_commit(w, &err), GQ_OK);
    }
    snprintf(cmd, sizeof cmd, "'%s/gq-compare' -q --markdown --html '%s' '%s' '%s'", gqt_bin_dir(), html, a, b);
    char *md = run_ok(cmd);
    int tables;
    char *copy = strdup(md);
    check_markdown_tables(copy, &tables);
    free(copy);
    assert_null(strstr(md, "<script>"));
    assert_null(strstr(md, "<img"));
    free(md);
    char *page = gqt_read_file(html, NULL);
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "<img"));
    assert_non_null(strstr(page, "&lt;script&gt;"));
    free(page);
    gqt_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_has_every_figure),
        cmocka_unit_test(csv_has_a_row_per_tensor_per_variant),
        cmocka_unit_test(markdown_is_a_well_formed_report),
        cmocka_unit_test(colour_only_on_a_terminal),
        cmocka_unit_test(hostile_names_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
