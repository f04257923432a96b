/* Inline SVG charts for the HTML report.  Each writes one <svg> element
 * (class "chart", a stable id) with plain shapes only — no script, no
 * external font or image — so the page renders the same offline. */
#ifndef GQ_COMPARE_CHARTS_H
#define GQ_COMPARE_CHARTS_H

#include <stdio.h>

#include "compare/report.h"

/* NMSE per layer (log scale), one line per variant: id "chart-layers". */
void cmp_chart_layers(FILE *out, const cmp_report *r);
/* Bits per weight against overall NMSE (log scale), one point per variant: id "chart-bpw". */
void cmp_chart_bpw(FILE *out, const cmp_report *r);
/* Share of tensor bytes per type, one stacked bar per input: id "chart-mix". */
void cmp_chart_mix(FILE *out, const cmp_report *r);

/* The colour a variant / a type is drawn in (also used by the page's tables). */
const char *cmp_variant_colour(size_t variant);
/* Types get colours in id order among the types the report's inputs use,
 * so no two types on one page share a colour (up to 16 types). */
const char *cmp_type_colour(const cmp_report *r, uint32_t type);

#endif
