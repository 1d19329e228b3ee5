"""The analyses the worker runs for the Analysis menu, step by step, and what they hand back.

Each `*_job` function returns a worker.AnalysisStart: called on the worker thread with the
predictor (holding the current photo) and its StepChecks, it makes a generator that yields
(steps done, steps in all) after each reconstruction and returns a plain result (numpy arrays
and numbers: nothing here crosses threads holding torch). A reconstruction that gives way to
the brush (`_giving_way`) ends its step early with the count unchanged and runs again at the
next one, so the values are those of an uninterrupted run. The computations themselves are
core's: errormap (full coverage, uncertainty), sweep, attention, masks.rasterize. torch and
the model code are imported inside the steps, on the worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import numpy as np

from mae_studio.core.errors import Cancelled
from mae_studio.core.results import Reconstruction

from .model_info import ModelInfo
from .worker import AnalysisStart, AnalysisSteps, Loader, PredictorLike, StepChecks

CancelCheck = Callable[[], bool]
T = TypeVar("T")
Progress = Generator[tuple[int, int], None, T]  # yields (steps done, steps in all); returns T


@dataclass(frozen=True)
class ErrorMapResult:
    original: np.ndarray  # uint8 [H, W, 3], the photo as the model saw it
    reconstruction: np.ndarray  # uint8 [H, W, 3], every patch predicted once (removed in its run)
    per_patch: np.ndarray  # float32 [h, w] MSE of [0, 1] pixels, every patch
    uncertainty: np.ndarray  # float32 [H, W] per-pixel std over random masks (nan: too few runs)
    patch_size: int
    k: int  # runs of the full-coverage map
    masks: int  # random masks of the uncertainty
    ratio: float
    seconds: float


@dataclass(frozen=True)
class SweepResult:
    points: list[Any]  # core.sweep.Point per reconstruction
    rows: list[dict[str, float]]  # core.sweep.summarize: per ratio, mean and spread over seeds
    seeds: int
    seconds: float


@dataclass(frozen=True)
class CompareResult:
    first: Reconstruction  # the window's model on the window's mask
    second: Reconstruction  # the chosen model on the same mask, carried to its grid
    first_name: str
    second_info: ModelInfo
    mask: np.ndarray  # bool [h, w] the comparison started with (the first model's grid)
    load_seconds: float


@dataclass(frozen=True)
class AttentionResult:
    weights: np.ndarray  # float32 [blocks, heads, h, w]: from the query to each patch
    cls: np.ndarray  # float32 [blocks, heads]: to the CLS token
    query: tuple[int, int]
    mask: np.ndarray  # bool [h, w] the attention was computed with (True: a mask token)
    image: np.ndarray  # uint8 [H, W, 3] the photo as the model saw it
    patch_size: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def averaged(self, block: int | None = None, head: int | None = None) -> np.ndarray:
        """float32 [h, w]: one block and head, or the mean over blocks and/or heads (None)."""
        w = self.weights.mean(axis=0) if block is None else self.weights[block]
        return (w.mean(axis=0) if head is None else w[head]).astype(np.float32)


def _giving_way(
    work: Callable[[CancelCheck], T], checks: StepChecks, progress: tuple[int, int]
) -> Progress[T]:
    """work(cancel check) (about one reconstruction), giving way to a waiting brush request: the
    work stops at its next block, the step ends reporting `progress`, and the work runs again
    from its start at the next step. Cancelled when the analysis itself is dropped."""
    while True:
        if not checks.give_way():
            try:
                return work(checks.either)
            except Cancelled:
                if checks.cancelled():
                    raise
        yield progress


def _reconstructions(
    predictor: PredictorLike,
    runs: Generator[np.ndarray, Reconstruction, T],
    checks: StepChecks,
    before: int,
    total: int,
) -> Progress[T]:
    """Drive a run-wise computation of core (it yields masks, is sent their reconstructions) one
    reconstruction per step, counted from `before` of `total`."""
    done = before
    try:
        mask = next(runs)
        while True:
            result = yield from _giving_way(partial(predictor.reconstruct, mask), checks, (done, total))
            done += 1
            yield done, total
            mask = runs.send(result)
    except StopIteration as end:
        return end.value


def errormap_job(k: int = 4, masks: int = 8, ratio: float = 0.75, seed: int = 0) -> AnalysisStart:
    """`mae-studio errormap`'s two maps: full coverage in k runs, then the spread over `masks`."""

    def start(predictor: PredictorLike, checks: StepChecks) -> AnalysisSteps:
        from mae_studio.core.errormap import full_errormap_runs, uncertainty_runs

        began = time.perf_counter()
        p: Any = predictor
        total = k + masks
        recon, per_patch = yield from _reconstructions(
            p, full_errormap_runs(p, k, seed, ratio), checks, 0, total
        )
        spread = yield from _reconstructions(p, uncertainty_runs(p, masks, ratio, seed), checks, k, total)
        return ErrorMapResult(
            p.original, recon, per_patch, spread, p.patch_size, k, masks, ratio, time.perf_counter() - began
        )

    return start


def sweep_job(ratios: Sequence[float], seeds: Sequence[int]) -> AnalysisStart:
    """`mae-studio sweep` on the current photo: one reconstruction per step."""

    def start(predictor: PredictorLike, checks: StepChecks) -> AnalysisSteps:
        from mae_studio.core.sweep import summarize, sweep_runs

        began = time.perf_counter()
        p: Any = predictor
        total = len(ratios) * len(seeds)
        points = yield from _reconstructions(p, sweep_runs(p.grid, ratios, seeds), checks, 0, total)
        return SweepResult(points, summarize(points), len(seeds), time.perf_counter() - began)

    return start


def compare_job(
    loader: Loader, image: np.ndarray, fit: str, mask: np.ndarray, first_name: str
) -> AnalysisStart:
    """The window's model and a second one (loaded here, then dropped) on the same mask: the mask
    is carried to the second model's grid when its patches differ (masks.rasterize). Loading the
    second model is one step that cannot give way."""
    mask = np.array(mask, dtype=bool)

    def start(predictor: PredictorLike, checks: StepChecks) -> AnalysisSteps:
        from mae_studio.core.masks import rasterize

        first = yield from _giving_way(partial(predictor.reconstruct, mask), checks, (0, 4))
        yield 1, 4
        began = time.perf_counter()
        second_predictor, info = loader()  # a failure is the analysis's: the window's model stays
        load_seconds = time.perf_counter() - began
        yield 2, 4
        second_predictor.set_image(image, fit=fit)
        yield 3, 4
        grid = second_predictor.grid  # type: ignore[attr-defined]
        second_mask = rasterize(mask, grid.shape)
        second = yield from _giving_way(partial(second_predictor.reconstruct, second_mask), checks, (3, 4))
        del second_predictor  # one extra model in memory only while comparing
        return CompareResult(first, second, first_name, info, mask, load_seconds)

    return start


def attention_job(mask: np.ndarray, query: tuple[int, int]) -> AnalysisStart:
    """The decoder attention of one query patch under `mask` (core.attention)."""
    mask = np.array(mask, dtype=bool)

    def start(predictor: PredictorLike, checks: StepChecks) -> AnalysisSteps:
        from mae_studio.core.attention import predictor_attention

        yield 0, 1
        began = time.perf_counter()
        p: Any = predictor
        att = yield from _giving_way(partial(predictor_attention, p, mask, query), checks, (0, 1))
        return AttentionResult(
            att.weights, att.cls, att.query, mask, p.original, p.patch_size, time.perf_counter() - began
        )

    return start
