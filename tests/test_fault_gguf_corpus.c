/* A generated corpus of hostile GGUF files, one or more per validation rule
 * and per class of published GGUF parser bug (counts and lengths near
 * 2^64, arrays nested or sized to wrap, dimensions whose product or byte
 * size overflows, offsets past the end or wrapping or overlapping,
 * alignments 0 / 3 / 2^31 / of the wrong type, unknown and removed type
 * ids, duplicate keys and names), plus every truncation of a small valid
 * file and a few thousand random mutations of real fixtures.
 *
 * Each corpus file is written to disk and opened from memory (an exact-size
 * heap copy: the sanitizer build catches any overread), memory-mapped, read
 * without a map and header-only.  Every way must give the expected verdict
 * with the same clear message (printable, naming the field, ending in
 * "(at byte N)" with the offset of the field the builder wrote wrong).
 * What opens is walked end to end through every accessor
 * (tests/fuzz/entries.c, shared with the fuzzer).
 *
 * Allocation bounds, two independent ways:
 *   - the allocation meter (support/alloc_meter.h) counts every byte asked
 *     of malloc/calloc/realloc during an open: at most ALLOC_PER_FILE_BYTE
 *     times the file size plus ALLOC_FIXED, and for the "claims more than
 *     the file holds" cases no more than ALLOC_FIXED at all (refused before
 *     anything is reserved for the claim);
 *   - each corpus file is also opened in a child process whose address
 *     space (RLIMIT_AS) is capped at what it already uses plus a few times
 *     the file size plus 32 MiB: an allocation the file does not justify
 *     fails there, the open reports out-of-memory and the verdict changes.
 * Both are off under AddressSanitizer (it owns the allocator and reserves
 * terabytes of address space); the Release build runs them.
 *
 * GQ_CORPUS_OUT=<dir>: write the corpus there and run nothing (the fuzz
 * runner seeds from it). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc_meter.h"
#include "gguf_builder.h"
#include "gqtest.h"

#include "fuzz/entries.c" /* the fuzzer's walk: same code, same checks */

/* Bytes of heap an open may ask for: per file byte, and a fixed part.
 * The per-byte factor follows from the reader's records: a kv takes at
 * least 13 bytes in the file and 80 in memory (gguf_kv), kept in an array
 * that doubles (all growth steps summed: under 4x the final count) plus
 * a name-set slot; 64 covers that with room, while a hostile count of
 * 2^40 items in a small file is off by orders of magnitude. */
#define ALLOC_PER_FILE_BYTE 64u
#define ALLOC_FIXED (256u * 1024u)

/* ---------------------------------------------------------------- the corpus */

typedef struct corpus_case {
    const char *name;   /* file name in the corpus, says what is wrong */
    size_t (*build)(gqb *b); /* returns the offset the error must name */
    unsigned flags;     /* 0 or GGUF_OPEN_LENIENT */
    gq_status status;   /* GQ_OK: the file must open */
    const char *says;   /* the message contains this */
    bool claims_more;   /* a count/length claims more than the file holds:
                           refused before anything is allocated for it */
    bool lenient_opens; /* refused strictly, one of lenient mode's acceptances */
} corpus_case;

enum { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, F64 = 28 };
#define ACCEPTED SIZE_MAX

static size_t v3(gqb *b, uint64_t n_tensors, uint64_t n_kv) {
    gqb_init(b, 3, false);
    return gqb_header(b, n_tensors, n_kv);
}

/* One kv ("x" = 1) and one tensor info, no data yet; returns the info's offset. */
static size_t one_tensor(gqb *b, const char *name, uint32_t n_dims, const uint64_t *ne, uint32_t type, uint64_t offset) {
    v3(b, 1, 1);
    gqb_kv_u32(b, "x", 1);
    return gqb_tensor(b, name, n_dims, ne, type, offset);
}

/* Offsets inside a tensor info written by gqb_tensor (v3). */
static size_t info_ndims_at(size_t info, size_t name_len) { return info + 8 + name_len; }
static size_t info_dim_at(size_t info, size_t name_len, unsigned d) { return info + 8 + name_len + 4 + 8 * d; }
static size_t info_type_at(size_t info, size_t name_len, unsigned n_dims) {
    return info + 8 + name_len + 4 + 8 * n_dims;
}
static size_t info_offset_at(size_t info, size_t name_len, unsigned n_dims) {
    return info_type_at(info, name_len, n_dims) + 4;
}

/* --- header */
static size_t empty_file(gqb *b) { gqb_init(b, 3, false); return 0; }
static size_t short_magic(gqb *b) { gqb_init(b, 3, false); gqb_bytes(b, "GGU", 3); return 0; }
static size_t wrong_magic(gqb *b) { gqb_init(b, 3, false); gqb_bytes(b, "GGML", 4); gqb_zeros(b, 20); return 0; }
static size_t fugg_magic(gqb *b) { gqb_init(b, 3, false); gqb_bytes(b, "FUGG", 4); gqb_u32(b, 1); gqb_zeros(b, 16); return 0; }
static size_t version_0(gqb *b) { v3(b, 0, 0); gqb_patch_u32(b, 4, 0); return 4; }
static size_t version_4(gqb *b) { v3(b, 0, 0); gqb_patch_u32(b, 4, 4); return 4; }
static size_t version_max(gqb *b) { v3(b, 0, 0); gqb_patch_u32(b, 4, UINT32_MAX); return 4; }
static size_t counts_cut(gqb *b) { gqb_init(b, 3, false); gqb_bytes(b, "GGUF", 4); gqb_u32(b, 3); gqb_u32(b, 0); return 8; }

