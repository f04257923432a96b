/* NEON kernels; built only on aarch64. */
#include "../kernels.h"

void gq_register_kquants_neon(gq_kernel_table t) { (void)t; }
