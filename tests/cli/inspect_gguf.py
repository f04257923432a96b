"""A small, independent GGUF reader/writer for the gq-inspect and gq-sample
shell tests.

It shares no code with libgguf on purpose: the tests compare what the C
programs print or write with what this plain reading of the format says.
Only what the tests need: little-endian GGUF v2/v3, every value type.
"""
import struct
import sys

SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
STRING, ARRAY = 8, 9

# ggml type id -> (name, elements per block, bytes per block): facts of the
# format (ggml-common.h), written out here rather than read from gq.
GGML_TYPES = {
    0: ("f32", 1, 4), 1: ("f16", 1, 2), 2: ("q4_0", 32, 18), 3: ("q4_1", 32, 20),
    6: ("q5_0", 32, 22), 7: ("q5_1", 32, 24), 8: ("q8_0", 32, 34), 9: ("q8_1", 32, 36),
    10: ("q2_K", 256, 84), 11: ("q3_K", 256, 110), 12: ("q4_K", 256, 144),
    13: ("q5_K", 256, 176), 14: ("q6_K", 256, 210), 15: ("q8_K", 256, 292),
    16: ("iq2_xxs", 256, 66), 17: ("iq2_xs", 256, 74), 18: ("iq3_xxs", 256, 98),
    19: ("iq1_s", 256, 50), 20: ("iq4_nl", 32, 18), 21: ("iq3_s", 256, 110),
    22: ("iq2_s", 256, 82), 23: ("iq4_xs", 256, 136), 24: ("i8", 1, 1), 25: ("i16", 1, 2),
    26: ("i32", 1, 4), 27: ("i64", 1, 8), 28: ("f64", 1, 8), 29: ("iq1_m", 256, 56),
    30: ("bf16", 1, 2),
}
NAME_TO_ID = {v[0].lower(): k for k, v in GGML_TYPES.items()}


def tensor_bytes(type_id, n_elements):
    _, block, size = GGML_TYPES[type_id]
    assert n_elements % block == 0
    return n_elements // block * size


class Reader:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        self.pos = 0
        assert self.data[:4] == b"GGUF", "not GGUF"
        self.pos = 4
        self.version = self.u("I")
        assert self.version in (2, 3), "version %d" % self.version
        n_tensors, n_kv = self.u("Q"), self.u("Q")
        self.kv = []  # (key, type, value) in file order; arrays as (elem_type, [values])
        for _ in range(n_kv):
            key = self.s()
            t = self.u("I")
            self.kv.append((key, t, self.value(t)))
        self.tensors = []  # dicts: name, ne, type, offset
        for _ in range(n_tensors):
            name = self.s()
            nd = self.u("I")
            ne = [self.u("Q") for _ in range(nd)]
            t = self.u("I")
            off = self.u("Q")
            self.tensors.append({"name": name, "ne": ne, "type": t, "offset": off})
        align = self.get("general.alignment", 32)
        self.data_offset = (self.pos + align - 1) // align * align

    def u(self, fmt):
        v = struct.unpack_from("<" + fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize("<" + fmt)
        return v

    def s(self):
        n = self.u("Q")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b.decode("utf-8", "replace")

    def value(self, t):
        if t in SCALAR:
            return self.u(SCALAR[t])
        if t == STRING:
            return self.s()
        if t == ARRAY:
            et = self.u("I")
            n = self.u("Q")
            return (et, [self.value(et) for _ in range(n)])
        raise ValueError("value type %d" % t)

    def keys(self):
        return [k for k, _, _ in self.kv]

    def get(self, key, default=None):
        for k, _, v in self.kv:
            if k == key:
                return v
        return default

    def tensor_data(self, t):
        n = 1
        for x in t["ne"]:
            n *= x
        start = self.data_offset + t["offset"]
        return self.data[start:start + tensor_bytes(t["type"], n)]


def elements(t):
    n = 1
    for x in t["ne"]:
        n *= x
    return n


def write_gguf(path, kvs, tensors, alignment=32):
    """kvs: [(key, type, value)] with scalars/strings only; tensors:
    [(name, ne, type_id, payload bytes)] laid out in order with padding."""
    out = bytearray(b"GGUF")
    out += struct.pack("<IQQ", 3, len(tensors), len(kvs))

    def s(x):
        b = x.encode()
        return struct.pack("<Q", len(b)) + b

    for key, t, v in kvs:
        out += s(key) + struct.pack("<I", t)
        out += s(v) if t == STRING else struct.pack("<" + SCALAR[t], v)
    offset = 0
    offsets = []
    for name, ne, t, payload in tensors:
        offsets.append(offset)
        offset += (len(payload) + alignment - 1) // alignment * alignment
    for (name, ne, t, payload), off in zip(tensors, offsets):
        out += s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", x) for x in ne)
        out += struct.pack("<IQ", t, off)
    out += b"\0" * ((-len(out)) % alignment)
    for name, ne, t, payload in tensors:
        out += payload + b"\0" * ((-len(payload)) % alignment)
    with open(path, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    r = Reader(sys.argv[1])
    for k, t, v in r.kv:
        print(k, t, v if t != ARRAY else "array[%d]" % len(v[1]))
    for t in r.tensors:
        print(t)
