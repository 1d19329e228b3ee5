"""Crash recovery: the session is autosaved on every change, a real crash (SIGKILL) leaves it
behind, the next start offers it and restores photo, mask, model and settings; a clean exit
removes it; a damaged session file is set aside with a message, never a crash."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mae_studio.core import masks
from mae_studio.core.errors import SaveError
from mae_studio.ui import autosave
from mae_studio.ui.autosave import DAMAGED_FILE, LOCK_FILE, SESSION_FILE, data_folder
from mae_studio.ui.document import MaskRecipe
from mae_studio.ui.qimage import rgb_to_qimage
from mae_studio.ui.session import Session, SessionFileError, read_session

from ..ui.fakes import photo
from .gui_fixtures import TIMEOUT_MS, gui_settings, photo_file, shows_current_mask, studio

__all__ = ["gui_settings", "photo_file", "studio"]  # fixtures used by name

ROOT = Path(__file__).resolve().parents[2]


def saved_session(w, qtbot) -> Session:  # type: ignore[no-untyped-def]
    """Save now, wait for the writer, read the file back."""
    with qtbot.waitSignal(w.autosave.saved, timeout=TIMEOUT_MS) as done:
        assert w.autosave.save_now()
    return read_session(done.args[0])


def restarted_with_a_left_behind_session(studio, qtbot, tmp_path):  # type: ignore[no-untyped-def]
    """A studio that saved a session and closed, the session put back as a crash would leave it,
    and a new studio not yet started on that folder: (data folder, new window)."""
    data = tmp_path / "data"
    w = studio(autosave=data)
    saved_session(w, qtbot)
    shutil.copy(data / SESSION_FILE, tmp_path / "left.json")
    w.close()
    shutil.copy(tmp_path / "left.json", data / SESSION_FILE)
    return data, studio(autosave=data, start=False)


def test_changes_are_autosaved_and_a_clean_exit_removes_the_session(studio, qtbot, tmp_path, photo_file):
    data = tmp_path / "data"
    w = studio(autosave=data)
    assert not w.autosave.offer() and w.autosave.active  # nothing was left behind
    with qtbot.waitSignal(w.autosave.saved, timeout=TIMEOUT_MS):
        w.doc.paint_cells([(0, 0), (3, 3)], True)  # an edit, saved DEBOUNCE_MS later
    s = read_session(data / SESSION_FILE)
    assert np.array_equal(s.mask, w.doc.mask) and s.mask[0, 0] and s.mask[3, 3]
    assert s.image_file == photo_file.absolute() and not s.pasted and s.image_name == "photo.png"
    assert (s.img_size, s.patch_size, s.recipe) == (64, 16, MaskRecipe("random", 0.5, 0))
    assert s.model_path is not None and s.model_path.name == "tiny.safetensors"
    w.canvas.set_brush_radius(24)
    w.actions_by_name["heat"].setChecked(True)
    s = saved_session(w, qtbot)
    assert s.brush_radius == 24 and s.heatmap and s.grid_visible and s.precision == "exact"
    assert (data / LOCK_FILE).exists()
    w.close()
    assert sorted(p.name for p in data.iterdir()) == []  # session and lock gone


def test_rapid_edits_are_saved_once_with_the_last_mask(studio, qtbot, tmp_path):
    w = studio(autosave=tmp_path / "data")
    w.autosave.offer()
    saves: list[Path] = []
    w.autosave.saved.connect(saves.append)
    rng = np.random.default_rng(0)
    for _ in range(200):  # no events run in between: the debounce timer restarts each time
        w.doc.paint_cells([tuple(int(v) for v in rng.integers(0, 4, 2))], bool(rng.integers(0, 2)))
    qtbot.waitUntil(lambda: bool(saves), timeout=TIMEOUT_MS)
    w.autosave.wait()
    qtbot.wait(autosave.DEBOUNCE_MS + 200)
    assert len(saves) == 1
    assert np.array_equal(read_session(saves[0]).mask, w.doc.mask)


CRASHING_RUN = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from mae_studio.ui.document import MaskRecipe
    from mae_studio.ui.main_window import MainWindow

    data, settings, model, image = (Path(a) for a in sys.argv[1:5])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))
    app = QApplication([])
    w = MainWindow(autosave_folder=data)
    w.files.dialogs = False
    w.show()
    saved = []
    w.autosave.saved.connect(saved.append)

    def wait_until(ok, what):
        end = time.monotonic() + 60
        while not ok():
            if time.monotonic() > end:
                sys.exit(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.005)

    assert not w.autosave.offer()
    w.start(image=image, model=model, recipe=MaskRecipe("block", 0.25, 7))
    wait_until(lambda: w.model_info is not None and w.doc.image is not None, "model and photo")
    w.doc.begin_live("Brush stroke")
    w.doc.paint_cells([(0, 0), (0, 1), (3, 2)], True)
    w.doc.end_live()
    w.canvas.set_brush_radius(6)
    w.actions_by_name["grid"].setChecked(False)
    np_mask = w.doc.mask
    saved.clear()
    wait_until(lambda: bool(saved), "the autosave")
    Path(sys.argv[5]).write_text("".join("1" if v else "0" for v in np_mask.flat))
    os.kill(os.getpid(), signal.SIGKILL)  # a crash: no closeEvent, no clean-up
    """
)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_real_crash_leaves_a_session_that_is_offered_and_restored(
    studio, qtbot, tmp_path, tiny_checkpoint, photo_file
):
    data, expected = tmp_path / "data", tmp_path / "mask.txt"
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_RUN)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            sys.executable,
            str(script),
            str(data),
            str(tmp_path / "s2"),
            str(tiny_checkpoint),
            str(photo_file),
            str(expected),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr[-2000:]
    assert (data / SESSION_FILE).exists() and (data / LOCK_FILE).exists()  # the crashed run's lock
    mask = np.array([c == "1" for c in expected.read_text()]).reshape(4, 4)

    w = studio(autosave=data, start=False)
    assert w.autosave.active and w.autosave.left_behind  # a stale lock: its process is gone
    offered: list[Session] = []
    w.autosave.ask = lambda parent, s: offered.append(s) or True
    with qtbot.waitSignal(w.result_shown, timeout=TIMEOUT_MS):
        assert w.autosave.offer()
        assert w.status.currentMessage().startswith("Restored the session autosaved at ")
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    assert len(offered) == 1 and np.array_equal(offered[0].mask, mask)
    assert np.array_equal(w.doc.mask, mask) and w.doc.removed_count == int(mask.sum())
    assert w.doc.recipe == MaskRecipe("block", 0.25, 7) and not w.doc.generated
    assert w.doc.image_path == photo_file and w.model_name() == "tiny"
    assert w.canvas.brush_radius == 6 and not w.actions_by_name["grid"].isChecked()
    assert w.doc.undo_stack.count() == 0
    s = saved_session(w, qtbot)  # autosave goes on for the restored session
    assert np.array_equal(s.mask, mask)
    w.close()
    assert not (data / SESSION_FILE).exists()


