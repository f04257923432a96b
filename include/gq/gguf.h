/* gq — read, validate and write GGUF files.
 *
 * Reading: gguf_open() memory-maps the file (or, where mmap is missing,
 * reads only the header) and validates the whole header before it returns:
 * every length and count against the bytes that are left, every size and
 * offset with overflow-checked arithmetic, every tensor against the type
 * table.  Values are not copied: strings point into the map and arrays are
 * read lazily, so a 262,144-entry token array costs no allocation per
 * element.  Anything wrong is reported as a gguf_error naming the field and
 * the byte offset where it was found.
 *
 * Writing: gguf_writer streams a file (header, metadata and tensor index
 * first, then tensor data with alignment padding) into a temporary file in
 * the target directory, fsyncs it and renames it into place on commit; an
 * abort or a failure leaves nothing behind.
 *
 * Byte order: GGUF is little-endian; a file whose version field reads
 * byte-swapped is taken as big-endian, its header values are swapped while
 * reading, and gguf_is_big_endian() says so.  Tensor data is never swapped.
 */
#ifndef GQ_GGUF_H
#define GQ_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gq/error.h"
#include "gq/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GGUF_MAGIC "GGUF"
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4
#define GGUF_MAX_ARRAY_DEPTH 8       /* arrays of arrays nest at most this deep */
#define GGUF_MAX_ALIGNMENT (1u << 24) /* a larger general.alignment is refused */
#define GGUF_MAX_NAME 65535           /* longest tensor name accepted (ggml: 63) */

enum gguf_value_type {
    GGUF_TYPE_UINT8 = 0,
    GGUF_TYPE_INT8 = 1,
    GGUF_TYPE_UINT16 = 2,
    GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4,
    GGUF_TYPE_INT32 = 5,
    GGUF_TYPE_FLOAT32 = 6,
    GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8,
    GGUF_TYPE_ARRAY = 9,
    GGUF_TYPE_UINT64 = 10,
    GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12,
    GGUF_TYPE_COUNT = 13
};

/* "uint8", "string", "array" ...; "unknown" for anything else. */
const char *gguf_value_type_name(uint32_t type);

/* What went wrong, and where.
 *
 * message is "<subject>: <problem> (at byte <offset>)": the subject names
 * what is at fault ("header", "kv 3", "key 'general.alignment'",
 * "tensor 'blk.0.attn_q.weight'"), and the suffix repeats `offset` when
 * has_offset.  Names taken from the file are shown with non-printable
 * bytes as \xNN and cut after 96 characters.  The offset of a header
 * problem is that of the field at fault (a key's or tensor info's first
 * byte for duplicates and names, the count field for counts, the type
 * field for types); of a data problem (runs past the end of the file,
 * overlaps another tensor) it is the file offset where the tensor's data
 * starts.  Errors with no position (open, write, rename) have no suffix
 * and name the path. */
typedef struct gguf_error {
    gq_status status;
    uint64_t offset;   /* byte offset in the file where the problem was found */
    bool has_offset;   /* false for errors with no position (open failed ...) */
    char message[512]; /* "tensor 'blk.0.attn_q.weight': dimension 1 is 0" */
} gguf_error;

/* A string inside the file: not NUL-terminated, valid while the file is open. */
typedef struct gguf_str {
    const char *ptr;
    uint64_t len;
} gguf_str;

/* A decoded value.  Scalars are decoded; strings point into the file;
 * arrays are described (element type, count, where the elements start) and
 * read on demand with gguf_array_get() or a gguf_array_iter. */
typedef struct gguf_value {
    enum gguf_value_type type;
    uint64_t offset; /* file offset of the encoded value: a kv's value from
                        its type field, an array element from its first byte */
    uint64_t size;   /* encoded size in bytes (from `offset`) */
    union {
        uint64_t u64; /* UINT8/16/32/64 */
        int64_t i64;  /* INT8/16/32/64 */
        double f64;   /* FLOAT32/64 (float32 widened exactly) */
        bool b;
        gguf_str str;
        struct {
            enum gguf_value_type type; /* element type */
            uint64_t len;              /* element count */
            uint64_t data_offset;      /* file offset of element 0 */
        } arr;
    } v;
} gguf_value;

typedef struct gguf_kv {
    gguf_str key;
    uint64_t offset; /* file offset of the key's length field */
    gguf_value value;
    bool duplicate;  /* an earlier kv has the same key (lenient mode only);
                        gguf_writer_copy_kv skips it */
} gguf_kv;

