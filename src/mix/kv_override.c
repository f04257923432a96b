/* --override-kv KEY=TYPE:VALUE, parsed as llama.cpp's common library does
 * (string_parse_kv_override), so the same command line gives the same
 * metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gq/mix.h"

bool gq_kv_override_parse(const char *text, gq_kv_override *out, char *msg, size_t msg_size) {
    char scratch[8];
    if (!msg) { msg = scratch; msg_size = sizeof scratch; }
    memset(out, 0, sizeof *out);
    const char *eq = strchr(text, '=');
    if (!eq || eq == text || (size_t)(eq - text) >= sizeof out->key) {
        snprintf(msg, msg_size, "malformed KV override '%s' (want KEY=TYPE:VALUE, key under 128 bytes)", text);
        return false;
    }
    memcpy(out->key, text, (size_t)(eq - text));
    out->key[eq - text] = 0;
    const char *v = eq + 1;
    if (strncmp(v, "int:", 4) == 0) {
        out->kind = GQ_KV_OVERRIDE_INT;
        out->i = strtoll(v + 4, NULL, 10); /* like atol: trailing text ignored */
    } else if (strncmp(v, "float:", 6) == 0) {
        out->kind = GQ_KV_OVERRIDE_FLOAT;
        out->f = strtod(v + 6, NULL);
    } else if (strncmp(v, "bool:", 5) == 0) {
        out->kind = GQ_KV_OVERRIDE_BOOL;
        if (strcmp(v + 5, "true") == 0) {
            out->b = true;
        } else if (strcmp(v + 5, "false") == 0) {
            out->b = false;
        } else {
            snprintf(msg, msg_size, "invalid boolean value for KV override '%s' (true or false)", text);
            return false;
        }
    } else if (strncmp(v, "str:", 4) == 0) {
        out->kind = GQ_KV_OVERRIDE_STR;
        if (strlen(v + 4) > sizeof out->s - 1) {
            snprintf(msg, msg_size, "KV override '%s': the value cannot exceed 127 bytes", out->key);
            return false;
        }
        strcpy(out->s, v + 4);
    } else {
        snprintf(msg, msg_size, "invalid type for KV override '%s' (int, float, bool or str)", text);
        return false;
    }
    return true;
}
