"""Float32 blocks on ONNX Runtime (core/ort_blocks.py): the same numbers as torch's blocks, used
only while that holds, and torch whenever it cannot be."""

from __future__ import annotations

import copy
import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from mae_studio.core import MAEConfig, MaskedAutoencoderViT, cpu_blocks, fast_choice, load_model, ort_blocks
from mae_studio.core.errors import Cancelled
from mae_studio.core.masks import random_mask
from mae_studio.core.precision import build_model, variant_named
from mae_studio.core.predictor import MEASURE_AFTER_LOAD_WIDTH, Predictor
from tests.conftest import CONFORMANCE, reference_random_mask

SMALL = MAEConfig(
    img_size=64,
    patch_size=16,
    embed_dim=64,
    depth=2,
    num_heads=4,
    decoder_embed_dim=48,
    decoder_depth=2,
    decoder_num_heads=3,
)
TOL = 1e-5


def _model(config: MAEConfig = SMALL) -> MaskedAutoencoderViT:
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(config)
    model.init_weights()
    with torch.no_grad():  # non-trivial norms and biases, so a mix-up of them shows
        for name, p in model.named_parameters():
            if "norm" in name or name.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.1)
    return model.eval()


def _count_sessions(monkeypatch) -> list[int]:
    calls: list[int] = []
    run = ort_blocks._BlockSession.__call__

    def counting(session, x):  # type: ignore[no-untyped-def]
        calls.append(1)
        return run(session, x)

    monkeypatch.setattr(ort_blocks._BlockSession, "__call__", counting)
    return calls


def test_blocks_compute_what_torch_computes():
    model = _model()
    assert ort_blocks.attach(model) == 4 and ort_blocks.attached(model) == 4
    rng = torch.Generator().manual_seed(1)
    for block in (*model.blocks, *model.decoder_blocks):
        D = block.attn.qkv.in_features
        for shape in ((1, 5, D), (3, 17, D), (2, 1, D)):  # batch and token counts vary per call
            x = torch.randn(*shape, generator=rng)
            with torch.inference_mode():
                assert ort_blocks.session_for(block, x) is not None
                ours = block(x)
                with ort_blocks.disabled():
                    assert ort_blocks.session_for(block, x) is None
                    theirs = block(x)
            assert ours.shape == shape
            torch.testing.assert_close(ours, theirs, atol=TOL, rtol=0)


def test_official_weights_through_onnx_runtime(conformance_manifest, monkeypatch):
    """The conformance forward with every block on ORT (counted), against the official outputs."""
    calls = _count_sessions(monkeypatch)
    for case in ("p16_normpix", "p14_pixel"):
        model = load_model(CONFORMANCE / case)
        c = model.config
        ort_blocks.attach(model)
        exp = dict(np.load(CONFORMANCE / case / "expected.npz"))
        imgs = torch.from_numpy(exp["image_normalized"])
        mask = reference_random_mask(torch.from_numpy(exp["noise"]), float(exp["mask_ratio"]))
        before = len(calls)
        with torch.inference_mode():
            pred = model(imgs, mask)
        assert len(calls) - before == c.depth + c.decoder_depth
        np.testing.assert_allclose(pred.numpy(), exp["pred"], atol=1e-4, rtol=0)


def test_weights_are_shared_not_copied():
    model = _model()
    ort_blocks.attach(model)
    block = model.blocks[0]
    session = ort_blocks._sessions[block]
    pointers = {v.data_ptr() for v in session._values}
    for t in ort_blocks._parameters(block):
        assert t.data_ptr() in pointers


def test_changed_weights_run_on_torch_until_attached_again():
    model = _model()
    ort_blocks.attach(model)
    block = model.blocks[1]
    x = torch.randn(1, 6, SMALL.embed_dim)
    with torch.no_grad():
        block.mlp.fc1.weight.mul_(1.5)  # in place: a training step, load_state_dict
    with torch.inference_mode():
        assert ort_blocks.session_for(block, x) is None  # the session's packed weights are stale
        changed = block(x)
        with ort_blocks.disabled():
            torch.testing.assert_close(changed, block(x), atol=0, rtol=0)
    ort_blocks.attach(model)  # rebuilt for the new weights
    with torch.inference_mode():
        assert ort_blocks.session_for(block, x) is not None
        torch.testing.assert_close(block(x), changed, atol=TOL, rtol=0)
    block.attn.proj.weight = nn.Parameter(block.attn.proj.weight.detach().clone())  # replaced
    with torch.inference_mode():
        assert ort_blocks.session_for(block, x) is None


