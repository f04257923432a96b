/* The HTML report's SVG charts (charts.h). */
#include "compare/charts.h"

#include <math.h>
#include <string.h>

#include "compare/format.h"

#define W 760.0
#define H 380.0
#define ML 70.0  /* margins: room for axis labels and the legend */
#define MR 170.0
#define MT 30.0
#define MB 50.0

/* Colour-blind-friendly (Okabe-Ito, then Tol) categorical palette. */
static const char *const palette[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                                       "#F0E442", "#000000", "#882255", "#999999", "#332288", "#DDCC77",
                                       "#AA4499", "#117733", "#88CCEE", "#44AA99" };
#define N_PALETTE (sizeof palette / sizeof palette[0])

const char *cmp_variant_colour(size_t variant) { return palette[variant % N_PALETTE]; }

const char *cmp_type_colour(const cmp_report *r, uint32_t type) {
    bool used[GQ_TYPE_COUNT];
    memset(used, 0, sizeof used);
    for (size_t i = 0; i < r->n_inputs; i++)
        for (size_t k = 0; k < r->sizes[i].n_types; k++)
            if (r->sizes[i].types[k].type < GQ_TYPE_COUNT) used[r->sizes[i].types[k].type] = true;
    size_t slot = 0;
    for (uint32_t t = 0; t < type && t < GQ_TYPE_COUNT; t++)
        if (used[t]) slot++;
    return palette[slot % N_PALETTE];
}

static void text(FILE *out, double x, double y, const char *anchor, const char *cls, const char *s) {
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">", x, y, anchor, cls);
    cmp_esc_html(out, s, strlen(s));
    fputs("</text>\n", out);
}

static void open_svg(FILE *out, const char *id, const char *title, double height) {
    fprintf(out, "<svg class=\"chart\" id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                 "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"",
            id, W, height, W, height);
    cmp_esc_html(out, title, strlen(title));
    fputs("\">\n<title>", out);
    cmp_esc_html(out, title, strlen(title));
    fputs("</title>\n", out);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", W, height);
}

static void empty_chart(FILE *out, const char *message) {
    text(out, W / 2, H / 2, "middle", "note", message);
    fputs("</svg>\n", out);
}

/* A log10 axis covering [lo, hi] (decades), drawn on the left. */
typedef struct log_axis {
    double lo, hi; /* log10 bounds */
} log_axis;

static log_axis log_axis_for(double min_v, double max_v) {
    log_axis a = { floor(log10(min_v)), ceil(log10(max_v)) };
    if (a.hi <= a.lo) a.hi = a.lo + 1;
    return a;
}

static double y_of(const log_axis *a, double v) {
    double t = (log10(v) - a->lo) / (a->hi - a->lo);
    return MT + (1 - t) * (H - MT - MB);
}

static void draw_log_axis(FILE *out, const log_axis *a, const char *label) {
    int step = (int)ceil((a->hi - a->lo) / 8.0);
    if (step < 1) step = 1;
    for (double d = a->lo; d <= a->hi + 1e-9; d += step) {
        double y = y_of(a, pow(10, d));
        char b[32];
        snprintf(b, sizeof b, "1e%d", (int)d);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", ML, y, W - MR, y);
        text(out, ML - 6, y + 4, "end", "tick", b);
    }
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n", ML, MT, ML, H - MB);
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n", ML, H - MB, W - MR, H - MB);
    fprintf(out, "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" class=\"label\" transform=\"rotate(-90 16 %.1f)\">",
            (H - MB + MT) / 2, (H - MB + MT) / 2);
    cmp_esc_html(out, label, strlen(label));
    fputs("</text>\n", out);
}

static void legend_entry(FILE *out, size_t i, const char *colour, const char *label, bool bar) {
    double y = MT + 8 + 18.0 * (double)i;
    if (bar)
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\" class=\"legend-key\"/>\n",
                W - MR + 16, y - 9, colour);
    else
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\" "
                     "class=\"legend-key\"/>\n",
                W - MR + 12, y - 4, W - MR + 32, y - 4, colour);
    text(out, W - MR + 38, y, "start", "legend", label);
}

static bool usable(double v) { return isfinite(v) && v > 0; }

