/* Scalar reference kernels: see kernels.h for the family's types. */
#include "kernels.h"

void gq_register_legacy(gq_kernel_table t) { (void)t; }
