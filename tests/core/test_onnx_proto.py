"""onnx_proto's hand-written wire format, read back by the `onnx` package (a test dependency)."""

from __future__ import annotations

import struct

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from mae_studio.core import MAEConfig, MaskedAutoencoderViT, ort_blocks
from mae_studio.core import onnx_proto as proto
from mae_studio.core.precision import build_model, variant_named


def _attributes(node: onnx.NodeProto) -> dict[str, object]:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def test_nodes_and_attributes_read_back():
    data = proto.node("Op", ["a", "b"], ["c"], "com.example", axis=-1, eps=1e-6, mode="x", perm=[2, 0, -1])
    node = onnx.NodeProto.FromString(data)
    assert (list(node.input), list(node.output), node.op_type, node.domain) == (
        ["a", "b"],
        ["c"],
        "Op",
        "com.example",
    )
    values = _attributes(node)
    assert values["axis"] == -1 and values["mode"] == b"x" and list(values["perm"]) == [2, 0, -1]
    assert values["eps"] == pytest.approx(1e-6, rel=1e-6)
    kinds = {a.name: a.type for a in node.attribute}
    assert kinds == {
        "axis": onnx.AttributeProto.INT,
        "eps": onnx.AttributeProto.FLOAT,
        "mode": onnx.AttributeProto.STRING,
        "perm": onnx.AttributeProto.INTS,
    }
    assert onnx.NodeProto.FromString(proto.node("Relu", ["x"], ["y"])).domain == ""


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 2**31, 2**62, -1, -(2**63)])
def test_varints_cover_the_int64_range(value):
    node = onnx.NodeProto.FromString(proto.node("Op", [], [], n=value))
    assert _attributes(node)["n"] == value


def test_tensors_with_data_and_external_ones():
    values = np.arange(-3, 9, dtype=np.float32).reshape(3, 4)
    t = onnx.TensorProto.FromString(proto.tensor("w", proto.FLOAT, [3, 4], values.tobytes()))
    np.testing.assert_array_equal(numpy_helper.to_array(t), values)
    ints = onnx.TensorProto.FromString(proto.tensor("s", proto.INT64, [2], struct.pack("<2q", -1, 64)))
    assert numpy_helper.to_array(ints).tolist() == [-1, 64]
    q = onnx.TensorProto.FromString(proto.tensor("q", proto.INT8, [2], np.array([-63, 5], np.int8).tobytes()))
    assert numpy_helper.to_array(q).tolist() == [-63, 5]
    ext = onnx.TensorProto.FromString(proto.tensor("e", proto.FLOAT, [768, 3072]))
    assert ext.data_location == onnx.TensorProto.EXTERNAL and list(ext.dims) == [768, 3072]
    assert {e.key: e.value for e in ext.external_data} == {"location": "given-at-session-build"}
    assert not ext.raw_data


def test_value_infos_with_named_and_fixed_dims():
    info = onnx.ValueInfoProto.FromString(proto.value_info("x", proto.FLOAT, ["N", "T", 768]))
    dims = info.type.tensor_type.shape.dim
    assert info.name == "x" and info.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [d.dim_param or d.dim_value for d in dims] == ["N", "T", 768]


@pytest.mark.parametrize("int8", [False, True], ids=["float32", "int8"])
def test_block_graphs_are_valid_onnx(int8):
    torch.manual_seed(0)
    config = MAEConfig(
        img_size=32,
        patch_size=16,
        embed_dim=64,
        depth=1,
        num_heads=4,
        decoder_embed_dim=32,
        decoder_depth=1,
        decoder_num_heads=2,
    )
    model = MaskedAutoencoderViT(config).eval()
    block, source = model.blocks[0], None
    if int8:
        block, source = build_model(model, variant_named("int8")).blocks[0], model.blocks[0]
    data, shared = ort_blocks._block_graph(block, source)
    m = onnx.ModelProto.FromString(data)
    assert m.ir_version == proto.IR_VERSION
    assert {o.domain: o.version for o in m.opset_import} == {"": ort_blocks.OPSET, "com.microsoft": 1}
    for t in m.graph.initializer:  # the shared ones are external: give the checker their data
        if t.name in shared:
            assert t.data_location == onnx.TensorProto.EXTERNAL
            t.ClearField("external_data")
            t.data_location = onnx.TensorProto.DEFAULT
            t.raw_data = shared[t.name].numpy().tobytes()
    onnx.checker.check_model(m, full_check=True)
    ops = [n.op_type for n in m.graph.node]
    assert ops.count("DynamicQuantizeMatMul" if int8 else "Gemm") == 4
    assert len(shared) == (4 if int8 else 12)  # int8: the norms only; the int8 weights are in the graph
