"""Labelled comparison sheets (Pillow only): the figure the GUI saves and the CLI writes.

A sheet is rows of titled panels at their pictures' aspect (nearest-neighbour upscaled, so
patches stay crisp; a large tiled photo is shrunk with a box filter), an optional colour bar
after a heat-map panel, and caption lines with the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .heatmap import (
    DEFAULT_COLORMAP,
    DEFAULT_STYLE,
    HeatStyle,
    Overflow,
    auto_vmax,
    blend,
    colorbar,
    heat_layer,
)
from .names import printable
from .results import HEATMAP, RESULT_PANELS, Reconstruction, dim_visible

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_FONT_FILES = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "Arial.ttf", "arial.ttf")
_BOLD_FILES = ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "arialbd.ttf")


@lru_cache(maxsize=16)
def load_font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans (or Arial) at `size` px when installed, else Pillow's built-in TrueType font."""
    for name in _BOLD_FILES if bold else _FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue  # not installed here: try the next candidate
    return ImageFont.load_default(size)


@dataclass(frozen=True)
class Theme:
    background: tuple[int, int, int] = (255, 255, 255)
    foreground: tuple[int, int, int] = (20, 20, 20)
    muted: tuple[int, int, int] = (90, 90, 90)


LIGHT = Theme()
DARK = Theme(background=(30, 30, 32), foreground=(235, 235, 235), muted=(170, 170, 170))


@dataclass
class Panel:
    title: str
    image: np.ndarray  # uint8 [H, W, 3] or [H, W]
    vmax: float | None = None  # when set, a colour bar with this scale follows the panel
    cmap: str = DEFAULT_COLORMAP
    bar_label: str = "MSE"
    over: Overflow | None = None  # values above vmax: the bar shows a cap, the peak and the count


@dataclass
class Row:
    panels: list[Panel]
    heading: str = ""  # bold line above the row (compare: the model and its metrics)
    titles: bool = True  # draw each panel's title above it


MAX_PANEL_SIDE = 1792  # sheet pixels on a panel's longer side (a 224 px crop at --scale 8)


def panel_height(image_shape: Sequence[int], scale: int) -> int:
    """A panel's height on a sheet for a picture of image_shape [H, W, ...] at `scale` sheet pixels
    per picture pixel, its longer side kept within MAX_PANEL_SIDE (a tiled 12 MP photo)."""
    H, W = image_shape[0], image_shape[1]
    return max(1, min(H * scale, round(MAX_PANEL_SIDE * H / max(H, W))))


