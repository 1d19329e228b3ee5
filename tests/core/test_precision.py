"""Precision variants: what `fast` resolves to, and how far each variant may drift from `exact`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mae_studio.core import MAEConfig, MaskedAutoencoderViT, load_model, ort_blocks, precision
from mae_studio.core.masks import random_mask
from mae_studio.core.precision import build_model, compute_mode, resolve
from mae_studio.core.predictor import Predictor
from tests.conftest import CONFORMANCE

# The stated error bound of each variant: relative L2 distance of its prediction from exact's,
# ||pred - exact|| / ||exact||. Measured on these weights: bf16 ~7e-3, bf16-autocast ~5e-3,
# int8 ~2.2e-2 (ViT-B/16 with random weights: 8.8e-3 / 6e-3 / 2.9e-2, see `mae-studio bench`).
REL_L2_BOUND = {"bf16": 2e-2, "bf16-autocast": 2e-2, "int8": 6e-2}
# Mean absolute difference of the uint8 reconstructions, in grey levels (0-255).
PIXEL_BOUND = {"bf16": 0.5, "bf16-autocast": 0.5, "int8": 1.0}  # measured: 0.13, 0.09, 0.4
NEEDS_INT8 = pytest.mark.skipif(not precision.int8_available(), reason="this torch has no quantized engine")
CPU_VARIANTS = ["bf16", "bf16-autocast", pytest.param("int8", marks=NEEDS_INT8)]
CASES = ["p16_pixel", "p16_normpix", "p14_pixel"]
CPU = torch.device("cpu")


def tiny_model(seed: int = 0) -> MaskedAutoencoderViT:
    torch.manual_seed(seed)
    config = MAEConfig(img_size=64, embed_dim=64, depth=2, num_heads=4)
    config = dataclasses.replace(config, decoder_embed_dim=48, decoder_depth=1, decoder_num_heads=4)
    model = MaskedAutoencoderViT(config)
    model.init_weights()
    return model.eval()


def conformance(case: str) -> tuple[MaskedAutoencoderViT, np.ndarray, np.ndarray]:
    exp = np.load(CONFORMANCE / case / "expected.npz")
    rgb = np.asarray(Image.open(CONFORMANCE / case / "input.png").convert("RGB"))
    model = load_model(CONFORMANCE / case)
    g = model.config.grid_size
    return model, rgb, exp["painted_mask"].reshape(g, g).astype(bool)


# ---------------------------------------------------------------------------- resolution


def test_exact_is_float32_everywhere():
    for dev in ("cpu", "cuda", "mps"):
        v = resolve("exact", torch.device(dev))
        assert v.name == "fp32" and v.exact and v.dtype == torch.float32
        assert not (v.autocast or v.int8 or v.tf32)


def test_fast_on_cuda_is_tf32():
    v = resolve("fast", torch.device("cuda"))  # a device object needs no GPU
    assert v.name == "tf32" and v.tf32 and v.dtype == torch.float32 and v.reason


def test_fast_on_cpu_follows_the_cpu_features(monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2", "avx512_bf16"}))
    assert resolve("fast", CPU).name == "bf16"
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2", "fma"}))
    monkeypatch.setattr(precision, "int8_available", lambda: True)
    assert resolve("fast", CPU).name == "int8"
    monkeypatch.setattr(precision, "int8_available", lambda: False)
    v = resolve("fast", CPU)
    assert v.name == "fp32" and "no faster path" in v.reason


def test_fast_here_matches_this_machine():
    v = resolve("fast", CPU)
    if precision.cpu_has_native_bf16():
        assert v.name == "bf16"
    elif precision.int8_available():
        assert v.name == "int8"
    else:
        assert v.name == "fp32"


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="unknown precision 'half'"):
        resolve("half", CPU)


def test_cpu_flags_reads_proc_cpuinfo():
    flags = precision.cpu_flags()
    assert isinstance(flags, frozenset)
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        pytest.skip("no /proc/cpuinfo here")
    if "avx2" in text.split():
        assert "avx2" in flags


# ---------------------------------------------------------------------------- building


def test_float32_variants_use_the_model_itself():
    model = tiny_model()
    assert build_model(model, resolve("exact", CPU)) is model
    assert build_model(model, resolve("bf16-autocast", CPU)) is model


def test_bf16_is_a_copy_and_leaves_the_model_alone():
    model = tiny_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    copy = build_model(model, resolve("bf16", CPU))
    assert copy is not model
    assert all(p.dtype == torch.bfloat16 for p in copy.parameters())
    for k, v in model.state_dict().items():
        assert v.dtype == torch.float32 and torch.equal(v, before[k]), k


@NEEDS_INT8
def test_int8_quantizes_the_transformer_blocks_linear_layers():
    model = tiny_model()
    with ort_blocks.disabled():  # torch quantizes every block, as without onnxruntime
        q = build_model(model, resolve("int8", CPU))
    in_blocks = {n for n, m in model.named_modules() if type(m) is torch.nn.Linear and "blocks." in n}
    assert len(in_blocks) == 4 * (len(model.blocks) + len(model.decoder_blocks))
    int8 = {n for n, m in q.named_modules() if "quantized.dynamic" in type(m).__module__}
    assert int8 == in_blocks  # every block layer, and only those ...
    kept = {n for n, m in q.named_modules() if type(m) is torch.nn.Linear}
    assert kept == {"decoder_embed", "decoder_pred"}  # ... the decoder's way in and out stay float32
    assert all(type(m) is torch.nn.Linear for n, m in model.named_modules() if n in in_blocks)  # untouched


def test_tf32_switch_is_restored_even_after_an_error():
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    v = resolve("tf32", torch.device("cuda"))
    with pytest.raises(KeyError), compute_mode(v, torch.device("cuda")):
        assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
        raise KeyError("boom")
    assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == before


def test_exact_on_cuda_turns_tf32_off_while_it_runs():
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = True  # torch's default: TF32 convolutions
    try:
        with compute_mode(resolve("exact", torch.device("cuda")), torch.device("cuda")):
            assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
        assert torch.backends.cudnn.allow_tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def test_tf32_does_nothing_on_cpu():
    before = torch.backends.cuda.matmul.allow_tf32
    with compute_mode(resolve("tf32", CPU), CPU):
        assert torch.backends.cuda.matmul.allow_tf32 == before


# ---------------------------------------------------------------------------- error against exact


def _drift(
    model: MaskedAutoencoderViT, rgb: np.ndarray, mask: np.ndarray, variant: str
) -> tuple[float, float]:
    exact = Predictor(model, CPU, "exact")
    other = Predictor(model, CPU, variant)
    exact.set_image(rgb)
    other.set_image(rgb)
    assert other.variant.name == variant
    a, b = exact.predict(mask), other.predict(mask)
    rel = float((b - a).norm() / a.norm())
    ra, rb = exact.reconstruct(mask), other.reconstruct(mask)
    pixels = float(np.abs(ra.reconstruction.astype(np.int16) - rb.reconstruction).mean())
    return rel, pixels


@pytest.mark.parametrize("variant", CPU_VARIANTS)
@pytest.mark.parametrize("case", CASES)
def test_variants_stay_near_exact_on_conformance_weights(case, variant):
    model, rgb, mask = conformance(case)
    rel, pixels = _drift(model, rgb, mask, variant)
    assert 0 < rel <= REL_L2_BOUND[variant]  # > 0: the variant really ran in lower precision
    assert pixels <= PIXEL_BOUND[variant]


@pytest.mark.parametrize("variant", CPU_VARIANTS)
def test_variants_stay_near_exact_on_a_tiny_random_model(variant):
    model = tiny_model(3)
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    rel, pixels = _drift(model, rgb, random_mask(4, 0.75, 1), variant)
    assert 0 < rel <= REL_L2_BOUND[variant]
    assert pixels <= PIXEL_BOUND[variant]


def test_fast_is_within_its_variant_bound():
    model, rgb, mask = conformance("p16_pixel")
    fast = resolve("fast", CPU).name
    if fast == "fp32":
        pytest.skip("no faster path on this CPU")
    rel, _ = _drift(model, rgb, mask, fast)
    assert rel <= REL_L2_BOUND[fast]
