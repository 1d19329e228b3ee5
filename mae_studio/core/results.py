"""What a reconstruction returns, and the panels it is shown as. Torch-free: the window's
widgets, the sheets and the command line all name these types without importing the model."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import IMAGENET_MEAN
from .grid import Grid

# Removed patches in the masked view: the ImageNet mean colour, i.e. 0 after normalization,
# which is what the model's reference visualization shows.
MASK_FILL = np.round(np.asarray(IMAGENET_MEAN) * 255).astype(np.uint8)

FITS = ("crop", "whole", "tiles")  # how a photo meets the model (predictor.set_image(fit=...))
FIT_HELP = {
    "crop": "the centre square resized to the model input (what the official demo shows)",
    "whole": "the whole photo resized to a patch grid at its own aspect (e.g. 14x21 for 3:2)",
    "tiles": "the photo at full resolution, cut into overlapping model-size tiles, seams blended",
}


# The raw reconstruction's visible patches: MAE's loss covers only removed patches, so the decoder's
# outputs there were never trained and often glow. The window dims them toward a neutral dark grey
# (not black, which reads as "removed") by this fraction; 1 would hide them entirely.
DIM_STRENGTH = 0.7
DIM_TARGET = 28  # the grey they are dimmed toward, on [0, 255]


def dim_visible(
    image: np.ndarray, mask: np.ndarray, patch_size: int, strength: float = DIM_STRENGTH
) -> np.ndarray:
    """A copy of a uint8 [H, W, 3] picture with its visible patches (mask False, bool [h, w], True =
    removed) blended toward DIM_TARGET by strength in [0, 1]; removed patches are unchanged. The last
    row and column of patches may be partial (a tiled photo's), as in heatmap.overlay."""
    image = np.asarray(image)
    mask = np.asarray(mask)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"dim_visible takes a uint8 [H, W, 3] picture, got {image.dtype} {image.shape}")
    if mask.dtype != bool or mask.ndim != 2:
        raise ValueError(f"dim_visible takes a bool [h, w] mask, got {mask.dtype} {mask.shape}")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"dim strength must be in [0, 1], got {strength}")
    H, W = image.shape[:2]
    h, w = mask.shape
    p = int(patch_size)
    if p < 1 or not (0 <= h * p - H < p and 0 <= w * p - W < p):
        raise ValueError(f"a {h}x{w} grid of {patch_size}px patches does not cover a {H}x{W} picture")
    visible = np.repeat(np.repeat(~mask, p, axis=0), p, axis=1)[:H, :W]  # bool [H, W]
    # one table of the 256 dimmed values: a lookup per pixel instead of float maths (a repaint
    # per brush preview pays this)
    table = np.round(np.arange(256, dtype=np.float32) * (1.0 - strength) + DIM_TARGET * strength)
    return np.where(visible[:, :, None], table.astype(np.uint8)[image], image)


def psnr(mse: float) -> float:
    """PSNR in dB for an MSE of [0, 1] pixel values (inf for a perfect match, nan for none)."""
    if math.isnan(mse):
        return math.nan
    return math.inf if mse <= 0 else 10.0 * math.log10(1.0 / mse)


@dataclass
class Reconstruction:
    """One reconstruction. Images are uint8 [H, W, 3] in the frame the model saw: the crop
    (crop), the resized photo (whole, H = h*p, W = w*p) or the photo itself (tiles)."""

    mask: np.ndarray  # bool [h, w], True = removed
    masked: np.ndarray  # the input the encoder saw: removed patches filled with MASK_FILL
    reconstruction: np.ndarray  # the decoder's prediction for every patch
    pasted: np.ndarray  # reconstruction with the visible patches pasted back
    original: np.ndarray
    per_patch_mse: np.ndarray  # float32 [h, w], MSE of [0, 1] pixels, every patch
    masked_mse: float  # mean of per_patch_mse over removed patches (nan if none removed)
    masked_psnr: float  # dB (nan if none removed)
    seconds: float  # time of this call: model and images
    denormalized: bool  # True for norm_pix_loss models: colours re-scaled from visible patches
    precision: str = "exact"  # the variant that computed it (precision.VARIANTS; "fp32" = exact)
    fit: str = "crop"  # one of FITS
    patch_size: int = 0  # pixels per patch side in the images (0: H // h, set on creation)
    encoder_reused: bool = False  # a preview: the decoder on an earlier mask's encoder output

    def __post_init__(self) -> None:
        if not self.patch_size:
            self.patch_size = self.original.shape[0] // max(1, self.mask.shape[0])

    @property
    def masked_count(self) -> int:
        return int(self.mask.sum())

    @property
    def grid(self) -> Grid:
        return Grid.of(self.mask.shape)


# ----------------------------------------------------------------------------------
# panels


@dataclass(frozen=True)
class ResultPanel:
    """One way of showing a Reconstruction. The key is the panel's one name everywhere: the
    window's panel, a saved panel's file (<stem>_<key>.png), the CLI's outputs."""

    key: str
    label: str  # its title on screen and on sheets
    description: str  # a tooltip / help line
    field: str  # the Reconstruction attribute it shows (the heat map colours per_patch_mse)

    def image(self, result: Reconstruction) -> np.ndarray:
        """The panel's picture; the heat map needs core.sheet.heat_panel (it has a colour scale)."""
        if self.key == HEATMAP:
            raise ValueError("the heat map is drawn by core.sheet.heat_panel (it needs a colour scale)")
        return getattr(result, self.field)


HEATMAP = "heatmap"
RESULT_PANELS: dict[str, ResultPanel] = {
    p.key: p
    for p in (
        ResultPanel("masked", "Masked input", "what the encoder saw: removed patches in grey", "masked"),
        ResultPanel("reconstruction", "Reconstruction", "the decoder's prediction of every patch",
                    "reconstruction"),
        ResultPanel("pasted", "Reconstruction + visible",
                    "the prediction of removed patches, visible patches pasted back", "pasted"),
        ResultPanel("original", "Original", "the photo as the model saw it", "original"),
        ResultPanel(HEATMAP, "Error of removed patches",
                    "each removed patch coloured by its mean squared error", "per_patch_mse"),
    )
}  # fmt: skip


def result_panel(key: str) -> ResultPanel:
    try:
        return RESULT_PANELS[key]
    except KeyError:
        raise ValueError(f"unknown result panel {key!r} (choose from {', '.join(RESULT_PANELS)})") from None
