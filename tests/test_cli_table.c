/* Text tables line their columns up (by characters, not bytes), never end
 * a line in spaces, and only colour when asked. */
#include "gqtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

static char *render(const gq_table *t, bool colour) {
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    assert_true(gq_table_print(t, f, colour));
    fclose(f);
    return text;
}

static void columns_align_left_and_right(void **state) {
    (void)state;
    gq_table *t = gq_table_new(3);
    assert_non_null(t);
    gq_table_column(t, 0, "name", GQ_ALIGN_LEFT);
    gq_table_column(t, 1, "type", GQ_ALIGN_LEFT);
    gq_table_column(t, 2, "bytes", GQ_ALIGN_RIGHT);
    gq_table_row(t);
    gq_table_cell(t, "token_embd.weight");
    gq_table_cell(t, "q4_K");
    gq_table_cellf(t, "%d", 1234567);
    gq_table_row(t);
    gq_table_cell(t, "x");
    gq_table_cell(t, "f32");
    gq_table_cell(t, "8");
    gq_table_separator(t);
    gq_table_row(t);
    gq_table_cell(t, "total");
    gq_table_cell(t, "");
    gq_table_cell(t, "1234575");
    char *text = render(t, false);
    assert_string_equal(text,
                        "name               type    bytes\n"
                        "--------------------------------\n"
                        "token_embd.weight  q4_K  1234567\n"
                        "x                  f32         8\n"
                        "--------------------------------\n"
                        "total                    1234575\n");
    assert_int_equal(gq_table_row_count(t), 3);
    free(text);
    gq_table_free(t);
}

static void utf8_width_and_no_trailing_spaces(void **state) {
    (void)state;
    gq_table *t = gq_table_new(2);
    gq_table_set_indent(t, 2);
    gq_table_row(t);
    gq_table_cell(t, "\xc3\xa9t\xc3\xa9"); /* "été": 3 characters, 5 bytes */
    gq_table_cell(t, "a");
    gq_table_row(t);
    gq_table_cell(t, "abcd");
    gq_table_cell(t, ""); /* empty last cell: the line stops after "abcd" */
    gq_table_row(t);
    gq_table_cell(t, "ab"); /* missing last cell */
    char *text = render(t, false);
    assert_string_equal(text,
                        "  \xc3\xa9t\xc3\xa9   a\n"
                        "  abcd\n"
                        "  ab\n");
    assert_int_equal(gq_text_width("\xf0\x9f\x98\x80x"), 2);
    free(text);
    gq_table_free(t);
}

static void colour_only_when_requested(void **state) {
    (void)state;
    gq_table *t = gq_table_new(1);
    gq_table_column(t, 0, "h", GQ_ALIGN_LEFT);
    gq_table_row(t);
    gq_table_cell(t, "v");
    char *plain = render(t, false);
    char *coloured = render(t, true);
    assert_null(strchr(plain, '\033'));
    assert_non_null(strstr(coloured, "\033[1mh\033[0m"));
    free(plain);
    free(coloured);
    gq_table_free(t);

    /* NO_COLOR wins even on a terminal; a memory stream is never a TTY. */
    setenv("NO_COLOR", "1", 1);
    assert_false(gq_colour_enabled(stdout));
    unsetenv("NO_COLOR");
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_false(gq_colour_enabled(f));
    fclose(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(columns_align_left_and_right),
        cmocka_unit_test(utf8_width_and_no_trailing_spaces),
        cmocka_unit_test(colour_only_when_requested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
