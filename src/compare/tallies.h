/* Counts every report format states in its prose ("14 keys differ: 3
 * expected ...", "2 tensors not compared"), computed once from a finished
 * report so the text, Markdown and HTML writers cannot disagree. */
#ifndef GQ_COMPARE_TALLIES_H
#define GQ_COMPARE_TALLIES_H

#include <stdbool.h>
#include <stddef.h>

#include "compare/report.h"

/* Keys that differ, by class (an ignored key counts as ignored even when
 * the difference is also expected). */
typedef struct cmp_key_tally {
    size_t expected, ignored, unexpected;
} cmp_key_tally;
cmp_key_tally cmp_tally_keys(const cmp_report *r);

/* Tensor names absent from some input, and names with another shape. */
typedef struct cmp_tensor_tally {
    size_t missing, shape_differs;
} cmp_tensor_tally;
cmp_tensor_tally cmp_tally_tensors(const cmp_report *r);

/* (tensor, variant) pairs whose error was not measured. */
size_t cmp_tally_not_compared(const cmp_report *r);

/* Whether any variant has a changed tensor in this class or layer
 * (per_variant: [n_variants]); the NMSE grids leave the others out. */
bool cmp_agg_any_changed(const cmp_report *r, const cmp_agg *per_variant);

/* The reference's general.name when it is a string, else an empty one. */
gguf_str cmp_reference_model_name(const cmp_report *r);

#endif