def test_a_pasted_photo_is_kept_as_a_png_copy_and_restored(studio, qtbot, tmp_path):
    data, backup = tmp_path / "data", tmp_path / "left_behind"
    w = studio(autosave=data)
    w.autosave.offer()
    pasted = photo(70, 90, seed=9)
    mime = QMimeData()
    mime.setImageData(rgb_to_qimage(pasted))
    with qtbot.waitSignal(w.photos.loaded, timeout=TIMEOUT_MS):
        assert w.files.open_from_mime(mime)
    w.doc.generate(MaskRecipe("grid", 0.5, 0))
    s = saved_session(w, qtbot)
    assert s.pasted and s.image_name == "pasted image" and s.image_file is not None
    assert s.image_file.parent == data and np.array_equal(np.asarray(Image.open(s.image_file)), pasted)
    shutil.copytree(data, backup, ignore=shutil.ignore_patterns(LOCK_FILE))  # what a crash leaves
    w.close()
    assert list(data.iterdir()) == []
    shutil.copytree(backup, data, dirs_exist_ok=True)

    again = studio(autosave=data, start=False)
    again.autosave.ask = lambda parent, s: True
    with qtbot.waitSignal(again.photos.loaded, timeout=TIMEOUT_MS):
        assert again.autosave.offer()
    assert again.doc.image_name == "pasted image" and again.doc.image_path is None
    assert np.array_equal(again.doc.image, pasted)
    assert np.array_equal(again.doc.mask, masks.pattern_mask("grid", 4, 0.5, 0))
    qtbot.waitUntil(lambda: shows_current_mask(again), timeout=TIMEOUT_MS)


def test_a_whole_photo_session_comes_back_on_its_own_grid(studio, qtbot, tmp_path, photo_file):
    data, backup = tmp_path / "data", tmp_path / "left_behind"
    w = studio(autosave=data)
    w.autosave.offer()
    w.doc.set_fit("whole")  # photo.png is 96 x 80: a 4 x 5 grid on the tiny model
    w.doc.clear()
    w.doc.paint_cells([(0, 4), (3, 0), (2, 2)], True)  # painted: no recipe makes it again
    painted = w.doc.mask
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)
    s = saved_session(w, qtbot)
    assert s.fit == "whole" and s.mask.shape == (4, 5) and np.array_equal(s.mask, painted)
    shutil.copytree(data, backup, ignore=shutil.ignore_patterns(LOCK_FILE))  # what a crash leaves
    w.close()
    shutil.copytree(backup, data, dirs_exist_ok=True)

    again = studio(autosave=data, start=False)
    again.autosave.ask = lambda parent, s: True
    with qtbot.waitSignal(again.photos.loaded, timeout=TIMEOUT_MS):
        assert again.autosave.offer()
    assert again.doc.fit == "whole" and again.doc.mask.shape == (4, 5)
    assert np.array_equal(again.doc.mask, painted)  # exactly: it waited for its photo's grid
    assert again.mask_panel.fit.currentData() == "whole" and again.doc.undo_stack.count() == 0
    qtbot.waitUntil(lambda: shows_current_mask(again), timeout=TIMEOUT_MS)
    assert again.results.result.original.shape == (64, 80, 3)  # the whole photo, at its aspect