typedef struct gguf_tensor {
    gguf_str name;
    uint32_t n_dims;
    uint64_t ne[GGUF_MAX_DIMS]; /* ne[i] = 1 for i >= n_dims */
    uint32_t type;              /* ggml type id as stored */
    uint64_t offset;            /* relative to the data section */
    uint64_t info_offset;       /* file offset of this tensor's index entry */
    uint64_t n_elements;
    uint64_t n_bytes;           /* 0 when the type is unknown */
    bool type_known;            /* false: unknown/removed id (lenient mode only) */
} gguf_tensor;

/* Open flags. */
enum {
    /* Accept what real files in the wild contain but a strict reader
     * refuses: duplicate keys (first one wins in gguf_find_key), unknown
     * tensor type ids (sizes unknown, data not checked).  Each acceptance is
     * recorded as a warning. */
    GGUF_OPEN_LENIENT = 1 << 0,
    /* Do not map or read tensor data even when available (header only).
     * gguf_tensor_data() is then NULL; gguf_read_tensor() still reads a
     * tensor with pread() when asked. */
    GGUF_OPEN_HEADER_ONLY = 1 << 1,
    /* Read with read()/pread() instead of mmap, even where mmap exists. */
    GGUF_OPEN_NO_MMAP = 1 << 2,
};

typedef struct gguf_file gguf_file;

/* Open and validate a file.  NULL on failure with *err filled. */
gguf_file *gguf_open(const char *path, unsigned flags, gguf_error *err);

/* Validate a file held in memory (not copied; must outlive the handle).
 * For tests and fuzzing. */
gguf_file *gguf_open_memory(const void *data, size_t size, unsigned flags, gguf_error *err);

void gguf_close(gguf_file *f);

/* --- header --- */
uint32_t gguf_version(const gguf_file *f);
bool gguf_is_big_endian(const gguf_file *f);
uint64_t gguf_file_size(const gguf_file *f);
uint32_t gguf_alignment(const gguf_file *f);
uint64_t gguf_data_offset(const gguf_file *f);   /* start of the tensor data section */
uint64_t gguf_header_size(const gguf_file *f);   /* bytes before padding to the data section */

/* Warnings recorded while opening (lenient acceptances). */
size_t gguf_warning_count(const gguf_file *f);
const char *gguf_warning(const gguf_file *f, size_t i);

/* --- metadata --- */
uint64_t gguf_kv_count(const gguf_file *f);
const gguf_kv *gguf_get_kv(const gguf_file *f, uint64_t i);
/* Index of the first kv with this key, or -1. */
int64_t gguf_find_key(const gguf_file *f, const char *key);
/* Convenience lookups: false when missing or of an incompatible type.
 * Integers convert between widths when the value fits. */
bool gguf_get_u64(const gguf_file *f, const char *key, uint64_t *out);
bool gguf_get_i64(const gguf_file *f, const char *key, int64_t *out);
bool gguf_get_f64(const gguf_file *f, const char *key, double *out);
bool gguf_get_bool(const gguf_file *f, const char *key, bool *out);
bool gguf_get_str(const gguf_file *f, const char *key, gguf_str *out);
/* Compare a gguf_str with a C string. */
bool gguf_str_eq(gguf_str s, const char *cstr);

/* Element i of an array value (O(1) for fixed-size elements, a scan for
 * strings and nested arrays). */
bool gguf_array_get(const gguf_file *f, const gguf_value *array, uint64_t i, gguf_value *out);

/* Sequential access to any array, O(1) per step. */
typedef struct gguf_array_iter {
    const gguf_file *f;
    enum gguf_value_type type;
    uint64_t remaining;
    uint64_t pos; /* file offset of the next element */
} gguf_array_iter;
void gguf_array_iter_init(gguf_array_iter *it, const gguf_file *f, const gguf_value *array);
bool gguf_array_next(gguf_array_iter *it, gguf_value *out);

/* The raw encoded bytes of a kv (key length through the end of the value),
 * as they are in the file: for copying metadata verbatim. NULL when the
 * header is not in memory (never: the header is always in memory). */
const uint8_t *gguf_raw(const gguf_file *f, uint64_t offset, uint64_t size);

/* --- tensors --- */
uint64_t gguf_tensor_count(const gguf_file *f);
const gguf_tensor *gguf_get_tensor(const gguf_file *f, uint64_t i);
int64_t gguf_find_tensor(const gguf_file *f, const char *name);
/* True when every tensor has a known type (sizes and offsets validated). */
bool gguf_all_types_known(const gguf_file *f);
/* Pointer to a tensor's bytes in the memory map, or NULL when the file is
 * not mapped (read fallback, header-only) or the type is unknown. */
const void *gguf_tensor_data(const gguf_file *f, const gguf_tensor *t);
/* Copy size bytes starting at byte `start` of a tensor's data into dst
 * (works mapped or not).  Fails cleanly if the file shrank underneath. */
