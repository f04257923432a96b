#include "cpu.h"

#if defined(GQ_ARCH_X86_64) && (defined(__GNUC__) || defined(__clang__))
bool gq_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") &&
           __builtin_cpu_supports("fma");
}
#else
bool gq_cpu_has_avx2(void) { return false; }
#endif
