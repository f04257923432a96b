/* Ollama's quantization labels (see ollama_label.h).  The two tables are
 * facts of Ollama's fs/ggml/type.go, v0.24.0 and v0.32.15. */
#include "store/ollama_label.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gq/ftype.h"

typedef struct label {
    uint32_t file_type;
    const char *name;
} label;

/* Before v0.30.0: the types Ollama's own engine ran. */
static const label before_0_30[] = {
    {0, "F32"},     {1, "F16"},     {2, "Q4_0"},    {3, "Q4_1"},    {4, "MXFP4"},   {7, "Q8_0"},
    {8, "Q5_0"},    {9, "Q5_1"},    {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"},
    {14, "Q4_K_S"}, {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"}, {18, "Q6_K"},   {21, "Q2_K_S"},
    {32, "BF16"},
};

/* From v0.30.0: llama.cpp's names, up to Q1_0. */
static const label since_0_30[] = {
    {0, "F32"},      {1, "F16"},       {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},    {8, "Q5_0"},
    {9, "Q5_1"},     {10, "Q2_K"},     {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"},
    {15, "Q4_K_M"},  {16, "Q5_K_S"},   {17, "Q5_K_M"}, {18, "Q6_K"},   {19, "IQ2_XXS"}, {20, "IQ2_XS"},
    {21, "Q2_K_S"},  {22, "IQ3_XS"},   {23, "IQ3_XXS"}, {24, "IQ1_S"}, {25, "IQ4_NL"}, {26, "IQ3_S"},
    {27, "IQ3_M"},   {28, "IQ2_S"},    {29, "IQ2_M"},  {30, "IQ4_XS"}, {31, "IQ1_M"},  {32, "BF16"},
    {36, "TQ1_0"},   {37, "TQ2_0"},    {38, "MXFP4_MOE"}, {39, "NVFP4"}, {40, "Q1_0"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *gq_ollama_label_for(bool present, uint32_t file_type, gq_ollama_era era) {
    /* KV.FileType(): a missing key, another value type and 0 all become
     * FileTypeUnknown before the table is consulted. */
    if (!present || file_type == 0) return "unknown";
    const label *t = era == GQ_OLLAMA_BEFORE_0_30 ? before_0_30 : since_0_30;
    const size_t n = era == GQ_OLLAMA_BEFORE_0_30 ? COUNT(before_0_30) : COUNT(since_0_30);
    for (size_t i = 0; i < n; i++)
        if (t[i].file_type == file_type) return t[i].name;
    return "unknown";
}

/* general.file_type as Ollama sees it: only a uint32 counts. */
static bool read_file_type(const gguf_file *f, uint32_t *out, bool *stored) {
    *stored = false;
    int64_t i = gguf_find_key(f, "general.file_type");
    if (i < 0) return false;
    const gguf_kv *kv = gguf_get_kv(f, (uint64_t)i);
    *stored = true;
    if (kv->value.type != GGUF_TYPE_UINT32) return false;
    *out = (uint32_t)kv->value.v.u64;
    return true;
}

const char *gq_ollama_label_of_file(const gguf_file *f, gq_ollama_era era) {
    uint32_t ft = 0;
    bool stored;
    bool present = read_file_type(f, &ft, &stored);
    return gq_ollama_label_for(present, ft, era);
}

void gq_ollama_label_describe(const gguf_file *f, const char *recorded, char *out, size_t cap) {
    uint32_t ft = 0;
    bool stored = false;
    const bool present = read_file_type(f, &ft, &stored);
    const char *now = gq_ollama_label_for(present, ft, GQ_OLLAMA_SINCE_0_30);
    const char *old = gq_ollama_label_for(present, ft, GQ_OLLAMA_BEFORE_0_30);
    size_t used = 0;
    int w;
    if (strcmp(now, "unknown") != 0) {
        if (strcmp(old, now) == 0) w = snprintf(out, cap, "%s", now);
        else w = snprintf(out, cap, "%s (Ollama before v0.30 shows \"%s\")", now, old);
    } else if (strcmp(old, "unknown") != 0) {
        w = snprintf(out, cap, "unknown (Ollama before v0.30 shows \"%s\")", old);
    } else if (!stored) {
        w = snprintf(out, cap, "unknown (no general.file_type)");
    } else if (!present) {
        w = snprintf(out, cap, "unknown (Ollama reads general.file_type only as a uint32)");
    } else {
        const gq_ftype_info *info = gq_ftype_get((int)ft);
        if (info)
            w = snprintf(out, cap, "unknown (Ollama has no name for %s (%" PRIu32 "))", info->enum_name, ft);
        else
            w = snprintf(out, cap, "unknown (file type %" PRIu32 " is not one llama.cpp defines)", ft);
    }
    if (w > 0) used = (size_t)w < cap ? (size_t)w : cap;
    if (recorded && strcmp(recorded, now) != 0 && used < cap)
        snprintf(out + used, cap - used, "; this pull recorded \"%s\"", recorded);
}
