"""Predictor.preview: the decoder alone on the last full run's encoder output, equal to that
computation done by hand on the model; a full run wherever that output does not fit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from mae_studio.core import Cancelled
from mae_studio.core.fastpath import ids_from_mask
from mae_studio.core.masks import random_mask
from mae_studio.core.predictor import Predictor
from tests.core.test_precision import CASES, conformance, tiny_model


def _by_hand(p: Predictor, encoded_mask: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The preview's reconstruction computed on the model itself: encode the visible patches of
    `encoded_mask`, keep the rows of patches visible in both masks, decode with every other
    patch a mask token, then the predictor's pixels for `mask`."""
    model = p.model
    before = ~encoded_mask.reshape(-1)
    both = before & ~mask.reshape(-1)
    with torch.inference_mode():
        keep, _ = ids_from_mask(~before)
        latent = model.forward_encoder(p.input_tensor, torch.from_numpy(keep)[None])
        rows = [0] + [1 + i for i, patch in enumerate(np.flatnonzero(before)) if both[patch]]
        _, restore = ids_from_mask(~both)
        pred = model.decode(latent[:, rows], torch.from_numpy(restore)[None], p.grid)
    return p.reconstruction_from_pred(pred, mask).reconstruction


def _more_removed(mask: np.ndarray, count: int) -> np.ndarray:
    """`mask` with its first `count` visible patches removed too (a brush stroke)."""
    out = mask.copy()
    visible = np.flatnonzero(~out.reshape(-1))[:count]
    out.reshape(-1)[visible] = True
    return out


@pytest.mark.parametrize("case", CASES)
def test_a_preview_of_the_mask_just_run_is_that_run(case):
    model, rgb, mask = conformance(case)
    p = Predictor(model, "cpu")
    p.set_image(rgb)
    full = p.reconstruct(mask)
    quick = p.preview(mask)
    assert quick.encoder_reused and not full.encoder_reused
    assert np.array_equal(quick.reconstruction, full.reconstruction)
    assert quick.masked_mse == full.masked_mse


@pytest.mark.parametrize("case", CASES)
def test_a_preview_decodes_the_earlier_encoding_without_the_patches_removed_since(case):
    model, rgb, mask = conformance(case)
    p = Predictor(model, "cpu")
    p.set_image(rgb)
    p.reconstruct(mask)
    stroke = _more_removed(mask, 2)
    quick = p.preview(stroke)
    assert quick.encoder_reused and np.array_equal(quick.mask, stroke)
    np.testing.assert_allclose(quick.reconstruction, _by_hand(p, mask, stroke), atol=1, rtol=0)
    full = p.reconstruct(stroke)  # the approximation differs from the full run
    diff = np.abs(quick.reconstruction.astype(int) - full.reconstruction.astype(int))
    assert diff.max() > 1
    assert np.array_equal(
        quick.pasted[~np.kron(stroke, np.ones((p.patch_size,) * 2, bool))],
        full.pasted[~np.kron(stroke, np.ones((p.patch_size,) * 2, bool))],
    )  # visible patches are the photo in both


def test_patches_revealed_since_enter_the_decoder_as_mask_tokens():
    model, rgb, mask = conformance("p16_pixel")
    p = Predictor(model, "cpu")
    p.set_image(rgb)
    p.reconstruct(mask)
    erased = mask.copy()
    erased.reshape(-1)[np.flatnonzero(mask.reshape(-1))[:4]] = False  # four patches shown again
    quick = p.preview(erased)
    assert quick.encoder_reused and np.array_equal(quick.mask, erased)
    np.testing.assert_allclose(quick.reconstruction, _by_hand(p, mask, erased), atol=1, rtol=0)
    s = p.patch_size
    r, c = np.argwhere(mask & ~erased)[0]
    cell = np.s_[r * s : (r + 1) * s, c * s : (c + 1) * s]
    assert np.array_equal(quick.pasted[cell], quick.original[cell])  # shown as the photo


