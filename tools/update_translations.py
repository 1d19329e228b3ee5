"""Bring the interface's translations up to date: `python tools/update_translations.py`.

pyside6-lupdate reads every tr() / translate() / QT_TRANSLATE_NOOP of mae_studio/ui (the registry
labels are listed in ui/i18n.py) into resources/i18n/mae_studio_<language>.ts: new texts arrive
unfinished, vanished ones are dropped. Translate them (Qt Linguist, `pyside6-linguist`, or a text
editor), then run this again: pyside6-lrelease compiles each .ts into the .qm the studio loads.
mae_studio_en.ts holds only the plural forms ("%n patch(es)" -> "1 patch" / "2 patches").

`--check` changes nothing and exits 1 when a .ts misses a text of the code or holds one the code no
longer has, when a translation is unfinished, or when a .qm is not its .ts compiled.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "mae_studio" / "ui"
I18N = ROOT / "resources" / "i18n"
CATALOGUES = {"zh_CN": False, "en": True}  # language: plural forms only


def qt_tool(name: str) -> str:
    """pyside6-<name>'s binary (the one PySide6-Essentials ships), else one on PATH."""
    try:
        import PySide6

        binary = Path(PySide6.__file__).parent / name
        if binary.is_file():
            return str(binary)
    except ImportError:
        pass
    found = shutil.which(f"pyside6-{name}") or shutil.which(name)
    if found is None:
        raise SystemExit(f"update_translations: {name} not found (pip install PySide6-Essentials)")
    return found


def sources() -> list[Path]:
    return sorted(UI.rglob("*.py"))


def ts_path(language: str) -> Path:
    return I18N / f"mae_studio_{language}.ts"


def lupdate(ts: Path, language: str, plural_only: bool) -> str:
    """Merge the code's texts into `ts` (made when missing); lupdate's summary line."""
    command = [qt_tool("lupdate"), *map(str, sources()), "-ts", str(ts), "-no-obsolete"]
    command += ["-locations", "none", "-target-language", language]
    if plural_only:
        command.append("-pluralonly")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return " ".join(line.strip() for line in out.splitlines() if "Found" in line)


def lrelease(ts: Path, qm: Path) -> str:
    command = [qt_tool("lrelease"), str(ts), "-qm", str(qm)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return " ".join(line.strip() for line in out.splitlines() if "Generated" in line)


def unfinished(ts: Path) -> int:
    return len(re.findall(r'type="unfinished"', ts.read_text(encoding="utf-8")))


def check() -> list[str]:
    """What is out of date (nothing: an empty list)."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for language, plural_only in CATALOGUES.items():
            ts = ts_path(language)
            if not ts.is_file():
                problems.append(f"{ts.name} is missing")
                continue
            copy = Path(tmp) / ts.name
            copy.write_bytes(ts.read_bytes())
            lupdate(copy, language, plural_only)
            if copy.read_bytes() != ts.read_bytes():
                problems.append(f"{ts.name} differs from the code's texts: run tools/update_translations.py")
            if n := unfinished(ts):
                problems.append(f"{ts.name}: {n} unfinished translation(s)")
            qm, built = ts.with_suffix(".qm"), copy.with_suffix(".qm")
            lrelease(ts, built)
            if not qm.is_file() or qm.read_bytes() != built.read_bytes():
                problems.append(
                    f"{qm.name} is not what {ts.name} compiles to: run tools/update_translations.py"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/update_translations.py", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when out of date")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    I18N.mkdir(parents=True, exist_ok=True)
    for language, plural_only in CATALOGUES.items():
        ts = ts_path(language)
        print(f"{ts.relative_to(ROOT)}: {lupdate(ts, language, plural_only)}")
        print(f"{ts.with_suffix('.qm').relative_to(ROOT)}: {lrelease(ts, ts.with_suffix('.qm'))}")
        if n := unfinished(ts):
            print(f"  {n} unfinished: translate them and run this again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
