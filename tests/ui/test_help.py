"""Help > Keyboard Shortcuts lists every shortcut of the window (menus, layouts, linked views,
analyses, the heat map's scale) and the mouse gestures that work."""

from __future__ import annotations

from mae_studio.ui.help_dialog import GESTURES, ShortcutsDialog
from mae_studio.ui.main_window import MainWindow


def test_the_shortcuts_dialog_lists_every_shortcut_and_the_view_gestures(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    dialog = ShortcutsDialog(window.shortcut_actions(), window)
    qtbot.addWidget(dialog)
    rows = {
        table.item(i, 1).text(): table.item(i, 0).text()
        for table in (dialog.table, dialog.gestures)
        for i in range(table.rowCount())
    }
    for what, keys in (
        ("2 x 2 Beside the Canvas", "Alt+1"),
        ("One Row Under the Canvas", "Alt+2"),
        ("One Large Result", "Alt+3"),
        ("Link Zoom and Pan", "L"),
        ("Untrained Visible Patches Undimmed", "D"),
        ("Error Map and Uncertainty", "Ctrl+Alt+E"),
        ("Mask-Ratio Sweep", "Ctrl+Alt+W"),
        ("Compare Models", "Ctrl+Alt+C"),
        ("Decoder Attention", "Ctrl+Alt+A"),
        ("Fix Scale", "Shift+H"),
        ("Next Photo in Folder", "PgDown"),
    ):
        assert rows.get(what) == keys, (what, rows.get(what))
    for keys, what in (
        ("Mouse wheel on a result", "Zoom it at the pointer; linked views (L) follow"),
        ("Drag on a zoomed result", "Pan it; linked views (L) follow"),
        ("Double-click a result", "Show it large (layout One Large Result)"),
        ("Click a thumbnail (One Large Result)", "Show that result large"),
        ("Hover the photo or a result", "Outline that patch in every view"),
    ):
        assert (keys, what) in GESTURES and rows[what] == keys
    assert dialog.table.rowCount() + dialog.gestures.rowCount() == len(rows)  # no two say the same
    assert dialog.gestures.rowCount() == len(GESTURES)
    window.close()
