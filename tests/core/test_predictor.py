"""Predictor: its model path equals model.forward, its pictures and numbers equal independent
numpy computations, per-image work is reused, cancellation stops between blocks, and (on a
GPU only) CUDA-graph replays agree with eager runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mae_studio.core import Cancelled
from mae_studio.core.baseline import reference_forward
from mae_studio.core.config import IMAGENET_MEAN, IMAGENET_STD
from mae_studio.core.cuda_graphs import common_counts
from mae_studio.core.fastpath import Engine, ids_from_mask
from mae_studio.core.masks import random_mask
from mae_studio.core.pixels import denormalize_patch_stats, image_to_patches, patches_to_image
from mae_studio.core.predictor import MASK_FILL, Predictor, psnr
from mae_studio.core.threads import configure_threads, interactive_threads
from tests.core.test_precision import CASES, conformance, tiny_model

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _photo(size: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    img = np.stack([xx * 4, yy * 4, (xx + yy) * 2], axis=-1) + rng.normal(0, 20, (size, size, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------- model path


@pytest.mark.parametrize("case", CASES)
def test_exact_prediction_equals_model_forward_and_the_reference(case):
    model, rgb, mask = conformance(case)
    exp = np.load(f"tests/data/conformance/{case}/expected.npz")
    p = Predictor(model, "cpu")
    p.set_image(rgb)
    pred = p.predict(mask)
    with torch.inference_mode():
        direct = model(p.input_tensor, torch.from_numpy(mask.reshape(1, -1)).float())
    assert torch.equal(pred, direct)  # the same ops on the same values
    np.testing.assert_allclose(pred.numpy(), exp["painted_pred"], atol=1e-4, rtol=0)


@pytest.mark.parametrize("case", CASES)
def test_reference_style_baseline_agrees_with_the_model(case):
    model, rgb, mask = conformance(case)
    exp = np.load(f"tests/data/conformance/{case}/expected.npz")
    p = Predictor(model, "cpu")
    p.set_image(rgb)
    flat = torch.from_numpy(mask.reshape(1, -1)).float()
    with torch.inference_mode():
        ref = reference_forward(model, p.input_tensor, flat)
    np.testing.assert_allclose(ref.numpy(), exp["painted_pred"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(ref.numpy(), p.predict(mask).numpy(), atol=1e-5, rtol=0)


def test_ids_from_mask_match_the_model():
    model = tiny_model()
    rng = np.random.default_rng(0)
    for removed_count in (0, 1, 7, 15, 16):
        removed = np.zeros(16, dtype=bool)
        removed[rng.permutation(16)[:removed_count]] = True
        keep, restore = ids_from_mask(removed)
        k_ref, r_ref = model.mask_to_ids(torch.from_numpy(removed[None]).float())
        np.testing.assert_array_equal(keep, k_ref[0].numpy())
        np.testing.assert_array_equal(restore, r_ref[0].numpy())


# ---------------------------------------------------------------------------- pictures and numbers


def _numpy_expectations(p: Predictor, rgb: np.ndarray, mask: np.ndarray) -> dict:
    """What a reconstruction must hold, from model.forward's prediction and numpy alone."""
    c = p.config
    g, s = c.grid_size, c.patch_size
    with torch.inference_mode():
        pred = p.model(p.input_tensor, torch.from_numpy(mask.reshape(1, -1)).float())[0].numpy()
    img = pred.reshape(g, g, s, s, 3).transpose(0, 2, 1, 3, 4).reshape(g * s, g * s, 3)  # unpatchify
    pixels = np.clip(img * np.float32(IMAGENET_STD) + np.float32(IMAGENET_MEAN), 0, 1)  # [S, S, 3]
    diff = (pixels - rgb.astype(np.float32) / 255) ** 2
    per_patch = diff.reshape(g, s, g, s, 3).mean(axis=(1, 3, 4))  # [h, w]
    cover = np.kron(mask, np.ones((s, s), dtype=bool))  # [S, S]
    return {
        "reconstruction": np.floor(pixels * 255 + 0.5).astype(np.uint8),
        "per_patch": per_patch,
        "masked_mse": per_patch[mask].mean() if mask.any() else math.nan,
        "cover": cover,
    }


