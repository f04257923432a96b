#include "gguf_compare_values.h"

#include "gqtest.h"

void gqt_assert_same_gguf_value(const gguf_file *a, const gguf_value *x, const gguf_file *b, const gguf_value *y) {
    assert_int_equal(x->type, y->type);
    switch (x->type) {
    case GGUF_TYPE_STRING:
        assert_int_equal(x->v.str.len, y->v.str.len);
        assert_memory_equal(x->v.str.ptr, y->v.str.ptr, x->v.str.len);
        break;
    case GGUF_TYPE_ARRAY: {
        assert_int_equal(x->v.arr.type, y->v.arr.type);
        assert_int_equal(x->v.arr.len, y->v.arr.len);
        gguf_array_iter ia, ib;
        gguf_array_iter_init(&ia, a, x);
        gguf_array_iter_init(&ib, b, y);
        gguf_value ea, eb;
        uint64_t n = 0;
        while (gguf_array_next(&ia, &ea)) {
            assert_true(gguf_array_next(&ib, &eb));
            gqt_assert_same_gguf_value(a, &ea, b, &eb);
            n++;
        }
        assert_false(gguf_array_next(&ib, &eb));
        /* The iterator must also deliver as many elements as the header says. */
        assert_int_equal(n, x->v.arr.len);
        break;
    }
    case GGUF_TYPE_FLOAT32:
    case GGUF_TYPE_FLOAT64: assert_memory_equal(&x->v.f64, &y->v.f64, sizeof(double)); break;
    case GGUF_TYPE_BOOL: assert_int_equal(x->v.b, y->v.b); break;
    default: assert_int_equal(x->v.u64, y->v.u64); break;
    }
}
