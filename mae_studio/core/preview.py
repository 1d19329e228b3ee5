"""Previews while the brush moves: the decoder alone, on the encoder output of an earlier mask.

MAE's encoder sees only the visible patches and its decoder every patch; at 75% removed the
decoder is about half of ViT-B's work and a quarter of ViT-L's. While a stroke changes the mask
a little at a time, the encoder output of the last full run still holds a token for nearly every
patch visible now: dropping the tokens of patches removed since, and giving the decoder a mask
token for patches revealed since, gives a look at the new mask for the decoder's cost alone.
The tokens kept were encoded beside the patches removed since (attention mixed those in), so a
preview is an approximation, which the window labels and replaces with a full run when the
stroke ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .fastpath import Engine, ids_from_mask
from .grid import Grid
from .model import CancelCheck

# A preview reuses an encoder output only while the patches both masks leave visible are at least
# this share of the patches visible now and of those it encoded: a stroke that removes or reveals
# more than that since, or an analysis's mask, makes the preview a full run (the next base).
PREVIEW_COVER = 0.5


@dataclass
class Encoded:
    """The encoder output of one full run on an image."""

    visible: np.ndarray  # bool [L]: the patches it encoded
    latent: Tensor  # [1, 1 + visible.sum(), D], CLS first, visible patches in row-major order


def decoder_preview(
    encoded: Encoded, mask: np.ndarray, engine: Engine, grid: Grid, should_cancel: CancelCheck = None
) -> Tensor | None:
    """The decoder's prediction [1, L, p*p*3] for `mask` (bool [h, w], True = removed) from
    `encoded`, in `engine`'s precision; None when `encoded` is too far from `mask` (see
    PREVIEW_COVER). Raises Cancelled between blocks."""
    visible = ~np.asarray(mask, dtype=bool).reshape(-1)
    kept = encoded.visible & visible
    if kept.sum() < PREVIEW_COVER * max(visible.sum(), encoded.visible.sum()):
        return None
    device = encoded.latent.device
    rows = np.concatenate(([0], 1 + np.flatnonzero(kept[encoded.visible])))  # CLS, then kept
    latent = encoded.latent.index_select(1, torch.from_numpy(rows).to(device))
    restore = torch.from_numpy(ids_from_mask(~kept)[1]).view(1, -1).to(device)
    return engine.decode(latent, restore, grid, should_cancel)
