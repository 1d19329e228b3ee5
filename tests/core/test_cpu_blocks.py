"""The oneDNN block path computes what timm's block computes, and runs only where it may."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mae_studio.core import cpu_blocks, ort_blocks
from mae_studio.core.baseline import reference_forward
from mae_studio.core.precision import build_model, resolve
from mae_studio.core.predictor import Predictor
from tests.core.test_precision import CASES, NEEDS_INT8, conformance, tiny_model

NEEDS_ONEDNN = pytest.mark.skipif(not cpu_blocks.available(), reason="no oneDNN linear in this torch")
CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def any_width(monkeypatch):
    """The test models are narrower than cpu_blocks.MIN_WIDTH: let them take the fused path."""
    monkeypatch.setattr(cpu_blocks, "MIN_WIDTH", 0)


@NEEDS_ONEDNN
@pytest.mark.parametrize("case", CASES)
def test_exact_on_onednn_is_within_1e_5_of_the_reference_and_of_timm(case):
    model, rgb, mask = conformance(case)
    predictor = Predictor(model, CPU, "exact")
    predictor.set_image(rgb)
    flat = torch.from_numpy(mask.reshape(1, -1).astype(np.float32))
    with torch.inference_mode():
        reference = reference_forward(model, predictor.input_tensor, flat)
        with cpu_blocks.disabled():
            timm = predictor.predict(mask)
    fused = predictor.predict(mask)
    assert not torch.equal(fused, timm)  # the fused path really ran
    assert float((fused - reference).abs().max()) <= 1e-5
    assert float((fused - timm).abs().max()) <= 1e-5


@NEEDS_ONEDNN
def test_narrow_blocks_stay_on_blas(monkeypatch):
    model = tiny_model()
    x = torch.randn(1, 5, model.config.embed_dim)
    monkeypatch.setattr(cpu_blocks, "MIN_WIDTH", model.config.embed_dim + 1)
    with torch.no_grad():
        assert not cpu_blocks.usable(x, model.blocks[0])


def _fused_and_timm(block: torch.nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.inference_mode():
        fused = block(x)
        with cpu_blocks.disabled():
            timm = block(x)
    return fused, timm


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Within float32 summation-order noise of each other (stale weights would be off by O(1))."""
    return float((a - b).abs().max()) <= 1e-6 * float(b.abs().max())


@NEEDS_ONEDNN
def test_the_fused_path_follows_changed_weights():
    model = tiny_model()
    block = model.blocks[0]
    x = torch.randn(1, 5, model.config.embed_dim)
    before, _ = _fused_and_timm(block, x)
    with torch.no_grad():
        block.mlp.fc1.weight.mul_(2)  # in place, as an optimizer step
    fused, timm = _fused_and_timm(block, x)
    assert float((fused - before).abs().max()) > 1e-3
    assert _close(fused, timm)
    model.load_state_dict(tiny_model(seed=1).state_dict())  # copied into the same tensors
    fused, timm = _fused_and_timm(block, x)
    assert _close(fused, timm)
    block.attn.qkv.weight = torch.nn.Parameter(torch.randn_like(block.attn.qkv.weight))  # replaced
    fused, timm = _fused_and_timm(block, x)
    assert _close(fused, timm)
    block.mlp.fc2.weight.data = torch.randn_like(block.mlp.fc2.weight)  # other data, same Parameter
    fused, timm = _fused_and_timm(block, x)
    assert _close(fused, timm)
    model.half().float()  # a dtype round trip: new storage, rounded values, version counters anew
    fused, timm = _fused_and_timm(block, x)
    assert _close(fused, timm)
    with torch.no_grad():  # plain no_grad calls take the fused path too
        assert _close(block(x), timm)


def test_the_fused_block_runs_only_in_float32_cpu_inference():
    model = tiny_model()
    block = model.blocks[0]
    x = torch.randn(1, 5, model.config.embed_dim)
    with torch.no_grad():
        assert cpu_blocks.usable(x, block)
        assert not cpu_blocks.usable(x.bfloat16(), block)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert not cpu_blocks.usable(x, block)  # bf16-autocast keeps its bf16 matmuls
        with cpu_blocks.disabled():
            assert not cpu_blocks.usable(x, block)
        assert cpu_blocks.usable(x, block)
    assert not cpu_blocks.usable(x, block)  # autograd: training runs timm's nn.Linear


def test_training_still_gets_gradients_through_the_blocks():
    model = tiny_model().train()
    imgs = torch.randn(2, 3, 64, 64)
    mask = torch.zeros(2, 16)
    mask[:, :12] = 1
    loss = model.loss(imgs, model(imgs, mask), mask)
    loss.backward()
    assert all(p.grad is not None for p in model.blocks[0].parameters())


@NEEDS_INT8
def test_int8_copies_take_the_block_path_and_compute_what_timm_does(monkeypatch):
    model = tiny_model()
    with ort_blocks.disabled():  # quantized by torch, as without onnxruntime
        q = build_model(model, resolve("int8", CPU))
    calls = []
    int8 = cpu_blocks._int8
    monkeypatch.setattr(cpu_blocks, "_int8", lambda x, layer: calls.append(layer) or int8(x, layer))
    imgs = torch.randn(1, 3, 64, 64)
    mask = torch.zeros(1, 16)
    mask[:, :12] = 1
    with torch.inference_mode(), ort_blocks.disabled():
        assert cpu_blocks.usable(torch.randn(1, 5, 64), q.blocks[0])
        fast = q(imgs, mask)
        assert len(calls) == 4 * (len(q.blocks) + len(q.decoder_blocks))  # qkv, proj, fc1, fc2 each
        with cpu_blocks.disabled():
            timm = q(imgs, mask)
        exact = model(imgs, mask)
    assert torch.equal(fast, timm)  # the same arithmetic, bit for bit
    assert float((fast - exact).norm() / exact.norm()) < 5e-2


@NEEDS_INT8
def test_int8_blocks_with_autograd_keep_timms_forward():
    with ort_blocks.disabled():
        q = build_model(tiny_model(), resolve("int8", CPU))
    x = torch.randn(1, 5, 64)
    assert not cpu_blocks.usable(x, q.blocks[0])


@NEEDS_INT8
@NEEDS_ONEDNN
def test_int8_encoder_copies_mix_both_paths():
    with ort_blocks.disabled():
        q = build_model(tiny_model(), resolve("int8-encoder", CPU))
    with torch.no_grad():
        assert cpu_blocks.usable(torch.randn(1, 5, 64), q.blocks[0])  # int8
        assert cpu_blocks.usable(torch.randn(1, 5, 48), q.decoder_blocks[0])  # float32 on oneDNN
