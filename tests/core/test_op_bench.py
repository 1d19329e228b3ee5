"""`mae-studio bench --ops` (core/op_bench.py): ONNX Runtime's per-operator times of the timed
runs only, parts that add up to the whole prediction, and sessions left as they were found."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from mae_studio.core import ort_blocks
from mae_studio.core.op_bench import BETWEEN, OUTSIDE, WHOLE, _read, format_op_table, profile_ops, summary
from tests.core.test_ort_blocks import _model

RUNS = 3


def test_parts_add_up_to_the_whole_prediction_for_each_path():
    model = _model()
    ort_blocks.attach(model)
    profile = profile_ops(model, "small", 0.75, precisions=("exact", "int8"), runs=RUNS, warmup=1)
    parts: dict[str, dict[str, float]] = defaultdict(dict)
    for r in profile.rows:
        parts[r.path][r.part] = r.ms
    assert set(parts) == {"exact", "int8"}
    assert profile.blocks_on_ort == {"exact": 4, "int8": 4}
    exact, int8 = parts["exact"], parts["int8"]
    # what the block graphs are made of: float32 Gemm for exact, int8 matmuls for the int8 copy
    assert exact["Gemm"] > 0 and exact["MultiHeadAttention"] > 0 and "DynamicQuantizeMatMul" not in exact
    assert int8["DynamicQuantizeMatMul"] > 0 and "Gemm" not in int8
    for p in parts.values():
        assert sum(ms for part, ms in p.items() if part != WHOLE) == pytest.approx(p[WHOLE], rel=1e-9)
        assert p[OUTSIDE] > 0  # the patch embedding and the decoder's input and output run on torch
        assert p[BETWEEN] >= 0
    for r in profile.rows:
        assert r.share == pytest.approx(r.ms / parts[r.path][WHOLE])
    table = format_op_table(profile)
    assert table.splitlines()[0].split() == [
        "model",
        "removed",
        "path",
        "part",
        "ms",
        "per",
        "prediction",
        "share",
    ]
    assert "small  75%      int8   DynamicQuantizeMatMul" in table
    lines = summary(profile)
    assert lines[0].startswith("small, 75%, exact: matrix products ")
    assert "exact's matrix products take" in lines[1]
    # the float32 blocks are back on sessions that do not profile; profiling is off
    assert ort_blocks.attached(model) == 4
    assert not any(s.session.get_session_options().enable_profiling for s in ort_blocks._sessions.values())
    assert ort_blocks._state["profile"] is None


def test_only_the_timed_runs_count(tmp_path):
    # two sessions' traces, each with a warm-up run before the two timed ones
    def trace(name: str, runs: list[tuple[int, int, int]]) -> str:
        events = []
        for start, dur, gemm in runs:
            events.append({"cat": "Session", "name": "model_run", "ts": start, "dur": dur})
            events.append(
                {
                    "cat": "Node",
                    "name": "qkv_kernel_time",
                    "ts": start + 1,
                    "dur": gemm,
                    "args": {"op_name": "Gemm"},
                }
            )
            events.append(
                {
                    "cat": "Node",
                    "name": "qkv_fence_before",
                    "ts": start + 1,
                    "dur": 0,
                    "args": {"op_name": "Gemm"},
                }
            )
        path = tmp_path / name
        path.write_text(json.dumps(events), encoding="utf-8")
        return path

    files = [
        trace("a.json", [(0, 9000, 8000), (20000, 3000, 2000), (30000, 3000, 2000)]),
        trace("b.json", [(40000, 9000, 8000), (60000, 1000, 500), (70000, 1000, 500)]),
    ]
    kernels, in_ort = _read(files, runs=2)
    assert kernels == {"Gemm": pytest.approx(5.0)}  # ms: the warm-up runs' 8 ms each left out
    assert in_ort == pytest.approx(8.0)


def test_profiling_is_not_nested(tmp_path):
    with (
        ort_blocks.profiling(tmp_path),
        pytest.raises(RuntimeError, match="already on"),
        ort_blocks.profiling(tmp_path),
    ):
        pass
    assert ort_blocks._state["profile"] is None


def test_without_onnx_runtime_it_says_so(monkeypatch):
    monkeypatch.setattr(ort_blocks, "_runtime", {"error": "No module named 'onnxruntime'"})
    with pytest.raises(RuntimeError, match="onnxruntime is not installed"):
        profile_ops(_model(), "small")