void cmp_chart_layers(FILE *out, const cmp_report *r) {
    open_svg(out, "chart-layers", "NMSE per layer, per variant (log scale)", H);
    double lo = INFINITY, hi = -INFINITY;
    int64_t lmin = 0, lmax = 0;
    bool any = false;
    for (size_t l = 0; l < r->n_layers; l++)
        for (size_t v = 0; v < r->n_variants; v++) {
            const cmp_agg *a = &r->layers[l].per_variant[v];
            if (!a->n_tensors || !usable(a->fig.nmse)) continue;
            if (a->fig.nmse < lo) lo = a->fig.nmse;
            if (a->fig.nmse > hi) hi = a->fig.nmse;
            if (!any || r->layers[l].layer < lmin) lmin = r->layers[l].layer;
            if (!any || r->layers[l].layer > lmax) lmax = r->layers[l].layer;
            any = true;
        }
    if (!r->errors_computed || !any) {
        empty_chart(out, "no per-layer error to show");
        return;
    }
    log_axis ax = log_axis_for(lo, hi);
    draw_log_axis(out, &ax, "NMSE");
    double span = lmax > lmin ? (double)(lmax - lmin) : 1.0;
#define X_OF(layer) (ML + 10 + ((double)((layer) - lmin) / span) * (W - MR - ML - 20))
    int64_t step = (lmax - lmin) / 16 + 1;
    for (int64_t l = lmin; l <= lmax; l += step) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)l);
        text(out, X_OF(l), H - MB + 16, "middle", "tick", b);
    }
    text(out, (ML + W - MR) / 2, H - 10, "middle", "label", "layer");
    for (size_t v = 0; v < r->n_variants; v++) {
        const char *colour = cmp_variant_colour(v);
        size_t points = 0;
        fprintf(out, "<polyline class=\"series\" data-variant=\"");
        const char *lab = r->short_labels[r->variant_input[v]];
        cmp_esc_html(out, lab, strlen(lab));
        fprintf(out, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
        for (size_t l = 0; l < r->n_layers; l++) {
            const cmp_agg *a = &r->layers[l].per_variant[v];
            if (!a->n_tensors || !usable(a->fig.nmse)) continue;
            fprintf(out, "%s%.1f,%.1f", points++ ? " " : "", X_OF(r->layers[l].layer), y_of(&ax, a->fig.nmse));
        }
        fputs("\"/>\n", out);
        for (size_t l = 0; l < r->n_layers; l++) {
            const cmp_agg *a = &r->layers[l].per_variant[v];
            if (!a->n_tensors || !usable(a->fig.nmse)) continue;
            char b[CMP_FMT_BUF];
            fprintf(out, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>", X_OF(r->layers[l].layer),
                    y_of(&ax, a->fig.nmse), colour);
            cmp_esc_html(out, lab, strlen(lab));
            fprintf(out, " layer %lld: NMSE %s</title></circle>\n", (long long)r->layers[l].layer,
                    cmp_fmt_sig(a->fig.nmse, 4, b, sizeof b));
        }
        legend_entry(out, v, colour, lab, false);
    }
#undef X_OF
    fputs("</svg>\n", out);
}

