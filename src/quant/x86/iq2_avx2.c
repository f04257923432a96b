/* AVX2 kernels; built only on x86-64, run only when the CPU has AVX2. */
#include "../kernels.h"

void gq_register_iq2_avx2(gq_kernel_table t) { (void)t; }
