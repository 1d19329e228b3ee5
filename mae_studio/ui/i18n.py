"""The interface's languages: Qt's translation system (tr, QTranslator), sources in
resources/i18n/mae_studio_<language>.ts, compiled .qm beside them (tools/update_translations.py
runs pyside6-lupdate and pyside6-lrelease; tests/ui/test_translation.py checks both are current).

Conventions: inside a QObject subclass, `self.tr("text")` (context: the class that defines the
method); elsewhere `QCoreApplication.translate("Context", "text")` or, for a constant translated
later, `QT_TRANSLATE_NOOP("Context", "text")`. Literal strings only, the context included (a
name such as LABELS_CONTEXT is invisible to lupdate), never inside an f-string, and no helper
named `tr` outside a class (lupdate files its texts under an empty context that nothing looks up):
pyside6-lupdate reads the source, it does not run it. Values:
`self.tr("Saved {name}").format(name=...)`; counts: `self.tr("%n patch(es)", "", n)` (PySide6
looks a plural up under the instance's own class only, so in a class that is subclassed use
`QCoreApplication.translate("DefiningClass", "%n patch(es)", "", n)`). Menu mnemonics keep their
`&`. Labels that come from core's registries (result panels, mask patterns, fits, catalogue
one-liners) are shown through `label()`; their English texts are listed for lupdate in LABELS
below (a test fails when a registry gains one that is not listed).

The language: MAE_STUDIO_LANGUAGE (tests, screenshots), else the settings' choice (View >
Language), else the system locale. Qt's own strings (standard buttons, file dialogs) come from
the qtbase catalogue PySide6 ships. A new choice applies at the next start.

The zh_CN glossary and style (the words of the Chinese MAE article our users know: 遮挡, 修复,
图像块, 原图, 编码器, 解码器) and how to update the catalogues: resources/i18n/README.md.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLibraryInfo, QLocale, QTranslator

from mae_studio.core.places import LANGUAGE_ENV, TRANSLATIONS

log = logging.getLogger(__name__)

LABELS_CONTEXT = "labels"
SYSTEM = "system"
ENGLISH = "en"
TRANSLATED = ("zh_CN",)  # languages with a mae_studio_<language>.qm of every text
# English has a catalogue too, of plural forms only ("%n patch(es)" -> "1 patch", "2 patches")
LANGUAGES = (SYSTEM, ENGLISH, *TRANSLATED)  # the settings' choices
NATIVE_NAMES = {ENGLISH: "English", "zh_CN": "简体中文"}  # each language in its own words
TRANSLATOR_NAME = "mae_studio_translator"  # objectName of the translators installed here
LANGUAGE_PROPERTY = "mae_studio_language"  # the application's property: the language installed

# Core registry texts, for lupdate (label() translates them at run time).
LABELS = (
    # result panels (core.results.RESULT_PANELS): titles and tooltips
    QT_TRANSLATE_NOOP("labels", "Masked input"),
    QT_TRANSLATE_NOOP("labels", "what the encoder saw: removed patches in grey"),
    QT_TRANSLATE_NOOP("labels", "Reconstruction"),
    QT_TRANSLATE_NOOP("labels", "the decoder's prediction of every patch"),
    QT_TRANSLATE_NOOP("labels", "Reconstruction + visible"),
    QT_TRANSLATE_NOOP("labels", "the prediction of removed patches, visible patches pasted back"),
    QT_TRANSLATE_NOOP("labels", "Original"),
    QT_TRANSLATE_NOOP("labels", "the photo as the model saw it"),
    QT_TRANSLATE_NOOP("labels", "Error of removed patches"),
    QT_TRANSLATE_NOOP("labels", "each removed patch coloured by its mean squared error"),
    # mask patterns (core.masks.PATTERN_REGISTRY): names and tooltips
    QT_TRANSLATE_NOOP("labels", "Random"),
    QT_TRANSLATE_NOOP("labels", "exactly round(L * ratio) patches, by the seed"),
    QT_TRANSLATE_NOOP("labels", "Block-wise"),
    QT_TRANSLATE_NOOP("labels", "random rectangles (BEiT), exact count"),
    QT_TRANSLATE_NOOP("labels", "Grid"),
    QT_TRANSLATE_NOOP("labels", "one kept per s x s cell"),
    QT_TRANSLATE_NOOP("labels", "Checkerboard"),
    QT_TRANSLATE_NOOP("labels", "every other patch (always 50%)"),
    QT_TRANSLATE_NOOP("labels", "Centre box"),
    QT_TRANSLATE_NOOP("labels", "a centred box of about ratio * L patches"),
    QT_TRANSLATE_NOOP("labels", "Border"),
    QT_TRANSLATE_NOOP("labels", "a border ring of about ratio * L patches"),
    # fits (core.results.FIT_HELP)
    QT_TRANSLATE_NOOP(
        "labels", "the centre square resized to the model input (what the official demo shows)"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "the whole photo resized to a patch grid at its own aspect (e.g. 14x21 for 3:2)"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "the photo at full resolution, cut into overlapping model-size tiles, seams blended"
    ),
    # the catalogue (core.catalogue.CATALOGUE): one-liners and what each model predicts
    QT_TRANSLATE_NOOP(
        "labels", "official MAE ViT-B/16 for visualization (pixel targets), the demo notebook's base model"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "official MAE ViT-L/16 for visualization (pixel targets), the demo notebook's default"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "official MAE ViT-L/16 trained with an extra GAN loss: the sharpest reconstructions"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "official MAE ViT-H/14 for visualization (pixel targets), the largest release"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "official MAE ViT-B/16 pre-training checkpoint with decoder (normalized-pixel targets)"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "official MAE ViT-L/16 pre-training checkpoint with decoder (normalized-pixel targets)"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "official MAE ViT-H/14 pre-training checkpoint with decoder (normalized-pixel targets)"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "Hugging Face facebook/vit-mae-base (ViTMAEForPreTraining, ViT-B/16, pixel targets)"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "Hugging Face facebook/vit-mae-large (ViTMAEForPreTraining, ViT-L/16, pixel targets)"
    ),
    QT_TRANSLATE_NOOP(
        "labels", "Hugging Face facebook/vit-mae-huge (ViTMAEForPreTraining, ViT-H/14, pixel targets)"
    ),
    QT_TRANSLATE_NOOP("labels", "pixels"),
    QT_TRANSLATE_NOOP("labels", "normalized pixels"),
)

# Qt's own texts that its zh_CN catalogue (qtbase, as PySide6 ships it) lacks: its file dialog's
# labels gained mnemonics. Ours is asked before Qt's, so these fill the gaps.
QT_GAPS = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
)


def label(text: str) -> str:
    """A core registry label (panel title, pattern, fit) in the interface's language."""
    return QCoreApplication.translate(LABELS_CONTEXT, text)