def test_runs_only_where_it_computes_the_same():
    model = _model()
    ort_blocks.attach(model)
    block = model.blocks[0]
    x = torch.randn(1, 6, SMALL.embed_dim)
    assert ort_blocks.session_for(block, x) is None  # autograd on: training keeps torch
    with torch.inference_mode():
        assert ort_blocks.session_for(block, x) is not None
        assert ort_blocks.session_for(block, x.double()) is None
        assert ort_blocks.session_for(block, x.bfloat16()) is None
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert ort_blocks.session_for(block, x) is None
        with cpu_blocks.disabled():  # timm's own forward, for comparisons
            assert ort_blocks.session_for(block, x) is None
        threads = torch.get_num_threads()
        torch.set_num_threads(threads + 1)  # sessions keep the thread count they were built for
        try:
            assert ort_blocks.session_for(block, x) is None
        finally:
            torch.set_num_threads(threads)
        assert ort_blocks.session_for(block, x) is not None


def test_copies_have_no_sessions_of_their_own():
    model = _model()
    ort_blocks.attach(model)
    assert ort_blocks.attached(copy.deepcopy(model)) == 0
    ort_blocks.detach(model)
    assert ort_blocks.attached(model) == 0


def test_int8_copies_run_on_onnx_runtime_int8(monkeypatch):
    model = _model()
    int8 = build_model(model, variant_named("int8"))  # its sessions are built with it
    assert ort_blocks.attached(int8) == 4
    # its own modules on the model's tensors: no second float32 copy, and nothing quantized by torch
    assert all(a is b for a, b in zip(int8.parameters(), model.parameters(), strict=True))
    assert not any("quantized" in type(m).__module__ for m in int8.modules())
    assert ort_blocks.attached(model) == 0  # the model's own blocks are not touched
    calls = _count_sessions(monkeypatch)
    imgs = torch.randn(2, 3, 64, 64)
    mask = torch.zeros(2, 16)
    mask[:, :12] = 1
    with torch.inference_mode():
        ours = int8(imgs, mask)
        assert len(calls) == 4
        exact = model(imgs, mask)
        with ort_blocks.disabled():  # where a session cannot run, a block computes as exact does
            torch.testing.assert_close(int8(imgs, mask), exact, atol=1e-5, rtol=0)
    rel = float((ours - exact).norm() / exact.norm())
    assert 0 < rel < 5e-2  # quantized, within fast's bound
    with torch.no_grad():
        model.blocks[0].mlp.fc1.weight.mul_(1.5)  # the model's weights changed: that session is stale
    with torch.inference_mode():
        assert ort_blocks.session_for(int8.blocks[0], torch.randn(1, 5, SMALL.embed_dim)) is None
        assert ort_blocks.session_for(int8.blocks[1], torch.randn(1, 5, SMALL.embed_dim)) is not None


def test_int8_blocks_without_a_session_are_quantized_by_torch(monkeypatch):
    model = _model()
    real = ort_blocks._BlockSession.__init__
    built: list[int] = []

    def second_fails(self, block, threads, int8_from=None):  # type: ignore[no-untyped-def]
        built.append(1)
        if len(built) == 2:
            raise MemoryError("out of memory")
        real(self, block, threads, int8_from)

    monkeypatch.setattr(ort_blocks._BlockSession, "__init__", second_fails)
    int8 = build_model(model, variant_named("int8"))
    on_ort = [ort_blocks.has_session(b) for b in (*int8.blocks, *int8.decoder_blocks)]
    assert on_ort == [True, False, False, False]  # building stops at the first failure
    quantized = [cpu_blocks.int8_linear(b.mlp.fc1) for b in (*int8.blocks, *int8.decoder_blocks)]
    assert quantized == [False, True, True, True]  # torch's int8 for the rest: fast stays int8
    with ort_blocks.disabled():  # as without onnxruntime: every block quantized by torch
        every = build_model(model, variant_named("int8"))
    assert ort_blocks.attached(every) == 0
    assert all(cpu_blocks.int8_linear(b.attn.qkv) for b in (*every.blocks, *every.decoder_blocks))
    assert all(type(m) is nn.Linear for m in model.modules() if "Linear" in type(m).__name__)  # untouched


