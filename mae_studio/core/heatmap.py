"""Per-patch errors as colours: the heat layer the window and the sheets both draw, and the
sheets' colour bar.

Colour maps come from matplotlib's registry (`matplotlib.colormaps`), imported on first use:
`import matplotlib` costs ~0.25 s on a 2-core machine, which `mae-studio --help` and the window's
first paint should not pay. Each map is sampled once into a 256-entry table.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# The window's choice (perceptual, dark to bright, plus turbo and grey); the CLI takes any name.
COLORMAPS = ("inferno", "magma", "viridis", "plasma", "cividis", "turbo", "gray")
DEFAULT_COLORMAP = "inferno"
HEAT_OPACITY = 0.75  # of a removed patch's colour over the picture, in the window and on sheets


class UnknownColormap(ValueError):
    """A colour map name matplotlib does not know; the message lists the names it does."""


def colormap_names() -> list[str]:
    """Every name in matplotlib's registry, reversed maps (`<name>_r`) included."""
    import matplotlib

    return sorted(matplotlib.colormaps, key=str.lower)


def check_colormap(name: str) -> str:
    """`name` if matplotlib knows it, else UnknownColormap naming the closest names and the rest."""
    names = colormap_names()
    if name in names:
        return name
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    plain = [n for n in names if not n.endswith("_r")]
    raise UnknownColormap(
        f"unknown colour map {name!r}{hint}; choose from matplotlib's: {', '.join(plain)} "
        "(each also reversed with the suffix _r)"
    )


@cache
def lut(cmap: str = DEFAULT_COLORMAP) -> np.ndarray:
    """The colour map as uint8 [256, 3]: matplotlib's 256 samples, rounded."""
    import matplotlib

    check_colormap(cmap)
    rgba = matplotlib.colormaps[cmap].resampled(256)(np.arange(256))  # float [256, 4]
    table = np.round(rgba[:, :3] * 255.0).astype(np.uint8)
    table.flags.writeable = False  # shared by every caller through the cache
    return table


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


def colorize(values: np.ndarray, vmax: float | None = None, cmap: str = DEFAULT_COLORMAP) -> np.ndarray:
    """float [h, w] -> uint8 [h, w, 3]: 0 maps to the dark end, vmax (default: the maximum)
    to the bright end; values above vmax saturate, nan shows as the dark end."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    top = float(v.max()) if vmax is None else float(vmax)
    if top <= 0:
        top = 1.0
    idx = np.clip(np.round(v / top * 255.0), 0, 255).astype(np.intp)
    return lut(cmap)[idx]


# ----------------------------------------------------------------------------------
# the heat layer: one definition for the window and the sheets


@dataclass(frozen=True)
class HeatStyle:
    """How errors become colours: the colour map, the scale's top (None: auto, see auto_vmax)
    and the opacity of a removed patch's colour."""

    cmap: str = DEFAULT_COLORMAP
    vmax: float | None = None
    opacity: float = HEAT_OPACITY

    def __post_init__(self) -> None:
        if self.vmax is not None and not (np.isfinite(self.vmax) and self.vmax > 0):
            raise ValueError(f"a fixed colour scale needs a finite top above 0, got {self.vmax}")
        if not 0.0 <= self.opacity <= 1.0:
            raise ValueError(f"heat opacity must be in [0, 1], got {self.opacity}")

    @property
    def fixed(self) -> bool:
        return self.vmax is not None


DEFAULT_STYLE = HeatStyle()  # inferno, auto scale


@dataclass(frozen=True)
class Overflow:
    """Shown values above the scale's top: how many, and the largest."""

    count: int
    peak: float
    unit: str = "patch"  # what is counted ("patch", "pixel")

    def lines(self) -> tuple[str, str]:
        """The colour bar's two lines beside its cap: 'max 0.1232', '3 above'."""
        return f"max {format_value(self.peak, 4)}", f"{self.count} above"

    def sentence(self) -> str:
        plural = {"patch": "patches", "pixel": "pixels"}.get(self.unit, self.unit + "s")
        return (
            f"{self.count} {self.unit if self.count == 1 else plural} above the colour scale's top "
            f"(max {format_value(self.peak, 4)})"
        )


