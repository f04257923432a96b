/* Internals of the GGUF writer, shared by its file handling (writer.c) and
 * its metadata encoding (writer_kv.c). */
#ifndef GQ_GGUF_WRITER_INTERNAL_H
#define GQ_GGUF_WRITER_INTERNAL_H

#include "gguf_internal.h"

/* Where a kv's encoded value (type field and payload) comes from. */
enum writer_kv_source {
    WKV_OWNED,     /* encoded by the writer, held in `owned` */
    WKV_BORROWED,  /* bytes of a little-endian v2/v3 source file, verbatim */
    WKV_CONVERTED, /* a big-endian or v1 source: re-encoded while writing */
};

typedef struct writer_kv {
    char *key;
    size_t key_len;
    enum writer_kv_source source;
    uint8_t *owned;           /* WKV_OWNED */
    const uint8_t *borrowed;  /* WKV_BORROWED */
    uint64_t len;             /* bytes of owned / borrowed */
    const gguf_file *src;     /* WKV_CONVERTED */
    uint32_t src_type;        /* WKV_CONVERTED: value type */
    uint64_t src_payload;     /* WKV_CONVERTED: file offset after the type field */
} writer_kv;

typedef struct writer_tensor {
    char *name;
    size_t name_len;
    uint32_t n_dims;
    uint64_t ne[GGUF_MAX_DIMS];
    uint32_t type;
    uint64_t n_bytes;
    uint64_t offset; /* assigned when the header is written */
} writer_tensor;

struct gguf_writer {
    char *path;
    char *temp_path;
    int fd;
    uint32_t alignment;

    writer_kv *kvs;
    size_t n_kv, kv_cap;
    writer_tensor *tensors;
    uint64_t n_tensors, tensor_cap;
    uint64_t *name_slots; /* open addressing over tensors: index + 1, 0 = empty */
    uint64_t name_cap;    /* power of two, at least twice n_tensors */

    bool header_written;
    uint64_t current;      /* tensor whose data is being written */
    uint64_t current_done; /* bytes of it written so far */
    uint64_t written;      /* bytes handed to the output (buffered or not) */

    uint8_t *buf;
    size_t buf_len, buf_cap;

    gq_status failed;      /* sticky: an output or sequencing error */
    gguf_error failure;
    char last_error[512];  /* message of the last refused call */
};

/* Output: append bytes (buffered), false once the writer has failed. */
bool gguf__writer_out(gguf_writer *w, const void *p, uint64_t n);
bool gguf__writer_out_u32(gguf_writer *w, uint32_t v);
bool gguf__writer_out_u64(gguf_writer *w, uint64_t v);

/* Encode a kv's value (type field and payload) to the output. */
bool gguf__writer_emit_kv_value(gguf_writer *w, const writer_kv *kv);

/* Free every kv (on commit or abort). */
void gguf__writer_free_kvs(gguf_writer *w);

/* Record the message of a refused call (returned status is the caller's). */
gq_status gguf__writer_refuse(gguf_writer *w, gq_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
