"""Latency of each fit on one photo (`mae-studio bench --fits PHOTO`): what a new photo costs
(`set_image`: the fit's view, normalization, patch embedding; for tiles every tile's) and what
each new mask costs (`reconstruct`: model and images at the fit's resolution)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .masks import random_mask
from .predictor import Predictor
from .results import FITS
from .tiles import tile_layout


@dataclass
class FitTiming:
    fit: str
    size: tuple[int, int]  # (W, H) the model saw: the crop, the resized photo, the photo itself
    grid: str  # "14x21"
    tiles: int  # model passes per mask (1, or the tile count)
    set_image_ms: float  # median
    reconstruct_ms: float  # median
    reconstruct_min_ms: float
    reconstruct_max_ms: float
    masked_psnr: float  # of the last run's mask (dB)
    precision: str


def bench_fits(
    predictor: Predictor,
    image: Image.Image | np.ndarray,
    fits: Sequence[str] = FITS,
    ratio: float = 0.75,
    runs: int = 5,
    warmup: int = 1,
    seed: int = 0,
) -> list[FitTiming]:
    """Time set_image (runs, median) and reconstruct under `runs` random masks (seeds seed..)."""
    rows = []
    for fit in fits:
        view = predictor.fit_image(image, fit)
        set_times = []
        for _ in range(max(1, min(runs, 3))):  # a tiled photo's embedding is the slow part
            start = time.perf_counter()
            predictor.set_image(image, fit=fit)
            set_times.append(time.perf_counter() - start)
        masks = [random_mask(view.grid, ratio, seed + i) for i in range(warmup + runs)]
        times, result = [], None
        for i, mask in enumerate(masks):
            start = time.perf_counter()
            result = predictor.reconstruct(mask)
            if i >= warmup:
                times.append(time.perf_counter() - start)
        assert result is not None
        layout = tile_layout(view.grid, predictor.grid_size, predictor.patch_size)
        tiles = len(layout.origins) if fit == "tiles" else 1
        rows.append(
            FitTiming(
                fit=fit,
                size=(view.image.shape[1], view.image.shape[0]),
                grid=str(view.grid),
                tiles=tiles,
                set_image_ms=1000 * statistics.median(set_times),
                reconstruct_ms=1000 * statistics.median(times),
                reconstruct_min_ms=1000 * min(times),
                reconstruct_max_ms=1000 * max(times),
                masked_psnr=result.masked_psnr,
                precision=result.precision,
            )
        )
    return rows


def format_fit_table(rows: Sequence[FitTiming]) -> str:
    head = [
        "fit",
        "precision",
        "model sees",
        "grid",
        "passes",
        "set_image ms",
        "reconstruct ms",
        "min-max",
        "PSNR dB",
    ]
    body = [
        [
            r.fit,
            r.precision,
            f"{r.size[0]}x{r.size[1]}",
            r.grid,
            str(r.tiles),
            f"{r.set_image_ms:.0f}",
            f"{r.reconstruct_ms:.0f}",
            f"{r.reconstruct_min_ms:.0f}-{r.reconstruct_max_ms:.0f}",
            f"{r.masked_psnr:.2f}",
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i >= 4 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(b) for b in body)])