def overflow(values: np.ndarray, vmax: float, unit: str = "patch") -> Overflow | None:
    """The finite values above vmax, if any."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    above = v > vmax
    return Overflow(int(above.sum()), float(v.max()), unit) if above.any() else None


@dataclass(frozen=True)
class HeatLayer:
    """Per-patch colours and opacities over a picture, and the scale they were made with."""

    rgb: np.ndarray  # uint8 [h, w, 3]
    alpha: np.ndarray  # uint8 [h, w]: the style's opacity on shown patches, 0 on the others
    vmax: float  # the scale's top
    fixed: bool  # False: vmax was chosen from these values (auto)
    cmap: str
    overflow: Overflow | None  # shown patches above vmax


def heat_layer(
    per_patch: np.ndarray, mask: np.ndarray | None = None, style: HeatStyle = DEFAULT_STYLE
) -> HeatLayer:
    """The heat layer of per-patch errors [h, w]: only removed patches (mask True) are shown, or
    every patch when the mask is None or removes none; the auto scale reads the shown ones."""
    values = np.asarray(per_patch, dtype=np.float64)
    shown = np.ones(values.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if not shown.any():
        shown = np.ones(values.shape, dtype=bool)
    vmax = style.vmax if style.vmax is not None else auto_vmax(values, shown)
    alpha = np.where(shown, round(style.opacity * 255), 0).astype(np.uint8)
    return HeatLayer(
        rgb=colorize(values, vmax, style.cmap),
        alpha=alpha,
        vmax=float(vmax),
        fixed=style.fixed,
        cmap=style.cmap,
        overflow=overflow(values[shown], vmax),
    )


def blend(image: np.ndarray, layer: HeatLayer, patch_size: int) -> np.ndarray:
    """The layer over a picture: uint8 [H, W, 3] -> uint8 [H, W, 3], each patch one flat colour
    (nearest upsampling) at its alpha / 255, as the window's painter composes it. The last row
    and column of patches may be partial (a tiled photo's)."""
    H, W = image.shape[:2]
    h, w = layer.rgb.shape[:2]
    if not (0 <= h * patch_size - H < patch_size and 0 <= w * patch_size - W < patch_size):
        raise ValueError(f"a {h}x{w} grid of {patch_size}px patches does not cover {image.shape}")
    heat = np.repeat(np.repeat(layer.rgb, patch_size, axis=0), patch_size, axis=1)[:H, :W]  # [H, W, 3]
    weight = np.repeat(np.repeat(layer.alpha, patch_size, axis=0), patch_size, axis=1)[:H, :W, None]
    weight = weight.astype(np.float32) / 255.0
    out = image.astype(np.float32) * (1.0 - weight) + heat.astype(np.float32) * weight
    return np.round(out).astype(np.uint8)


def format_value(v: float, digits: int = 3) -> str:
    """Short tick label for an MSE: 0, 0.012, 3.4e-05 (`digits` significant)."""
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e3:
        return f"{v:.{digits}g}"
    return f"{v:.{digits - 2}e}"


def colorbar(
    height: int,
    vmax: float,
    width: int = 14,
    cmap: str = DEFAULT_COLORMAP,
    label: str = "MSE",
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont | None = None,
    background: tuple[int, int, int] = (255, 255, 255),
    foreground: tuple[int, int, int] = (0, 0, 0),
    over: Overflow | None = None,
) -> np.ndarray:
    """A vertical colour bar with ticks at 0, vmax/2 and vmax (top) and a label above:
    uint8 [height, W, 3], W fitting the texts. With `over`, a cap in the top colour sits on the
    bar (values beyond its top exist) with the largest value and how many are above beside it."""
    if font is None:
        font = ImageFont.load_default()
    ascent, descent = font.getmetrics() if hasattr(font, "getmetrics") else (10, 2)
    line = ascent + descent
    pad = max(2, line // 2)  # room for the half of a tick label that sticks out at each end
    # the cap's block: two lines of text, clear of the top tick's label (centred on the bar's top)
    cap = 2 * line + line // 2 + 2 if over is not None else 0
    top = line + pad + cap
    bar_h = max(8, height - top - pad)
    ticks = [(0.0, 1.0), (vmax / 2, 0.5), (vmax, 0.0)]  # (value, fraction from the top)
    labels = [format_value(v) for v, _ in ticks]
    notes = over.lines() if over is not None else ()
    draw_probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_w = max(draw_probe.textlength(s, font=font) for s in [*labels, *notes])
    total_w = max(width + 6 + int(np.ceil(text_w)) + 2, int(np.ceil(draw_probe.textlength(label, font=font))))
    img = Image.new("RGB", (total_w, top + bar_h + pad), background)
    table = lut(cmap)
    ramp = table[np.linspace(255, 0, bar_h).round().astype(np.intp)]  # [bar_h, 3], bright on top
    img.paste(Image.fromarray(np.repeat(ramp[:, None, :], width, axis=1)), (0, top))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, top, width - 1, top + bar_h - 1), outline=foreground)
    draw.text((0, 0), label, font=font, fill=foreground)
    if over is not None:
        # a triangle as wide as the bar, its base on the bar's top edge, in the top colour
        tip = top - max(6, min(line, round(width * 1.5)))
        triangle = [(0, top), (width - 1, top), ((width - 1) / 2, tip)]
        draw.polygon(triangle, fill=tuple(int(c) for c in table[255]), outline=foreground)
        for i, text in enumerate(notes):
            draw.text((width + 6, top - cap + i * line), text, font=font, fill=foreground)
    for (_, frac), text in zip(ticks, labels, strict=True):
        y = top + round(frac * (bar_h - 1))
        draw.line((width, y, width + 3, y), fill=foreground)
        draw.text((width + 6, y), text, font=font, fill=foreground, anchor="lm")
    out = np.asarray(img, dtype=np.uint8)
    if out.shape[0] != height:  # bars shorter than the label need: keep the promised height
        out = np.asarray(img.resize((total_w, height), Image.Resampling.NEAREST), dtype=np.uint8)
    return out