def compose(
    rows: Sequence[Row], caption: Sequence[str] = (), panel_px: int = 448, theme: Theme = LIGHT
) -> Image.Image:
    """Lay rows of panels out on one sheet. Every panel is scaled to panel_px high at its
    picture's aspect (nearest when enlarging, a box filter when shrinking). Texts are drawn as
    `names.printable` shows them (a newline or an undecodable byte in a file name would break the
    font layout)."""
    caption = [printable(t) for t in caption]
    rows = [Row(r.panels, printable(r.heading), r.titles) for r in rows]
    fs = max(11, round(panel_px / 26))  # ~17 px at 448
    font, bold = load_font(fs), load_font(fs, bold=True)
    small = load_font(max(10, fs - 3))
    line = sum(font.getmetrics()) + 2
    margin, gap = max(10, fs), max(6, fs // 2)

    def cells(row: Row) -> list[tuple[Image.Image, Panel | None]]:
        out: list[tuple[Image.Image, Panel | None]] = []
        for p in row.panels:
            out.append((_scaled(_rgb(p.image), panel_px), p))
            if p.vmax is not None:
                bar = colorbar(
                    panel_px,
                    p.vmax,
                    width=max(10, fs),
                    cmap=p.cmap,
                    label=p.bar_label,
                    font=small,
                    background=theme.background,
                    foreground=theme.foreground,
                    over=p.over,
                )
                out.append((Image.fromarray(bar), None))
        return out

    laid = [cells(r) for r in rows]
    widths = [sum(c.width for c, _ in cs) + gap * (len(cs) - 1) for cs in laid]
    caption_w = [math.ceil(font.getlength(t)) for t in caption]
    heading_w = [math.ceil(bold.getlength(r.heading)) for r in rows]
    width = 2 * margin + max([*widths, *caption_w, *heading_w, 1])
    row_h = [(line if r.heading else 0) + (line if r.titles else 0) + panel_px for r in rows]
    height = 2 * margin + sum(row_h) + gap * (len(rows) - 1) + (gap + line * len(caption) if caption else 0)
    sheet = Image.new("RGB", (width, height), theme.background)
    draw = ImageDraw.Draw(sheet)
    y = margin
    for row, cs in zip(rows, laid, strict=True):
        if row.heading:
            draw.text((margin, y), row.heading, font=bold, fill=theme.foreground)
            y += line
        x = margin
        for c, panel in cs:
            if panel is not None and row.titles:
                title = printable(panel.title)
                face = font if font.getlength(title) <= c.width else small  # small panels
                tw = face.getlength(title)
                draw.text((x + (c.width - tw) / 2, y), title, font=face, fill=theme.foreground)
            sheet.paste(c, (x, y + (line if row.titles else 0)))
            x += c.width + gap
        y += (line if row.titles else 0) + panel_px + gap
    for i, text in enumerate(caption):
        draw.text((margin, y + i * line), text, font=font, fill=theme.foreground if i == 0 else theme.muted)
    return sheet


def _scaled(rgb: np.ndarray, height: int) -> Image.Image:
    """The picture `height` px high at its aspect: nearest when enlarging (patches stay crisp), a
    box filter when shrinking."""
    H, W = rgb.shape[:2]
    size = (max(1, round(W * height / H)), height)
    image = Image.fromarray(rgb)
    if size == (W, H):
        return image
    kind = Image.Resampling.NEAREST if height >= H else Image.Resampling.BOX
    return image.resize(size, kind)


def _rgb(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise ValueError(f"panels are uint8 images, got {a.dtype}")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    return np.ascontiguousarray(a[:, :, :3])


# ----------------------------------------------------------------------------------
# reconstruction sheets


def metrics_line(result: Reconstruction) -> str:
    """'147/196 patches masked (75%) · masked MSE 0.0123 · PSNR 19.10 dB'."""
    n, total = result.masked_count, result.mask.size
    text = f"{n}/{total} patches masked ({100 * n / total:.0f}%)"
    if n:
        text += f" · masked MSE {result.masked_mse:.4f} · PSNR {result.masked_psnr:.2f} dB"
    return text


def heat_panel(
    result: Reconstruction, style: HeatStyle = DEFAULT_STYLE, title: str = "", scale_note: str = ""
) -> Panel:
    """The original with each removed patch coloured by its MSE (all patches if none removed), the
    layer the window draws (core.heatmap.heat_layer). The bar's label says how its top was chosen:
    `scale_note`, else "fixed" or "auto"."""
    layer = heat_layer(result.per_patch_mse, result.mask, style)
    note = scale_note or ("fixed" if layer.fixed else "auto")
    return Panel(
        title or RESULT_PANELS[HEATMAP].label,
        blend(result.original, layer, result.patch_size),
        vmax=layer.vmax,
        cmap=layer.cmap,
        bar_label=f"MSE · {note}",
        over=layer.overflow,
    )


def reconstruction_image(result: Reconstruction, raw_visible: bool = False) -> np.ndarray:
    """The raw reconstruction as the window shows it: the visible patches' outputs (never trained,
    MAE's loss covers removed patches only) dimmed, unless `raw_visible`."""
    if raw_visible:
        return result.reconstruction
    return dim_visible(result.reconstruction, result.mask, result.patch_size)


def result_panels(
    result: Reconstruction, style: HeatStyle = DEFAULT_STYLE, raw_visible: bool = False, scale_note: str = ""
) -> list[Panel]:
    """The RESULT_PANELS in their order, the heat map with its colour bar."""
    panels = []
    for key, panel in RESULT_PANELS.items():
        if key == HEATMAP:
            panels.append(heat_panel(result, style, scale_note=scale_note))
        elif key == "reconstruction":
            panels.append(Panel(panel.label, reconstruction_image(result, raw_visible)))
        else:
            panels.append(Panel(panel.label, panel.image(result)))
    return panels


DIMMED_NOTE = (
    "reconstruction: the visible patches' outputs are dimmed (the model learns removed patches only)"
)


def heat_notes(result: Reconstruction, style: HeatStyle, raw_visible: bool) -> list[str]:
    """Caption lines on what the sheet's colours mean: values above the scale, dimmed patches."""
    lines = []
    layer = heat_layer(result.per_patch_mse, result.mask, style)
    if layer.overflow is not None:
        lines.append(f"heat map: {layer.overflow.sentence()}")
    if not raw_visible and result.masked_count < result.mask.size:
        lines.append(DIMMED_NOTE)
    return lines


NAME_CHARS = 120  # a longer file or model name is shown with an ellipsis in the middle


def _details(model_name: str, seed: int | None, ratio: float | None, image_name: str) -> str:
    parts = [f"model: {printable(model_name, NAME_CHARS)}"]
    if ratio is not None:
        parts.append(f"mask ratio {ratio:g}")
    if seed is not None:
        parts.append(f"seed {seed}")
    if image_name:
        parts.append(f"image: {printable(image_name, NAME_CHARS)}")
    return " · ".join(parts)


def _denorm_note(result: Reconstruction) -> list[str]:
    return (
        ["colours of removed patches de-normalized from visible patch statistics"]
        if result.denormalized
        else []
    )


def render_sheet(
    result: Reconstruction,
    *,
    model_name: str,
    seed: int | None,
    ratio: float | None,
    image_name: str = "",
    extra_panels: dict[str, np.ndarray | Panel] | None = None,
    scale: int = 2,
    theme: Theme = LIGHT,
    heat: HeatStyle = DEFAULT_STYLE,
    raw_visible: bool = False,
) -> Image.Image:
    """One reconstruction as a labelled sheet: masked input, reconstruction (visible patches
    dimmed unless `raw_visible`), reconstruction + visible, original, per-patch MSE heat map in
    `heat`'s colours and scale + colour bar, then any extra panels (an image, or a Panel for one
    with its own colour bar), and a caption with the numbers."""
    panels = result_panels(result, heat, raw_visible)
    for title, extra in (extra_panels or {}).items():
        panels.append(extra if isinstance(extra, Panel) else Panel(title, extra))
    caption = [
        metrics_line(result),
        _details(model_name, seed, ratio, image_name),
        *_denorm_note(result),
        *heat_notes(result, heat, raw_visible),
    ]
    panel_px = panel_height(result.original.shape, scale)
    return compose([Row(panels)], caption, panel_px=panel_px, theme=theme)


def render_rows(
    rows: Sequence[tuple[str, Reconstruction]],
    *,
    seed: int | None = None,
    ratio: float | None = None,
    image_name: str = "",
    scale: int = 2,
    theme: Theme = LIGHT,
    heat: HeatStyle = DEFAULT_STYLE,
    raw_visible: bool = False,
) -> Image.Image:
    """Several models on one sheet (compare): a row per model headed by its label and metrics.
    All heat maps share one colour scale so rows are comparable: `heat`'s fixed top, else the
    largest of the rows' auto tops."""
    if not rows:
        raise ValueError("render_rows needs at least one row")
    shared = heat
    if not heat.fixed:
        tops = [auto_vmax(r.per_patch_mse, r.mask if r.mask.any() else None) for _, r in rows]
        shared = HeatStyle(heat.cmap, max(tops), heat.opacity)
    note = "fixed" if heat.fixed else "auto"
    laid = []
    for i, (label, result) in enumerate(rows):
        heading = f"{label} — {metrics_line(result)}"
        if result.denormalized:
            heading += " (de-normalized)"
        panels = result_panels(result, shared, raw_visible, scale_note=note)
        laid.append(Row(panels, heading=heading, titles=i == 0))
    size = max(panel_height(r.original.shape, scale) for _, r in rows)
    parts = [
        p
        for p in (
            f"mask ratio {ratio:g}" if ratio is not None else "",
            f"seed {seed}" if seed is not None else "",
            f"image: {printable(image_name, NAME_CHARS)}" if image_name else "",
        )
        if p
    ]
    caption = [" · ".join(["same pixel-space mask for every model", *parts])]
    caption.append("heat maps share one colour scale")
    if any(r.denormalized for _, r in rows):
        caption[-1] += "; (de-normalized): colours of removed patches from visible patch statistics"
    over = [(label, heat_layer(r.per_patch_mse, r.mask, shared).overflow) for label, r in rows]
    caption.extend(f"{label}: {o.sentence()}" for label, o in over if o is not None)
    if not raw_visible:
        caption.append(DIMMED_NOTE)
    return compose(laid, caption, panel_px=size, theme=theme)
