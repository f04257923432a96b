/* llama.cpp's file-type numbers (llama_ftype) and names: facts of the
 * general.file_type key, shared by every tool that prints or chooses one. */
#include "gq/ftype.h"

#include <ctype.h>
#include <stdlib.h>

#include "gq/types.h"

static const gq_ftype_info ftypes[] = {
    { 0, "F32", "ALL_F32", GQ_TYPE_F32 },
    { 1, "F16", "MOSTLY_F16", GQ_TYPE_F16 },
    { 2, "Q4_0", "MOSTLY_Q4_0", GQ_TYPE_Q4_0 },
    { 3, "Q4_1", "MOSTLY_Q4_1", GQ_TYPE_Q4_1 },
    { 7, "Q8_0", "MOSTLY_Q8_0", GQ_TYPE_Q8_0 },
    { 8, "Q5_0", "MOSTLY_Q5_0", GQ_TYPE_Q5_0 },
    { 9, "Q5_1", "MOSTLY_Q5_1", GQ_TYPE_Q5_1 },
    { 10, "Q2_K", "MOSTLY_Q2_K", GQ_TYPE_Q2_K },
    { 11, "Q3_K_S", "MOSTLY_Q3_K_S", GQ_TYPE_Q3_K },
    { 12, "Q3_K_M", "MOSTLY_Q3_K_M", GQ_TYPE_Q3_K },
    { 13, "Q3_K_L", "MOSTLY_Q3_K_L", GQ_TYPE_Q3_K },
    { 14, "Q4_K_S", "MOSTLY_Q4_K_S", GQ_TYPE_Q4_K },
    { 15, "Q4_K_M", "MOSTLY_Q4_K_M", GQ_TYPE_Q4_K },
    { 16, "Q5_K_S", "MOSTLY_Q5_K_S", GQ_TYPE_Q5_K },
    { 17, "Q5_K_M", "MOSTLY_Q5_K_M", GQ_TYPE_Q5_K },
    { 18, "Q6_K", "MOSTLY_Q6_K", GQ_TYPE_Q6_K },
    { 19, "IQ2_XXS", "MOSTLY_IQ2_XXS", GQ_TYPE_IQ2_XXS },
    { 20, "IQ2_XS", "MOSTLY_IQ2_XS", GQ_TYPE_IQ2_XS },
    { 21, "Q2_K_S", "MOSTLY_Q2_K_S", GQ_TYPE_Q2_K },
    { 22, "IQ3_XS", "MOSTLY_IQ3_XS", GQ_TYPE_IQ3_S },
    { 23, "IQ3_XXS", "MOSTLY_IQ3_XXS", GQ_TYPE_IQ3_XXS },
    { 24, "IQ1_S", "MOSTLY_IQ1_S", GQ_TYPE_IQ1_S },
    { 25, "IQ4_NL", "MOSTLY_IQ4_NL", GQ_TYPE_IQ4_NL },
    { 26, "IQ3_S", "MOSTLY_IQ3_S", GQ_TYPE_IQ3_S },
    { 27, "IQ3_M", "MOSTLY_IQ3_M", GQ_TYPE_IQ3_S },
    { 28, "IQ2_S", "MOSTLY_IQ2_S", GQ_TYPE_IQ2_XS },
    { 29, "IQ2_M", "MOSTLY_IQ2_M", GQ_TYPE_IQ2_S },
    { 30, "IQ4_XS", "MOSTLY_IQ4_XS", GQ_TYPE_IQ4_XS },
    { 31, "IQ1_M", "MOSTLY_IQ1_M", GQ_TYPE_IQ1_M },
    { 32, "BF16", "MOSTLY_BF16", GQ_TYPE_BF16 },
    { 36, "TQ1_0", "MOSTLY_TQ1_0", GQ_TYPE_TQ1_0 },
    { 37, "TQ2_0", "MOSTLY_TQ2_0", GQ_TYPE_TQ2_0 },
    { 38, "MXFP4_MOE", "MOSTLY_MXFP4_MOE", GQ_TYPE_MXFP4 },
    { 39, "NVFP4", "MOSTLY_NVFP4", GQ_TYPE_NVFP4 },
    { 40, "Q1_0", "MOSTLY_Q1_0", GQ_TYPE_Q1_0 },
    { 41, "Q2_0", "MOSTLY_Q2_0", GQ_TYPE_Q2_0 },
};

#define N_FTYPES ((int)(sizeof ftypes / sizeof ftypes[0]))

const gq_ftype_info *gq_ftype_get(int id) {
    for (int i = 0; i < N_FTYPES; i++)
        if (ftypes[i].id == id) return &ftypes[i];
    return NULL;
}

static int equal_nocase(const char *a, const char *b) {
    while (*a && *b && toupper((unsigned char)*a) == toupper((unsigned char)*b)) { a++; b++; }
    return *a == 0 && *b == 0;
}

const gq_ftype_info *gq_ftype_from_name(const char *name) {
    static const struct { const char *alias; int id; } aliases[] = {
        { "Q3_K", 12 }, { "Q4_K", 15 }, { "Q5_K", 17 },
    };
    if (!name || !*name) return NULL;
    if (isdigit((unsigned char)name[0])) {
        char *end;
        long v = strtol(name, &end, 10);
        return *end ? NULL : gq_ftype_get((int)v);
    }
    for (int i = 0; i < N_FTYPES; i++)
        if (equal_nocase(ftypes[i].name, name)) return &ftypes[i];
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (equal_nocase(aliases[i].alias, name)) return gq_ftype_get(aliases[i].id);
    return NULL;
}

const gq_ftype_info *gq_ftype_all(int *count) {
    if (count) *count = N_FTYPES;
    return ftypes;
}
