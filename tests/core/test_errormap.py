"""Complementary-mask error maps and the spread of reconstructions over masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mae_studio.core import MAEConfig, MaskedAutoencoderViT
from mae_studio.core.errormap import complementary_masks, errormap_masks, full_errormap, uncertainty
from mae_studio.core.predictor import Predictor

TINY = MAEConfig(
    img_size=64, patch_size=16, embed_dim=64, depth=2, num_heads=4,
    decoder_embed_dim=48, decoder_depth=1, decoder_num_heads=4,
)  # fmt: skip


class CountingPredictor(Predictor):
    """Records every mask the model is asked to reconstruct."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[np.ndarray] = []

    def reconstruct(self, mask, should_cancel=None):
        self.calls.append(np.asarray(mask, dtype=bool).copy())
        return super().reconstruct(mask, should_cancel)


@pytest.fixture(scope="module")
def predictor() -> CountingPredictor:
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(TINY)
    model.init_weights()
    pred = CountingPredictor(model, "cpu")
    rng = np.random.default_rng(1)
    pred.set_image(rng.integers(0, 256, (80, 96, 3), dtype=np.uint8))
    return pred


@pytest.mark.parametrize(("grid", "k"), [(4, 4), (14, 4), (14, 3), ((5, 7), 6), (4, 16)])
def test_complementary_masks_partition_the_grid(grid, k):
    masks = complementary_masks(grid, k, seed=3)
    assert len(masks) == k
    stack = np.stack(masks).astype(int)
    assert (stack.sum(axis=0) == 1).all()  # every patch removed in exactly one mask
    sizes = stack.reshape(k, -1).sum(axis=1)
    assert sizes.max() - sizes.min() <= 1


def test_complementary_masks_follow_the_seed():
    a, b = complementary_masks(14, 4, 0), complementary_masks(14, 4, 1)
    assert all((x == y).all() for x, y in zip(a, complementary_masks(14, 4, 0), strict=True))
    assert any((x != y).any() for x, y in zip(a, b, strict=True))
    with pytest.raises(ValueError):
        complementary_masks(4, 17, 0)


def test_errormap_masks_add_context_up_to_the_ratio():
    for target, mask in errormap_masks(14, 4, seed=2, ratio=0.75):
        assert (mask[target]).all()  # the target is always removed
        assert int(mask.sum()) == round(196 * 0.75)
    for target, mask in errormap_masks(14, 4, seed=2, ratio=None):
        assert (mask == target).all()


def test_full_errormap_reconstructs_every_patch_exactly_once(predictor):
    predictor.calls.clear()
    recon, per_patch = full_errormap(predictor, k=4, seed=5, ratio=0.75)
    assert len(predictor.calls) == 4
    assert recon.shape == (64, 64, 3) and recon.dtype == np.uint8
    assert per_patch.shape == (4, 4) and np.isfinite(per_patch).all()
    targets = [t for t, _ in errormap_masks(4, 4, 5, 0.75)]
    owners = np.zeros((4, 4), dtype=int)
    for t, mask in zip(targets, list(predictor.calls), strict=True):
        owners += t
        result = predictor.reconstruct(mask)  # the run that owns this part, once more
        np.testing.assert_array_equal(per_patch[t], result.per_patch_mse[t])
        cover = np.repeat(np.repeat(t, 16, 0), 16, 1)
        np.testing.assert_array_equal(recon[cover], result.reconstruction[cover])
    assert (owners == 1).all()


def test_uncertainty_is_the_spread_over_removed_runs(predictor):
    predictor.calls.clear()
    std = uncertainty(predictor, n=6, ratio=0.5, seed=0)
    assert std.shape == (64, 64) and std.dtype == np.float32
    assert len(predictor.calls) == 6
    # recompute one pixel by hand from the same masks
    y, x = 20, 40
    r, c = y // 16, x // 16
    values = [
        predictor.reconstruct(m).reconstruction[y, x].astype(float) / 255
        for m in predictor.calls[:6]
        if m[r, c]
    ]
    if len(values) >= 2:
        expected = np.std(np.stack(values), axis=0, ddof=1).mean()
        assert std[y, x] == pytest.approx(expected, abs=1e-5)
    else:
        assert np.isnan(std[y, x])
    finite = std[np.isfinite(std)]
    assert finite.size > 0 and (finite >= 0).all() and finite.max() > 0
    with pytest.raises(ValueError):
        uncertainty(predictor, n=1)
