from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from mae_studio.core.config import IMAGENET_MEAN, IMAGENET_STD
from mae_studio.train.data import CropRecipe, DataError, ImageBank, crop_batch, find_images, sample_boxes
from mae_studio.train.recipe import Recipe, lr_at, param_groups, warmup_steps


def test_bank_keeps_short_side_and_crops_stay_inside(photos):
    bank = ImageBank.from_files(find_images([photos]), short_side=48)
    assert len(bank) == 4
    assert all(min(h, w) == 48 for h, w in bank.sizes.tolist())
    g = torch.Generator().manual_seed(0)
    boxes = sample_boxes(bank.sizes.repeat(50, 1), CropRecipe(size=32), g)
    h, w = bank.sizes.repeat(50, 1).float().unbind(1)
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 1] >= 0).all()
    assert (boxes[:, 2] <= w + 1e-4).all() and (boxes[:, 3] <= h + 1e-4).all()
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) / (h * w)
    assert area.max() <= 1.0 + 1e-5 and area.min() >= 0.25 * 0.5  # shrunk to fit at worst


def test_full_crop_of_a_flat_image_is_that_colour(tmp_path):
    from PIL import Image

    (tmp_path / "flat").mkdir()
    Image.new("RGB", (60, 40), (200, 100, 50)).save(tmp_path / "flat" / "a.png")
    bank = ImageBank.from_files(find_images([tmp_path / "flat"]), short_side=40)
    x = crop_batch(bank, torch.tensor([0, 0]), CropRecipe(size=16), torch.Generator().manual_seed(1))
    assert x.shape == (2, 3, 16, 16)
    rgb = x * torch.tensor(IMAGENET_STD).view(1, 3, 1, 1) + torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    expected = torch.tensor([200, 100, 50]).float().view(1, 3, 1, 1) / 255
    assert torch.allclose(rgb, expected.expand_as(rgb), atol=1e-5)


def test_find_images_refuses_empty_or_missing(tmp_path):
    with pytest.raises(DataError, match="not a folder"):
        find_images([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images"):
        find_images([tmp_path / "empty"])


def test_schedule_warms_up_peaks_and_ends_at_min_lr():
    r = Recipe(lr=1e-3, min_lr=1e-5, warmup_frac=0.1, min_warmup_steps=1)
    total = 100
    warm = warmup_steps(r, total)
    assert warm == 10
    assert lr_at(0, total, r) == pytest.approx(1e-4)
    assert lr_at(warm, total, r) == pytest.approx(1e-3)
    assert lr_at(total, total, r) == pytest.approx(1e-5)
    mid = lr_at(warm + (total - warm) // 2, total, r)
    assert mid == pytest.approx(1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + math.cos(math.pi * 0.5)), rel=1e-6)
    lrs = [lr_at(s, total, r) for s in range(warm, total + 1)]
    assert all(a >= b for a, b in itertools.pairwise(lrs))


def test_no_weight_decay_on_norms_biases_and_tokens(tiny_config):
    from mae_studio.core.model import MaskedAutoencoderViT

    model = MaskedAutoencoderViT(tiny_config)
    decay, no_decay = param_groups(model, 0.05)
    names = {id(p): n for n, p in model.named_parameters()}
    undecayed = {names[id(p)] for p in no_decay["params"]}
    assert {"cls_token", "mask_token", "norm.weight", "blocks.0.attn.qkv.bias"} <= undecayed
    assert decay["weight_decay"] == 0.05 and no_decay["weight_decay"] == 0.0
    assert all(p.ndim == 2 or p.ndim == 4 for p in decay["params"])
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))
    assert np.isclose(
        sum(p.numel() for p in decay["params"]) / 1e3,
        sum(p.numel() for n, p in model.named_parameters() if p.ndim > 1 and "token" not in n) / 1e3,
    )


def test_batched_roi_align_crops_match_the_pillow_crops(photos):
    """The GPU path (one roi_align call) and the CPU path (Pillow) cut the same boxes and flips."""
    bank = ImageBank.from_files(find_images([photos]), short_side=64)
    index = torch.tensor([0, 1, 2, 3, 2])
    recipe = CropRecipe(size=32, scale=(0.5, 1.0))
    a = crop_batch(bank, index, recipe, torch.Generator().manual_seed(4), batched=True)
    b = crop_batch(bank, index, recipe, torch.Generator().manual_seed(4), batched=False)
    assert a.shape == b.shape == (5, 3, 32, 32)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    diff = ((a - b) * std).abs()  # [0, 1] pixel units
    assert diff.mean() < 2 / 255 and diff.max() < 12 / 255
