"""The Chinese interface: the catalogues are complete and current, every text of the code reaches
them, translations keep their placeholders, and the window speaks Chinese under zh_CN."""

from __future__ import annotations

import ast
import importlib.util
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QMessageBox

from mae_studio.core import catalogue, masks
from mae_studio.core.places import LANGUAGE_ENV, TRANSLATIONS
from mae_studio.core.results import FIT_HELP, RESULT_PANELS
from mae_studio.ui import i18n
from mae_studio.ui.language_menu import LanguageMenu
from mae_studio.ui.main_window import MainWindow
from mae_studio.ui.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "mae_studio" / "ui"
ZH_TS = TRANSLATIONS / "mae_studio_zh_CN.ts"
EN_TS = TRANSLATIONS / "mae_studio_en.ts"
CATALOGUES = {"zh_CN": (ZH_TS, False), "en": (EN_TS, True)}  # language: (file, plural forms only)
CJK = re.compile(r"[\u4e00-\u9fff]")

Message = tuple[str, str, str, bool]  # context, source, comment, numerus


def messages(ts: Path) -> dict[Message, list[str]]:
    """Every message of a .ts: its translation (the numerus forms of a plural) and state."""
    out: dict[Message, list[str]] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for m in context.iter("message"):
            numerus = m.get("numerus") == "yes"
            key = (name, m.findtext("source") or "", m.findtext("comment") or "", numerus)
            t = m.find("translation")
            assert t is not None, key
            forms = [f.text or "" for f in t.iter("numerusform")] if numerus else [t.text or ""]
            out[key] = [t.get("type", "finished"), *forms]
    return out


