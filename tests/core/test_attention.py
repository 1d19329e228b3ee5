"""The decoder attention view: one query's rows equal an explicit softmax(QK^T/sqrt(d)) reference,
and the reconstruction path keeps the fused attention kernel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from mae_studio.core import MAEConfig, MaskedAutoencoderViT, load_model, ort_blocks
from mae_studio.core.attention import AttentionUnavailable, decoder_attention, predictor_attention
from mae_studio.core.errors import Cancelled
from mae_studio.core.images import normalize
from mae_studio.core.masks import random_mask
from mae_studio.core.predictor import Predictor
from tests.conftest import CONFORMANCE

SMALL = MAEConfig(
    img_size=64,
    patch_size=16,
    embed_dim=64,
    depth=2,
    num_heads=4,
    decoder_embed_dim=48,
    decoder_depth=3,
    decoder_num_heads=6,
    name="attention test",
)


def _random_model(seed: int = 0) -> MaskedAutoencoderViT:
    torch.manual_seed(seed)
    model = MaskedAutoencoderViT(SMALL)
    model.init_weights()
    with torch.no_grad():  # mask token and biases away from zero: rows that are not flat
        model.mask_token.normal_(0, 1)
        for blk in model.decoder_blocks:
            blk.attn.qkv.bias.normal_(0, 0.5)
    return model.eval()


def reference_attention(
    model: MaskedAutoencoderViT, imgs: torch.Tensor, mask: np.ndarray
) -> list[np.ndarray]:
    """Every decoder block's full attention matrix [heads, T, T], written out from the raw
    weights: x caught at each block's input during the model's forward, then
    layer_norm -> x @ W_qkv^T + b -> softmax(q @ k^T / sqrt(d)) in float64."""
    inputs: list[torch.Tensor] = []
    hooks = [
        blk.register_forward_pre_hook(lambda m, a: inputs.append(a[0].clone()))
        for blk in model.decoder_blocks
    ]
    with torch.inference_mode():
        model(imgs, torch.from_numpy(mask.reshape(1, -1)).float())
    for hook in hooks:
        hook.remove()
    out = []
    for blk, x in zip(model.decoder_blocks, inputs, strict=True):
        norm, qkv = blk.norm1, blk.attn.qkv
        heads = blk.attn.num_heads
        y = torch.nn.functional.layer_norm(
            x[0].double(), norm.normalized_shape, norm.weight.double(), norm.bias.double(), norm.eps
        )
        t = y @ qkv.weight.double().T + qkv.bias.double()  # [T, 3 * C]
        T, C = y.shape[0], y.shape[1]
        q, k, _ = t.reshape(T, 3, heads, C // heads).permute(1, 2, 0, 3)  # [heads, T, d] each
        scores = q @ k.transpose(-2, -1) / (C // heads) ** 0.5
        out.append(scores.softmax(dim=-1).detach().numpy())
    return out


def _check_rows(model, imgs, mask, queries):  # type: ignore[no-untyped-def]
    grid = model.grid_of(imgs)
    full = reference_attention(model, imgs, mask)
    assert len(full) == len(model.decoder_blocks)
    for row, col in queries:
        att = decoder_attention(model, imgs, mask, (row, col))
        token = 1 + row * grid.w + col
        for b, matrix in enumerate(full):
            expected = matrix[:, token, :]  # [heads, 1 + L]
            got = np.concatenate([att.cls[b][:, None], att.weights[b].reshape(att.weights.shape[1], -1)], 1)
            np.testing.assert_allclose(got, expected, atol=2e-6)
            np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)  # each row is a distribution


def test_rows_equal_the_explicit_reference_on_random_weights():
    model = _random_model()
    imgs = torch.randn(1, 3, 64, 64)
    mask = random_mask(4, 0.75, 3)
    removed = [tuple(int(v) for v in rc) for rc in np.argwhere(mask)[:3]]
    visible = tuple(int(v) for v in np.argwhere(~mask)[0])
    _check_rows(model, imgs, mask, [*removed, visible])


def test_rows_equal_the_explicit_reference_on_a_wide_grid():
    model = _random_model(1)
    imgs = torch.randn(1, 3, 48, 96)  # a 3x6 grid (the whole fit of a wide photo)
    mask = random_mask((3, 6), 0.5, 0)
    _check_rows(model, imgs, mask, [tuple(int(v) for v in np.argwhere(mask)[-1])])


@pytest.mark.parametrize("case", ["p16_pixel", "p14_pixel"])
def test_rows_equal_the_explicit_reference_on_conformance_weights(case, conformance_manifest):
    arch = conformance_manifest["cases"][case]["architecture"]
    folder = CONFORMANCE / case
    model = load_model(
        folder / "official.pth",
        num_heads=arch["num_heads"],
        decoder_num_heads=arch["decoder_num_heads"],
        norm_pix_loss=arch["norm_pix_loss"],
    ).eval()
    expected = np.load(folder / "expected.npz")
    imgs = torch.from_numpy(expected["image_normalized"]).float()
    grid = model.grid_of(imgs)
    mask = expected["painted_mask"].reshape(grid.shape).astype(bool)
    _check_rows(model, imgs, mask, [tuple(int(v) for v in np.argwhere(mask)[0])])


def test_reconstruction_still_calls_the_fused_kernel(monkeypatch):
    model = _random_model()
    predictor = Predictor(model, "cpu")
    image = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    predictor.set_image(image)
    mask = random_mask(4, 0.75, 0)
    calls: list[int] = []
    fused = torch.nn.functional.scaled_dot_product_attention

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return fused(*args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", counting)
    run_block = ort_blocks._BlockSession.__call__  # blocks on ONNX Runtime: its fused attention

    def counting_session(session, x):  # type: ignore[no-untyped-def]
        calls.append(1)
        return run_block(session, x)

    monkeypatch.setattr(ort_blocks._BlockSession, "__call__", counting_session)
    blocks = SMALL.depth + SMALL.decoder_depth
    before = predictor.reconstruct(mask)
    assert len(calls) == blocks
    att = predictor_attention(predictor, mask, tuple(int(v) for v in np.argwhere(mask)[0]))
    assert len(calls) == 2 * blocks  # the attention view runs the model's own fused forward once
    assert att.weights.shape == (SMALL.decoder_depth, SMALL.decoder_num_heads, 4, 4)
    after = predictor.reconstruct(mask)  # no hook left behind: same result, fused again
    assert len(calls) == 3 * blocks
    np.testing.assert_array_equal(before.reconstruction, after.reconstruction)
    assert all(len(blk._forward_pre_hooks) == 0 for blk in model.decoder_blocks)


def test_averages_and_refusals():
    model = _random_model()
    imgs = normalize(np.full((64, 64, 3), 128, np.uint8)).unsqueeze(0)
    mask = random_mask(4, 0.75, 0)
    att = decoder_attention(model, imgs, mask, (0, 0))
    np.testing.assert_allclose(att.averaged(), att.weights.mean(axis=(0, 1)), rtol=1e-6)
    np.testing.assert_allclose(att.averaged(block=1), att.weights[1].mean(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(att.averaged(block=2, head=5), att.weights[2, 5])
    with pytest.raises(ValueError, match="outside"):
        decoder_attention(model, imgs, mask, (4, 0))
    with pytest.raises(ValueError, match="mask must be"):
        decoder_attention(model, imgs, mask[:3], (0, 0))
    with pytest.raises(Cancelled):
        decoder_attention(model, imgs, mask, (0, 0), should_cancel=lambda: True)
    assert all(len(blk._forward_pre_hooks) == 0 for blk in model.decoder_blocks)
    predictor = Predictor(model, "cpu")
    predictor.set_image(Image.new("RGB", (200, 150)), fit="tiles")
    with pytest.raises(AttentionUnavailable, match="crop or whole"):
        predictor_attention(predictor, np.zeros(predictor.grid.shape, bool), (0, 0))
