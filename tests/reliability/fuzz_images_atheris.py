"""Coverage-guided fuzzing of load_image_bytes with atheris (optional; not collected by pytest).

    pip install atheris
    python tests/reliability/fuzz_images_atheris.py -max_total_time=300 -timeout=20 -rss_limit_mb=4096

Pillow's Python plugins and our loader are instrumented, so mutations that reach new branches
of the format parsers are kept; the C decoders are exercised but not instrumented. The seeds
are the fuzz test's generated files (one per format and variant), written to a temporary
corpus folder unless a folder is given as the last argument. Any exception other than
ImageLoadError is a finding: libFuzzer stops and writes the input to crash-<sha1>.
-timeout is the per-input hang guard; -rss_limit_mb counts the whole process (torch included).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import warnings
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["PIL", "mae_studio.core.image_loading"]):
    import PIL.Image
    from PIL import (  # noqa: F401 (the plugins the loader allows, instrumented as they load)
        BmpImagePlugin,
        GifImagePlugin,
        JpegImagePlugin,
        PngImagePlugin,
        PpmImagePlugin,
        TgaImagePlugin,
        TiffImagePlugin,
        WebPImagePlugin,
    )

    from mae_studio.core.image_loading import ImageLoadError, load_image_bytes

PIL.Image.init()
warnings.simplefilter("ignore")  # ImageLoadWarning on odd EXIF is an expected outcome


def test_one_input(data: bytes) -> None:
    with contextlib.suppress(ImageLoadError):  # a refusal naming the input is the right outcome
        load_image_bytes(data, "fuzz input")


def _seed_folder() -> str:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from tests.reliability.fuzz_seeds import SEEDS

    folder = Path(tempfile.mkdtemp(prefix="mae_fuzz_corpus_"))
    for name, data in SEEDS.items():
        (folder / name).write_bytes(data)
    return str(folder)


def main() -> None:
    argv = list(sys.argv)
    if not argv[1:] or argv[-1].startswith("-"):
        argv.append(_seed_folder())
    print(f"corpus: {argv[-1]}", flush=True)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