/* --- counts (TALOS-2024-1912..1916 class: counts trusted before the bytes are there) */
static size_t kv_count_max(gqb *b) { v3(b, 0, UINT64_MAX); gqb_zeros(b, 64); return 16; }
static size_t kv_count_2_63(gqb *b) { v3(b, 0, (uint64_t)1 << 63); gqb_zeros(b, 64); return 16; }
static size_t kv_count_one_too_many(gqb *b) { v3(b, 0, 11); gqb_zeros(b, 10 * 13 + 12); return 16; }
static size_t tensor_count_max(gqb *b) { v3(b, UINT64_MAX, 0); gqb_zeros(b, 64); return 8; }
static size_t tensor_count_2_40(gqb *b) { v3(b, (uint64_t)1 << 40, 1); gqb_kv_u32(b, "a", 1); gqb_zeros(b, 64); return 8; }
static size_t both_counts_huge(gqb *b) { v3(b, 0x3030303030303030u, 0x3030303030303030u); gqb_zeros(b, 32); return 16; }
static size_t v1_kv_count_max(gqb *b) { gqb_init(b, 1, false); gqb_header(b, 0, UINT32_MAX); gqb_zeros(b, 64); return 12; }
static size_t be_kv_count_huge(gqb *b) { gqb_init(b, 3, true); gqb_header(b, 0, (uint64_t)1 << 50); gqb_zeros(b, 64); return 16; }

/* --- keys */
static size_t key_len_max(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_u32(b, "abc", 1); gqb_patch_u64(b, kv, UINT64_MAX); return kv; }
static size_t key_len_wraps(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_u32(b, "abc", 1); gqb_patch_u64(b, kv, UINT64_MAX - 7); return kv; }
static size_t key_len_past_end(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_u32(b, "abc", 1); gqb_patch_u64(b, kv, 3 + 4 + 4 + 1); return kv; }
static size_t empty_key(gqb *b) { v3(b, 0, 2); gqb_kv_u32(b, "a", 1); return gqb_kv_u32(b, "", 2); }
static size_t empty_key_lenient(gqb *b) { empty_key(b); return ACCEPTED; }
static size_t duplicate_key(gqb *b) { v3(b, 0, 3); gqb_kv_u32(b, "k", 1); gqb_kv_str(b, "j", "v"); return gqb_kv_u32(b, "k", 2); }
static size_t duplicate_key_lenient(gqb *b) { duplicate_key(b); return ACCEPTED; }
static size_t many_duplicates_lenient(gqb *b) {
    v3(b, 0, 2000);
    for (int i = 0; i < 2000; i++) gqb_kv_u32(b, "same", (uint32_t)i);
    return ACCEPTED;
}
static size_t value_type_13(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv(b, "t", 13); gqb_u64(b, 0); return kv + 8 + 1; }
static size_t value_type_max(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv(b, "t", UINT32_MAX); gqb_u64(b, 0); return kv + 8 + 1; }
static size_t scalar_cut(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv(b, "u", 10); gqb_zeros(b, 3); return kv + 8 + 1 + 4; }

/* --- strings */
static size_t str_len_at(size_t kv, size_t key_len) { return kv + 8 + key_len + 4; }
static size_t string_len_max(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_str(b, "s", "abc"); gqb_patch_u64(b, str_len_at(kv, 1), UINT64_MAX); return str_len_at(kv, 1); }
static size_t string_len_2_63(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_str(b, "s", "abc"); gqb_patch_u64(b, str_len_at(kv, 1), (uint64_t)1 << 63); return str_len_at(kv, 1); }
static size_t string_len_one_past(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_str(b, "s", "abc"); gqb_patch_u64(b, str_len_at(kv, 1), 4); return str_len_at(kv, 1); }

/* --- arrays */
static size_t arr_count_at(size_t kv, size_t key_len) { return kv + 8 + key_len + 4 + 4; }
static size_t array_u8_count_max(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_array(b, "a", 0, UINT64_MAX); gqb_zeros(b, 16); return arr_count_at(kv, 1); }
static size_t array_u32_count_wraps(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_array(b, "a", 4, ((uint64_t)1 << 62) + 1); gqb_zeros(b, 16); return arr_count_at(kv, 1); }
static size_t array_u64_count_wraps(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_array(b, "a", 10, ((uint64_t)1 << 61) + 1); gqb_zeros(b, 16); return arr_count_at(kv, 1); }
static size_t array_str_count_2_63(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_array(b, "a", 8, (uint64_t)1 << 63); gqb_zeros(b, 64); return arr_count_at(kv, 1); }
static size_t array_string_len_max(gqb *b) {
    v3(b, 0, 1);
    gqb_kv_array(b, "strs", 8, 3);
    gqb_str(b, "a");
    gqb_str(b, "b");
    size_t third = gqb_str(b, "c");
    gqb_patch_u64(b, third, UINT64_MAX - 1);
    return third;
}
static size_t array_elem_type_13(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_array(b, "a", 13, 1); gqb_u64(b, 0); return kv + 8 + 1 + 4; }
static size_t array_elem_type_high(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_array(b, "a", 0x80000000u, 1); gqb_u64(b, 0); return kv + 8 + 1 + 4; }
static size_t array_of_arrays_huge(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_array(b, "a", 9, (uint64_t)1 << 60); gqb_zeros(b, 64); return arr_count_at(kv, 1); }
static size_t inner_array_count_max(gqb *b) {
    v3(b, 0, 1);
    gqb_kv_array(b, "a", 9, 2);
    gqb_u32(b, 0);
    gqb_count(b, 1);
    gqb_u8(b, 7);
    gqb_u32(b, 0);
    size_t at = gqb_count(b, UINT64_MAX);
    gqb_zeros(b, 8);
    return at;
}
/* levels of arrays, each holding one array, the innermost one u8 */
static size_t nested(gqb *b, int levels) {
    v3(b, 0, 1);
    gqb_kv(b, "deep", 9);
    size_t refused_at = ACCEPTED;
    for (int level = 1; level < levels; level++) {
        size_t at = gqb_u32(b, 9);
        if (level == GGUF_MAX_ARRAY_DEPTH && refused_at == ACCEPTED) refused_at = at;
        gqb_count(b, 1);
    }
    gqb_u32(b, 0);
    gqb_count(b, 1);
    gqb_u8(b, 1);
    return refused_at;
}
static size_t nesting_at_the_limit(gqb *b) { return nested(b, GGUF_MAX_ARRAY_DEPTH); }
static size_t nesting_one_too_deep(gqb *b) { return nested(b, GGUF_MAX_ARRAY_DEPTH + 1); }
static size_t nesting_100000_deep(gqb *b) { return nested(b, 100000); }

