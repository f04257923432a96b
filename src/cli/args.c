/* Long-option parser: see args.h. */
#include "cli/args.h"

#include "cli/fmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const gq_option *find_long(const gq_cli_spec *spec, const char *name, size_t len) {
    for (const gq_option *o = spec->options; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
    return NULL;
}

static const gq_option *find_short(const gq_cli_spec *spec, char c) {
    for (const gq_option *o = spec->options; o && o->name; o++)
        if (o->short_name && o->short_name == c) return o;
    return NULL;
}

int gq_args_usage_error(const gq_cli_spec *spec, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: ", spec->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", spec->prog);
    return GQ_ARGS_ERROR;
}

void gq_args_print_version(const gq_cli_spec *spec, FILE *out) {
    fprintf(out, "%s (gq) %s\n", spec->prog, GQ_VERSION);
}

void gq_args_print_help(const gq_cli_spec *spec, FILE *out) {
    fprintf(out, "Usage: %s %s\n", spec->prog, spec->usage ? spec->usage : "[options]");
    if (spec->summary) fprintf(out, "%s\n", spec->summary);
    fprintf(out, "\nOptions:\n");

    /* Left column: "-o, --output FILE"; its width is the widest entry so
     * every help text starts in the same column. */
    char left[128];
    size_t width = strlen("    --version");
    for (int pass = 0; pass < 2; pass++) {
        for (const gq_option *o = spec->options; o && o->name; o++) {
            const char *mv = o->kind == GQ_OPT_FLAG ? NULL : (o->metavar ? o->metavar : "VALUE");
            if (o->short_name)
                snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, mv ? " " : "",
                         mv ? mv : "");
            else
                snprintf(left, sizeof left, "    --%s%s%s", o->name, mv ? " " : "", mv ? mv : "");
            size_t len = strlen(left);
            if (pass == 0) {
                if (len > width) width = len;
            } else {
                fprintf(out, "  %-*s  %s\n", (int)width, left, o->help ? o->help : "");
            }
        }
    }
    fprintf(out, "  %-*s  %s\n", (int)width, "-h, --help", "show this help and exit");
    fprintf(out, "  %-*s  %s\n", (int)width, "    --version", "show the version and exit");
    if (spec->epilogue) fprintf(out, "\n%s", spec->epilogue);
}

static bool add_hit(gq_args *a, const gq_option *o, const char *value) {
    a->hits[a->n_hits].opt = o;
    a->hits[a->n_hits].value = value;
    a->n_hits++;
    return true;
}

int gq_args_parse(gq_args *a, const gq_cli_spec *spec, int argc, char **argv) {
    memset(a, 0, sizeof *a);
    a->spec = spec;
    size_t n = argc > 0 ? (size_t)argc : 0;
    /* Every argument is at most one hit or one positional: argc bounds both. */
    a->hits = calloc(n + 1, sizeof *a->hits);
    a->positional = calloc(n + 1, sizeof *a->positional);
    if (!a->hits || !a->positional) {
        gq_args_free(a);
        fprintf(stderr, "%s: out of memory\n", spec->prog);
        return GQ_ARGS_ERROR;
    }
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_positional || arg[0] != '-' || arg[1] == '\0') {
            a->positional[a->n_positional++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = true;
            continue;
        }
        const gq_option *o;
        const char *inline_value = NULL;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            if (eq) inline_value = eq + 1;
            if (!eq && strcmp(name, "help") == 0) {
                gq_args_print_help(spec, stdout);
                gq_args_free(a);
                return GQ_ARGS_DONE;
            }
            /* Hidden: the build writes each program's man page with it. */
            if (!eq && strcmp(name, "help-man") == 0) {
                gq_args_print_man(spec, stdout);
                gq_args_free(a);
                return GQ_ARGS_DONE;
            }
            if (!eq && strcmp(name, "version") == 0) {
                gq_args_print_version(spec, stdout);
                gq_args_free(a);
                return GQ_ARGS_DONE;
            }
            o = find_long(spec, name, len);
            if (!o) {
                gq_args_free(a);
                return gq_args_usage_error(spec, "unknown option '--%.*s'", (int)len, name);
            }
        } else {
            if (arg[1] == 'h' && arg[2] == '\0') {
                gq_args_print_help(spec, stdout);
                gq_args_free(a);
                return GQ_ARGS_DONE;
            }
            o = find_short(spec, arg[1]);
            if (!o) {
                gq_args_free(a);
                return gq_args_usage_error(spec, "unknown option '-%c'", arg[1]);
            }
            if (arg[2] != '\0') {
                if (o->kind == GQ_OPT_FLAG) {
                    gq_args_free(a);
                    return gq_args_usage_error(spec, "option '-%c' takes no value (in '%s')",
                                               arg[1], arg);
                }
                inline_value = arg + 2;
            }
        }
        if (o->kind == GQ_OPT_FLAG) {
            if (inline_value) {
                gq_args_free(a);
                return gq_args_usage_error(spec, "option '--%s' takes no value", o->name);
            }
            add_hit(a, o, NULL);
            continue;
        }
        const char *value = inline_value;
        if (!value) {
            if (i + 1 >= argc) {
                gq_args_free(a);
                return gq_args_usage_error(spec, "option '--%s' needs a value (%s)", o->name,
                                           o->metavar ? o->metavar : "VALUE");
            }
            value = argv[++i];
        }
        add_hit(a, o, value);
    }
    return GQ_ARGS_CONTINUE;
}

void gq_args_free(gq_args *a) {
    free(a->hits);
    free(a->positional);
    a->hits = NULL;
    a->positional = NULL;
    a->n_hits = a->n_positional = 0;
}

static bool hit_is(const gq_arg_hit *h, const char *name) { return strcmp(h->opt->name, name) == 0; }

bool gq_args_has(const gq_args *a, const char *name) { return gq_args_count(a, name) > 0; }

size_t gq_args_count(const gq_args *a, const char *name) {
    size_t n = 0;
    for (size_t i = 0; i < a->n_hits; i++) n += hit_is(&a->hits[i], name);
    return n;
}

const char *gq_args_get(const gq_args *a, const char *name) {
    for (size_t i = a->n_hits; i-- > 0;)
        if (hit_is(&a->hits[i], name)) return a->hits[i].value;
    return NULL;
}

const char *gq_args_value_at(const gq_args *a, const char *name, size_t k) {
    for (size_t i = 0; i < a->n_hits; i++)
        if (hit_is(&a->hits[i], name) && k-- == 0) return a->hits[i].value;
    return NULL;
}

bool gq_args_get_u64(const gq_args *a, const char *name, uint64_t *out) {
    const char *v = gq_args_get(a, name);
    if (!v) return true;
    if (gq_parse_u64(v, out)) return true;
    gq_args_usage_error(a->spec, "--%s: '%s' is not a non-negative integer", name, v);
    return false;
}

bool gq_args_get_count(const gq_args *a, const char *name, uint64_t *out) {
    const char *v = gq_args_get(a, name);
    if (!v) return true;
    if (gq_parse_count(v, out)) return true;
    gq_args_usage_error(a->spec, "--%s: '%s' is not a count (examples: 4096, 32k, 1.5B)", name, v);
    return false;
}

bool gq_args_get_double(const gq_args *a, const char *name, double *out) {
    const char *v = gq_args_get(a, name);
    if (!v) return true;
    errno = 0;
    char *end = NULL;
    double d = strtod(v, &end);
    if (end != v && *end == '\0' && !errno && isfinite(d)) {
        *out = d;
        return true;
    }
    gq_args_usage_error(a->spec, "--%s: '%s' is not a number", name, v);
    return false;
}
