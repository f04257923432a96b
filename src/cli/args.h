/* A small long-option parser shared by the gq programs.
 *
 * Options are described once, in a table; the same table drives parsing
 * and the --help text, so the two cannot drift apart.
 *
 *   static const gq_option options[] = {
 *       {"json", 0,   GQ_OPT_FLAG,  NULL,   "print JSON instead of text"},
 *       {"ctx",  0,   GQ_OPT_VALUE, "N",    "context length for --memory"},
 *       {"output", 'o', GQ_OPT_VALUE, "FILE", "where to write"},
 *       {"filter", 0, GQ_OPT_LIST,  "GLOB", "only names matching GLOB (repeatable)"},
 *       {0},
 *   };
 *   static const gq_cli_spec spec = {"gq-inspect", "[options] FILE", "Show ...", options, NULL};
 *   gq_args a;
 *   int rc = gq_args_parse(&a, &spec, argc, argv);
 *   if (rc != GQ_ARGS_CONTINUE) return rc == GQ_ARGS_DONE ? 0 : 2;
 *   const char *ctx = gq_args_get(&a, "ctx");
 *   ...
 *   gq_args_free(&a);
 *
 * Accepted syntax: --name, --name VALUE, --name=VALUE, -x, -x VALUE,
 * -xVALUE, positional arguments anywhere, and "--" after which everything
 * is positional.  "-" alone is positional (standard input/output).
 * --help/-h and --version are built in (and the hidden --help-man, which
 * prints the man page): they print to stdout and the parse returns
 * GQ_ARGS_DONE.  Errors ("unknown option --foo", "--ctx needs a
 * value") are printed as "<prog>: ..." with a hint to try --help, and the
 * parse returns GQ_ARGS_ERROR (exit code 2). */
#ifndef GQ_CLI_ARGS_H
#define GQ_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef GQ_VERSION
#define GQ_VERSION "unknown"
#endif

typedef enum gq_opt_kind {
    GQ_OPT_FLAG,  /* no value; may be given more than once (counted) */
    GQ_OPT_VALUE, /* one value; given twice, the last one wins */
    GQ_OPT_LIST,  /* one value per occurrence; all are kept */
} gq_opt_kind;

typedef struct gq_option {
    const char *name;    /* long name without "--"; NULL ends the table */
    char short_name;     /* single letter or 0 */
    gq_opt_kind kind;
    const char *metavar; /* shown in --help: "N", "FILE" (values only) */
    const char *help;    /* one line */
} gq_option;

typedef struct gq_cli_spec {
    const char *prog;          /* "gq-inspect" */
    const char *usage;         /* after the program name: "[options] FILE" */
    const char *summary;       /* one sentence under the usage line */
    const gq_option *options;  /* terminated by an entry with name == NULL */
    const char *epilogue;      /* printed after the options (examples), or NULL */
} gq_cli_spec;

/* One occurrence of an option on the command line. */
typedef struct gq_arg_hit {
    const gq_option *opt;
    const char *value; /* NULL for flags */
} gq_arg_hit;

typedef struct gq_args {
    const gq_cli_spec *spec;
    gq_arg_hit *hits;        /* in command-line order */
    size_t n_hits;
    const char **positional; /* in command-line order */
    size_t n_positional;
} gq_args;

enum {
    GQ_ARGS_CONTINUE = 0, /* parsed: run the program */
    GQ_ARGS_DONE = 1,     /* --help or --version was printed: exit 0 */
    GQ_ARGS_ERROR = 2,    /* a usage error was printed: exit 2 */
};

int gq_args_parse(gq_args *a, const gq_cli_spec *spec, int argc, char **argv);
void gq_args_free(gq_args *a);

/* Was the option given?  How often? */
bool gq_args_has(const gq_args *a, const char *name);
size_t gq_args_count(const gq_args *a, const char *name);
/* Last value of a value/list option, or NULL. */
const char *gq_args_get(const gq_args *a, const char *name);
/* i-th value (0-based) of a list option, or NULL. */
const char *gq_args_value_at(const gq_args *a, const char *name, size_t i);

/* Numeric values: true with *out set when absent (keeps *out, the default)
 * or well formed; false after printing "<prog>: --name: '<v>' is not ..."
 * (the caller exits 2).  gq_args_get_count accepts suffixes (32k, 1.5B;
 * see gq_parse_count). */
bool gq_args_get_u64(const gq_args *a, const char *name, uint64_t *out);
bool gq_args_get_count(const gq_args *a, const char *name, uint64_t *out);
bool gq_args_get_double(const gq_args *a, const char *name, double *out);

/* Print a usage error "<prog>: <message>" plus the --help hint; returns
 * GQ_ARGS_ERROR so callers can `return gq_args_usage_error(...)`. */
int gq_args_usage_error(const gq_cli_spec *spec, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The --help text, generated from the table. */
void gq_args_print_help(const gq_cli_spec *spec, FILE *out);
/* The man(7) page, generated from the table (args_man.c); printed by the
 * hidden option --help-man, which returns GQ_ARGS_DONE like --help. */
void gq_args_print_man(const gq_cli_spec *spec, FILE *out);
/* "<prog> (gq) <version>" */
void gq_args_print_version(const gq_cli_spec *spec, FILE *out);

#endif