/* --- alignment */
static size_t alignment_u32(gqb *b, uint32_t a) { v3(b, 0, 2); gqb_kv_u32(b, "x", 1); return gqb_kv_u32(b, "general.alignment", a); }
static size_t alignment_0(gqb *b) { return alignment_u32(b, 0); }
static size_t alignment_3(gqb *b) { return alignment_u32(b, 3); }
static size_t alignment_2_31(gqb *b) { return alignment_u32(b, 1u << 31); }
static size_t alignment_2_25(gqb *b) { return alignment_u32(b, 1u << 25); }
static size_t alignment_u64(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv(b, "general.alignment", 10); gqb_u64(b, 32); return kv; }
static size_t alignment_string(gqb *b) { v3(b, 0, 1); return gqb_kv_str(b, "general.alignment", "32"); }
static size_t alignment_f32(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv(b, "general.alignment", 6); gqb_f32(b, 32.0f); return kv; }
static size_t alignment_array(gqb *b) { v3(b, 0, 1); size_t kv = gqb_kv_array(b, "general.alignment", 4, 1); gqb_u32(b, 32); return kv; }
static size_t alignment_2_24_padding_past_end(gqb *b) {
    v3(b, 1, 1);
    gqb_kv_u32(b, "general.alignment", 1u << 24);
    uint64_t ne[1] = { 4 };
    gqb_tensor(b, "t", 1, ne, F32, 0);
    size_t end = gqb_pos(b);
    gqb_zeros(b, 64); /* the data section would start at 16 MiB */
    return end;
}
static size_t alignment_1(gqb *b) {
    v3(b, 1, 1);
    gqb_kv_u32(b, "general.alignment", 1);
    uint64_t ne[1] = { 3 };
    gqb_tensor(b, "t", 1, ne, F32, 0);
    gqb_zeros(b, 12);
    return ACCEPTED;
}

/* --- tensor names */
static size_t tensor_name_empty(gqb *b) { uint64_t ne[1] = { 32 }; size_t i = one_tensor(b, "", 1, ne, F32, 0); gqb_zeros(b, 200); return i; }
static size_t tensor_name_len_max(gqb *b) { uint64_t ne[1] = { 32 }; size_t i = one_tensor(b, "n", 1, ne, F32, 0); gqb_patch_u64(b, i, UINT64_MAX); return i; }
static size_t tensor_name_too_long(gqb *b) { uint64_t ne[1] = { 32 }; size_t i = one_tensor(b, "n", 1, ne, F32, 0); gqb_patch_u64(b, i, GGUF_MAX_NAME + 1); return i; }
static size_t tensor_name_past_end(gqb *b) { uint64_t ne[1] = { 32 }; size_t i = one_tensor(b, "n", 1, ne, F32, 0); gqb_patch_u64(b, i, 500); return i; }
static size_t tensor_name_duplicate(gqb *b) {
    v3(b, 2, 0);
    uint64_t ne[1] = { 8 };
    gqb_tensor(b, "w", 1, ne, F32, 0);
    size_t second = gqb_tensor(b, "w", 1, ne, F32, 32);
    gqb_pad(b, 32);
    gqb_zeros(b, 64);
    return second;
}

/* --- tensor shapes (CVE-2026-33298 class: sizes that wrap) */
static size_t dims_case(gqb *b, uint32_t n_dims, const uint64_t *ne, uint32_t type, size_t (*at)(size_t info)) {
    size_t info = one_tensor(b, "t", n_dims, ne, type, 0);
    gqb_zeros(b, 64);
    return at(info);
}
static size_t at_ndims(size_t info) { return info_ndims_at(info, 1); }
static size_t at_dim0(size_t info) { return info_dim_at(info, 1, 0); }
static size_t at_dim1(size_t info) { return info_dim_at(info, 1, 1); }
static size_t at_dim2(size_t info) { return info_dim_at(info, 1, 2); }
static size_t at_info(size_t info) { return info; }
static size_t at_type1(size_t info) { return info_type_at(info, 1, 1); }
static const uint64_t ones[5] = { 32, 1, 1, 1, 1 };
static size_t n_dims_0(gqb *b) { return dims_case(b, 0, ones, F32, at_ndims); }
static size_t n_dims_5(gqb *b) { return dims_case(b, 5, ones, F32, at_ndims); }
static size_t n_dims_max(gqb *b) {
    size_t info = one_tensor(b, "t", 1, ones, F32, 0);
    gqb_patch_u32(b, info_ndims_at(info, 1), UINT32_MAX);
    gqb_zeros(b, 64);
    return info_ndims_at(info, 1);
}
static size_t dim_zero(gqb *b) { const uint64_t ne[3] = { 32, 4, 0 }; return dims_case(b, 3, ne, F32, at_dim2); }
static size_t dims_product_wraps(gqb *b) { const uint64_t ne[2] = { (uint64_t)1 << 32, (uint64_t)1 << 32 }; return dims_case(b, 2, ne, F32, at_dim1); }
static size_t dims_product_2_63(gqb *b) { const uint64_t ne[3] = { 1u << 21, 1u << 21, 1u << 21 }; return dims_case(b, 3, ne, F32, at_dim2); }
static size_t dim_max(gqb *b) { const uint64_t ne[1] = { UINT64_MAX }; return dims_case(b, 1, ne, F32, at_dim0); }
static size_t bytes_overflow_f32(gqb *b) { const uint64_t ne[1] = { (uint64_t)1 << 62 }; return dims_case(b, 1, ne, F32, at_info); }
static size_t bytes_overflow_f64(gqb *b) { const uint64_t ne[2] = { (uint64_t)1 << 40, (uint64_t)1 << 21 }; return dims_case(b, 2, ne, F64, at_info); }
static size_t bytes_2_63_f16(gqb *b) { const uint64_t ne[1] = { (uint64_t)1 << 62 }; return dims_case(b, 1, ne, F16, at_info); }
static size_t row_not_whole_blocks(gqb *b) { const uint64_t ne[2] = { 33, 2 }; return dims_case(b, 2, ne, Q4_0, at_dim0); }