def test_discard_removes_the_left_behind_session(studio, qtbot, tmp_path, photo_file):
    data, again = restarted_with_a_left_behind_session(studio, qtbot, tmp_path)
    again.autosave.ask = lambda parent, s: False
    assert not again.autosave.offer()
    assert not (data / SESSION_FILE).exists() and not again.autosave.left_behind
    assert again.doc.image is None  # nothing restored


def test_the_restore_question_is_a_real_box(studio, qtbot, tmp_path):
    _, again = restarted_with_a_left_behind_session(studio, qtbot, tmp_path)
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text() + "\n" + box.informativeText())
        next(b for b in box.buttons() if b.text() == "Restore").click()

    QTimer.singleShot(0, answer)  # runs inside the box's own event loop
    with qtbot.waitSignal(again.result_shown, timeout=TIMEOUT_MS):
        assert again.autosave.offer()
    assert "did not close normally" in seen[0] and "Photo: photo.png" in seen[0]
    assert "Mask: 8 of 16 patches removed" in seen[0] and "Model: tiny.safetensors" in seen[0]


def test_a_left_behind_session_is_never_overwritten_before_it_is_offered(studio, qtbot, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    left = b'{"format": "mae-studio-session", "left": "by a crash"}'
    (data / SESSION_FILE).write_bytes(left)
    w = studio(autosave=data)  # a start and edits, but offer() not called yet
    w.doc.invert()
    qtbot.wait(autosave.DEBOUNCE_MS + 300)
    w.autosave.wait()
    assert (data / SESSION_FILE).read_bytes() == left
    w.close()
    assert (data / SESSION_FILE).read_bytes() == left  # never offered: kept for the next start


def _valid_doc(photo_file: Path) -> dict:
    s = Session(
        image_name="photo.png",
        image_file=photo_file,
        pasted=False,
        model_path=None,
        device=None,
        img_size=64,
        patch_size=16,
        mask=masks.random_mask(4, 0.5, 1),
        recipe=MaskRecipe(),
        brush_radius=12.0,
        grid_visible=True,
        heatmap=False,
        precision="exact",
        threads=0,
        saved_at="2024-05-01T10:00:00",
    )
    return json.loads(s.to_json())


def _set(doc: dict, dotted: str, value: object) -> dict:
    *parents, key = dotted.split(".")
    for p in parents:
        doc = doc[p]
    doc[key] = value
    return doc


DAMAGE = [
    ("bad json", lambda d: None, b"{not json", "not valid JSON"),
    ("not utf-8", lambda d: None, b"\xff\xfe\x00garbage", "not UTF-8"),
    ("a list", lambda d: None, b"[1, 2, 3]", "not an MAE Studio session"),
    ("empty file", lambda d: None, b"", "not valid JSON"),
    ("deep nesting", lambda d: None, b"[" * 100_000 + b"]" * 100_000, "not readable as a session"),
    ("5000-digit number", lambda d: None, b'{"format": 1' + b"0" * 5000 + b"}", "not readable as a session"),
    ("NaN ratio", lambda d: _set(d, "recipe.ratio", float("nan")), None, "out of range"),
    ("newer version", lambda d: _set(d, "version", 99), None, "session version 99"),
    ("seed as text", lambda d: _set(d, "recipe.seed", "7"), None, "'seed' should be a whole number"),
    ("ratio as flag", lambda d: _set(d, "recipe.ratio", True), None, "'ratio' should be"),
    ("mask indices as text", lambda d: _set(d, "mask.removed", "0,1"), None, "the mask: "),
    ("image missing", lambda d: _set(d, "image.file", "/nowhere/photo.png"), None, "no longer exists"),
    ("mask for another grid", lambda d: _set(d, "model.img_size", 224), None, "4x4 grid, but the session's"),
    ("section missing", lambda d: d.pop("view"), None, "'view' is missing"),
    ("copy outside the folder", lambda d: _set(d, "image", {"name": "x", "file": "../x.png", "pasted": True}),
     None, "unexpected name"),
    ("odd patch size", lambda d: _set(d, "model.patch_size", 0), None, "not a model's grid"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "raw", "reason"), DAMAGE, ids=[c[0] for c in DAMAGE])
def test_a_damaged_session_is_set_aside_with_a_message(
    studio, qtbot, tmp_path, photo_file, case, change, raw, reason
):
    data = tmp_path / "data"
    data.mkdir()
    if raw is None:
        doc = _valid_doc(photo_file)
        change(doc)
        raw = json.dumps(doc).encode()
    (data / SESSION_FILE).write_bytes(raw)
    with pytest.raises(SessionFileError, match=reason) as refused:
        read_session(data / SESSION_FILE)
    w = studio(autosave=data, start=False)
    w.autosave.ask = lambda parent, s: pytest.fail("a damaged session must not be offered")
    assert not w.autosave.offer()
    assert w.last_error.startswith(f"{data / SESSION_FILE}: ") and str(refused.value) in w.last_error
    assert "starts with a new session" in w.last_error
    assert (data / DAMAGED_FILE).read_bytes() == raw and not (data / SESSION_FILE).exists()
    with qtbot.waitSignal(w.autosave.saved, timeout=TIMEOUT_MS):  # the new session autosaves
        w.doc.invert()
    assert read_session(data / SESSION_FILE).mask.all()  # the inverted empty mask


def test_the_valid_base_session_reads(photo_file, tmp_path):
    path = tmp_path / SESSION_FILE
    path.write_text(json.dumps(_valid_doc(photo_file)))
    s = read_session(path)
    assert s.image_file == photo_file and s.mask.sum() == 8 and s.saved_at_text == "2024-05-01 10:00:00"


def test_a_failing_autosave_is_reported_once_and_the_work_goes_on(studio, qtbot, tmp_path, monkeypatch):
    data = tmp_path / "data"
    w = studio(autosave=data)
    w.autosave.offer()

    def full(path, text):  # type: ignore[no-untyped-def]
        raise SaveError(path, "the disk is full")

    monkeypatch.setattr(autosave, "save_text", full)
    failures: list[str] = []
    w.autosave.failed.connect(failures.append)
    with qtbot.waitSignal(w.autosave.failed, timeout=TIMEOUT_MS):
        w.doc.invert()
    assert failures[0] == f"{data / SESSION_FILE}: the disk is full"
    assert w.status.currentMessage() == f"Autosave failed: {failures[0]}"
    w.status.clearMessage()
    with qtbot.waitSignal(w.autosave.failed, timeout=TIMEOUT_MS):
        w.doc.invert()
    assert len(failures) == 2 and w.status.currentMessage() == ""  # told once per reason
    qtbot.waitUntil(lambda: shows_current_mask(w), timeout=TIMEOUT_MS)  # painting goes on
    monkeypatch.undo()
    w.doc.paint_cells([(0, 0), (1, 1)], True)
    s = saved_session(w, qtbot)
    assert np.array_equal(s.mask, w.doc.mask) and s.mask[0, 0] and w.autosave.last_failure == ""


def test_a_long_drag_is_still_saved_while_it_goes_on(studio, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(autosave, "MAX_WAIT_S", 0.2)  # 5 s in use; the debounce restarts until then
    w = studio(autosave=tmp_path / "data")
    w.autosave.offer()
    saves: list[Path] = []
    w.autosave.saved.connect(saves.append)
    w.doc.begin_live("Brush stroke")
    for i in range(400):  # a change every 10 ms or so, never a 500 ms pause
        w.doc.paint_cells([(i % 4, (i // 4) % 4)], bool(i % 2))
        qtbot.wait(10)
        if saves:
            break
    assert saves and w.doc.live  # saved mid-drag
    w.doc.end_live()


def test_a_second_window_does_not_share_the_session(studio, tmp_path):
    data = tmp_path / "data"
    first = studio(autosave=data, start=False)
    second = studio(autosave=data, start=False)
    assert first.autosave.active and not second.autosave.active
    assert not second.autosave.offer()
    assert "another MAE Studio window" in second.status.currentMessage()


def test_an_unusable_data_folder_turns_autosave_off(studio, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the data folder should be")
    w = studio(autosave=blocker / "autosave", start=False)
    assert not w.autosave.active and not w.autosave.offer()
    assert "Autosave is off" in w.status.currentMessage() and "is a file" in w.status.currentMessage()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux rule")
def test_the_data_folder_is_the_users_app_data_location(monkeypatch, tmp_path):
    monkeypatch.delenv("MAE_STUDIO_DATA_DIR")  # tests/conftest.py's temporary data folder
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    folder = data_folder()
    assert folder is not None and folder.name == "autosave" and tmp_path in folder.parents