def test_int8_weights_keep_seven_bits_per_output_channel():
    w = torch.tensor([[0.4, -1.0, 0.25], [10.0, 2.5, -4.0]])
    q, scale = ort_blocks.quantize_weight(w)
    assert q.dtype == torch.int8 and int(q.abs().max()) == ort_blocks.INT8_WEIGHT_MAX == 63
    torch.testing.assert_close(scale, torch.tensor([1.0, 10.0]) / 63)
    assert q.tolist() == [[25, -63, 16], [63, 16, -25]]
    torch.testing.assert_close(q.float() * scale[:, None], w, atol=float(scale.max()) / 2, rtol=0)


def test_predictor_moves_narrow_models_at_once_and_wide_ones_when_asked(monkeypatch):
    narrow = Predictor(_model(), "cpu")
    assert narrow.runtime == f"onnxruntime {ort_blocks.version()}"
    assert ort_blocks.attached(narrow.model) == 4
    wide_config = MAEConfig(
        img_size=32,
        patch_size=16,
        embed_dim=MEASURE_AFTER_LOAD_WIDTH,
        depth=1,
        num_heads=4,
        decoder_embed_dim=32,
        decoder_depth=1,
        decoder_num_heads=2,
    )
    wide = Predictor(_model(wide_config), "cpu")
    assert wide.runtime == "torch"  # built on the warm-up thread (seconds on ViT-L), or when asked
    assert wide.prepare_runtime() == 2
    assert wide.runtime.startswith("onnxruntime")


@pytest.mark.parametrize("wide", [False, True], ids=["narrow, at once", "wide, warm-up thread"])
def test_a_new_thread_count_gets_sessions_again(wide):
    config = dataclasses.replace(SMALL, embed_dim=MEASURE_AFTER_LOAD_WIDTH) if wide else SMALL
    predictor = Predictor(_model(config), "cpu", "int8")
    predictor.prepare_runtime()
    model, int8 = predictor.model, predictor.compute_model
    blocks = (*model.blocks, *model.decoder_blocks, *int8.blocks, *int8.decoder_blocks)
    threads = torch.get_num_threads()
    assert all(ort_blocks._sessions[b].threads == threads for b in blocks)
    torch.set_num_threads(threads + 1)
    try:
        predictor.threads_changed()
        assert (predictor._warm_thread is not None) == wide  # wide models: not on the model's thread
        if wide:
            predictor._warm_thread.join()
        assert all(ort_blocks._sessions[b].threads == threads + 1 for b in blocks)
    finally:
        torch.set_num_threads(threads)


def test_reconstruction_on_onnx_runtime_matches_torch_and_cancels(monkeypatch):
    model = _model()
    predictor = Predictor(model, "cpu")
    predictor.set_image((np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8))
    mask = random_mask(4, 0.75, 0)
    calls = _count_sessions(monkeypatch)
    ours = predictor.predict(mask)
    assert len(calls) == 4
    with ort_blocks.disabled():
        theirs = predictor.predict(mask)
    torch.testing.assert_close(ours, theirs, atol=TOL, rtol=0)
    with pytest.raises(Cancelled):  # still between blocks: one session per block
        predictor.reconstruct(mask, should_cancel=lambda: len(calls) >= 6)
    assert len(calls) == 6


