/* gq-compare: compare quantized variants of one model.
 *
 *   gq-compare [options] A.gguf B.gguf [C.gguf ...]
 *
 * Sizes and bits per weight, metadata differences, tensor-index parity and
 * the reconstruction error of every tensor of every variant against a
 * reference (the float input unless --ref says otherwise), as text tables,
 * JSON, CSV, Markdown or a self-contained HTML page; --check turns the
 * findings into an exit code for CI.  All the work is in src/compare/;
 * this file is the command line.
 *
 * Exit codes: 0 success (and every --check holds), 1 a check failed,
 * 2 usage error, 3 an input could not be read, 4 any other failure (out of
 * memory, an output could not be written), 130 interrupted. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cleanup.h"
#include "cli/diag.h"
#include "cli/output_file.h"
#include "cli/progress.h"
#include "cli/sigbus.h"
#include "cli/table.h"
#include "compare/check.h"
#include "compare/report.h"
#include "compare/writers.h"

enum {
    EXIT_OK = 0,
    EXIT_CHECK_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_UNREADABLE = 3,
    EXIT_OTHER = 4,
    EXIT_INTERRUPTED = 130,
};

static const gq_option options[] = {
    { "ref", 0, GQ_OPT_VALUE, "FILE", "measure errors against FILE (default: the float input, else the most bits per weight)" },
    { "json", 0, GQ_OPT_FLAG, NULL, "print the whole report as JSON (schema gq-compare/1)" },
    { "csv", 0, GQ_OPT_FLAG, NULL, "print one CSV row per tensor per variant" },
    { "markdown", 0, GQ_OPT_FLAG, NULL, "print a Markdown lab report" },
    { "html", 0, GQ_OPT_VALUE, "FILE", "also write a self-contained HTML page with charts to FILE" },
    { "output", 'o', GQ_OPT_VALUE, "FILE", "write the printed report to FILE instead of standard output" },
    { "check", 0, GQ_OPT_VALUE, "WHAT", "CI check: metadata, tensors or all; exit 1 when it fails" },
    { "ignore-key", 0, GQ_OPT_LIST, "GLOB", "--check metadata: ignore keys matching GLOB (repeatable)" },
    { "max-nmse", 0, GQ_OPT_VALUE, "X", "--check tensors: fail when a variant's overall NMSE exceeds X" },
    { "threads", 't', GQ_OPT_VALUE, "N", "threads for the error pass (default: one per CPU)" },
    { "tensors", 0, GQ_OPT_FLAG, NULL, "text: also list every tensor's type and error" },
    { "no-errors", 0, GQ_OPT_FLAG, NULL, "skip the reconstruction error (sizes, metadata and index only)" },
    { "no-percentiles", 0, GQ_OPT_FLAG, NULL, "skip the p50/p99/p99.9 of |e|: every other figure the same, the error pass faster" },
    { "quiet", 'q', GQ_OPT_FLAG, NULL, "no progress line" },
    { 0 },
};

static const gq_cli_spec spec = {
    "gq-compare",
    "[options] A.gguf B.gguf [C.gguf ...]",
    "Compare quantized variants of one model: sizes, metadata, tensor parity and reconstruction error.",
    options,
    "Split models (name-00001-of-00003.gguf) are read as one model: name any part.\n"
    "A model may also be named ollama:NAME[:TAG] or hf:ORG/REPO/FILE.gguf[@REV] (docs/stores.md).\n"
    "\n"
    "Exit codes: 0 success (every --check holds), 1 a check failed, 2 usage error,\n"
    "3 an input could not be read, 4 other failure (memory, writing output), 130 interrupted.\n"
    "\n"
    "Examples:\n"
    "  gq-compare model-BF16.gguf model-Q8_0.gguf model-Q4_K_M.gguf\n"
    "  gq-compare --html report.html --markdown model-*.gguf > report.md\n"
    "  gq-compare --check all --max-nmse 0.01 --ignore-key 'general.name' ref.gguf new.gguf\n"
    "  gq-compare ollama:batiai/gemma4-e2b:q4 ollama:batiai/gemma4-e2b:q6\n",
};

typedef struct progress_state {
    gq_progress bar;
} progress_state;

static void on_progress(void *ctx, const char *tensor, uint64_t index, uint64_t count, uint64_t done,
                        uint64_t total) {
    progress_state *p = ctx;
    /* The totals are only known once the inputs are open. */
    p->bar.n_items = count;
    p->bar.total_bytes = total;
    gq_progress_update(&p->bar, index, tensor, NULL, done);
}