/* --- tensor types */
static size_t type_case(gqb *b, uint32_t type) {
    uint64_t ne[1] = { 256 };
    size_t info = one_tensor(b, "t", 1, ne, type, 0);
    gqb_pad(b, 32);
    gqb_zeros(b, 2048);
    return at_type1(info);
}
static size_t type_99(gqb *b) { return type_case(b, 99); }
static size_t type_removed_4(gqb *b) { return type_case(b, 4); }
static size_t type_removed_31(gqb *b) { return type_case(b, 31); }
static size_t type_removed_36(gqb *b) { return type_case(b, 36); }
static size_t type_count(gqb *b) { return type_case(b, GQ_TYPE_COUNT); }
static size_t type_max(gqb *b) { return type_case(b, UINT32_MAX); }
static size_t type_unknown_lenient(gqb *b) { type_case(b, 99); return ACCEPTED; }

/* --- tensor data offsets */
static size_t offset_case(gqb *b, uint64_t offset, size_t data_bytes, bool want_data_start) {
    uint64_t ne[1] = { 16 }; /* 64 bytes of f32 */
    size_t info = one_tensor(b, "t", 1, ne, F32, offset);
    gqb_pad(b, 32);
    size_t data = gqb_pos(b);
    gqb_zeros(b, data_bytes);
    return want_data_start ? data : info_offset_at(info, 1, 1);
}
static size_t offset_unaligned(gqb *b) { return offset_case(b, 16, 128, false); }
static size_t offset_past_end(gqb *b) { return offset_case(b, 64, 64, true) + 64; }
static size_t offset_near_2_64(gqb *b) { return offset_case(b, UINT64_MAX - 31, 64, true) + 64; }
static size_t offset_plus_size_wraps(gqb *b) { return offset_case(b, (uint64_t)0 - 32, 64, true) + 64; }
static size_t data_cut_short(gqb *b) { return offset_case(b, 0, 63, true); }
static size_t overlapping(gqb *b) {
    v3(b, 3, 0);
    uint64_t ne[1] = { 16 };
    gqb_tensor(b, "c", 1, ne, F32, 128);
    gqb_tensor(b, "a", 1, ne, F32, 0);
    gqb_tensor(b, "b", 1, ne, F32, 32);
    gqb_pad(b, 32);
    size_t data = gqb_pos(b);
    gqb_zeros(b, 192);
    return data + 32;
}
static size_t same_offset(gqb *b) {
    v3(b, 2, 0);
    uint64_t ne[1] = { 16 };
    gqb_tensor(b, "a", 1, ne, F32, 64);
    gqb_tensor(b, "b", 1, ne, F32, 64);
    gqb_pad(b, 32);
    size_t data = gqb_pos(b);
    gqb_zeros(b, 128);
    return data + 64;
}
static size_t padding_past_end(gqb *b) {
    uint64_t ne[1] = { 16 };
    one_tensor(b, "t", 1, ne, F32, 0);
    return gqb_pos(b); /* the header ends short of the aligned data section */
}
static size_t info_cut_in_dims(gqb *b) {
    v3(b, 1, 0);
    gqb_str(b, "a-name-long-enough-to-pass-the-count-check");
    gqb_u32(b, 2);
    gqb_u64(b, 4);
    size_t at = gqb_pos(b);
    gqb_u32(b, 1);
    return at;
}

/* --- valid files, every version and byte order */
static size_t valid(gqb *b, uint32_t version, bool big_endian) {
    gqb_init(b, version, big_endian);
    gqb_header(b, 2, 4);
    gqb_kv_str(b, "general.architecture", "llama");
    gqb_kv_u32(b, "general.alignment", 64);
    gqb_kv_array(b, "tokens", 8, 2);
    gqb_str(b, "<s>");
    gqb_str(b, "</s>");
    gqb_kv_array(b, "pairs", 9, 1);
    gqb_u32(b, 5);
    gqb_count(b, 2);
    gqb_u32(b, (uint32_t)-1);
    gqb_u32(b, 7);
    uint64_t ne_q[2] = { 32, 2 }, ne_f[1] = { 5 };
    gqb_tensor(b, "w", 2, ne_q, Q8_0, 0);
    gqb_tensor(b, "n", 1, ne_f, F32, 128);
    gqb_pad(b, 64);
    for (int i = 0; i < 128 + 20; i++) gqb_u8(b, (uint8_t)(i * 13 + 5));
    return ACCEPTED;
}
static size_t valid_v3(gqb *b) { return valid(b, 3, false); }
static size_t valid_v2(gqb *b) { return valid(b, 2, false); }
static size_t valid_v1(gqb *b) { return valid(b, 1, false); }
static size_t valid_big_endian(gqb *b) { return valid(b, 3, true); }
static size_t valid_nothing(gqb *b) { v3(b, 0, 0); return ACCEPTED; }

