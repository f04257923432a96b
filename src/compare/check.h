/* --check: pass/fail verdicts for CI on top of a finished report.
 *
 *   metadata  every metadata difference is expected from quantization or
 *             splitting (general.file_type, general.quantization_version,
 *             quantize.*, split.*) or matches an --ignore-key glob;
 *   tensors   every input has the same tensor names with the same shapes,
 *             every tensor could be compared, and (with --max-nmse X) no
 *             variant's overall NMSE exceeds X;
 *   all       both. */
#ifndef GQ_COMPARE_CHECK_H
#define GQ_COMPARE_CHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "compare/report.h"

enum {
    CMP_CHECK_METADATA = 1 << 0,
    CMP_CHECK_TENSORS = 1 << 1,
    CMP_CHECK_ALL = CMP_CHECK_METADATA | CMP_CHECK_TENSORS,
};

/* "metadata" / "tensors" / "all" -> flags; 0 for anything else. */
unsigned cmp_check_parse(const char *what);

/* Runs the checks; writes one line per failure (and a summary line) to
 * out when out is not NULL.  max_nmse < 0 (or NaN) means no NMSE limit.
 * Returns the number of failures (0: every check holds). */
size_t cmp_run_checks(const cmp_report *r, unsigned which, double max_nmse, FILE *out);

#endif
