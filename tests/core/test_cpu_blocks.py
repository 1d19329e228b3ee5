"""The oneDNN block path computes what timm's block computes, and runs only where it may."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mae_studio.core import cpu_blocks
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
def test_int8_copies_keep_timms_forward():
    q = build_model(tiny_model(), resolve("int8", CPU))
    x = torch.randn(1, 5, 64)
    with torch.no_grad():
        assert not cpu_blocks.usable(x, q.blocks[0])
        assert q.blocks[0](x).shape == x.shape