#define REFUSED(fn, says) { #fn, fn, 0, GQ_ERR_FORMAT, says, false, false }
#define STRICTLY(fn, says) { #fn, fn, 0, GQ_ERR_FORMAT, says, false, true }
#define CLAIMS(fn, says) { #fn, fn, 0, GQ_ERR_FORMAT, says, true, false }
#define OPENS(fn, flags) { #fn, fn, flags, GQ_OK, NULL, false, false }

static const corpus_case corpus[] = {
    REFUSED(empty_file, "truncated"),
    REFUSED(short_magic, "truncated"),
    REFUSED(wrong_magic, "not a GGUF file"),
    REFUSED(fugg_magic, "'FUGG'"),
    REFUSED(version_0, "unsupported version 0"),
    REFUSED(version_4, "unsupported version 4"),
    REFUSED(version_max, "unsupported version 4294967295"),
    REFUSED(counts_cut, "truncated: tensor count"),
    CLAIMS(kv_count_max, "kv count 18446744073709551615 cannot fit"),
    CLAIMS(kv_count_2_63, "kv count 9223372036854775808 cannot fit"),
    CLAIMS(kv_count_one_too_many, "kv count 11 cannot fit"),
    CLAIMS(tensor_count_max, "tensor count 18446744073709551615 cannot fit"),
    CLAIMS(tensor_count_2_40, "tensor count 1099511627776 cannot fit"),
    CLAIMS(both_counts_huge, "kv count 3472328296227680304 cannot fit"),
    CLAIMS(v1_kv_count_max, "kv count 4294967295 cannot fit"),
    CLAIMS(be_kv_count_huge, "kv count 1125899906842624 cannot fit"),
    CLAIMS(key_len_max, "key length 18446744073709551615 exceeds"),
    CLAIMS(key_len_wraps, "key length 18446744073709551608 exceeds"),
    CLAIMS(key_len_past_end, "key length 12 exceeds"),
    STRICTLY(empty_key, "kv 1 has an empty key"),
    OPENS(empty_key_lenient, GGUF_OPEN_LENIENT),
    STRICTLY(duplicate_key, "duplicate key: kv 2 repeats kv 0"),
    OPENS(duplicate_key_lenient, GGUF_OPEN_LENIENT),
    OPENS(many_duplicates_lenient, GGUF_OPEN_LENIENT),
    REFUSED(value_type_13, "unknown value type 13"),
    REFUSED(value_type_max, "unknown value type 4294967295"),
    REFUSED(scalar_cut, "truncated: uint64 needs 8 bytes"),
    CLAIMS(string_len_max, "string length 18446744073709551615 exceeds"),
    CLAIMS(string_len_2_63, "string length 9223372036854775808 exceeds"),
    CLAIMS(string_len_one_past, "string length 4 exceeds the 3 bytes left"),
    CLAIMS(array_u8_count_max, "array of 18446744073709551615 uint8 elements cannot fit"),
    CLAIMS(array_u32_count_wraps, "array of 4611686018427387905 uint32 elements cannot fit"),
    CLAIMS(array_u64_count_wraps, "array of 2305843009213693953 uint64 elements cannot fit"),
    CLAIMS(array_str_count_2_63, "string elements cannot fit"),
    CLAIMS(array_string_len_max, "array string 2 length"),
    REFUSED(array_elem_type_13, "array element type 13 is unknown"),
    REFUSED(array_elem_type_high, "array element type 2147483648 is unknown"),
    CLAIMS(array_of_arrays_huge, "array elements cannot fit"),
    CLAIMS(inner_array_count_max, "uint8 elements cannot fit"),
    OPENS(nesting_at_the_limit, 0),
    REFUSED(nesting_one_too_deep, "arrays nest deeper than 8 levels"),
    REFUSED(nesting_100000_deep, "arrays nest deeper than 8 levels"),
    REFUSED(alignment_0, "alignment 0 is not a power of two"),
    REFUSED(alignment_3, "alignment 3 is not a power of two"),
    REFUSED(alignment_2_31, "alignment 2147483648 exceeds the maximum"),
    REFUSED(alignment_2_25, "alignment 33554432 exceeds the maximum"),
    REFUSED(alignment_u64, "must be a uint32, not a uint64"),
    REFUSED(alignment_string, "must be a uint32, not a string"),
    REFUSED(alignment_f32, "must be a uint32, not a float32"),
    REFUSED(alignment_array, "must be a uint32, not a array"),
    REFUSED(alignment_2_24_padding_past_end, "data section would start past the end"),
    OPENS(alignment_1, 0),
    REFUSED(tensor_name_empty, "empty name"),
    CLAIMS(tensor_name_len_max, "name length 18446744073709551615 exceeds the maximum 65535"),
    REFUSED(tensor_name_too_long, "name length 65536 exceeds the maximum 65535"),
    CLAIMS(tensor_name_past_end, "name length 500 exceeds the"),
    REFUSED(tensor_name_duplicate, "duplicate name: tensor 1 repeats tensor 0"),
    REFUSED(n_dims_0, "n_dims 0 is not in 1..4"),
    REFUSED(n_dims_5, "n_dims 5 is not in 1..4"),
    REFUSED(n_dims_max, "n_dims 4294967295 is not in 1..4"),
    REFUSED(dim_zero, "dimension 2 is 0"),
    REFUSED(dims_product_wraps, "dimension 1 (4294967296) makes the element count exceed 2^63-1"),
    REFUSED(dims_product_2_63, "dimension 2 (2097152) makes the element count exceed 2^63-1"),
    REFUSED(dim_max, "dimension 0 (18446744073709551615) makes the element count exceed"),
    REFUSED(bytes_overflow_f32, "its size in bytes (4611686018427387904 f32 elements) exceeds 2^63-1"),
    REFUSED(bytes_overflow_f64, "f64 elements) exceeds 2^63-1"),
    REFUSED(bytes_2_63_f16, "f16 elements) exceeds 2^63-1"),
    REFUSED(row_not_whole_blocks, "33 elements per row is not a multiple of the q4_0 block size 32"),
    STRICTLY(type_99, "unknown type id 99"),
    STRICTLY(type_removed_4, "type id 4 (q4_2) was removed from ggml"),
    STRICTLY(type_removed_31, "type id 31"),
    STRICTLY(type_removed_36, "type id 36"),
    STRICTLY(type_count, "unknown type id 43"),
    STRICTLY(type_max, "unknown type id 4294967295"),
    OPENS(type_unknown_lenient, GGUF_OPEN_LENIENT),
    REFUSED(offset_unaligned, "data offset 16 is not a multiple of the alignment 32"),
    CLAIMS(offset_past_end, "runs past the end of the file"),
    CLAIMS(offset_near_2_64, "runs past the end of the file"),
    CLAIMS(offset_plus_size_wraps, "runs past the end of the file"),
    CLAIMS(data_cut_short, "runs past the end of the file"),
    REFUSED(overlapping, "data [32, 96) overlaps tensor 'a' [0, 64)"),
    REFUSED(same_offset, "overlaps tensor 'a' [64, 128)"),
    REFUSED(padding_past_end, "data section would start past the end"),
    REFUSED(info_cut_in_dims, "truncated: dimension needs 8 bytes"),
    OPENS(valid_v3, 0),
    OPENS(valid_v2, 0),
    OPENS(valid_v1, 0),
    OPENS(valid_big_endian, 0),
    OPENS(valid_nothing, 0),
};
#define N_CORPUS (sizeof corpus / sizeof corpus[0])