def tool() -> ModuleType:
    """tools/update_translations.py, the project's lupdate and lrelease runner."""
    spec = importlib.util.spec_from_file_location(
        "update_translations", ROOT / "tools" / "update_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lupdate_into(tmp_path: Path, language: str, plural_only: bool) -> Path:
    """What pyside6-lupdate finds in mae_studio/ui now, in a fresh .ts."""
    ts = tmp_path / f"fresh_{language}.ts"
    tool().lupdate(ts, language, plural_only)
    return ts


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    """The app's translators for zh_CN for one test, none after it (as the other tests run)."""
    i18n.install_translators(qapp, "zh_CN")
    yield
    i18n.remove_translators(qapp)


# ---------------------------------------------------------------- the catalogues


@pytest.mark.parametrize("language", CATALOGUES)
def test_the_catalogue_holds_exactly_the_texts_of_the_code(tmp_path, language):
    ts, plural_only = CATALOGUES[language]
    fresh = set(messages(lupdate_into(tmp_path, language, plural_only)))
    checked_in = set(messages(ts))
    missing, extra = sorted(fresh - checked_in), sorted(checked_in - fresh)
    assert not missing, f"run tools/update_translations.py; texts not in {ts.name}: {missing[:10]}"
    assert not extra, f"run tools/update_translations.py; texts the code no longer has: {extra[:10]}"


@pytest.mark.parametrize("language", CATALOGUES)
def test_every_translation_is_finished_and_not_empty(language):
    ts, _ = CATALOGUES[language]
    found = messages(ts)
    assert found
    assert not [key for key in found if not key[0]], "texts without a context: nothing looks them up"
    for key, (state, *forms) in found.items():
        assert state == "finished", f"{state}: {key}"
        assert forms and all(f.strip() for f in forms), f"empty translation: {key}"


def placeholders(text: str) -> list[str]:
    """{name} fields, %n / %1 markers and HTML tags: what a translation must keep."""
    fields = re.findall(r"\{[a-z_0-9]*(?::[^{}]*)?\}|%[nvmp1-9]|</?[a-z]+", text)
    return sorted(fields)


@pytest.mark.parametrize("language", CATALOGUES)
def test_translations_keep_placeholders_tags_and_mnemonics(language):
    ts, _ = CATALOGUES[language]
    for (context, source, _comment, numerus), (_, *forms) in messages(ts).items():
        for form in forms:
            wanted, got = set(placeholders(source)), set(placeholders(form))
            if numerus and language == "en" and form == forms[0]:
                wanted, got = wanted - {"%n"}, got - {"%n"}  # the singular may say "one" in words
            assert wanted == got, f"{context}: {source!r} -> {form!r}"
            if re.search(r"&[^ &;]", source.replace("&amp;", "")):
                assert re.search(r"&[^ &;]", form), f"mnemonic lost: {source!r} -> {form!r}"


def test_the_chinese_translations_are_chinese():
    """Apart from names and units that stay as they are (MSE, PSNR, ms), every text is translated."""
    kept = 0
    for (_context, source, _comment, _numerus), (_, *forms) in messages(ZH_TS).items():
        if not CJK.search(forms[0]):
            kept += 1
            assert not re.search(
                r"\b[a-z]{4,}\b", re.sub(r"\{[a-z_0-9]*(?::[^{}]*)?\}|<[^>]+>", "", forms[0])
            ), f"looks untranslated: {source!r} -> {forms[0]!r}"
    assert kept < 25


def test_chinese_sentences_use_full_width_punctuation():
    """Full-width commas, colons, semicolons, question and exclamation marks beside Chinese text
    (ASCII stays in mnemonics, file filters, URLs and coordinates)."""
    ascii_beside_cjk = re.compile(r"[\u4e00-\u9fff][,;:?!]|[,;?!][\u4e00-\u9fff]")
    texts = [forms[0].replace(";;", "") for (_, *forms) in messages(ZH_TS).values()]  # ;; parts file filters
    found = [text for text in texts if ascii_beside_cjk.search(text)]
    assert not found, found


@pytest.mark.parametrize("language", CATALOGUES)
def test_the_checked_in_qm_is_the_ts_compiled(tmp_path, language):
    ts, _ = CATALOGUES[language]
    built = tmp_path / "built.qm"
    tool().lrelease(ts, built)
    assert built.read_bytes() == ts.with_suffix(".qm").read_bytes(), "run tools/update_translations.py"


# ---------------------------------------------------------------- the code


def is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def translate_calls(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.expr | None, ast.expr]]:
    """(call, context or None for self.tr, text) of every tr / translate / QT_TRANSLATE_NOOP."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f, args = node.func, node.args
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name in ("tr", "QT_TR_NOOP"):
            yield node, None, args[0]
        elif name == "QT_TRANSLATE_NOOP" and len(args) >= 2:
            yield node, args[0], args[1]
        elif name == "translate" and len(args) >= 2:  # QCoreApplication's, not QPainter's (x, y)
            qt_app = isinstance(f, ast.Attribute) and getattr(f.value, "id", "") in (
                "QCoreApplication",
                "QApplication",
            )
            if qt_app or is_text(args[1]):
                yield node, args[0], args[1]


def test_texts_are_literals_that_lupdate_can_read(tmp_path):
    """tr(f"...") or tr("a" + b) would look up a text no catalogue has; a literal tr inside an
    f-string is skipped by lupdate; a literal text needs a literal context. Looking up a name (a
    constant marked with QT_TRANSLATE_NOOP, a registry label) is fine."""
    fresh = {(c, source) for (c, source, _m, _n) in messages(lupdate_into(tmp_path, "zh_CN", False))}
    sources = {source for (_c, source) in fresh}
    problems = []
    for path in sorted(UI.rglob("*.py")):
        for call, context, text in translate_calls(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.name}:{call.lineno}"
            if isinstance(call.func, ast.Name) and call.func.id == "tr":
                problems.append(f"{where}: a bare tr() has no context for lupdate; use self.tr or translate")
            elif isinstance(text, ast.JoinedStr | ast.BinOp | ast.Call):
                problems.append(f"{where}: not a literal text")
            elif not is_text(text):
                continue  # a name: looked up at run time, marked elsewhere
            elif context is not None and not is_text(context):
                problems.append(f"{where}: the context is not a literal string (lupdate cannot read a name)")
            else:
                found = (context.value, text.value) in fresh if context is not None else text.value in sources  # type: ignore[attr-defined]
                if not found:
                    problems.append(f"{where}: lupdate does not see {text.value!r} (inside an f-string?)")  # type: ignore[attr-defined]
    assert not problems, "\n".join(problems)


def registry_texts() -> set[str]:
    texts = {t for p in RESULT_PANELS.values() for t in (p.label, p.description)}
    texts |= {t for p in masks.PATTERN_REGISTRY.values() for t in (p.label, p.help) if t}
    texts |= set(FIT_HELP.values())
    texts |= {t for e in catalogue.CATALOGUE for t in (e.summary, e.target)}
    return texts


def test_every_registry_label_is_listed_for_translation():
    unlisted = registry_texts() - set(i18n.LABELS)
    assert not unlisted, f"list these in mae_studio/ui/i18n.py LABELS: {sorted(unlisted)}"


def test_registry_labels_show_in_chinese(chinese):
    for text in registry_texts():
        assert CJK.search(i18n.label(text)), text


# ---------------------------------------------------------------- the language


def test_the_language_follows_the_system_unless_chosen(monkeypatch):
    zh, tw, de = QLocale("zh_CN"), QLocale("zh_TW"), QLocale("de_DE")
    assert i18n.resolve("system", zh) == "zh_CN" and i18n.resolve("system", QLocale("zh_SG")) == "zh_CN"
    assert i18n.resolve("system", tw) == "en" and i18n.resolve("system", de) == "en"
    assert i18n.resolve("en", zh) == "en" and i18n.resolve("zh_CN", de) == "zh_CN"
    assert i18n.normalized_choice("zh-CN") == "zh_CN" and i18n.normalized_choice("klingon") == "system"
    settings = Settings()
    assert settings.language() == "system"
    settings.set_language("zh_CN")
    assert Settings().language() == "zh_CN"
    monkeypatch.setenv(LANGUAGE_ENV, "en")
    assert i18n.wanted_language(settings.language()) == "en"
    monkeypatch.delenv(LANGUAGE_ENV)
    assert i18n.wanted_language(settings.language()) == "zh_CN"


def test_the_app_starts_in_the_chosen_language(qapp, monkeypatch):
    from mae_studio.ui.application import create_application

    monkeypatch.setenv(LANGUAGE_ENV, "zh_CN")
    try:
        create_application()
        assert i18n.running_language() == "zh_CN"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"  # Qt's own catalogue
        i18n.install_translators(qapp, "en")  # English: only our plural forms
        assert i18n.running_language() == "en"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
        assert QCoreApplication.translate("StudioStatusBar", "%n thread(s)", "", 1) == "1 thread"
        assert QCoreApplication.translate("StudioStatusBar", "%n thread(s)", "", 3) == "3 threads"
    finally:
        i18n.remove_translators(qapp)
    assert QCoreApplication.translate("StudioStatusBar", "%n thread(s)", "", 3) == "3 thread(s)"


def untranslated_items(menu: QMenu, names: set[str]) -> list[str]:
    """Items of `menu` and its submenus whose text or tooltip has no Chinese (names excepted)."""
    found = [] if CJK.search(menu.title()) else [menu.title()]
    for action in menu.actions():
        text = action.text()
        if action.isSeparator() or text in names:
            continue
        if not CJK.search(text):
            found.append(f"{menu.title()} > {text}")
        elif not CJK.search(action.toolTip()):
            found.append(f"{menu.title()} > {text}: tooltip {action.toolTip()!r}")
        if action.menu() is not None:
            found += untranslated_items(action.menu(), names)
    return found


def test_the_main_menus_are_chinese_under_zh_cn(qtbot, chinese):
    from mae_studio.ui.file_actions import sample_photos

    w = MainWindow()
    qtbot.addWidget(w)
    menus = [a.menu() for a in w.menuBar().actions() if a.menu() is not None]
    titles = {m.title() for m in menus}
    for wanted in ("文件(&F)", "编辑(&E)", "视图(&V)", "模型(&M)", "帮助(&H)"):
        assert wanted in titles, titles
    # sample photos are named by their files, a language by its own name; and texts the catalogue
    # keeps as they are (colour map names)
    kept = {forms[0] for (_, *forms) in messages(ZH_TS).values() if not CJK.search(forms[0])}
    names = (
        {p.stem.replace("_", " ").title() for p in sample_photos()} | set(i18n.NATIVE_NAMES.values()) | kept
    )
    english = [item for m in menus for item in untranslated_items(m, names)]
    assert not english, "\n".join(english)
    w.close()


def test_standard_buttons_and_the_models_dialog_are_chinese(qtbot, chinese):
    from mae_studio.ui.models_dialog import ModelsDialog

    box = QMessageBox(QMessageBox.Icon.Question, "?", "?", QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Cancel).text() == "取消"
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    assert buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "确定"
    d = ModelsDialog(Settings())
    qtbot.addWidget(d)
    assert CJK.search(d.windowTitle()) and CJK.search(d.intro.text())
    headers = [d.table.horizontalHeaderItem(c).text() for c in range(d.table.columnCount())]
    assert all(CJK.search(h) for h in headers), headers
    d.shutdown()


def test_a_new_language_is_announced_in_that_language(qtbot, qapp):
    settings = Settings()
    menu = LanguageMenu(settings, "en")
    qtbot.addWidget(menu)
    assert [a.text() for a in menu.actions()][1:] == ["English", "简体中文"]
    assert menu.choices["system"].isChecked()
    menu.choose("zh_CN")
    assert settings.language() == "zh_CN" and menu.choices["zh_CN"].isChecked()
    note = menu.note
    assert note is not None and "下次启动" in note.text() and "简体中文" in note.windowTitle()
    note.done(0)
    menu.choose("en")  # the language running: nothing to announce
    assert settings.language() == "en" and menu.note is None
    assert isinstance(menu, QMenu)


def test_the_english_catalogue_has_only_plural_forms():
    found = messages(EN_TS)
    assert found and all(numerus for (_c, _s, _m, numerus) in found)
    zh_plurals = {k for k in messages(ZH_TS) if k[3]}
    assert set(found) == zh_plurals
