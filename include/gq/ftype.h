/* llama.cpp's file types (general.file_type): numbers, names, and the
 * tensor type each one is "mostly" made of. */
#ifndef GQ_FTYPE_H
#define GQ_FTYPE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gq_ftype_info {
    int id;                 /* llama_ftype number, as stored in general.file_type */
    const char *name;       /* as llama-quantize's command line spells it: "Q4_K_M" */
    const char *enum_name;  /* as llama.cpp's enum: "MOSTLY_Q4_K_M", "ALL_F32" */
    int base_type;          /* the ggml type most tensors get (gq_type id) */
} gq_ftype_info;

/* By number; NULL for numbers llama.cpp does not define (4-6, 33-35 are removed). */
const gq_ftype_info *gq_ftype_get(int id);
/* By llama-quantize name, case-insensitively; also accepts the number as
 * text and the aliases Q3_K, Q4_K, Q5_K.  NULL when unknown. */
const gq_ftype_info *gq_ftype_from_name(const char *name);
/* All entries, in number order; *count receives their number. */
const gq_ftype_info *gq_ftype_all(int *count);

#ifdef __cplusplus
}
#endif
#endif
