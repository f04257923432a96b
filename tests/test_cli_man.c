/* The man page --help-man prints (src/cli/args_man.c): generated from the
 * option table like --help, valid man(7) for any text a table holds, and
 * reached through the parser as a hidden option that exits like --help.
 *
 * The expected lines are written out here from man(7)'s rules (requests
 * start with '.', '\' starts an escape and is printed as \e, '-' as \-,
 * a text line starting with '.' or '\'' needs \& in front), not taken from
 * the program's output. */
#include "gqtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"

static const gq_option options[] = {
    {"json", 0, GQ_OPT_FLAG, NULL, "print JSON"},
    {"output", 'o', GQ_OPT_VALUE, "FILE", "where to write"},
    {"filter", 0, GQ_OPT_LIST, "GLOB", "names like 'blk.*' (C:\\path)"},
    {0},
};
static const gq_cli_spec spec = {"gq-test", "[options] FILE", "Test the man page.", options,
                                 "Exit status: 0 ok, 2 usage error.\n.dot at a line start\n'quote too\n"};

static char *man_text(void) {
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    gq_args_print_man(&spec, f);
    fclose(f);
    return text;
}

static bool has_line(const char *text, const char *line) {
    size_t n = strlen(line);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0')) return true;
    return false;
}

static void page_sections_and_options(void **state) {
    (void)state;
    char *t = man_text();
    assert_true(has_line(t, ".TH GQ\\-TEST 1 \"\" \"gq " GQ_VERSION "\" \"User Commands\""));
    assert_true(has_line(t, ".SH NAME"));
    /* NAME is one line, without the summary's full stop. */
    assert_true(has_line(t, "gq\\-test \\- Test the man page"));
    assert_true(has_line(t, ".SH SYNOPSIS"));
    assert_true(has_line(t, ".B gq\\-test"));
    assert_true(has_line(t, "[options] FILE"));
    assert_true(has_line(t, ".SH OPTIONS"));
    assert_true(has_line(t, "\\fB\\-\\-json\\fR"));
    assert_true(has_line(t, "\\fB\\-o\\fR, \\fB\\-\\-output\\fR \\fIFILE\\fR"));
    assert_true(has_line(t, "\\fB\\-\\-filter\\fR \\fIGLOB\\fR"));
    /* A backslash in help text is printed, not taken for an escape. */
    assert_true(has_line(t, "names like 'blk.*' (C:\\epath)"));
    assert_true(has_line(t, "\\fB\\-h\\fR, \\fB\\-\\-help\\fR"));
    assert_true(has_line(t, "\\fB\\-\\-version\\fR"));
    free(t);
}

static void epilogue_keeps_its_lines_and_escapes_requests(void **state) {
    (void)state;
    char *t = man_text();
    assert_true(has_line(t, ".SH NOTES"));
    assert_true(has_line(t, ".nf"));
    assert_true(has_line(t, "Exit status: 0 ok, 2 usage error."));
    /* Text lines that would read as requests are protected. */
    assert_true(has_line(t, "\\&.dot at a line start"));
    assert_true(has_line(t, "\\&'quote too"));
    assert_true(has_line(t, ".fi"));
    assert_true(has_line(t, ".SH SEE ALSO"));
    /* Every line that starts with '.' is a request this page uses. */
    static const char *const requests[] = {".\\\"", ".TH ", ".SH ", ".B ", ".BR ", ".TP", ".nf", ".fi", ".PP"};
    for (const char *p = t; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (*p != '.') continue;
        bool known = false;
        for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
            known |= strncmp(p, requests[i], strlen(requests[i])) == 0;
        if (!known) fail_msg("unexpected request line: %.40s", p);
    }
    free(t);
}

/* --help-man goes through the parser like --help: GQ_ARGS_DONE (exit 0),
 * nothing left to free, and it is not listed in --help. */
static void hidden_option_ends_the_parse(void **state) {
    (void)state;
    char *argv[] = {(char *)"gq-test", (char *)"--help-man", NULL};
    gq_args a;
    /* The page goes to standard output: catch it in a temporary file. */
    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(capture), STDOUT_FILENO) >= 0);
    int rc = gq_args_parse(&a, &spec, 2, argv);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    assert_int_equal(rc, GQ_ARGS_DONE);
    assert_null(a.hits);
    char page[8192];
    rewind(capture);
    size_t n = fread(page, 1, sizeof page - 1, capture);
    page[n] = '\0';
    fclose(capture);
    assert_non_null(strstr(page, ".SH OPTIONS"));

    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    gq_args_print_help(&spec, f);
    fclose(f);
    assert_null(strstr(text, "help-man"));
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_sections_and_options),
        cmocka_unit_test(epilogue_keeps_its_lines_and_escapes_requests),
        cmocka_unit_test(hidden_option_ends_the_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
