#include "cpu.h"

#if defined(GQ_ARCH_X86_64) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

/* F16C from CPUID (leaf 1, ECX bit 29): clang before 16 does not accept
 * "f16c" in __builtin_cpu_supports and refuses to compile it.  AVX2 being
 * usable (checked first) already means the OS saves the YMM state F16C
 * needs. */
static bool cpu_has_f16c(void) {
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

bool gq_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
}
#else
bool gq_cpu_has_avx2(void) { return false; }
#endif
