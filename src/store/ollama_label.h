/* The quantization label Ollama prints for a GGUF ("quantization Q4_K_M"
 * in `ollama show`, the QUANTIZATION of `ollama list`), derived as Ollama
 * derives it, so gq can show it next to llama.cpp's file-type name and say
 * what Ollama's "unknown" really is.
 *
 * Ollama turns general.file_type into a name with its FileType.String()
 * table (fs/ggml/type.go), and that table changed:
 *
 *   - before v0.30.0 it names only the types Ollama's own engine ran:
 *     F32 F16 Q4_0 Q4_1 Q8_0 Q5_0 Q5_1 Q2_K Q3_K_S/M/L Q4_K_S/M Q5_K_S/M
 *     Q6_K Q2_K_S BF16, plus "MXFP4" for number 4 (Ollama's own gpt-oss
 *     files, from v0.11.1); every IQ type, TQ1_0/TQ2_0 and llama.cpp's
 *     MXFP4_MOE (38) are "unknown";
 *   - from v0.30.0 (llama-server runs GGUF models) it names every llama.cpp
 *     file type up to Q1_0 (40), and 4 is "unknown" again.
 *
 * Both read general.file_type only when it is stored as uint32 and is not
 * 0 (KV.FileType()): an F32 file (0), a missing key or another integer
 * type all give "unknown".  The label is recorded in the model's config
 * blob when the model is created or pulled ("file_type"), so a model
 * pulled with an older Ollama keeps its old label; newer versions replace
 * a recorded "unknown" by the one derived from the file. */
#ifndef GQ_STORE_OLLAMA_LABEL_H
#define GQ_STORE_OLLAMA_LABEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/gguf.h"

typedef enum gq_ollama_era {
    GQ_OLLAMA_BEFORE_0_30, /* Ollama up to v0.24 (number 4 is "MXFP4" from v0.11.1) */
    GQ_OLLAMA_SINCE_0_30,  /* Ollama v0.30.0 and later (checked against v0.32.15) */
} gq_ollama_era;

/* The label for a general.file_type as Ollama reads it: `present` false
 * when the key is missing or not a uint32. */
const char *gq_ollama_label_for(bool present, uint32_t file_type, gq_ollama_era era);
/* The same, reading general.file_type from an open file. */
const char *gq_ollama_label_of_file(const gguf_file *f, gq_ollama_era era);

/* One line for gq-inspect: "Q4_K_M", or "IQ2_M (Ollama before v0.30
 * shows "unknown")", or "unknown (Ollama has no name for ALL_F32 (0))";
 * `recorded` (the config blob's label of an ollama: model, or NULL) is
 * added when it differs: "...; this pull recorded "unknown"". */
void gq_ollama_label_describe(const gguf_file *f, const char *recorded, char *out, size_t cap);

#endif
