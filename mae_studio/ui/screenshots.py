"""Screenshots of the studio in use, for the README: `python -m mae_studio.ui.screenshots OUT_DIR`.

Run it under a real display or Xvfb (`xvfb-run -s "-screen 0 1600x1000x24" python -m ...`) so
fonts and styles render as users see them. Writes main.png (random 75% mask and a patch's
MSE read out under the pointer), painted.png (a hand-painted mask), overlay.png (heat map on a painted mask),
heat_scale.png (the heat map's scale fixed across an edit, values above its top marked),
shortcuts.png (the help dialog), comparison.png (the saved comparison sheet), the result layouts
(layout_2x2.png, layout_row.png, layout_large.png), linked_zoom.png (canvas and panels zoomed on one
region, the hovered patch outlined in all) and small_1100x700.png (the smallest window it is made for).
With `--language zh_CN`: only zh_CN_main.png, zh_CN_menu.png, zh_CN_models_dialog.png and one per
analysis window (zh_CN_errormap.png, zh_CN_sweep.png), in that interface language.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from mae_studio.core.places import LANGUAGE_ENV

from .bench import _send, _settled, _spin, _wait_for


def _hover(view, fx: float, fy: float) -> None:  # type: ignore[no-untyped-def]
    """Move the pointer over a fraction (fx, fy) of an ImageView's picture."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    r = view.target_rect()
    pos = QPointF(r.left() + fx * r.width(), r.top() + fy * r.height())
    none = Qt.MouseButton.NoButton
    event = QMouseEvent(
        QEvent.Type.MouseMove, pos, view.mapToGlobal(pos), none, none, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(view, event)


def _stroke(window, points: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, QPointF, Qt

    canvas = window.canvas
    view = [QPointF(canvas.mapFromScene(QPointF(x, y))) for x, y in points]
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _send(canvas, QEvent.Type.MouseButtonPress, view[0], left, left)
    for p in view[1:]:
        _send(canvas, QEvent.Type.MouseMove, p, none, left)
        _spin(5)
    _send(canvas, QEvent.Type.MouseButtonRelease, view[-1], left, none)


def _save(widget, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The widget as a 256-colour PNG: a quarter of the size of a true-colour one, and a
    README needs no more."""
    _save_image(widget.grab().toImage(), path)


def _save_image(image, path: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from .qimage import qimage_to_rgb

    rgb = qimage_to_rgb(image)
    Image.fromarray(rgb).quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"wrote {path}")


def _grab(window, path: Path) -> None:  # type: ignore[no-untyped-def]
    _wait_for(lambda: _settled(window), 60)
    _spin(300)
    _save(window, path)


def _heat_scale_shot(window, out: Path) -> None:  # type: ignore[no-untyped-def]
    """heat_scale.png: the scale fixed at the current result's top, then a stroke removes more of
    the photo; the new result keeps that scale and the colour bar marks the errors above it."""
    sh, sw = window.canvas.scene_size()
    window.actions_by_name["heat"].setChecked(True)
    window.heat.fix_scale(True)
    _stroke(window, [(sw * (0.1 + 0.8 * t / 30), sh * (0.12 + 0.1 * (t / 30))) for t in range(31)])
    _grab(window, out / "heat_scale.png")
    window.heat.fix_scale(False)


def _layout_shots(window, out: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Each layout at the full size, linked zoom with a hovered patch, then the smallest window."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from .view_link import Region

    for view in window.results.panels.values():  # the pointer is on none of them
        QApplication.sendEvent(view, QEvent(QEvent.Type.Leave))
    window.actions_by_name["heat"].setChecked(False)
    for key, name in (("row", "layout_row"), ("large", "layout_large"), ("grid", "layout_2x2")):
        window.set_layout(key)
        _grab(window, out / f"{name}.png")
    # zoom the canvas on the sample's centre; every panel follows; hover a patch of a panel
    window.canvas.set_region(Region(0.5, 0.45, 2.5))
    window.canvas.region_changed.emit(window.canvas.region())
    pasted = window.results.panels["pasted"]
    _hover(pasted, 0.55, 0.5)
    _spin(200)
    _save(window, out / "linked_zoom.png")
    QApplication.sendEvent(pasted, QEvent(QEvent.Type.Leave))
    window.actions_by_name["fit"].trigger()
    window.resize(1100, 700)
    _grab(window, out / "small_1100x700.png")
    window.resize(*size)
    _spin(200)


def _language_shots(window, out: Path, prefix: str) -> None:  # type: ignore[no-untyped-def]
    """<prefix>_main.png (a patch read out), <prefix>_menu.png (View open on its Language menu:
    popups are windows of their own, so the screen is grabbed), <prefix>_models_dialog.png and
    one per analysis window, computed: the interface in the language it was started in."""
    from PySide6.QtGui import QGuiApplication

    from .language_menu import LanguageMenu

    recon = window.results.panels["reconstruction"]
    _grab(window, out / f"{prefix}_main.png")
    _hover(recon, 0.53, 0.47)
    _spin(100)
    _save(window, out / f"{prefix}_main.png")

    view = window.view_menu
    window.menuBar().setActiveAction(view.menuAction())
    _spin(300)
    language = next(a.menu() for a in view.actions() if isinstance(a.menu(), LanguageMenu))
    view.setActiveAction(language.menuAction())
    language.popup(view.mapToGlobal(view.actionGeometry(language.menuAction()).topRight()))
    _spin(500)
    g = window.frameGeometry()
    screen = QGuiApplication.primaryScreen().grabWindow(0, g.x(), g.y(), g.width(), g.height())
    _save_image(screen.toImage(), out / f"{prefix}_menu.png")
    language.hide()
    view.hide()
    _spin(200)

    dialog = window.models.show_models()
    _spin(1000)  # the cache scan says which models are on disk
    _save(dialog, out / f"{prefix}_models_dialog.png")
    dialog.close()

    for key in ("errormap", "sweep"):
        _map_shot(window, key, out / f"{prefix}_{key}.png")


def _map_shot(window, key: str, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The error map ("errormap") or the sweep ("sweep") window at 1280x820 once computed (it
    computes when opened), a patch or the 50% point read out under the pointer."""
    d = window.analysis.open(key)
    d.resize(1280, 820)
    _wait_for(lambda: d.last_result is not None and not d.running, 600)
    _spin(300)
    if key == "errormap":
        _hover(d.error, 0.53, 0.47)
    else:
        row = d.chart.rows[8]  # 50% removed
        _hover_at(d.chart, d.chart.to_point(row["mask_ratio"], row["psnr_mean"]))
    _spin(200)
    _save(d, path)
    d.close()


def _analysis_shots(window, out: Path, scratch: Path) -> None:  # type: ignore[no-untyped-def]
    """analysis_errormap.png, analysis_sweep.png, analysis_compare.png (against an untrained model
    of the default's architecture, saved to `scratch`) and analysis_attention.png."""
    import numpy as np

    from .model_loader import FALLBACK_CONFIG, random_loader

    def done(d) -> bool:  # type: ignore[no-untyped-def]
        return d.last_result is not None and not d.running

    for key in ("errormap", "sweep"):
        _map_shot(window, key, out / f"analysis_{key}.png")

    from mae_studio.core.checkpoints import save_checkpoint

    untrained = scratch / "untrained_default_architecture.safetensors"
    save_checkpoint(random_loader(FALLBACK_CONFIG)()[0].model, untrained)
    d = window.analysis.open("compare")
    d.resize(1280, 820)
    d.choose_file(untrained)
    d.compute()
    _wait_for(lambda: done(d), 600)
    d.heat.setChecked(True)
    _spin(300)
    _save(d, out / "analysis_compare.png")
    d.close()

    d = window.analysis.open("attention")
    d.resize(1280, 820)
    _spin(200)
    removed = [tuple(int(v) for v in rc) for rc in np.argwhere(window.doc.mask)]
    h, w = window.doc.mask.shape
    query = min(removed, key=lambda rc: (rc[0] - h * 0.45) ** 2 + (rc[1] - w * 0.5) ** 2)  # near the middle
    d.picture.cell_clicked.emit(*query)
    _wait_for(lambda: done(d), 600)
    d.block.setCurrentIndex(d.block.count() - 1)  # the last decoder block, heads averaged
    _spin(100)
    _hover_at(d.picture, d.picture.cell_rect(*query).center())
    _spin(300)
    _save(d, out / "analysis_attention.png")
    d.close()


def _hover_at(widget, pos) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    none = Qt.MouseButton.NoButton
    event = QMouseEvent(
        QEvent.Type.MouseMove, pos, widget.mapToGlobal(pos), none, none, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mae_studio.ui.screenshots")
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--image", type=Path)
    parser.add_argument("--size", default="1600x1000")
    parser.add_argument(
        "--language", choices=("zh_CN",), help="only the <language>_*.png shots, in that interface language"
    )
    parser.add_argument("--analysis", action="store_true", help="only the analysis_*.png shots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from mae_studio.core.recipes import MaskRecipe

    from . import saving
    from .application import create_application, new_window
    from .help_dialog import ShortcutsDialog
    from .settings import Settings

    settings_dir = tempfile.TemporaryDirectory(prefix="mae-studio-shots-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir.name)
    if args.language:  # chosen as a user does (View > Language), so the menu shows the choice
        os.environ.pop(LANGUAGE_ENV, None)
        Settings().set_language(args.language)
    create_application()
    window = new_window(Settings())
    window.files.dialogs = False
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    window.start(args.image, args.model, MaskRecipe("random", 0.75, 0))
    if not _wait_for(lambda: window.results.result is not None and window.model_info is not None, 120):
        print("no reconstruction within 120 s")
        return 1
    if args.analysis:
        _analysis_shots(window, args.out, Path(settings_dir.name))
        window.close()
        settings_dir.cleanup()
        return 0
    if args.language:
        _language_shots(window, args.out, args.language)
        window.close()
        settings_dir.cleanup()
        return 0
    sh, sw = window.canvas.scene_size()
    recon = window.results.panels["reconstruction"]

    window.actions_by_name["heat"].setChecked(False)
    _grab(window, args.out / "main.png")
    _hover(recon, 0.53, 0.47)
    _spin(100)
    _save(window, args.out / "main.png")

    window.actions_by_name["heat"].setChecked(False)
    QApplication.sendEvent(recon, QEvent(QEvent.Type.Leave))  # the pointer moves on to the canvas
    window.doc.clear()
    window.canvas.set_brush_radius(14)
    _stroke(window, [(sw * (0.15 + 0.7 * t / 40), sh * (0.3 + 0.25 * (t / 40) ** 2)) for t in range(41)])
    window.canvas.set_tool("rect")
    _stroke(window, [(sw * 0.55, sh * 0.62), (sw * 0.8, sh * 0.75), (sw * 0.9, sh * 0.9)])
    window.canvas.set_tool("brush")
    rest = QPointF(window.canvas.mapFromScene(QPointF(sw * 0.3, sh * 0.8)))  # the brush outline shows here
    _send(window.canvas, QEvent.Type.MouseMove, rest, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    _grab(window, args.out / "painted.png")

    window.actions_by_name["heat"].setChecked(True)
    _spin(100)
    _hover(recon, 0.4, 0.4)
    _spin(100)
    _save(window, args.out / "overlay.png")
    _heat_scale_shot(window, args.out)

    dialog = ShortcutsDialog(window.shortcut_actions(), window)
    dialog.show()
    _spin(300)
    _save(dialog, args.out / "shortcuts.png")
    dialog.close()

    _layout_shots(window, args.out, (width, height))

    saving.save_comparison(
        args.out / "comparison.png",
        window.results.result,
        model_name=window.model_name(),
        seed=window.doc.recipe.seed if window.doc.generated else None,
        ratio=round(window.doc.removed_count / window.doc.num_patches, 4),
        image_name=window.doc.image_name,
        heat=window.results.heat_style(),  # as File > Save Comparison does
        raw_visible=window.results.raw_visible(),
    )
    print(f"wrote {args.out / 'comparison.png'}")
    window.close()
    settings_dir.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
