#include "peak_rss.h"

#include <sys/resource.h>

long gqt_peak_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}
