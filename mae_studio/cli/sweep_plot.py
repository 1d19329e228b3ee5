"""The sweep's figure: PSNR and MSE against mask ratio, mean and spread over seeds.

matplotlib is an optional extra (`pip install 'mae-studio[plot]'`); without it, PlotUnavailable
says so. Drawn on an Agg canvas directly: no pyplot, no GUI backend, no display needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from mae_studio.core.errors import MaeStudioError


class PlotUnavailable(MaeStudioError):
    """matplotlib is not installed."""


def plot_sweep(rows: Sequence[dict[str, float]], title: str, training_ratio: float | None = 0.75) -> bytes:
    """summarize() rows -> PNG bytes: two panels (PSNR in dB, MSE), mean line with markers,
    a band of ±1 std and dotted min/max over seeds, and the ratio MAE was trained at."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise PlotUnavailable("the plot needs matplotlib: pip install 'mae-studio[plot]'") from e
    import numpy as np

    x = np.array([r["mask_ratio"] for r in rows]) * 100
    seeds = int(max(r["seeds"] for r in rows))
    fig = Figure(figsize=(10, 4), dpi=150, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(title)
    panels = [
        ("psnr", "masked PSNR (dB)", "higher is better"),
        ("mse", "masked MSE ([0, 1] pixels)", "lower is better"),
    ]
    for ax, (key, ylabel, note) in zip(fig.subplots(1, 2), panels, strict=True):
        mean = np.array([r[f"{key}_mean"] for r in rows])
        std = np.array([r[f"{key}_std"] for r in rows])
        lo = np.array([r[f"{key}_min"] for r in rows])
        hi = np.array([r[f"{key}_max"] for r in rows])
        ax.plot(x, mean, "o-", color="C0", markersize=3.5, label=f"mean over {seeds} seed{'s' * (seeds > 1)}")
        if seeds > 1:
            ax.fill_between(x, mean - std, mean + std, color="C0", alpha=0.25, linewidth=0, label="±1 std")
            ax.plot(x, lo, ":", color="C0", linewidth=0.9, label="min / max")
            ax.plot(x, hi, ":", color="C0", linewidth=0.9)
        if training_ratio is not None:
            ax.axvline(
                training_ratio * 100,
                color="0.4",
                linestyle="--",
                linewidth=0.9,
                label=f"MAE training ratio ({training_ratio:.0%})",
            )
        ax.set_xlabel("mask ratio (% of patches removed)")
        ax.set_ylabel(ylabel)
        ax.set_title(note, fontsize=9, color="0.35")
        ax.grid(True, alpha=0.3)
        ax.set_xlim(0, 100)
        ax.legend(fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