# ---------------------------------------------------------------- choosing and loading


def normalized_choice(choice: object) -> str:
    """One of LANGUAGES; anything else (a hand-edited setting, a typo) is SYSTEM."""
    text = str(choice or "").strip().replace("-", "_")
    if text.lower() in ("en", "english", "c"):
        return ENGLISH
    return text if text in LANGUAGES else SYSTEM


def language_of(locale: QLocale) -> str:
    """The interface language for a locale: simplified Chinese (zh_CN, zh_SG, zh-Hans...) gets
    zh_CN; any other locale English (traditional Chinese readers are not assumed to prefer it)."""
    simplified = locale.script() in (QLocale.Script.SimplifiedHanScript, QLocale.Script.AnyScript)
    if locale.language() == QLocale.Language.Chinese and simplified:
        return "zh_CN"
    return ENGLISH


def resolve(choice: str, system: QLocale | None = None) -> str:
    """ENGLISH or one of TRANSLATED for a choice: SYSTEM follows `system` (QLocale.system())."""
    choice = normalized_choice(choice)
    if choice == SYSTEM:
        return language_of(system if system is not None else QLocale.system())
    return choice


def wanted_language(settings_choice: str) -> str:
    """The language to start in: $MAE_STUDIO_LANGUAGE, else the settings' choice."""
    return resolve(os.environ.get(LANGUAGE_ENV) or settings_choice)


def studio_translator(language: str) -> QTranslator | None:
    """Our catalogue for `language` (None when its .qm is missing)."""
    translator = QTranslator()
    if not translator.load(f"mae_studio_{language}", str(TRANSLATIONS)):
        log.warning(
            "no mae_studio_%s.qm in %s: the interface shows its English source texts", language, TRANSLATIONS
        )
        return None
    return translator


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Replace the translators installed here by those for `language`: ours and Qt's own
    (qtbase: standard buttons, file and colour dialogs; none for English). Parented to `app`."""
    remove_translators(app)
    installed: list[QTranslator] = []
    ours = studio_translator(language)
    qt: QTranslator | None = None
    if language != ENGLISH:
        qt = QTranslator()
        qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if not qt.load(QLocale(language), "qtbase", "_", qt_folder):
            log.warning("no Qt translation for %s in %s: standard buttons stay English", language, qt_folder)
            qt = None
    for translator in (qt, ours):  # the last installed is asked first
        if translator is not None:
            translator.setParent(app)
            translator.setObjectName(TRANSLATOR_NAME)
            app.installTranslator(translator)
            installed.append(translator)
    app.setProperty(LANGUAGE_PROPERTY, language)
    return installed


def remove_translators(app: QCoreApplication) -> None:
    """Uninstall the translators install_translators put in (the source texts show again)."""
    for old in app.findChildren(QTranslator, TRANSLATOR_NAME):
        app.removeTranslator(old)
        old.deleteLater()
    app.setProperty(LANGUAGE_PROPERTY, None)


def running_language() -> str:
    """The language install_translators set up (ENGLISH before it ran)."""
    app = QCoreApplication.instance()
    value = app.property(LANGUAGE_PROPERTY) if app is not None else None
    return value if value in (ENGLISH, *TRANSLATED) else ENGLISH