@pytest.mark.parametrize("ratio", [0.0, 0.25, 0.75, 1.0])
def test_reconstruction_matches_numpy(ratio):
    model = tiny_model(1)
    rgb = _photo()
    p = Predictor(model, "cpu")
    assert np.array_equal(p.set_image(rgb), rgb)  # 64x64 already: no resize
    mask = random_mask(4, ratio, 2)
    r = p.reconstruct(mask)
    want = _numpy_expectations(p, rgb, mask)
    cover = want["cover"]
    np.testing.assert_allclose(r.per_patch_mse, want["per_patch"], rtol=1e-5, atol=1e-7)
    assert r.per_patch_mse.dtype == np.float32 and r.per_patch_mse.shape == (4, 4)
    if mask.any():
        assert r.masked_mse == pytest.approx(want["masked_mse"], rel=1e-5)
        assert r.masked_psnr == pytest.approx(10 * math.log10(1 / want["masked_mse"]), rel=1e-5)
    else:
        assert math.isnan(r.masked_mse) and math.isnan(r.masked_psnr)
    assert np.abs(r.reconstruction.astype(int) - want["reconstruction"]).max() <= 1
    assert (r.reconstruction == want["reconstruction"]).mean() > 0.999
    # pasted: visible pixels are the original exactly, removed ones the reconstruction
    np.testing.assert_array_equal(r.pasted[~cover], rgb[~cover])
    np.testing.assert_array_equal(r.pasted[cover], r.reconstruction[cover])
    # masked view: what the encoder saw
    np.testing.assert_array_equal(r.masked[~cover], rgb[~cover])
    assert (r.masked[cover] == MASK_FILL).all()
    np.testing.assert_array_equal(r.original, rgb)
    assert r.masked_count == int(mask.sum()) and r.precision == "fp32" and r.seconds > 0
    for img in (r.masked, r.reconstruction, r.pasted):
        assert img.dtype == np.uint8 and img.shape == (64, 64, 3)


def test_result_does_not_alias_the_callers_mask():
    p = Predictor(tiny_model(), "cpu")
    p.set_image(_photo())
    mask = random_mask(4, 0.5, 0)
    r = p.reconstruct(mask)
    mask[:] = False
    assert r.masked_count == 8


def test_pixel_helpers_are_the_models_patchify():
    model = tiny_model()
    img = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)
    patches = image_to_patches(img, 16)
    ref = model.patchify(torch.from_numpy(img).permute(2, 0, 1)[None])[0].numpy()
    np.testing.assert_array_equal(patches, ref)
    np.testing.assert_array_equal(patches_to_image(patches, 4, 16), img)


def test_norm_pix_statistics_blend_nearest_visible_patches():
    mean = np.arange(9, dtype=np.float32)  # 3x3 grid
    std = np.arange(9, dtype=np.float32) + 1
    removed = np.zeros(9, dtype=bool)
    removed[4] = True  # the centre: 4 visible neighbours at distance 1
    m, s = denormalize_patch_stats(mean, std, removed, 3)
    assert m[4] == pytest.approx((1 + 3 + 5 + 7) / 4) and s[4] == pytest.approx((2 + 4 + 6 + 8) / 4)
    np.testing.assert_array_equal(m[~removed], mean[~removed])  # visible keep their own
    removed[:] = True
    m, s = denormalize_patch_stats(mean, std, removed, 3)
    assert (m == 0).all() and (s == 1).all()


def test_psnr():
    assert psnr(0.01) == pytest.approx(20.0)
    assert psnr(0.0) == math.inf and math.isnan(psnr(math.nan))


# ---------------------------------------------------------------------------- per-image reuse


def test_image_work_is_done_once_per_image(monkeypatch):
    calls = []
    original = Engine.embed
    monkeypatch.setattr(Engine, "embed", lambda self, imgs: calls.append(1) or original(self, imgs))
    p = Predictor(tiny_model(), "cpu")
    p.set_image(_photo(seed=1))
    for seed in range(3):
        p.reconstruct(random_mask(4, 0.5, seed))
    assert len(calls) == 1
    p.set_image(_photo(seed=2))
    p.reconstruct(random_mask(4, 0.5, 0))
    assert len(calls) == 2


def test_reused_image_state_gives_the_same_results_as_a_fresh_predictor():
    model = tiny_model(2)
    rgb = _photo(seed=3)
    warm = Predictor(model, "cpu")
    warm.set_image(rgb)
    for seed in range(3):
        warm.reconstruct(random_mask(4, 0.75, seed))
    mask = random_mask(4, 0.5, 9)
    fresh = Predictor(model, "cpu")
    fresh.set_image(rgb)
    np.testing.assert_array_equal(
        warm.reconstruct(mask).reconstruction, fresh.reconstruct(mask).reconstruction
    )


def test_switching_precision_back_gives_exact_results_again():
    model = tiny_model(4)
    p = Predictor(model, "cpu")
    p.set_image(_photo())
    mask = random_mask(4, 0.75, 0)
    before = p.predict(mask)
    p.set_precision("fast")
    p.predict(mask)
    assert p.set_precision("exact").name == "fp32"
    assert torch.equal(p.predict(mask), before)


def test_reconstruct_needs_an_image_and_a_grid_mask():
    p = Predictor(tiny_model(), "cpu")
    with pytest.raises(RuntimeError, match="set_image"):
        p.reconstruct(np.zeros((4, 4), dtype=bool))
    p.set_image(_photo())
    with pytest.raises(ValueError, match="4x4"):
        p.reconstruct(np.zeros((5, 5), dtype=bool))


# ---------------------------------------------------------------------------- cancellation