/* ---------------------------------------------------------------- checks */

static void require_clear_message(const char *what, const gguf_error *err, uint64_t offset, const char *says) {
    if (err->status == GQ_OK || !err->message[0]) fail_msg("%s: an error without status or message", what);
    for (const char *c = err->message; *c; c++)
        if (*c < 0x20 || *c > 0x7e) fail_msg("%s: raw byte 0x%02x in the message: %s", what, (unsigned char)*c, err->message);
    if (!err->has_offset || err->offset != offset)
        fail_msg("%s: expected the error at byte %" PRIu64 ", got %s%" PRIu64 ": %s", what, offset,
                 err->has_offset ? "" : "no offset, ", err->offset, err->message);
    char suffix[48];
    snprintf(suffix, sizeof suffix, " (at byte %" PRIu64 ")", offset);
    size_t len = strlen(err->message), slen = strlen(suffix);
    if (len < slen || strcmp(err->message + len - slen, suffix) != 0)
        fail_msg("%s: the message does not end with \"%s\": %s", what, suffix, err->message);
    if (says && !strstr(err->message, says)) fail_msg("%s: expected \"%s\" in: %s", what, says, err->message);
    /* "<subject>: <problem>": a subject comes first */
    if (!strstr(err->message, ": ")) fail_msg("%s: the message names no subject: %s", what, err->message);
}

static void require_alloc_bound(const char *what, const gqt_alloc_stats *s, size_t size, bool claims_more) {
    if (!GQT_ALLOC_METER) return;
    const uint64_t bound = claims_more ? ALLOC_FIXED : (uint64_t)ALLOC_PER_FILE_BYTE * size + ALLOC_FIXED;
    if (s->total > bound || s->largest > bound)
        fail_msg("%s (%zu bytes): the open asked for %" PRIu64 " bytes in %" PRIu64 " calls (largest %" PRIu64
                 "), more than the %" PRIu64 " the file justifies",
                 what, size, s->total, s->calls, s->largest, bound);
}

/* Open from an exact-size heap copy with the meter running. */
static gguf_file *open_metered(const uint8_t *data, size_t size, unsigned flags, gguf_error *err, uint8_t **copy,
                               gqt_alloc_stats *stats) {
    *copy = malloc(size ? size : 1);
    assert_non_null(*copy);
    if (size) memcpy(*copy, data, size);
    memset(err, 0, sizeof *err);
    gqt_meter_start();
    gguf_file *f = gguf_open_memory(*copy, size, flags, err);
    *stats = gqt_meter_stop();
    return f;
}

static const unsigned file_modes[] = { 0, GGUF_OPEN_NO_MMAP, GGUF_OPEN_HEADER_ONLY };
static const char *const file_mode_names[] = { "mapped", "read without a map", "header only" };

/* VmSize of this process, from /proc (0 when unknown). */
static uint64_t address_space_in_use(void) {
    FILE *s = fopen("/proc/self/status", "r");
    if (!s) return 0;
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, s))
        if (sscanf(line, "VmSize: %" SCNu64 " kB", &kb) == 1) break;
    fclose(s);
    return kb * 1024;
}

/* Open `path` in a child whose address space may grow by a few times the
 * file plus 32 MiB; returns the status the child saw (its exit code). */
