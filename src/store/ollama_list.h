/* gq-inspect --list-ollama: every model in Ollama's store with its size,
 * blob, the quantization label Ollama shows and what the file really is
 * (llama.cpp's file type), as text or as JSON (schema gq-ollama-list/1,
 * docs/stores.md). */
#ifndef GQ_STORE_OLLAMA_LIST_H
#define GQ_STORE_OLLAMA_LIST_H

#include <stdbool.h>
#include <stdio.h>

/* Print the listing of the store gq_ollama_models_dir() finds.  Returns a
 * gq exit code: 0, or 1 when the store cannot be read (message on stderr
 * through gq_diag_error).  Models whose manifest or blob is broken are
 * listed with the reason. */
int gq_ollama_list_print(FILE *out, bool json, bool pretty);

#endif
