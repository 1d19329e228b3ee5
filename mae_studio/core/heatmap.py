"""Per-patch errors as colours: a perceptual colormap, an overlay on the image, a colour bar.

No matplotlib here (it is an optional extra): the colormaps are 33 evenly spaced anchors of
matplotlib's `inferno` and `viridis` (CC0 data, van der Walt & Smith), linearly interpolated
to 256 entries; the largest deviation from the full tables is under 5/255 per channel.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_ANCHORS = {
    "inferno": (
        "000004 040312 0b0724 150b37 210c4a 2f0a5b 3d0965 4a0c6b 57106e 64156e 71196e 7d1e6d 8a226a "
        "972766 a32c61 b0315b bc3754 c73e4c d24644 db503b e45a31 eb6628 f1731d f68013 f98e09 fb9d07 "
        "fcac11 fbbc21 f9cb35 f5db4c f2ea69 f3f68a fcffa4"
    ),
    "viridis": (
        "440154 470d60 48186a 482374 472d7b 453781 424086 3e4989 3b528b 375b8d 33638d 2f6b8e 2c728e "
        "297a8e 26828e 23898e 21918c 1f988b 1fa088 22a785 28ae80 32b67a 3fbc73 4ec36b 5ec962 70cf57 "
        "84d44b 98d83e addc30 c2df23 d8e219 ece51b fde725"
    ),
}
COLORMAPS = tuple(_ANCHORS)
_LUTS: dict[str, np.ndarray] = {}


def lut(cmap: str = "inferno") -> np.ndarray:
    """The colormap as uint8 [256, 3]."""
    if cmap not in _ANCHORS:
        raise ValueError(f"unknown colormap '{cmap}' (choose from {', '.join(COLORMAPS)})")
    if cmap not in _LUTS:
        anchors = np.array([[int(h[i : i + 2], 16) for i in (0, 2, 4)] for h in _ANCHORS[cmap].split()])
        xs = np.linspace(0.0, 1.0, len(anchors))
        t = np.linspace(0.0, 1.0, 256)
        table = np.stack([np.interp(t, xs, anchors[:, c]) for c in range(3)], axis=1)
        _LUTS[cmap] = np.round(table).astype(np.uint8)
    return _LUTS[cmap]


def auto_vmax(per_patch: np.ndarray, mask: np.ndarray | None = None) -> float:
    """A robust top of the colour scale: the 99th percentile of the removed patches' errors
    (of all patches when none is removed or no mask is given), so one outlier patch does not
    wash out the rest. Never 0 or nan: falls back to the maximum, then to 1e-6."""
    values = np.asarray(per_patch, dtype=np.float64)
    if mask is not None and np.asarray(mask).any():
        values = values[np.asarray(mask, dtype=bool)]
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 1e-6
    top = float(np.percentile(values, 99))
    if top <= 0:
        top = float(values.max())
    return top if top > 0 else 1e-6


def colorize(values: np.ndarray, vmax: float | None = None, cmap: str = "inferno") -> np.ndarray:
    """float [h, w] -> uint8 [h, w, 3]: 0 maps to the dark end, vmax (default: the maximum)
    to the bright end; values above vmax saturate, nan shows as the dark end."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    top = float(v.max()) if vmax is None else float(vmax)
    if top <= 0:
        top = 1.0
    idx = np.clip(np.round(v / top * 255.0), 0, 255).astype(np.intp)
    return lut(cmap)[idx]


def overlay(
    image: np.ndarray,
    per_patch: np.ndarray,
    patch_size: int,
    alpha: float = 0.5,
    vmax: float | None = None,
    cmap: str = "inferno",
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Blend colorized patch errors on the image: uint8 [H, W, 3] + float [h, w] -> uint8
    [H, W, 3]. Each patch is one flat colour (nearest upsampling), alpha = heat opacity; the
    last row and column of patches may be partial (a tiled photo's). With a bool mask [h, w],
    only its True patches are coloured; the rest stay as they are."""
    heat = colorize(per_patch, vmax, cmap)  # [h, w, 3]
    weight = np.full(heat.shape[:2], alpha, dtype=np.float32)
    if mask is not None:
        weight = np.where(np.asarray(mask, dtype=bool), weight, 0.0)
    H, W = image.shape[:2]
    h, w = heat.shape[:2]
    if not (0 <= h * patch_size - H < patch_size and 0 <= w * patch_size - W < patch_size):
        raise ValueError(f"a {per_patch.shape} grid of {patch_size}px patches does not cover {image.shape}")
    heat = np.repeat(np.repeat(heat, patch_size, axis=0), patch_size, axis=1)[:H, :W]  # [H, W, 3]
    weight = np.repeat(np.repeat(weight, patch_size, axis=0), patch_size, axis=1)[:H, :W, None]
    out = image.astype(np.float32) * (1.0 - weight) + heat.astype(np.float32) * weight
    return np.round(out).astype(np.uint8)


def format_value(v: float) -> str:
    """Short tick label for an MSE: 0, 0.012, 3.4e-05."""
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e3:
        return f"{v:.3g}"
    return f"{v:.1e}"


def colorbar(
    height: int,
    vmax: float,
    width: int = 14,
    cmap: str = "inferno",
    label: str = "MSE",
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont | None = None,
    background: tuple[int, int, int] = (255, 255, 255),
    foreground: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """A vertical colour bar with ticks at 0, vmax/2 and vmax (top) and a label above:
    uint8 [height, W, 3], W fitting the tick labels."""
    if font is None:
        font = ImageFont.load_default()
    ascent, descent = font.getmetrics() if hasattr(font, "getmetrics") else (10, 2)
    line = ascent + descent
    pad = max(2, line // 2)  # room for the half of a tick label that sticks out at each end
    top = line + pad
    bar_h = max(8, height - top - pad)
    ticks = [(0.0, 1.0), (vmax / 2, 0.5), (vmax, 0.0)]  # (value, fraction from the top)
    labels = [format_value(v) for v, _ in ticks]
    draw_probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_w = max(draw_probe.textlength(s, font=font) for s in [*labels, label])
    total_w = width + 6 + int(np.ceil(text_w)) + 2
    img = Image.new("RGB", (total_w, top + bar_h + pad), background)
    ramp = lut(cmap)[np.linspace(255, 0, bar_h).round().astype(np.intp)]  # [bar_h, 3], bright on top
    img.paste(Image.fromarray(np.repeat(ramp[:, None, :], width, axis=1)), (0, top))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, top, width - 1, top + bar_h - 1), outline=foreground)
    draw.text((0, 0), label, font=font, fill=foreground)
    for (_, frac), text in zip(ticks, labels, strict=True):
        y = top + round(frac * (bar_h - 1))
        draw.line((width, y, width + 3, y), fill=foreground)
        draw.text((width + 6, y), text, font=font, fill=foreground, anchor="lm")
    out = np.asarray(img, dtype=np.uint8)
    if out.shape[0] != height:  # bars shorter than the label need: keep the promised height
        out = np.asarray(img.resize((total_w, height), Image.Resampling.NEAREST), dtype=np.uint8)
    return out