static int status_under_rlimit_as(const char *path, size_t size, unsigned flags) {
    const uint64_t in_use = address_space_in_use();
    if (!in_use) fail_msg("cannot read VmSize from /proc/self/status");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the file is mapped once (size) and the reader may allocate
         * some multiple of it; thread stacks etc. are not needed here */
        const uint64_t limit = in_use + 4 * (uint64_t)size + 32u * 1024 * 1024;
        struct rlimit rl = { limit, limit };
        if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(120);
        gguf_error err;
        gguf_file *f = gguf_open(path, flags, &err);
        int code = f ? 0 : (int)err.status;
        if (f) {
            gqfuzz_walk_gguf(f);
            gguf_close(f);
        }
        _exit(code);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st)) fail_msg("%s: the open under RLIMIT_AS died (signal %d)", path, WTERMSIG(st));
    if (WEXITSTATUS(st) == 120) fail_msg("setrlimit(RLIMIT_AS) failed");
    return WEXITSTATUS(st);
}

static void check_case(const corpus_case *c, const char *dir) {
    gqb b;
    const size_t expect_at = c->build(&b);
    const bool accept = c->status == GQ_OK;
    if (accept != (expect_at == ACCEPTED)) fail_msg("%s: the table and the builder disagree", c->name);
    char path[4400];
    snprintf(path, sizeof path, "%s/%s.gguf", dir, c->name);
    gqt_write_file(path, b.data, b.len);

    /* from memory, metered */
    gguf_error first;
    uint8_t *copy;
    gqt_alloc_stats stats;
    gguf_file *f = open_metered(b.data, b.len, c->flags, &first, &copy, &stats);
    require_alloc_bound(c->name, &stats, b.len, c->claims_more);
    if (accept) {
        if (!f) fail_msg("%s: refused: %s", c->name, first.message);
        gqfuzz_walk_gguf(f);
        gguf_close(f);
    } else {
        if (f) fail_msg("%s: opened, but it is hostile", c->name);
        require_clear_message(c->name, &first, expect_at, c->says);
    }
    free(copy);
    /* lenient mode opens what it is documented to accept, and refuses
     * the rest with the same message */
    if (!accept) {
        f = open_metered(b.data, b.len, GGUF_OPEN_LENIENT, &first, &copy, &stats);
        require_alloc_bound(c->name, &stats, b.len, c->claims_more);
        if (c->lenient_opens) {
            if (!f) fail_msg("%s: lenient mode refused it: %s", c->name, first.message);
            if (gguf_warning_count(f) == 0) fail_msg("%s: lenient mode accepted it without a warning", c->name);
            gqfuzz_walk_gguf(f);
            gguf_close(f);
        } else {
            if (f) fail_msg("%s: lenient mode opened it", c->name);
            require_clear_message(c->name, &first, expect_at, c->says);
        }
        free(copy);
    }

    /* from the file, every way; the same verdict and the same words */
    for (size_t m = 0; m < sizeof file_modes / sizeof *file_modes; m++) {
        char what[300];
        snprintf(what, sizeof what, "%s (%s)", c->name, file_mode_names[m]);
        gguf_error err;
        memset(&err, 0, sizeof err);
        f = gguf_open(path, c->flags | file_modes[m], &err);
        if (accept) {
            if (!f) fail_msg("%s: refused: %s", what, err.message);
            gqfuzz_walk_gguf(f);
            gguf_close(f);
        } else {
            if (f) fail_msg("%s: opened, but it is hostile", what);
            require_clear_message(what, &err, expect_at, c->says);
        }
    }

    if (GQT_ALLOC_METER) { /* RLIMIT_AS is useless under ASan, as the meter */
        const unsigned modes[] = { 0, GGUF_OPEN_NO_MMAP };
        for (size_t m = 0; m < 2; m++) {
            int got = status_under_rlimit_as(path, b.len, c->flags | modes[m]);
            if (got != (int)c->status)
                fail_msg("%s: under RLIMIT_AS the open gave status %d (%s), expected %d", c->name, got,
                         gq_status_str((gq_status)got), (int)c->status);
        }
    }
    gqb_free(&b);
}

/* ---------------------------------------------------------------- tests */

/* The meter must see the library's allocations, or the bounds below
 * could not fail. */
static void test_the_meter_counts(void **state) {
    (void)state;
    if (!GQT_ALLOC_METER) {
        print_message("allocation meter OFF in this build (sanitizer); the Release build runs it\n");
        return;
    }
    /* through volatile pointers: the compiler may drop a malloc/free pair */
    void *(*volatile do_malloc)(size_t) = malloc;
    void *(*volatile do_realloc)(void *, size_t) = realloc;
    gqt_meter_start();
    void *p = do_malloc(12345);
    void *q = do_realloc(p, 54321);
    gqt_alloc_stats s = gqt_meter_stop();
    free(q);
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.largest, 54321);
    /* and a library call: opening a valid file allocates its kv array */
    gqb b;
    valid_v3(&b);
    gguf_error err;
    uint8_t *copy;
    gguf_file *f = open_metered(b.data, b.len, 0, &err, &copy, &s);
    assert_non_null(f);
    assert_true(s.calls > 0 && s.largest >= 4 * sizeof(gguf_kv));
    gguf_close(f);
    free(copy);
    gqb_free(&b);
}

static void test_corpus(void **state) {
    (void)state;
    char *dir = gqt_mkdtemp();
    size_t refused = 0, opened = 0;
    for (size_t i = 0; i < N_CORPUS; i++) {
        check_case(&corpus[i], dir);
        corpus[i].status == GQ_OK ? opened++ : refused++;
    }
    print_message("%zu hostile files refused, %zu valid or lenient files opened, in 4 ways each%s\n", refused,
                  opened, GQT_ALLOC_METER ? "; allocations metered and capped by RLIMIT_AS" : "");
    gqt_rmtree(dir);
    free(dir);
}