def test_a_mask_far_from_the_last_run_gets_a_full_run():
    p = Predictor(tiny_model(), "cpu")
    p.set_image(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    first, other = random_mask(4, 0.5, 0), random_mask(4, 0.5, 1)
    shared = (~first & ~other).sum()
    assert shared < 0.5 * (~other).sum()  # less than PREVIEW_COVER of what is visible now
    p.reconstruct(first)
    quick = p.preview(other)
    assert not quick.encoder_reused
    assert np.array_equal(quick.reconstruction, p.reconstruct(other).reconstruction)
    assert p.preview(_more_removed(other, 1)).encoder_reused  # that full run is the next base


def test_without_a_full_run_a_preview_is_one():
    p = Predictor(tiny_model(), "cpu")
    p.set_image(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    mask = random_mask(4, 0.75, 0)
    quick = p.preview(mask)
    assert not quick.encoder_reused
    assert np.array_equal(quick.reconstruction, p.reconstruct(mask).reconstruction)


def test_tiles_preview_with_a_full_run():
    p = Predictor(tiny_model(), "cpu")
    p.set_image(np.random.default_rng(0).integers(0, 255, (100, 150, 3), dtype=np.uint8), fit="tiles")
    mask = random_mask(p.grid, 0.5, 0)
    p.reconstruct(mask)
    quick = p.preview(_more_removed(mask, 2))
    assert not quick.encoder_reused and quick.fit == "tiles"


def test_a_preview_in_int8_decodes_the_exact_runs_encoding():
    model, rgb, mask = conformance("p16_normpix")
    p = Predictor(model, "cpu")
    p.set_image(rgb)
    p.reconstruct(mask)  # exact
    stroke = _more_removed(mask, 2)
    exact_preview = p.preview(stroke)
    p.set_precision("int8")
    quick = p.preview(stroke)
    assert quick.encoder_reused and quick.precision == "int8"
    a, b = quick.reconstruction.astype(float), exact_preview.reconstruction.astype(float)
    assert np.linalg.norm(a - b) / np.linalg.norm(b) < 5e-2


def test_a_preview_stops_between_blocks_when_asked():
    model, rgb, mask = conformance("p16_pixel")
    p = Predictor(model, "cpu")
    p.set_image(rgb)
    p.reconstruct(mask)
    with pytest.raises(Cancelled):
        p.preview(_more_removed(mask, 3), should_cancel=lambda: True)


def test_a_wide_model_measures_fast_after_its_load_so_a_stroke_finds_it_ready(tmp_path, monkeypatch):
    from mae_studio.core import MaskedAutoencoderViT, fast_choice
    from mae_studio.core.config import MAEConfig
    from mae_studio.core.predictor import MEASURE_AFTER_LOAD_WIDTH

    monkeypatch.setenv("MAE_STUDIO_DATA_DIR", str(tmp_path))  # nothing measured on this "machine" yet
    measured: list[int] = []
    real = fast_choice.measure
    monkeypatch.setattr(fast_choice, "measure", lambda m: measured.append(torch.get_num_threads()) or real(m))
    torch.manual_seed(0)
    wide = MAEConfig(img_size=64, embed_dim=MEASURE_AFTER_LOAD_WIDTH, depth=1, num_heads=4)
    model = MaskedAutoencoderViT(dataclasses.replace(wide, decoder_embed_dim=32, decoder_depth=1)).eval()
    p = Predictor(model, "cpu")
    before = torch.get_num_threads()
    thread = p.start_warm_up()
    assert thread is not None and Predictor(tiny_model(), "cpu").start_warm_up() is None  # narrow: no
    thread.join(120)
    assert measured == [before]  # with the model thread's thread count: the cache key has it
    built: list = []
    monkeypatch.setattr("mae_studio.core.predictor.Engine", lambda *a: built.append(a))
    variant = p.set_precision("fast")
    assert variant.reason.startswith("cached measurement") and built == [] and measured == [before]