static bool stop_requested(void) { return gq_interrupted(); }

int main(int argc, char **argv) {
    gq_diag_set_prog("gq-compare");
    gq_sigbus_install(EXIT_UNREADABLE); /* an input truncated while mapped */
    gq_args a;
    int rc = gq_args_parse(&a, &spec, argc, argv);
    if (rc != GQ_ARGS_CONTINUE) return rc == GQ_ARGS_DONE ? EXIT_OK : EXIT_USAGE;

    int status = EXIT_OK;
    cmp_report *report = NULL;
    FILE *out = stdout;
    const char **ignore = NULL;

    size_t n_formats = gq_args_has(&a, "json") + gq_args_has(&a, "csv") + gq_args_has(&a, "markdown");
    const char *check_arg = gq_args_get(&a, "check");
    unsigned checks = check_arg ? cmp_check_parse(check_arg) : 0;
    uint64_t threads = 0;
    double max_nmse = -1;
    if (n_formats > 1) {
        status = gq_args_usage_error(&spec, "--json, --csv and --markdown print to one output: pick one");
        goto done;
    }
    if (check_arg && !checks) {
        status = gq_args_usage_error(&spec, "--check: '%s' is not metadata, tensors or all", check_arg);
        goto done;
    }
    if (!gq_args_get_u64(&a, "threads", &threads) || !gq_args_get_double(&a, "max-nmse", &max_nmse)) {
        status = EXIT_USAGE;
        goto done;
    }
    if (gq_args_has(&a, "max-nmse") && !(max_nmse >= 0)) {
        status = gq_args_usage_error(&spec, "--max-nmse must be a number >= 0");
        goto done;
    }
    if (gq_args_has(&a, "max-nmse") && !(checks & CMP_CHECK_TENSORS)) {
        status = gq_args_usage_error(&spec, "--max-nmse needs --check tensors or --check all");
        goto done;
    }
    if (threads > 1024) {
        status = gq_args_usage_error(&spec, "--threads: at most 1024");
        goto done;
    }
    if (a.n_positional + (gq_args_has(&a, "ref") ? 1 : 0) < 2) {
        status = gq_args_usage_error(&spec, "need at least two GGUF files to compare");
        goto done;
    }

    /* -o or --html naming an input would replace a model being read */
    {
        const char *targets[2] = { gq_args_get(&a, "output"), gq_args_get(&a, "html") };
        const char *ref = gq_args_get(&a, "ref");
        for (int k = 0; k < 2; k++) {
            char why[1024];
            if (targets[k] && (!gq_output_refuse_inputs(targets[k], (const char *const *)a.positional, a.n_positional,
                                                        why, sizeof why) ||
                               !gq_output_refuse_inputs(targets[k], &ref, ref ? 1 : 0, why, sizeof why))) {
                gq_diag_error(targets[k], "%s", why);
                status = EXIT_USAGE;
                goto done;
            }
        }
    }

    size_t n_ignore = gq_args_count(&a, "ignore-key");
    ignore = calloc(n_ignore + 1, sizeof *ignore);
    if (!ignore) {
        gq_diag_error(NULL, "out of memory");
        status = EXIT_OTHER;
        goto done;
    }
    for (size_t i = 0; i < n_ignore; i++) ignore[i] = gq_args_value_at(&a, "ignore-key", i);

    /* A metadata-only check with nothing else to print does not need the
     * (expensive) error pass. */
    bool only_metadata_check = checks == CMP_CHECK_METADATA && !n_formats && !gq_args_has(&a, "html");
    bool printing_report = !checks || n_formats;
    /* Checks read sums only (NMSE): when nothing else is printed, the |e|
     * histogram — most of the error pass's time — would go unread. */
    bool skip_percentiles = gq_args_has(&a, "no-percentiles") || (!printing_report && !gq_args_has(&a, "html"));

    gq_cleanup_install(true);
    progress_state ps;
    gq_progress_init(&ps.bar, gq_args_has(&a, "quiet"), 0, 0);
    cmp_options opt = {
        .ref_path = gq_args_get(&a, "ref"),
        .threads = (int)threads,
        .compute_errors = !gq_args_has(&a, "no-errors") && !only_metadata_check,
        .skip_percentiles = skip_percentiles,
        .ignore_keys = ignore,
        .n_ignore_keys = n_ignore,
        .progress = on_progress,
        .progress_ctx = &ps,
        .should_stop = stop_requested,
    };
    char err[1024] = "";
    cmp_build_status bs = cmp_report_build(a.positional, a.n_positional, &opt, &report, err, sizeof err);
    gq_progress_finish(&ps.bar);
    switch (bs) {
    case CMP_BUILD_OK: break;
    case CMP_BUILD_UNREADABLE:
        gq_diag_error(NULL, "%s", err);
        status = EXIT_UNREADABLE;
        goto done;
    case CMP_BUILD_USAGE:
        status = gq_args_usage_error(&spec, "%s", err);
        goto done;
    case CMP_BUILD_INTERRUPTED:
        gq_diag_error(NULL, "interrupted");
        status = EXIT_INTERRUPTED;
        goto done;
    case CMP_BUILD_NOMEM:
        gq_diag_error(NULL, "%s", err[0] ? err : "out of memory");
        status = EXIT_OTHER;
        goto done;
    }

    /* Reports go to a temporary file renamed over -o / --html once they
     * are complete: a full disk or an interrupt never leaves half a report
     * or damages the file that was there. */
    const char *out_path = gq_args_get(&a, "output");
    gq_output_file out_file = { 0 };
    char why[1024];
    if (out_path) {
        if (!gq_output_open(&out_file, out_path, why, sizeof why)) {
            gq_diag_error(out_path, "%s", why);
            status = EXIT_OTHER;
            goto done;
        }
        out = out_file.fp;
    }
    bool ok = true;
    if (printing_report) {
        if (gq_args_has(&a, "json")) ok = cmp_write_json(out, report);
        else if (gq_args_has(&a, "csv")) ok = cmp_write_csv(out, report);
        else if (gq_args_has(&a, "markdown")) ok = cmp_write_markdown(out, report);
        else {
            cmp_write_opts wo = { .colour = gq_colour_enabled(out), .per_tensor = gq_args_has(&a, "tensors") };
            ok = cmp_write_text(out, report, &wo);
        }
        if (!ok) {
            gq_diag_error(out_path, "could not write the report: %s", strerror(errno));
            status = EXIT_OTHER;
        }
    }
    const char *html_path = gq_args_get(&a, "html");
    if (html_path) {
        gq_output_file page;
        if (!gq_output_open(&page, html_path, why, sizeof why)) {
            gq_diag_error(html_path, "%s", why);
            status = EXIT_OTHER;
        } else if (!cmp_write_html(page.fp, report)) {
            gq_diag_error(html_path, "could not write the page: %s", strerror(errno));
            gq_output_abort(&page);
            status = EXIT_OTHER;
        } else if (gq_interrupted()) {
            gq_output_abort(&page);
        } else if (!gq_output_commit(&page, why, sizeof why) && !gq_interrupted()) {
            /* (an interrupt during the commit is reported as one below) */
            gq_diag_error(html_path, "%s", why);
            status = EXIT_OTHER;
        }
    }
    if (checks) {
        /* Verdicts go where the report is not: stdout when only checking,
         * stderr when stdout carries a machine-readable document. */
        FILE *verdicts = printing_report ? stderr : out;
        size_t fails = cmp_run_checks(report, checks, max_nmse, verdicts);
        if (fails && status == EXIT_OK) status = EXIT_CHECK_FAILED;
    }

    /* -o is complete (report or verdicts): put it in place, or keep the old file */
    if (out_path) {
        if (ok && !gq_interrupted() && !gq_output_commit(&out_file, why, sizeof why)) {
            if (!gq_interrupted()) { /* an interrupt during the commit is reported as one below */
                gq_diag_error(out_path, "%s", why);
                status = EXIT_OTHER;
            }
        } else if (out_file.fp) {
            gq_output_abort(&out_file); /* the old file, if any, stays as it was */
        }
        out = stdout;
    }
    if (gq_interrupted() && status == EXIT_OK) {
        /* Late, while the reports were written: any file being written was
         * removed and what was at its path is untouched. */
        gq_diag_error(NULL, "interrupted");
        status = EXIT_INTERRUPTED;
    }

done:
    if (out != stdout && fclose(out) != 0 && status == EXIT_OK) {
        gq_diag_error(gq_args_get(&a, "output"), "could not write the report");
        status = EXIT_OTHER;
    }
    cmp_report_free(report);
    free(ignore);
    gq_args_free(&a);
    return status;
}
