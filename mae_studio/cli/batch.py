"""Many images through the model at once. The Predictor is single-image; this stacks crops
whose masks remove equally many patches into one forward pass, then lets the Predictor turn
each prediction into its Reconstruction (Predictor.reconstruction_from_pred), so the numbers
are the ones Predictor.reconstruct gives."""

from __future__ import annotations

import time

import numpy as np
import torch

from mae_studio.core.images import normalize
from mae_studio.core.masks import to_flat
from mae_studio.core.predictor import Predictor, Reconstruction


def reconstruct_batch(
    predictor: Predictor, crops: list[np.ndarray], masks: list[np.ndarray]
) -> list[Reconstruction]:
    """crops: uint8 [S, S, 3] model inputs (prepare_image output); masks: bool [h, w], all
    removing the same number of patches. One forward pass in the predictor's precision; `seconds` of
    each result is the batch's time (model and images) shared equally. The predictor's
    current image is the last crop afterwards."""
    if len(crops) != len(masks) or not crops:
        raise ValueError("reconstruct_batch needs one mask per crop, and at least one crop")
    start = time.perf_counter()
    with torch.inference_mode():
        imgs = torch.stack([normalize(c) for c in crops]).to(predictor.device)  # [N, 3, S, S]
        flat = torch.from_numpy(np.stack([to_flat(m) for m in masks])).to(predictor.device)  # [N, L]
        pred = predictor.predict_batch(imgs, flat)  # [N, L, p*p*3]
    results = []
    for i, (crop, mask) in enumerate(zip(crops, masks, strict=True)):
        predictor.set_image(crop)
        results.append(predictor.reconstruction_from_pred(pred[i : i + 1], mask))
    seconds = (time.perf_counter() - start) / len(crops)
    for r in results:
        r.seconds = seconds
    return results
