/* Picks the kernels: the scalar reference table, and the best table for
 * this CPU (reference entries overwritten by the SIMD ones it can run). */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "kernels.h"
#include "gq/quant.h"

static gq_kernel_table scalar_table;
static gq_kernel_table best_table;
static const char *best_isa = "scalar";
static int tables_ready;           /* 0 until built */
static int simd_enabled = -1;      /* -1: not decided yet (env decides) */

#if defined(GQ_HAVE_PTHREADS)
#include <pthread.h>
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
#endif

static void build_tables(void) {
    gq_register_float(scalar_table);
    gq_register_legacy(scalar_table);
    gq_register_lowbit(scalar_table);
    gq_register_kquants(scalar_table);
    gq_register_iq2(scalar_table);
    gq_register_iq_other(scalar_table);
    memcpy(best_table, scalar_table, sizeof best_table);
#if defined(GQ_ARCH_X86_64)
    if (gq_cpu_has_avx2()) {
        gq_register_float_avx2(best_table);
        gq_register_legacy_avx2(best_table);
        gq_register_kquants_avx2(best_table);
        gq_register_iq2_avx2(best_table);
        gq_register_iq_other_avx2(best_table);
        best_isa = "avx2";
    }
#elif defined(GQ_ARCH_AARCH64)
    gq_register_float_neon(best_table);
    gq_register_legacy_neon(best_table);
    gq_register_kquants_neon(best_table);
    gq_register_iq2_neon(best_table);
    gq_register_iq_other_neon(best_table);
    best_isa = "neon";
#endif
    if (simd_enabled < 0) {
        const char *env = getenv("GQ_FORCE_SCALAR");
        simd_enabled = !(env && *env && strcmp(env, "0") != 0);
    }
    tables_ready = 1;
}

static void ensure_tables(void) {
#if defined(GQ_HAVE_PTHREADS)
    pthread_once(&tables_once, build_tables);
#else
    if (!tables_ready) build_tables();
#endif
}

const gq_kernels *gq_kernels_for(uint32_t type) {
    if (type >= GQ_TYPE_COUNT) return NULL;
    ensure_tables();
    return simd_enabled ? &best_table[type] : &scalar_table[type];
}

void gq_quant_set_simd(bool enabled) {
    ensure_tables();
    simd_enabled = enabled ? 1 : 0;
}

const char *gq_quant_isa(void) {
    ensure_tables();
    return simd_enabled ? best_isa : "scalar";
}
