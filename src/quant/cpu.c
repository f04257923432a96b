/* Run-time CPU feature detection.
 *
 * CPUID + XGETBV directly rather than __builtin_cpu_supports: clang 14 does
 * not accept every feature name gcc does ("f16c"), and the OS check (are
 * the YMM registers saved on context switch?) must be made anyway. */
#include "cpu.h"

#if defined(GQ_ARCH_X86_64) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <stddef.h>
#include <stdint.h>

static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

bool gq_cpu_has_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    const bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28),
               f16c = c & (1u << 29);
    if (!(fma && osxsave && avx && f16c)) return false;
    if ((read_xcr0() & 0x6) != 0x6) return false; /* XMM and YMM state enabled by the OS */
    if (__get_cpuid_max(0, NULL) < 7) return false;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) != 0; /* AVX2 */
}
#else
bool gq_cpu_has_avx2(void) { return false; }
#endif
