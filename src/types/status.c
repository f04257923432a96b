#include "gq/error.h"

const char *gq_status_str(gq_status status) {
    switch (status) {
    case GQ_OK: return "ok";
    case GQ_ERR_IO: return "i/o error";
    case GQ_ERR_FORMAT: return "invalid format";
    case GQ_ERR_NOMEM: return "out of memory";
    case GQ_ERR_UNSUPPORTED: return "unsupported";
    case GQ_ERR_ARG: return "invalid argument";
    case GQ_ERR_NONFINITE: return "non-finite value";
    case GQ_ERR_NEED_IMATRIX: return "importance matrix required";
    case GQ_ERR_INTERRUPTED: return "interrupted";
    case GQ_ERR_NOSPACE: return "no space left on device";
    }
    return "unknown status";
}