void cmp_chart_bpw(FILE *out, const cmp_report *r) {
    open_svg(out, "chart-bpw", "Bits per weight against overall NMSE (log scale)", H);
    double lo = INFINITY, hi = -INFINITY, bmin = INFINITY, bmax = -INFINITY;
    size_t n = 0;
    for (size_t v = 0; r->errors_computed && v < r->n_variants; v++) {
        double e = r->overall[v].fig.nmse, b = r->sizes[r->variant_input[v]].bpw;
        if (!r->overall[v].n_tensors || !usable(e)) continue;
        lo = fmin(lo, e);
        hi = fmax(hi, e);
        bmin = fmin(bmin, b);
        bmax = fmax(bmax, b);
        n++;
    }
    if (!n) {
        empty_chart(out, "no variant with a nonzero overall error");
        return;
    }
    log_axis ax = log_axis_for(lo, hi);
    draw_log_axis(out, &ax, "overall NMSE");
    double b0 = floor(bmin) - (bmin == floor(bmin) ? 1 : 0), b1 = ceil(bmax) + (bmax == ceil(bmax) ? 1 : 0);
    if (b0 < 0) b0 = 0;
#define X_OF(b) (ML + 10 + (((b) - b0) / (b1 - b0)) * (W - MR - ML - 20))
    int step = (int)ceil((b1 - b0) / 10.0);
    if (step < 1) step = 1;
    for (double b = b0; b <= b1 + 1e-9; b += step) {
        char t[32];
        snprintf(t, sizeof t, "%g", b);
        text(out, X_OF(b), H - MB + 16, "middle", "tick", t);
    }
    text(out, (ML + W - MR) / 2, H - 10, "middle", "label", "bits per weight");
    size_t k = 0;
    for (size_t v = 0; v < r->n_variants; v++) {
        double e = r->overall[v].fig.nmse, b = r->sizes[r->variant_input[v]].bpw;
        if (!r->overall[v].n_tensors || !usable(e)) continue;
        const char *lab = r->short_labels[r->variant_input[v]];
        char nb[CMP_FMT_BUF];
        fprintf(out, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"><title>", X_OF(b),
                y_of(&ax, e), cmp_variant_colour(v));
        cmp_esc_html(out, lab, strlen(lab));
        fprintf(out, ": %.3f bpw, NMSE %s</title></circle>\n", b, cmp_fmt_sig(e, 4, nb, sizeof nb));
        text(out, X_OF(b) + 8, y_of(&ax, e) - 6, "start", "point-label", lab);
        legend_entry(out, k++, cmp_variant_colour(v), lab, false);
    }
#undef X_OF
    fputs("</svg>\n", out);
}

void cmp_chart_mix(FILE *out, const cmp_report *r) {
    /* As tall as the bars (or the legend) need, not a fixed frame. */
    size_t n_types = 0;
    for (uint32_t t = 0; t < GQ_TYPE_COUNT; t++)
        for (size_t i = 0; i < r->n_inputs; i++)
            for (size_t k = 0; k < r->sizes[i].n_types; k++)
                if (r->sizes[i].types[k].type == t) {
                    n_types++;
                    i = r->n_inputs;
                    break;
                }
    double bar_h = 28;
    double height = MT + bar_h * (double)r->n_inputs + 40;
    if (height < MT + 18.0 * (double)n_types + 20) height = MT + 18.0 * (double)n_types + 20;
    open_svg(out, "chart-mix", "Type mix: share of tensor bytes per type, per input", height);
    double x0 = ML + 40, x1 = W - MR;
    bool used[GQ_TYPE_COUNT];
    memset(used, 0, sizeof used);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const cmp_size *s = &r->sizes[i];
        double y = MT + (double)i * bar_h, x = x0;
        text(out, x0 - 6, y + bar_h * 0.65, "end", "tick", r->short_labels[i]);
        for (size_t k = 0; k < s->n_types; k++) {
            const cmp_type_use *u = &s->types[k];
            double share = s->tensor_bytes ? (double)u->bytes / (double)s->tensor_bytes : 0;
            double w = share * (x1 - x0);
            if (u->type < GQ_TYPE_COUNT) used[u->type] = true;
            fprintf(out, "<rect class=\"seg\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"><title>",
                    x, y + 2, w, bar_h - 4, cmp_type_colour(r, u->type));
            cmp_esc_html(out, r->short_labels[i], strlen(r->short_labels[i]));
            fprintf(out, ": %s %.1f%% of tensor bytes (%llu tensors)</title></rect>\n", gq_type_name(u->type),
                    share * 100, (unsigned long long)u->tensors);
            x += w;
        }
    }
    for (double p = 0; p <= 1.0001; p += 0.25) {
        char b[16];
        snprintf(b, sizeof b, "%.0f%%", p * 100);
        text(out, x0 + p * (x1 - x0), MT + bar_h * (double)r->n_inputs + 16, "middle", "tick", b);
    }
    size_t k = 0;
    for (uint32_t t = 0; t < GQ_TYPE_COUNT; t++)
        if (used[t]) legend_entry(out, k++, cmp_type_colour(r, t), gq_type_name(t), true);
    fputs("</svg>\n", out);
}
