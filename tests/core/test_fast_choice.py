"""`fast` on a CPU is chosen by measurement and cached per CPU, torch and architecture."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import torch

from mae_studio.core import fast_choice
from mae_studio.core.fast_choice import FAST_REL_L2_BOUND, cache_path
from mae_studio.core.predictor import Predictor
from tests.core.test_precision import CASES, NEEDS_INT8, conformance, tiny_model

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path, monkeypatch):
    """Each test starts with no cache file, in its own data folder."""
    monkeypatch.setenv("MAE_STUDIO_DATA_DIR", str(tmp_path))
    assert not cache_path().exists()


@pytest.fixture
def measurements(monkeypatch):
    """Counts real measurements (each still runs)."""
    calls: list[str] = []
    real = fast_choice.measure

    def counted(model):  # type: ignore[no-untyped-def]
        calls.append(fast_choice.cache_key(model))
        return real(model)

    monkeypatch.setattr(fast_choice, "measure", counted)
    return calls


def test_first_use_measures_then_the_cache_answers(measurements):
    model = tiny_model()
    first, engines = fast_choice.choose(model)
    assert len(measurements) == 1 and first.reason.startswith("measured now")
    assert set(engines) == {first.name}  # the winner's engine, built while measuring, is handed over
    entry = json.loads(cache_path().read_text())["entries"][fast_choice.cache_key(model)]
    assert entry["variant"] == first.name and set(entry["measured"]) >= {"fp32"}
    second, engines = fast_choice.choose(tiny_model(seed=5))  # other weights, same architecture
    assert len(measurements) == 1 and engines == {}
    assert second.name == first.name and second.reason.startswith("cached measurement")


def test_another_torch_cpu_or_architecture_measures_again(measurements, monkeypatch):
    model = tiny_model()
    fast_choice.choose(model)
    monkeypatch.setattr(torch, "__version__", "99.0.0")
    fast_choice.choose(model)
    monkeypatch.setattr(fast_choice, "cpu_name", lambda: "Some Other CPU")
    fast_choice.choose(model)
    model.config = model.config.__class__(**{**model.config.__dict__, "decoder_depth": 2})
    fast_choice.choose(model)
    assert len(measurements) == 4 and len(set(measurements)) == 4
    assert len(json.loads(cache_path().read_text())["entries"]) == 4  # all kept side by side


@pytest.mark.parametrize(
    "text",
    ["{not json", json.dumps({"version": 0, "entries": {}}), json.dumps([1, 2]), "\x00\xff garbage"],
)
def test_a_damaged_cache_file_is_logged_and_measured_again(measurements, caplog, text):
    cache_path().parent.mkdir(parents=True, exist_ok=True)
    cache_path().write_text(text, encoding="utf-8", errors="surrogateescape")
    with caplog.at_level(logging.WARNING, logger="mae_studio.core.fast_choice"):
        variant, _ = fast_choice.choose(tiny_model())
    assert len(measurements) == 1 and variant.reason.startswith("measured now")
    assert any("damaged" in r.getMessage() and "measuring again" in r.getMessage() for r in caplog.records)
    assert json.loads(cache_path().read_text())["version"] == fast_choice.CACHE_VERSION  # rewritten


def test_a_cache_from_older_code_paths_is_measured_again_without_a_warning(measurements, caplog):
    cache_path().parent.mkdir(parents=True, exist_ok=True)
    cache_path().write_text(json.dumps({"version": 1, "entries": {}}), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="mae_studio.core.fast_choice"):
        variant, _ = fast_choice.choose(tiny_model())
    assert len(measurements) == 1 and variant.reason.startswith("measured now")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("older code paths" in r.getMessage() for r in caplog.records)
    assert json.loads(cache_path().read_text())["version"] == fast_choice.CACHE_VERSION


def test_a_damaged_entry_is_logged_and_measured_again(measurements, caplog):
    model = tiny_model()
    fast_choice.choose(model)
    data = json.loads(cache_path().read_text())
    data["entries"][fast_choice.cache_key(model)]["variant"] = "int3"
    cache_path().write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING, logger="mae_studio.core.fast_choice"):
        fast_choice.choose(model)
    assert len(measurements) == 2
    assert any("damaged entry" in r.getMessage() for r in caplog.records)


def test_nothing_within_the_bound_means_float32(monkeypatch):
    monkeypatch.setattr(fast_choice, "FAST_REL_L2_BOUND", 0.0)  # every lower precision is too far
    choice, _ = fast_choice.measure(tiny_model())
    assert choice.variant == "fp32" and choice.speedup == 1.0 and "nothing beat float32" in choice.reason
    assert all(err > 0 for name, (_, err) in choice.measured.items() if name != "fp32")


@NEEDS_INT8
def test_the_fastest_candidate_within_the_bound_wins():
    choice, _ = fast_choice.measure(tiny_model())
    assert "int8" in choice.measured
    within = {n: ms for n, (ms, err) in choice.measured.items() if err <= FAST_REL_L2_BOUND}
    assert choice.variant == min(within, key=within.get)


@NEEDS_INT8
def test_the_bound_holds_at_every_measured_ratio(monkeypatch):
    model = tiny_model()
    errors = {}
    for ratios in [(0.75,), (0.1,), (0.75, 0.1)]:
        monkeypatch.setattr(fast_choice, "MEASURE_RATIOS", ratios)
        errors[ratios] = fast_choice.measure(model)[0].measured["int8"][1]
    assert errors[(0.75,)] != errors[(0.1,)]  # the ratio changes the error
    assert errors[(0.75, 0.1)] == max(errors[(0.75,)], errors[(0.1,)])  # the worst counts
    # a bound between the two: int8 passes at one ratio only, so it is not chosen
    monkeypatch.setattr(fast_choice, "FAST_REL_L2_BOUND", (errors[(0.75,)] + errors[(0.1,)]) / 2)
    choice = fast_choice.measure(model)[0]
    assert choice.variant != "int8" and choice.measured["int8"][1] > fast_choice.FAST_REL_L2_BOUND


def test_predictor_fast_reports_the_measured_choice():
    predictor = Predictor(tiny_model(), CPU, "fast")
    assert predictor.variant.reason.startswith("measured now")
    assert predictor.set_precision("exact").reason == ""  # exact keeps no fast reason
    again = predictor.set_precision("fast")  # the cache answers; the engine is the one built
    assert again.reason.startswith("cached measurement") and again.name == predictor.variant.name


@pytest.mark.parametrize("case", CASES)
def test_fast_stays_within_the_stated_bound_of_exact_on_conformance_weights(case):
    model, rgb, mask = conformance(case)
    exact, fast = Predictor(model, CPU, "exact"), Predictor(model, CPU, "fast")
    exact.set_image(rgb)
    fast.set_image(rgb)
    a, b = exact.predict(mask), fast.predict(mask)
    assert float((b - a).norm() / a.norm()) <= FAST_REL_L2_BOUND
    ra, rb = exact.reconstruct(mask), fast.reconstruct(mask)
    assert float(np.abs(ra.reconstruction.astype(np.int16) - rb.reconstruction).mean()) <= 1.0  # grey levels


@NEEDS_INT8
def test_a_cached_choice_is_built_in_the_background_after_a_load(monkeypatch):
    model = tiny_model()
    assert Predictor(model, CPU, "exact").start_warm_up() is None  # nothing chosen yet: nothing to build
    monkeypatch.setattr(
        fast_choice, "measure", lambda m: (fast_choice.Choice("int8", 2.0, 0.03, {}, 1.0), {})
    )
    fast_choice.choose(model)  # a choice made on an earlier run
    predictor = Predictor(model, CPU, "exact")
    thread = predictor.start_warm_up()
    assert thread is not None
    thread.join(60)
    built = []
    monkeypatch.setattr("mae_studio.core.predictor.Engine", lambda *a: built.append(a))
    assert predictor.set_precision("fast").name == "int8" and built == []  # ready: no build on switch


def test_an_unwritable_data_folder_still_gives_a_choice(tmp_path, monkeypatch, caplog, measurements):
    blocker = tmp_path / "not a folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("MAE_STUDIO_DATA_DIR", str(blocker))
    with caplog.at_level(logging.WARNING, logger="mae_studio.core.fast_choice"):
        variant, _ = fast_choice.choose(tiny_model())
    assert variant.reason.startswith("measured now") and len(measurements) == 1
    assert any("not written" in r.getMessage() for r in caplog.records)