@pytest.mark.parametrize("precision", ["exact", "fast"])
def test_cancellation_is_checked_between_blocks(precision):
    model = tiny_model()  # 2 encoder + 1 decoder blocks
    p = Predictor(model, "cpu", precision)
    p.set_image(_photo())
    checks: list[int] = []

    def never() -> bool:
        checks.append(1)
        return False

    p.reconstruct(random_mask(4, 0.5, 0), never)
    assert len(checks) == len(model.blocks) + len(model.decoder_blocks)

    for stop_at in range(1, len(checks) + 1):
        seen: list[int] = []

        def cancel_late(stop_at: int = stop_at, seen: list[int] = seen) -> bool:
            seen.append(1)
            return len(seen) >= stop_at

        with pytest.raises(Cancelled):
            p.reconstruct(random_mask(4, 0.5, 0), cancel_late)
        assert len(seen) == stop_at  # stopped at that block, not later


# ---------------------------------------------------------------------------- threads and warm-up


def test_interactive_threads_leave_a_core_only_on_bigger_machines():
    assert [interactive_threads(n) for n in (1, 2, 3, 4, 8)] == [1, 2, 3, 3, 7]


def test_configure_threads_sets_torch():
    before = torch.get_num_threads()
    try:
        assert configure_threads(threads=1) == 1 and torch.get_num_threads() == 1
        n = configure_threads(interactive=False)
        assert n >= 1 and torch.get_num_threads() == n
    finally:
        torch.set_num_threads(before)


def test_common_counts_cover_every_count_once_presets_first():
    counts = common_counts(196)
    assert sorted(counts) == list(range(197))
    assert counts[0] == 196 and set(counts[1:4]) >= {49, 98}  # nothing removed, 75%, 50%


def test_warm_up_is_a_no_op_off_cuda_until_fast_was_chosen(tmp_path, monkeypatch):
    monkeypatch.setenv("MAE_STUDIO_DATA_DIR", str(tmp_path))  # no fast choice cached (test_fast_choice)
    p = Predictor(tiny_model(), "cpu")
    assert not p.use_cuda_graphs
    assert p.warm_up() == 0 and p.start_warm_up() is None


# ---------------------------------------------------------------------------- CUDA graphs (GPU only)


@CUDA
@pytest.mark.parametrize("precision", ["exact", "fast"])
def test_cuda_graph_replays_agree_with_eager(precision):
    model = tiny_model(5)
    rgb = _photo()
    eager = Predictor(model, "cuda", precision, cuda_graphs=False)
    graphed = Predictor(model, "cuda", precision, cuda_graphs=True)
    for p in (eager, graphed):
        p.set_image(rgb)
    # exact: the same float32 kernels; fast: TF32 both ways, but cuBLAS may pick other kernels
    # inside a capture, so allow TF32-sized differences (10-bit mantissa).
    tol = 1e-5 if precision == "exact" else 2e-3
    for ratio, seed in [(0.0, 0), (0.5, 1), (0.75, 2), (0.75, 3), (1.0, 0), (0.5, 4)]:
        mask = random_mask(4, ratio, seed)
        a, b = eager.predict(mask), graphed.predict(mask)
        torch.testing.assert_close(b, a, atol=tol, rtol=tol)
        ra, rb = eager.reconstruct(mask), graphed.reconstruct(mask)
        assert np.abs(ra.reconstruction.astype(int) - rb.reconstruction).max() <= 1
    runner = graphed.graph_runner()
    assert runner is not None
    assert runner.disabled_reason is None
    assert set(runner.captured) == {16, 8, 4, 0}  # one graph per visible-token count


@CUDA
def test_cuda_graphs_follow_a_new_image():
    model = tiny_model(6)
    graphed = Predictor(model, "cuda", cuda_graphs=True)
    eager = Predictor(model, "cuda", cuda_graphs=False)
    mask = random_mask(4, 0.75, 0)
    for seed in (1, 2):
        for p in (graphed, eager):
            p.set_image(_photo(seed=seed))
        torch.testing.assert_close(graphed.predict(mask), eager.predict(mask), atol=1e-5, rtol=1e-5)


@CUDA
def test_background_warm_up_captures_counts_and_stops():
    p = Predictor(tiny_model(7), "cuda", "fast", cuda_graphs=True)
    p.set_image(_photo())
    thread = p.start_warm_up([16, 12, 8, 4])
    assert thread is not None
    thread.join(timeout=120)
    assert p.warm_up([16]) == 4
    mask = random_mask(4, 0.75, 0)
    eager = Predictor(p.model, "cuda", "fast", cuda_graphs=False)
    eager.set_image(_photo())
    torch.testing.assert_close(p.predict(mask), eager.predict(mask), atol=2e-3, rtol=2e-3)
    p.stop_warm_up()


@CUDA
def test_failed_capture_falls_back_to_eager(monkeypatch):
    p = Predictor(tiny_model(8), "cuda", cuda_graphs=True)
    p.set_image(_photo())
    mask = random_mask(4, 0.5, 0)
    eager = Predictor(p.model, "cuda", cuda_graphs=False)
    eager.set_image(_photo())
    monkeypatch.setattr(torch.cuda, "graph", _failing_graph)
    torch.testing.assert_close(p.predict(mask), eager.predict(mask), atol=1e-6, rtol=1e-6)
    runner = p.graph_runner()
    assert runner is not None
    assert runner.disabled_reason is not None and "capture failed" in runner.disabled_reason
    assert runner.captured == []


def _failing_graph(*args, **kwargs):
    raise RuntimeError("capture not supported (test)")
