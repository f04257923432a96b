/* Number and size formatting: see fmt.h. */
#include "cli/fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *gq_fmt_size(uint64_t bytes, int decimals, char *buf, size_t size) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(buf, size, "%" PRIu64 " B", bytes);
        return buf;
    }
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    if (decimals < 0) decimals = 0;
    snprintf(buf, size, "%.*f %s", decimals, v, units[u]);
    return buf;
}

char *gq_fmt_thousands(uint64_t v, char *buf, size_t size) {
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v);
    char tmp[32];
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        /* A comma before every group of three digits counted from the right. */
        if (i > 0 && (n - i) % 3 == 0) tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    snprintf(buf, size, "%s", tmp);
    return buf;
}

char *gq_fmt_shape(const uint64_t *ne, uint32_t n_dims, char *buf, size_t size) {
    if (size == 0) return buf;
    buf[0] = '\0';
    if (n_dims == 0) {
        snprintf(buf, size, "1");
        return buf;
    }
    size_t o = 0;
    for (uint32_t i = 0; i < n_dims && o < size; i++) {
        int w = snprintf(buf + o, size - o, i ? "x%" PRIu64 : "%" PRIu64, ne[i]);
        if (w < 0) break;
        o += (size_t)w;
    }
    return buf;
}

double gq_bpw(uint64_t bytes, uint64_t elements) {
    return elements ? 8.0 * (double)bytes / (double)elements : 0.0;
}

char *gq_fmt_bpw(uint64_t bytes, uint64_t elements, char *buf, size_t size) {
    if (!elements) snprintf(buf, size, "-");
    else snprintf(buf, size, "%.2f", gq_bpw(bytes, elements));
    return buf;
}

char *gq_fmt_count_short(uint64_t v, char *buf, size_t size) {
    static const struct { double scale; const char *suffix; } steps[] = {
        {1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if ((double)v >= steps[i].scale) {
            snprintf(buf, size, "%.2f%s", (double)v / steps[i].scale, steps[i].suffix);
            return buf;
        }
    }
    snprintf(buf, size, "%" PRIu64, v);
    return buf;
}

bool gq_parse_u64(const char *text, uint64_t *out) {
    if (!text || *text < '0' || *text > '9') return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end) return false;
    *out = (uint64_t)v;
    return true;
}

bool gq_parse_count(const char *text, uint64_t *out) {
    if (!text || !((*text >= '0' && *text <= '9') || *text == '.')) return false;
    errno = 0;
    char *end = NULL;
    /* Integers without a suffix are parsed exactly (no double rounding). */
    unsigned long long whole = strtoull(text, &end, 10);
    if (!errno && *end == '\0') {
        *out = (uint64_t)whole;
        return true;
    }
    double v = strtod(text, &end);
    if (end == text || errno || !isfinite(v) || v < 0) return false;
    double scale = 1.0;
    const char *s = end;
    switch (*s) {
    case 'k': case 'K': scale = 1e3; break;
    case 'm': case 'M': scale = 1e6; break;
    case 'b': case 'B': case 'g': case 'G': scale = 1e9; break;
    case 't': case 'T': scale = 1e12; break;
    case '\0': break;
    default: return false;
    }
    if (*s) s++;
    if (*s == 'i') {
        /* Binary multiples: Ki, Mi, Gi, Ti. */
        switch (s[-1]) {
        case 'k': case 'K': scale = 1024.0; break;
        case 'm': case 'M': scale = 1048576.0; break;
        case 'g': case 'G': scale = 1073741824.0; break;
        case 't': case 'T': scale = 1099511627776.0; break;
        default: return false;
        }
        s++;
    }
    if (*s) return false;
    if (scale == 1.0 && v != floor(v)) return false; /* "1.5" items is no count */
    double r = v * scale;
    if (r >= 18446744073709551616.0) return false;
    *out = (uint64_t)llround(r);
    return true;
}

char *gq_fmt_float32(float v, bool json, char *buf, size_t size) {
    if (isnan(v)) {
        snprintf(buf, size, "%s", json ? "null" : "nan");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, size, "%s", json ? "null" : v < 0 ? "-inf" : "inf");
        return buf;
    }
    /* 9 significant digits always round-trip a float; fewer usually do. */
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, size, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    return buf;
}