gq_status gguf_read_tensor(const gguf_file *f, const gguf_tensor *t, uint64_t start, void *dst,
                           uint64_t size, gguf_error *err);

/* --- writing --- */
typedef struct gguf_writer gguf_writer;

/* Start writing `path` (through a temporary file beside it).  Fails when
 * the directory is not writable.  Version 3, little-endian, alignment 32
 * unless changed before the first tensor data is written.
 *
 * A full disk (ENOSPC, EDQUOT) or a file-size limit (EFBIG) is reported as
 * GQ_ERR_NOSPACE and the temporary file is removed at once.  A process
 * that lowers RLIMIT_FSIZE must ignore SIGXFSZ (signal(SIGXFSZ, SIG_IGN)):
 * otherwise the kernel kills it at the limit instead of failing write()
 * with EFBIG, and the temporary file stays behind. */
gguf_writer *gguf_writer_open(const char *path, gguf_error *err);
/* Refuse to replace a file that is the same inode as `input_path`
 * (call before commit; gguf_writer_open does not know the inputs). */
gq_status gguf_writer_check_not_same(const char *path, const char *input_path, gguf_error *err);

/* Also records general.alignment (readers know the alignment only from
 * it); adding or copying a general.alignment uint32 sets it too.  An
 * invalid value fails the writer (reported by write/commit). */
void gguf_writer_set_alignment(gguf_writer *w, uint32_t alignment);

/* Metadata, in the order added.  Strings are copied.  Adding a key that is
 * already there replaces it and moves it last (as ggml's gguf_set_*).
 * On failure the reason is in gguf_writer_last_error(). */
gq_status gguf_writer_add_u8(gguf_writer *w, const char *key, uint8_t v);
gq_status gguf_writer_add_i8(gguf_writer *w, const char *key, int8_t v);
gq_status gguf_writer_add_u16(gguf_writer *w, const char *key, uint16_t v);
gq_status gguf_writer_add_i16(gguf_writer *w, const char *key, int16_t v);
gq_status gguf_writer_add_u32(gguf_writer *w, const char *key, uint32_t v);
gq_status gguf_writer_add_i32(gguf_writer *w, const char *key, int32_t v);
gq_status gguf_writer_add_f32(gguf_writer *w, const char *key, float v);
gq_status gguf_writer_add_bool(gguf_writer *w, const char *key, bool v);
gq_status gguf_writer_add_str(gguf_writer *w, const char *key, const char *v);
gq_status gguf_writer_add_u64(gguf_writer *w, const char *key, uint64_t v);
gq_status gguf_writer_add_i64(gguf_writer *w, const char *key, int64_t v);
gq_status gguf_writer_add_f64(gguf_writer *w, const char *key, double v);
/* An array of fixed-size elements (elem_type not STRING/ARRAY), values in
 * host order. */
gq_status gguf_writer_add_array(gguf_writer *w, const char *key, enum gguf_value_type elem_type,
                                const void *values, uint64_t count);
/* An array of strings. */
gq_status gguf_writer_add_str_array(gguf_writer *w, const char *key, const char *const *values,
                                    uint64_t count);
/* Copy one kv of an open file as it is (converted to little-endian when
 * the source is big-endian); the source must stay open until commit. */
gq_status gguf_writer_copy_kv(gguf_writer *w, const gguf_file *src, const gguf_kv *kv);
/* Remove a key added earlier (no-op when absent), e.g. to re-add it last. */
void gguf_writer_remove_key(gguf_writer *w, const char *key);

/* Tensor index, in file order.  Offsets are assigned as ggml does: each
 * tensor's data padded to the alignment.  Returns the tensor's index. */
gq_status gguf_writer_add_tensor(gguf_writer *w, const char *name, uint32_t n_dims,
                                 const uint64_t *ne, uint32_t type, uint64_t *index);

/* Tensor data, in index order, possibly in several pieces per tensor;
 * the first call writes the header.  Each tensor must get exactly its size
 * (a piece may not run into the next tensor: GQ_ERR_ARG, writer failed). */
gq_status gguf_writer_write(gguf_writer *w, const void *data, uint64_t size, gguf_error *err);

/* Write a header-only / no-data file or finish: pads, fsyncs, renames.
 * The writer is freed either way. */
gq_status gguf_writer_commit(gguf_writer *w, gguf_error *err);
/* Give up: remove the temporary file, free the writer. */
void gguf_writer_abort(gguf_writer *w);
/* Path of the temporary file (for signal handlers that must unlink it). */
const char *gguf_writer_temp_path(const gguf_writer *w);
/* Why the last add/copy call was refused, or why the writer failed ("" if
 * neither).  Valid until the next call on w. */
const char *gguf_writer_last_error(const gguf_writer *w);

#ifdef __cplusplus
}
#endif
#endif
