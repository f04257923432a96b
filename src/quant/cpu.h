/* Run-time CPU feature detection. */
#ifndef GQ_CPU_H
#define GQ_CPU_H

#include <stdbool.h>

#if defined(__x86_64__) || defined(_M_X64)
#define GQ_ARCH_X86_64 1
#elif defined(__aarch64__) || defined(_M_ARM64)
#define GQ_ARCH_AARCH64 1
#endif

/* True when the CPU and the OS both support AVX2 (and F16C, which the AVX2
 * kernels use for half-precision scales). */
bool gq_cpu_has_avx2(void);

#endif
