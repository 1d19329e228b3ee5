"""Any size and aspect: sin-cos position tables for any (h, w) grid (the official formula), learned
tables resampled, the whole fit on a grid at the photo's aspect, and the model's forward on it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from timm.layers import resample_abs_pos_embed

from mae_studio.core.fastpath import Engine
from mae_studio.core.fits import fit_image, prepare_image
from mae_studio.core.grid import Grid
from mae_studio.core.masks import random_mask, to_flat
from mae_studio.core.model import MaskedAutoencoderViT, sincos_pos_embed_2d
from mae_studio.core.precision import resolve
from mae_studio.core.predictor import Predictor
from tests.core.test_precision import tiny_model

CPU = torch.device("cpu")


# The official facebookresearch/mae util/pos_embed.py, with grid_size (h, w) where it takes one side
# (grid_h = arange(h), grid_w = arange(w); `np.float` spelled float64).
def official_2d_sincos(embed_dim: int, grid_size: tuple[int, int], cls_token: bool = False) -> np.ndarray:
    grid_h = np.arange(grid_size[0], dtype=np.float32)
    grid_w = np.arange(grid_size[1], dtype=np.float32)
    grid = np.meshgrid(grid_w, grid_h)  # here w goes first
    grid = np.stack(grid, axis=0)
    grid = grid.reshape([2, 1, grid_size[0], grid_size[1]])
    emb_h = official_1d_sincos(embed_dim // 2, grid[0])  # (H*W, D/2)
    emb_w = official_1d_sincos(embed_dim // 2, grid[1])  # (H*W, D/2)
    pos_embed = np.concatenate([emb_h, emb_w], axis=1)  # (H*W, D)
    if cls_token:
        pos_embed = np.concatenate([np.zeros([1, embed_dim]), pos_embed], axis=0)
    return pos_embed


def official_1d_sincos(embed_dim: int, pos: np.ndarray) -> np.ndarray:
    omega = np.arange(embed_dim // 2, dtype=np.float64)
    omega /= embed_dim / 2.0
    omega = 1.0 / 10000**omega  # (D/2,)
    pos = pos.reshape(-1)  # (M,)
    out = np.einsum("m,d->md", pos, omega)  # (M, D/2), outer product
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)  # (M, D)


@pytest.mark.parametrize("grid", [(14, 14), (14, 21), (21, 14), (3, 7), (1, 5)])
@pytest.mark.parametrize("dim", [64, 192, 512])
def test_sincos_tables_are_the_official_formula_for_any_grid(grid: tuple[int, int], dim: int) -> None:
    ours = sincos_pos_embed_2d(dim, Grid(*grid), cls_token=True)
    np.testing.assert_array_equal(ours, official_2d_sincos(dim, grid, cls_token=True))


def test_the_models_own_grid_keeps_its_buffers_bit_for_bit() -> None:
    model = tiny_model()
    g = model.config.grid_size
    enc, dec = model.position_tables(Grid(g, g))
    assert enc is model.pos_embed and dec is model.decoder_pos_embed
    want = torch.from_numpy(official_2d_sincos(64, (g, g), cls_token=True)).float()[None]
    assert torch.equal(model.pos_embed, want)


def test_another_grid_gets_its_exact_sincos_table_on_the_models_device_and_dtype() -> None:
    model = tiny_model()
    enc, dec = model.position_tables(Grid(3, 5))
    assert enc.shape == (1, 16, 64) and dec.shape == (1, 16, 48) and enc.dtype == torch.float32
    assert torch.equal(enc, torch.from_numpy(official_2d_sincos(64, (3, 5), True)).float()[None])
    assert torch.equal(dec, torch.from_numpy(official_2d_sincos(48, (3, 5), True)).float()[None])
    assert model.position_tables(Grid(3, 5))[0] is enc  # cached
    bf16 = Engine(model, resolve("bf16", CPU), CPU).model
    assert bf16.position_tables(Grid(3, 5))[0].dtype == torch.bfloat16


def test_a_learned_table_is_resampled_with_timm() -> None:
    model = tiny_model()
    torch.manual_seed(5)
    learned = {"pos_embed": torch.randn(1, 17, 64), "decoder_pos_embed": torch.randn(1, 17, 48)}
    state = {**model.state_dict(), **learned}
    model.position_tables(Grid(3, 5))  # cached before the load: the load must clear it
    model.load_state_dict(state)
    enc, dec = model.position_tables(Grid(3, 5))
    want = resample_abs_pos_embed(learned["pos_embed"], new_size=[3, 5], old_size=[4, 4], num_prefix_tokens=1)
    assert torch.equal(enc, want)
    assert torch.equal(enc[:, :1], learned["pos_embed"][:, :1])  # CLS kept
    assert dec.shape == (1, 16, 48)


def test_forward_on_a_rectangular_grid() -> None:
    model = tiny_model(3)
    torch.manual_seed(0)
    imgs = torch.randn(2, 3, 48, 80)  # 3 x 5 patches
    mask = torch.from_numpy(np.stack([to_flat(random_mask((3, 5), 0.6, s)) for s in (0, 1)]))
    with torch.inference_mode():
        pred = model(imgs, mask)
        assert pred.shape == (2, 15, 16 * 16 * 3)
        assert model.unpatchify(pred, Grid(3, 5)).shape == (2, 3, 48, 80)
        # the same as embedding, encoding and decoding by hand
        tokens, cls = model.embed(imgs)
        ids_keep, ids_restore = model.mask_to_ids(mask)
        again = model.decode(model.encode(tokens, cls, ids_keep), ids_restore, Grid(3, 5))
    assert torch.equal(pred, again)
    with pytest.raises(ValueError, match=r"mask must be \[2, 15\] for a 3x5 grid"):
        model(imgs, mask[:, :14])
    with pytest.raises(ValueError, match="whole multiples of the 16 px patch"):
        model(torch.zeros(1, 3, 50, 80), mask[:1])


def _landscape(width: int = 600, height: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    img = np.stack([xx * 255 / width, yy * 255 / height, (xx + yy) % 97], axis=-1)
    return np.clip(img + rng.normal(0, 10, img.shape), 0, 255).astype(np.uint8)


def test_whole_fit_of_a_3_by_2_photo_is_a_3_by_2_grid() -> None:
    view = fit_image(_landscape(600, 400), "whole", img_size=64, patch_size=16)
    assert view.grid == Grid(4, 6) and view.image.shape == (64, 96, 3) and view.fit == "whole"
    big = fit_image(Image.fromarray(_landscape(3000, 2000)), "whole", img_size=224, patch_size=16)
    assert big.grid == Grid(14, 21) and big.image.shape == (224, 336, 3)
    budget = fit_image(_landscape(3000, 2000), "whole", img_size=224, patch_size=16, tokens=600)
    assert budget.grid == Grid(20, 30)
    crop = fit_image(_landscape(), "crop", img_size=64, patch_size=16)
    assert crop.grid == Grid(4, 4) and np.array_equal(crop.image, prepare_image(_landscape(), 64))
    with pytest.raises(ValueError, match="unknown fit 'stretch'"):
        fit_image(_landscape(), "stretch", 64, 16)


def test_whole_fit_of_a_square_photo_is_the_crop() -> None:
    square = _landscape(300, 300)
    assert np.array_equal(fit_image(square, "whole", 64, 16).image, fit_image(square, "crop", 64, 16).image)


@pytest.mark.parametrize("precision", ["exact", "bf16"])
def test_whole_fit_reconstruction_equals_the_models_forward(precision: str) -> None:
    model = tiny_model(1)
    p = Predictor(model, "cpu", precision)
    seen = p.set_image(_landscape(600, 400), fit="whole")
    assert p.grid == Grid(4, 6) and p.fit == "whole" and seen.shape == (64, 96, 3)
    mask = random_mask(p.grid, 0.75, 4)
    r = p.reconstruct(mask)
    assert r.fit == "whole" and r.grid == Grid(4, 6) and r.patch_size == 16
    for image in (r.masked, r.reconstruction, r.pasted, r.original):
        assert image.shape == (64, 96, 3) and image.dtype == np.uint8
    assert r.per_patch_mse.shape == (4, 6) and r.masked_count == 18
    engine = p._engine
    with torch.inference_mode():
        direct = engine.forward_images(p.input_tensor, torch.from_numpy(to_flat(mask))[None])
    torch.testing.assert_close(p.predict(mask), direct.float(), rtol=0, atol=0)
    with pytest.raises(ValueError, match="mask must be 4x6"):
        p.reconstruct(random_mask(4, 0.5, 0))


def test_crop_stays_the_default_and_unchanged() -> None:
    model = tiny_model(2)
    photo = _landscape(600, 400)
    p = Predictor(model, "cpu")
    assert np.array_equal(p.set_image(photo), prepare_image(photo, 64))
    assert p.grid == Grid(4, 4) and p.fit == "crop"
    r = p.reconstruct(random_mask(4, 0.75, 0))
    q = Predictor(MaskedAutoencoderViT(model.config), "cpu")
    q.model.load_state_dict(model.state_dict())
    q.set_image(photo, fit="crop")
    assert np.array_equal(q.reconstruct(random_mask(4, 0.75, 0)).reconstruction, r.reconstruction)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("precision", ["exact", "fast"])
def test_cuda_graphs_on_a_whole_photos_grid_agree_with_eager(precision: str) -> None:
    model = tiny_model(5)
    eager = Predictor(model, "cuda", precision, cuda_graphs=False)
    graphed = Predictor(model, "cuda", precision, cuda_graphs=True)
    for p in (eager, graphed):
        p.set_image(_landscape(600, 400), fit="whole")
    tol = 1e-5 if precision == "exact" else 2e-3
    for ratio, seed in [(0.0, 0), (0.5, 1), (0.75, 2), (1.0, 0)]:
        mask = random_mask(Grid(4, 6), ratio, seed)
        torch.testing.assert_close(graphed.predict(mask), eager.predict(mask), atol=tol, rtol=tol)
    runner = graphed.graph_runner()
    assert runner is not None and runner.grid == Grid(4, 6) and runner.disabled_reason is None
    assert set(runner.captured) == {24, 12, 6, 0}
    graphed.set_image(_landscape(600, 400), fit="tiles")  # tiles run eagerly, batched
    eager.set_image(_landscape(600, 400), fit="tiles")
    mask = random_mask(graphed.grid, 0.75, 0)
    a, b = graphed.reconstruct(mask), eager.reconstruct(mask)
    assert np.abs(a.reconstruction.astype(int) - b.reconstruction).max() <= 1