/* Every prefix of a valid file is refused, with a bounded allocation and a
 * message pointing inside the prefix. */
static void test_every_truncation(void **state) {
    (void)state;
    size_t (*const valid_files[])(gqb *) = { valid_v3, valid_v1, valid_big_endian };
    for (size_t v = 0; v < 3; v++) {
        gqb b;
        valid_files[v](&b);
        for (size_t len = 0; len < b.len; len++) {
            for (unsigned flags = 0; flags <= GGUF_OPEN_LENIENT; flags++) {
                gguf_error err;
                uint8_t *copy;
                gqt_alloc_stats s;
                gguf_file *f = open_metered(b.data, len, flags, &err, &copy, &s);
                if (f) fail_msg("a %zu-byte prefix of a %zu-byte file opened", len, b.len);
                char what[64];
                snprintf(what, sizeof what, "prefix %zu/%zu", len, b.len);
                require_clear_message(what, &err, err.offset, NULL);
                assert_true(err.offset <= len);
                require_alloc_bound(what, &s, len, false);
                free(copy);
            }
        }
        gqb_free(&b);
    }
}

/* ---------------------------------------------------------------- mutations */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Damage aimed at what a parser trusts: counts and lengths made huge, near
 * 2^63/2^64 or off by one, type ids swapped, bytes flipped. */
static void mutate(uint8_t *p, size_t size, size_t header) {
    const unsigned n = 1 + (unsigned)(next_random() % 4);
    for (unsigned k = 0; k < n; k++) {
        size_t span = header < size ? header : size;
        size_t at = (size_t)(next_random() % span);
        uint64_t v;
        switch (next_random() % 7) {
        case 0: p[at] = (uint8_t)next_random(); break;
        case 1: p[at] ^= (uint8_t)(1u << (next_random() % 8)); break;
        case 2: v = UINT64_MAX - (next_random() % 64); goto put;
        case 3: v = ((uint64_t)1 << (next_random() % 64)) + (next_random() % 3) - 1; goto put;
        case 4: v = next_random() % 16; goto put; /* small: lengths and types that still parse */
        case 5: p[at] = (uint8_t)(p[at] + 1); break;
        default:
            v = next_random();
        put:
            for (size_t i = 0; i < 8 && at + i < size; i++) p[at + i] = (uint8_t)(v >> (8 * i));
            break;
        }
    }
}

static void mutate_file(const char *rel, unsigned iterations) {
    size_t size;
    uint8_t *base = gqt_read_file(gqt_shared_path(rel), &size);
    gguf_error err;
    gguf_file *f = gguf_open_memory(base, size, GGUF_OPEN_LENIENT, &err);
    if (!f) fail_msg("%s: %s", rel, err.message);
    const size_t header = (size_t)gguf_header_size(f);
    gguf_close(f);
    uint8_t *work = malloc(size);
    assert_non_null(work);
    unsigned opened = 0;
    for (unsigned it = 0; it < iterations; it++) {
        memcpy(work, base, size);
        mutate(work, size, header);
        for (unsigned flags = 0; flags <= GGUF_OPEN_LENIENT; flags++) {
            gqt_alloc_stats s;
            memset(&err, 0, sizeof err);
            gqt_meter_start();
            f = gguf_open_memory(work, size, flags, &err);
            s = gqt_meter_stop();
            char what[400];
            snprintf(what, sizeof what, "%s mutation %u", rel, it);
            require_alloc_bound(what, &s, size, false);
            if (f) {
                opened++;
                gqfuzz_walk_gguf(f);
                gguf_close(f);
            } else {
                require_clear_message(what, &err, err.offset, NULL);
            }
        }
    }
    assert_true(opened > 0); /* some damage is harmless: the walk ran */
    free(work);
    free(base);
}

static void test_mutations_of_real_files(void **state) {
    (void)state;
    static const struct {
        const char *rel;
        unsigned iterations;
    } files[] = {
        { "fixtures/real/models/llamacpp-gguf-example-dummy.gguf", 1500 },
        { "fixtures/real/models/llama-2-tiny-random.gguf", 600 },
        { "fixtures/real/models/sdcpp-taesd-decoder.gguf", 600 },
        { "fixtures/real/derived/stories260K-F16-be.gguf", 300 },
        { "fixtures/real/vocab/ggml-vocab-falcon.v2-2023-09-18.gguf", 200 },
        { "fixtures/quantized/gemma4-mini/gemma4-mini-Q4_K_M.gguf", 300 },
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) mutate_file(files[i].rel, files[i].iterations);
}

/* GQ_CORPUS_OUT=<dir>: only write the corpus there (fuzz seeds). */
static int write_corpus(const char *dir) {
    mkdir(dir, 0777);
    for (size_t i = 0; i < N_CORPUS; i++) {
        gqb b;
        corpus[i].build(&b);
        char path[4400];
        snprintf(path, sizeof path, "%s/%s.gguf", dir, corpus[i].name);
        FILE *out = fopen(path, "wb");
        if (!out || fwrite(b.data, 1, b.len, out) != b.len || fclose(out) != 0) {
            fprintf(stderr, "cannot write %s\n", path);
            return 1;
        }
        gqb_free(&b);
    }
    return 0;
}

int main(void) {
    const char *corpus_out = getenv("GQ_CORPUS_OUT");
    if (corpus_out && *corpus_out) return write_corpus(corpus_out);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_meter_counts),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_mutations_of_real_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
