"""docs/formats.md's decoding rules, restated in Python for the tests.

Written from the document (layouts and rules) and the shared codebook file
(shared/formats/ggml-tables.txt), not from gq's C code: tests/cli/
docs_formats.sh decodes blocks of llama-quantize's files with this and
compares, bit for bit, with what gq-inspect --block prints.

Float32 arithmetic is emulated by rounding each double result to float32
(struct): a product of two float32 values is exact in double, so rounding
it once gives the float32 product; the same holds for the differences of
nearby values used here.
"""
import struct


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def half(b, off):
    return struct.unpack_from("<e", b, off)[0]


def u16(b, off):
    return struct.unpack_from("<H", b, off)[0]


def u32(b, off):
    return struct.unpack_from("<I", b, off)[0]


def load_tables(path):
    tables, name, want, vals = {}, None, 0, []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if name is None or len(vals) == want:
            if name is not None:
                tables[name] = vals
            name, want, vals = parts[0], int(parts[1]), []
            continue
        vals.extend(int(p, 0) for p in parts)
    tables[name] = vals
    return tables


# Each decoder returns (values, groups): values as [(group, code, level, w_hat)],
# groups as [step] (and offsets for q4_K), following docs/formats.md.

def q8_0(b, T):
    d = half(b, 0)
    vals = []
    for i in range(32):
        q = struct.unpack_from("<b", b, 2 + i)[0]
        vals.append((0, q, q, f32(d * q)))
    return vals, [d], None


def k4_scale_min(s, j):
    if j < 4:
        return s[j] & 63, s[j + 4] & 63
    return (s[j + 4] & 0xF) | (s[j - 4] >> 6) << 4, (s[j + 4] >> 4) | (s[j] >> 6) << 4


def q4_K(b, T):
    d, dmin = half(b, 0), half(b, 2)
    scales, qs = b[4:16], b[16:144]
    steps, offsets = [], []
    for s in range(8):
        sc, mn = k4_scale_min(scales, s)
        steps.append(f32(d * sc))
        offsets.append(f32(dmin * mn))
    vals = [None] * 256
    for c in range(4):
        for l in range(32):
            byte = qs[32 * c + l]
            for s, q, i in ((2 * c, byte & 0xF, 64 * c + l), (2 * c + 1, byte >> 4, 64 * c + 32 + l)):
                vals[i] = (s, q, q, f32(f32(steps[s] * q) - offsets[s]))
    return vals, steps, offsets


def q6_K(b, T):
    ql, qh = b[0:128], b[128:192]
    scales = struct.unpack_from("<16b", b, 192)
    d = half(b, 208)
    steps = [f32(d * sc) for sc in scales]
    vals = [None] * 256
    for h in range(2):
        for l in range(32):
            lo0, lo1, hi = ql[64 * h + l], ql[64 * h + l + 32], qh[32 * h + l]
            for k, low in ((0, lo0 & 0xF), (1, lo1 & 0xF), (2, lo0 >> 4), (3, lo1 >> 4)):
                i = 128 * h + l + 32 * k
                q = low | ((hi >> (2 * k)) & 3) << 4
                vals[i] = (i // 16, q, q - 32, f32(steps[i // 16] * (q - 32)))
    return vals, steps, None


def iq4_nl(b, T):
    d = half(b, 0)
    kv = T["kvalues_iq4nl"]
    kv = [v - 256 if v > 127 else v for v in kv]
    vals = [None] * 32
    for j in range(16):
        for i, idx in ((j, b[2 + j] & 0xF), (j + 16, b[2 + j] >> 4)):
            vals[i] = (0, idx, kv[idx], f32(d * kv[idx]))
    return vals, [d], None


def sign_mask(T, index7):
    return T["ksigns_iq2xs"][index7]


def eight(vals, first, group, index, entry, mask, step):
    for j in range(8):
        mag = (entry >> (8 * j)) & 0xFF
        level = -mag if (mask >> j) & 1 else mag
        vals[first + j] = (group, index, level, f32(step * level))


def iq2_xxs(b, T):
    d = half(b, 0)
    vals, steps = [None] * 256, []
    for s in range(8):
        w0, w1 = u32(b, 2 + 8 * s), u32(b, 6 + 8 * s)
        step = f32(f32(d * (0.5 + (w1 >> 28))) * 0.25)
        steps.append(step)
        for l in range(4):
            index = (w0 >> (8 * l)) & 0xFF
            eight(vals, 32 * s + 8 * l, s, index, T["iq2xxs_grid"][index], sign_mask(T, (w1 >> (7 * l)) & 127), step)
    return vals, steps, None


def iq2_xs(b, T):
    d = half(b, 0)
    vals, steps = [None] * 256, []
    for h in range(16):
        sc = (b[66 + h // 2] >> (4 * (h % 2))) & 0xF
        steps.append(f32(f32(d * (0.5 + sc)) * 0.25))
    for k in range(32):
        q = u16(b, 2 + 2 * k)
        eight(vals, 8 * k, k // 2, q & 511, T["iq2xs_grid"][q & 511], sign_mask(T, q >> 9), steps[k // 2])
    return vals, steps, None


def iq2_s(b, T):
    d = half(b, 0)
    vals, steps = [None] * 256, []
    for h in range(16):
        sc = (b[2 + 72 + h // 2] >> (4 * (h % 2))) & 0xF
        steps.append(f32(f32(d * (0.5 + sc)) * 0.25))
    for k in range(32):
        index = b[2 + k] | ((b[2 + 64 + k // 4] >> (2 * (k % 4))) & 3) << 8
        eight(vals, 8 * k, k // 2, index, T["iq2s_grid"][index], b[2 + 32 + k], steps[k // 2])
    return vals, steps, None


def iq3_s(b, T):
    d = half(b, 0)
    vals, steps = [None] * 256, []
    for s in range(8):
        sc = (b[106 + s // 2] >> (4 * (s % 2))) & 0xF
        step = f32(d * (1 + 2 * sc))
        steps.append(step)
        for k in range(8):
            index = b[2 + 8 * s + k] | ((b[66 + s] >> k) & 1) << 8
            mask = b[74 + 4 * s + k // 2]
            entry = T["iq3s_grid"][index]
            for j in range(4):
                mag = (entry >> (8 * j)) & 0xFF
                bit = 4 * (k % 2) + j
                level = -mag if (mask >> bit) & 1 else mag
                vals[32 * s + 4 * k + j] = (s, index, level, f32(step * level))
    return vals, steps, None


def bf16_values(b, n):
    return [struct.unpack("<f", b"\0\0" + b[2 * i:2 * i + 2])[0] for i in range(n)]


DECODERS = {"q8_0": q8_0, "q4_K": q4_K, "q6_K": q6_K, "iq4_nl": iq4_nl, "iq2_xxs": iq2_xxs,
            "iq2_xs": iq2_xs, "iq2_s": iq2_s, "iq3_s": iq3_s}
