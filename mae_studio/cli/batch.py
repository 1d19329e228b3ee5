"""Many images through the model at once. The Predictor is single-image; this stacks views on
one grid whose masks remove equally many patches into one forward pass, then lets the Predictor turn
each prediction into its Reconstruction (Predictor.reconstruction_from_pred), so the numbers
are the ones Predictor.reconstruct gives."""

from __future__ import annotations

import time

import numpy as np
import torch

from mae_studio.core.fits import View
from mae_studio.core.images import normalize
from mae_studio.core.masks import to_flat
from mae_studio.core.predictor import Predictor, Reconstruction


def reconstruct_batch(
    predictor: Predictor, views: list[View], masks: list[np.ndarray]
) -> list[Reconstruction]:
    """views: the photos as the model sees them (Predictor.fit_image; crop or whole, all on one
    grid); masks: bool [h, w], all removing the same number of patches. One forward pass in the
    predictor's precision; `seconds` of each result is the batch's time (model and images) shared
    equally. The predictor's current image is the last view afterwards."""
    if len(views) != len(masks) or not views:
        raise ValueError("reconstruct_batch needs one mask per view, and at least one view")
    if len({v.grid for v in views}) != 1 or any(v.fit == "tiles" for v in views):
        raise ValueError("a batch holds crop or whole views on one grid")
    start = time.perf_counter()
    with torch.inference_mode():
        imgs = torch.stack([normalize(v.image) for v in views]).to(predictor.device)  # [N, 3, H, W]
        flat = torch.from_numpy(np.stack([to_flat(m) for m in masks])).to(predictor.device)  # [N, L]
        pred = predictor.predict_batch(imgs, flat)  # [N, L, p*p*3]
    results = []
    for i, (view, mask) in enumerate(zip(views, masks, strict=True)):
        predictor.set_view(view)
        results.append(predictor.reconstruction_from_pred(pred[i : i + 1], mask))
    seconds = (time.perf_counter() - start) / len(views)
    for r in results:
        r.seconds = seconds
    return results
