"""The few ONNX protobuf messages ort_blocks builds, written in protobuf's wire format directly.

Why not the `onnx` package: importing it holds Python's GIL for ~0.8 s (its ml_dtypes
dependency's extension), which delayed a first result by that much or stalled the window during
a brush stroke, and it would be a dependency only for writing a dozen small messages. The field
numbers are onnx.proto's (IR version 9); tests/core/test_onnx_proto.py parses every message back
with the `onnx` package (a test dependency) and checks the models with its checker.

Each function returns the encoded message as bytes; messages nest as length-delimited fields.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

IR_VERSION = 9  # onnx 1.14's; ONNX Runtime reads it from 1.15 on, and opset 20 needs at least 9
FLOAT, UINT8, INT8, INT64 = 1, 2, 3, 7  # TensorProto.DataType
EXTERNAL = 1  # TensorProto.DataLocation
# AttributeProto.AttributeType
_ATTR_FLOAT, _ATTR_INT, _ATTR_STRING, _ATTR_INTS = 1, 2, 3, 7


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 as two's complement, ten bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _float(field: int, value: float) -> bytes:
    return _varint(field << 3 | 5) + struct.pack("<f", value)


def _attribute(name: str, value: int | float | str | Sequence[int]) -> bytes:
    """AttributeProto: name 1, type 20, f 2, i 3, s 4, ints 8."""
    out = _bytes(1, name)
    if isinstance(value, str):
        return out + _int(20, _ATTR_STRING) + _bytes(4, value)
    if isinstance(value, float):
        return out + _int(20, _ATTR_FLOAT) + _float(2, value)
    if isinstance(value, int):
        return out + _int(20, _ATTR_INT) + _int(3, value)
    return out + _int(20, _ATTR_INTS) + b"".join(_int(8, v) for v in value)


def node(op: str, inputs: Iterable[str], outputs: Iterable[str], domain: str = "", **attrs: object) -> bytes:
    """NodeProto: input 1, output 2, op_type 4, attribute 5, domain 7."""
    out = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
    out += _bytes(4, op)
    out += b"".join(_bytes(5, _attribute(k, v)) for k, v in attrs.items())  # type: ignore[arg-type]
    return out + (_bytes(7, domain) if domain else b"")


def tensor(name: str, data_type: int, dims: Sequence[int], raw: bytes | None = None) -> bytes:
    """TensorProto: dims 1, data_type 2, name 8, raw_data 9; raw None: the data is external
    (external_data 13 {location}, data_location 14), given to ONNX Runtime at session build."""
    out = b"".join(_int(1, d) for d in dims) + _int(2, data_type) + _bytes(8, name)
    if raw is not None:
        return out + _bytes(9, raw)
    entry = _bytes(1, "location") + _bytes(2, "given-at-session-build")  # StringStringEntryProto
    return out + _bytes(13, entry) + _int(14, EXTERNAL)


def value_info(name: str, elem_type: int, shape: Sequence[int | str]) -> bytes:
    """ValueInfoProto {name 1, type 2: TypeProto {tensor_type 1: {elem_type 1, shape 2:
    TensorShapeProto {dim 1: {dim_value 1 | dim_param 2}}}}}."""
    dims = b"".join(_bytes(1, _bytes(2, d) if isinstance(d, str) else _int(1, d)) for d in shape)
    tensor_type = _int(1, elem_type) + _bytes(2, dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def graph(
    name: str,
    nodes: Iterable[bytes],
    inputs: Iterable[bytes],
    outputs: Iterable[bytes],
    initializers: Iterable[bytes],
) -> bytes:
    """GraphProto: node 1, name 2, initializer 5, input 11, output 12."""
    out = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, name)
    out += b"".join(_bytes(5, t) for t in initializers)
    return out + b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs)


def model(graph_proto: bytes, opsets: dict[str, int]) -> bytes:
    """ModelProto: ir_version 1, graph 7, opset_import 8 (OperatorSetIdProto: domain 1,
    version 2)."""
    imports = b"".join(_bytes(8, _bytes(1, domain) + _int(2, version)) for domain, version in opsets.items())
    return _int(1, IR_VERSION) + _bytes(7, graph_proto) + imports
