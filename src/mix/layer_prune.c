/* llama-quantize's block renumbering for --prune-layers (layer_prune.h). */
#include "layer_prune.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_space(char c) { return c == ' ' || c == '\t'; }

static int compare_ints(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

bool layer_prune_parse(const char *text, int **ids, size_t *n_ids, char *msg, size_t msg_size) {
    *ids = NULL;
    *n_ids = 0;
    size_t n_items = 1;
    for (const char *c = text; *c; c++) n_items += *c == ',';
    int *out = malloc(n_items * sizeof *out);
    if (!out) {
        snprintf(msg, msg_size, "out of memory");
        return false;
    }
    size_t n = 0;
    const char *item = text;
    for (;;) {
        const char *end = strchr(item, ',');
        if (!end) end = item + strlen(item);
        const char *c = item;
        while (c < end && is_space(*c)) c++;
        long long value = 0;
        const char *digits = c;
        while (c < end && is_digit(*c) && value <= INT_MAX) value = value * 10 + (*c++ - '0');
        while (c < end && is_space(*c)) c++;
        if (c == digits || c != end || value > INT_MAX) {
            snprintf(msg, msg_size, "'%.*s' is not a layer number (want numbers >= 0 separated by commas)",
                     (int)(end - item), item);
            free(out);
            return false;
        }
        out[n++] = (int)value;
        if (!*end) break;
        item = end + 1;
    }
    /* llama-quantize sorts the list and drops repeats: "3,1,3" is "1,3" */
    qsort(out, n, sizeof *out, compare_ints);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++)
        if (unique == 0 || out[unique - 1] != out[i]) out[unique++] = out[i];
    *ids = out;
    *n_ids = unique;
    return true;
}

void layer_renumber_init(layer_renumber *r, const int *prune, size_t n_prune) {
    memset(r, 0, sizeof *r);
    r->prune = prune;
    r->n_prune = n_prune;
}

void layer_renumber_free(layer_renumber *r) {
    free(r->seen);
    r->seen = NULL;
    r->n_seen = r->cap_seen = 0;
}

/* The first "blk.<digits>." in name, as std::regex_search finds
 * blk\.(\d+)\. : *digits and *n_digits receive the number's text. */
static bool find_block(const char *name, const char **digits, size_t *n_digits) {
    for (const char *p = strstr(name, "blk."); p; p = strstr(p + 1, "blk.")) {
        const char *d = p + 4, *e = d;
        while (is_digit(*e)) e++;
        if (e > d && *e == '.') {
            *digits = d;
            *n_digits = (size_t)(e - d);
            return true;
        }
    }
    return false;
}

static bool is_pruned(const layer_renumber *r, int block) {
    return bsearch(&block, r->prune, r->n_prune, sizeof *r->prune, compare_ints) != NULL;
}

static const layer_renumber_entry *lookup(const layer_renumber *r, int from) {
    for (size_t i = 0; i < r->n_seen; i++)
        if (r->seen[i].from == from) return &r->seen[i];
    return NULL;
}

bool layer_renumber_saw(const layer_renumber *r, int from) { return lookup(r, from) != NULL; }

/* The new number of a block met for the first time (llama-quantize's rule). */
static int assign(layer_renumber *r, int block) {
    if (is_pruned(r, block)) return -1;
    if (block < r->prune[0]) {
        /* below every pruned block: nothing before it moved */
        r->next = block + 1;
        return block;
    }
    return r->next++;
}

layer_renumber_result layer_renumber_name(layer_renumber *r, const char *name, char **out_name) {
    *out_name = NULL;
    const char *digits;
    size_t n_digits;
    if (!find_block(name, &digits, &n_digits)) {
        *out_name = strdup(name);
        return *out_name ? LAYER_KEEP : LAYER_NO_MEMORY;
    }
    long long block = 0;
    for (size_t i = 0; i < n_digits; i++) {
        block = block * 10 + (digits[i] - '0');
        if (block > INT_MAX) return LAYER_BAD_NUMBER; /* std::stoi throws there */
    }
    const layer_renumber_entry *e = lookup(r, (int)block);
    if (!e) {
        if (r->n_seen == r->cap_seen) {
            size_t cap = r->cap_seen ? r->cap_seen * 2 : 64;
            layer_renumber_entry *grown = realloc(r->seen, cap * sizeof *grown);
            if (!grown) return LAYER_NO_MEMORY;
            r->seen = grown;
            r->cap_seen = cap;
        }
        layer_renumber_entry fresh = { (int)block, assign(r, (int)block) };
        r->seen[r->n_seen] = fresh;
        e = &r->seen[r->n_seen++];
    }
    if (e->to < 0) return LAYER_DROP;
    /* the digits are always rewritten, so "blk.07." becomes "blk.7." even
     * when the block does not move (llama-quantize does the same) */
    char number[16];
    int n_number = snprintf(number, sizeof number, "%d", e->to);
    size_t head = (size_t)(digits - name), tail = strlen(digits + n_digits);
    char *s = malloc(head + (size_t)n_number + tail + 1);
    if (!s) return LAYER_NO_MEMORY;
    memcpy(s, name, head);
    memcpy(s + head, number, (size_t)n_number);
    memcpy(s + head + (size_t)n_number, digits + n_digits, tail + 1);
    *out_name = s;
    return LAYER_KEEP;
}
