"""Our model against the official implementation's own outputs (tests/data/conformance)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mae_studio.core import load_model, ort_blocks
from tests.conftest import CONFORMANCE, reference_random_mask

CASES = ["p16_pixel", "p16_normpix", "p14_pixel"]
RUNTIMES = ["torch", "onnxruntime"]  # what the float32 blocks run on (ort_blocks)
TOL = 1e-4


def _load(case: str, layout: str, manifest: dict):
    arch = manifest["cases"][case]["architecture"]
    folder = CONFORMANCE / case
    if layout == "official":
        # The official .pth carries no head counts and no norm_pix_loss flag.
        return load_model(
            folder / "official.pth",
            num_heads=arch["num_heads"],
            decoder_num_heads=arch["decoder_num_heads"],
            norm_pix_loss=arch["norm_pix_loss"],
        )
    return load_model(folder)  # Hugging Face folder: config.json + model.safetensors


@pytest.fixture(
    params=[(c, lay, rt) for c in CASES for lay in ("official", "hf") for rt in RUNTIMES],
    ids=lambda p: "-".join(p),
)
def case(request, conformance_manifest):
    name, layout, runtime = request.param
    model = _load(name, layout, conformance_manifest)
    if runtime == "onnxruntime":  # every transformer block on its ONNX Runtime session
        blocks = model.config.depth + model.config.decoder_depth
        assert ort_blocks.attach(model) == blocks and ort_blocks.attached(model) == blocks
    expected = dict(np.load(CONFORMANCE / name / "expected.npz"))
    return name, model, expected, conformance_manifest["cases"][name]["architecture"]


def test_architecture_read_from_weights(case):
    _, model, _, arch = case
    c = model.config
    for key in (
        "img_size",
        "patch_size",
        "embed_dim",
        "depth",
        "num_heads",
        "decoder_embed_dim",
        "decoder_depth",
        "decoder_num_heads",
        "norm_pix_loss",
    ):
        assert getattr(c, key) == arch[key], key
    assert not model.training


def test_random_mask_matches_reference(case):
    _, _, exp, _ = case
    mask = reference_random_mask(torch.from_numpy(exp["noise"]), float(exp["mask_ratio"]))
    np.testing.assert_array_equal(mask.numpy(), exp["mask"])


def test_random_mask_reconstruction(case):
    _, model, exp, _ = case
    imgs = torch.from_numpy(exp["image_normalized"])
    noise = torch.from_numpy(exp["noise"])
    mask = reference_random_mask(noise, float(exp["mask_ratio"]))
    with torch.inference_mode():
        ids_keep, _ids_restore = model.mask_to_ids(mask)
        latent = model.forward_encoder(imgs, ids_keep)
        pred = model(imgs, mask)
        per_patch = model.per_patch_loss(imgs, pred)
        loss = model.loss(imgs, pred, mask)
    # The reference feeds visible tokens in noise order; ours are in patch order.
    kept = ids_keep.shape[1]
    order = np.argsort(np.argsort(exp["noise"][0])[:kept])  # rank of each noise-ordered token
    ref_latent = exp["latent"][0]
    ours = latent[0].numpy()
    np.testing.assert_allclose(ours[0], ref_latent[0], atol=TOL, rtol=0)  # CLS
    np.testing.assert_allclose(ours[1:][order], ref_latent[1:], atol=TOL, rtol=0)
    np.testing.assert_allclose(pred.numpy(), exp["pred"], atol=TOL, rtol=0)
    np.testing.assert_allclose(per_patch.numpy(), exp["per_patch_loss"], atol=TOL, rtol=0)
    assert abs(float(loss) - float(exp["loss"])) <= TOL


def test_painted_mask_reconstruction(case):
    _, model, exp, _ = case
    imgs = torch.from_numpy(exp["image_normalized"])
    mask = torch.from_numpy(exp["painted_mask"]).float()
    with torch.inference_mode():
        pred = model(imgs, mask)
        loss = model.loss(imgs, pred, mask)
    np.testing.assert_allclose(pred.numpy(), exp["painted_pred"], atol=TOL, rtol=0)
    assert abs(float(loss) - float(exp["painted_loss"])) <= TOL


def test_input_normalization_matches(case, conformance_manifest):
    """input.png after /255 and ImageNet mean/std is the reference's normalized image."""
    from PIL import Image

    from mae_studio.core.images import normalize

    name, _, exp, _ = case
    rgb = np.asarray(Image.open(CONFORMANCE / name / "input.png").convert("RGB"))
    np.testing.assert_allclose(normalize(rgb).numpy()[None], exp["image_normalized"], atol=1e-6, rtol=0)
