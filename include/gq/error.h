/* gq — shared status codes.
 *
 * Every library function that can fail returns a gq_status (or NULL with a
 * gq_status in an out-parameter).  The set is deliberately small, in the
 * spirit of zstd's error enum: the human-readable detail travels in a
 * message buffer next to it, not in ever more codes. */
#ifndef GQ_ERROR_H
#define GQ_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gq_status {
    GQ_OK = 0,
    GQ_ERR_IO,           /* open/read/write/rename/fsync failed (errno kept in the message) */
    GQ_ERR_FORMAT,       /* the input is not valid (GGUF, imatrix, block data ...) */
    GQ_ERR_NOMEM,        /* an allocation failed */
    GQ_ERR_UNSUPPORTED,  /* valid input that this build cannot handle (unknown type id ...) */
    GQ_ERR_ARG,          /* the caller passed something meaningless */
    GQ_ERR_NONFINITE,    /* NaN or Inf where a finite float is required */
    GQ_ERR_NEED_IMATRIX, /* the type cannot be quantized without importance weights */
    GQ_ERR_INTERRUPTED,  /* a signal asked us to stop */
    GQ_ERR_NOSPACE       /* the disk (or RLIMIT_FSIZE) is full */
} gq_status;

/* A short, static, lower-case description of a status ("invalid format"). */
const char *gq_status_str(gq_status status);

#ifdef __cplusplus
}
#endif
#endif
