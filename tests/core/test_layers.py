"""The engine runs without Qt: importing core, cli and train never loads PySide6."""

from __future__ import annotations

import subprocess
import sys


def test_engine_never_imports_qt():
    code = (
        "import sys, mae_studio.core, mae_studio.core.predictor, mae_studio.cli.app, mae_studio.train\n"
        "from mae_studio.cli.app import build_parser; build_parser()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'qdarkstyle'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