def test_without_onnx_runtime_blocks_run_on_torch(monkeypatch):
    monkeypatch.setattr(ort_blocks, "_runtime", {"error": "No module named 'onnxruntime'"})
    assert not ort_blocks.available() and ort_blocks.version() is None
    predictor = Predictor(_model(), "cpu")
    assert predictor.prepare_runtime() == 0
    assert predictor.runtime == "torch"
    predictor.set_image((np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8))
    result = predictor.reconstruct(random_mask(4, 0.5, 0))
    assert np.isfinite(result.masked_mse)


def test_fast_choice_measures_exact_on_onnx_runtime_and_says_so_in_its_key(monkeypatch):
    model = _model()
    assert f"| onnxruntime {ort_blocks.version()} |" in fast_choice.cache_key(model)
    fast_choice.measure(model)
    assert ort_blocks.attached(model) == 4  # exact was timed as it runs
    monkeypatch.setattr(ort_blocks, "_runtime", {"error": "No module named 'onnxruntime'"})
    assert "| torch blocks |" in fast_choice.cache_key(model)


def test_blocks_stay_on_torch_when_memory_is_short(monkeypatch, caplog):
    model = _model()
    weights = sum(
        t.numel() * 4 for b in (*model.blocks, *model.decoder_blocks) for t in ort_blocks._parameters(b)
    )
    monkeypatch.setattr(ort_blocks, "available_memory", lambda: weights)  # less than twice the packed copy
    assert ort_blocks.attach(model) == 0 and ort_blocks.attached(model) == 0
    assert "packed weights would take" in caplog.text
    monkeypatch.setattr(ort_blocks, "available_memory", lambda: 4 * weights)
    assert ort_blocks.attach(model) == 4
    monkeypatch.setattr(ort_blocks, "available_memory", lambda: None)  # unknown: built
    ort_blocks.detach(model)
    assert ort_blocks.attach(model) == 4


def test_available_memory_reads_the_system():
    free = ort_blocks.available_memory()
    if Path("/proc/meminfo").exists():
        assert isinstance(free, int) and 0 < free <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    else:
        assert free is None


def test_models_made_under_inference_mode_run_there_too():
    """Inference tensors keep no version counter: their sessions are still built and used."""
    with torch.inference_mode():
        model = MaskedAutoencoderViT(SMALL).eval()
        int8 = build_model(model, variant_named("int8"))
        assert ort_blocks.attach(model) == 4 and ort_blocks.attached(int8) == 4
        x = torch.randn(1, 5, SMALL.embed_dim)
        assert ort_blocks.session_for(model.blocks[0], x) is not None
        assert ort_blocks.session_for(int8.blocks[0], x) is not None


def test_building_stops_between_blocks_when_asked():
    model = _model()
    built: list[int] = []

    def stop() -> bool:
        built.append(1)
        return len(built) > 2  # two blocks built, then asked to stop

    assert ort_blocks.attach(model, should_stop=stop) == 2
    assert ort_blocks.attached(model) == 2
    assert ort_blocks.attach(model) == 4  # the rest later


def test_a_session_onnx_runtime_cannot_build_leaves_the_blocks_on_torch(monkeypatch, caplog):
    from onnxruntime.capi.onnxruntime_pybind11_state import InvalidGraph

    model = _model()
    real = ort_blocks._BlockSession.__init__
    built: list[int] = []

    def failing(self, block, threads, int8_from=None):  # type: ignore[no-untyped-def]
        if built:
            raise InvalidGraph("[ONNXRuntimeError] : 10 : INVALID_GRAPH : no MultiHeadAttention here")
        built.append(1)
        real(self, block, threads, int8_from)

    monkeypatch.setattr(ort_blocks._BlockSession, "__init__", failing)
    assert ort_blocks.attach(model) == 1  # the first block's session, then the failure
    assert "could not build a block's session" in caplog.text and "INVALID_GRAPH" in caplog.text
    predictor = Predictor(model, "cpu")  # loads and runs all the same
    predictor.set_image((np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8))
    ours = predictor.predict(random_mask(4, 0.75, 0))
    with ort_blocks.disabled():
        torch.testing.assert_close(ours, predictor.predict(random_mask(4, 0.75, 0)), atol=TOL, rtol=0)
