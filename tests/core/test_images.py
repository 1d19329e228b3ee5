"""load_image: correct pixels for every odd mode, EXIF orientation, and a clear refusal for the rest.

Every image is generated here; no downloads.
"""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from mae_studio.core import ImageLoadWarning, load_image, load_image_bytes
from mae_studio.core.images import (
    ALLOWED_FORMATS,
    ALPHA_BACKGROUND,
    MAX_PIXELS,
    OPEN_FILTER,
    SUPPORTED_EXTENSIONS,
)

from .image_samples import encode, noise_rgb, px, refused, write

BG = np.array(ALPHA_BACKGROUND, dtype=np.uint8)


# ----------------------------------------------------------------------------------
# policy constants


def test_policy_is_stated_and_pillow_configured() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS == 64_000_000
    assert {"PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF", "PPM", "TGA"} <= set(ALLOWED_FORMATS)
    assert {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".pgm", ".tga"} <= set(
        SUPPORTED_EXTENSIONS
    )
    assert ".ico" not in SUPPORTED_EXTENSIONS and ".psd" not in SUPPORTED_EXTENSIONS
    assert OPEN_FILTER.startswith("Images (*.") and "*.png" in OPEN_FILTER and "*.jpg" in OPEN_FILTER


# ----------------------------------------------------------------------------------
# correct pixels


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF", "PPM", "TGA", "WEBP"])
def test_lossless_rgb_round_trip(tmp_path: Path, fmt: str) -> None:
    rgb = noise_rgb()
    kw = {"lossless": True} if fmt == "WEBP" else {}
    path = write(tmp_path, f"a.{fmt.lower()}", encode(Image.fromarray(rgb), fmt, **kw))
    im = load_image(path)
    path.unlink()  # fully decoded: nothing is read from the file later
    np.testing.assert_array_equal(px(im), rgb)
    assert getattr(im, "fp", None) is None
    assert im.info["source_format"] == fmt


def test_extension_does_not_matter(tmp_path: Path) -> None:
    rgb = noise_rgb()
    im = load_image(write(tmp_path, "really_a_png.jpg", encode(Image.fromarray(rgb), "PNG")))
    np.testing.assert_array_equal(px(im), rgb)


def test_jpeg_close_to_source(tmp_path: Path) -> None:
    rgb = np.zeros((32, 48, 3), np.uint8)
    rgb[:, :24] = (200, 40, 40)
    im = load_image(write(tmp_path, "a.jpg", encode(Image.fromarray(rgb), "JPEG", quality=95)))
    assert np.abs(px(im)[4:-4, 4:20].astype(int) - (200, 40, 40)).max() <= 6


def test_16bit_gradient_spans_0_to_255_not_white(tmp_path: Path) -> None:
    ramp = np.linspace(0, 65535, 64).round().astype(np.uint16)
    a = np.tile(ramp, (16, 1))
    out = px(load_image(write(tmp_path, "a.png", encode(Image.fromarray(a), "PNG"))))
    assert Image.open(tmp_path / "a.png").mode == "I;16"
    np.testing.assert_array_equal(out[0, :, 0], np.rint(ramp / 257).astype(np.uint8))
    assert out[..., 0].min() == 0 and out[..., 0].max() == 255 and len(np.unique(out)) == 64
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()


def test_16bit_pgm_opened_as_I_uses_the_same_scale(tmp_path: Path) -> None:
    a = np.tile(np.linspace(0, 65535, 32).round().astype(np.uint16), (16, 1))
    header = b"P5\n32 16\n65535\n"
    path = write(tmp_path, "a.pgm", header + a.astype(">u2").tobytes())
    assert Image.open(path).mode == "I"
    out = px(load_image(path))
    np.testing.assert_array_equal(out[0, :, 0], np.rint(a[0] / 257).astype(np.uint8))


def test_12bit_data_in_16bit_is_stretched_not_black(tmp_path: Path) -> None:
    a = np.tile(np.linspace(100, 4000, 40).round().astype(np.uint16), (16, 1))
    out = px(load_image(write(tmp_path, "a.png", encode(Image.fromarray(a), "PNG"))))
    assert out[0, 0, 0] == 0 and out[0, -1, 0] == 255
    expected = np.rint((a[0].astype(np.float64) - 100) * 255 / 3900).astype(np.uint8)
    assert np.abs(out[0, :, 0].astype(int) - expected).max() <= 1


def test_float_in_unit_range_uses_0_to_1(tmp_path: Path) -> None:
    a = np.tile(np.linspace(0.2, 0.6, 32, dtype=np.float32), (16, 1))
    im = load_image(write(tmp_path, "a.tif", encode(Image.fromarray(a), "TIFF")))
    assert im.info["source_mode"] == "F"
    np.testing.assert_array_equal(px(im)[0, :, 0], np.rint(a[0] * 255).astype(np.uint8))


def test_float_outside_unit_range_is_stretched_and_non_finite_handled(tmp_path: Path) -> None:
    a = np.tile(np.linspace(-5.0, 5.0, 32, dtype=np.float32), (16, 1))
    a[1, 0], a[1, 1], a[1, 2] = np.nan, np.inf, -np.inf
    out = px(load_image(write(tmp_path, "a.tif", encode(Image.fromarray(a), "TIFF"))))
    np.testing.assert_array_equal(out[0, :, 0], np.rint((a[0] + 5) * 25.5).astype(np.uint8))
    assert list(out[1, :3, 0]) == [0, 255, 0]


def test_rescale_spans_several_bands(tmp_path: Path) -> None:
    """Taller than one 256-row band: min in the first band, max in the last, still one scale."""
    column = np.linspace(-1.0, 3.0, 600, dtype=np.float32)
    a = np.tile(column[:, None], (1, 20))
    out = px(load_image(write(tmp_path, "a.tif", encode(Image.fromarray(a), "TIFF"))))
    expected = np.rint((column.astype(np.float64) + 1) * 255 / 4).astype(np.uint8)
    np.testing.assert_array_equal(out[:, 7, 1], expected)


def test_int32_is_stretched_by_its_range(tmp_path: Path) -> None:
    a = np.tile(np.linspace(-100_000, 100_000, 32).round().astype(np.int32), (16, 1))
    out = px(load_image(write(tmp_path, "a.tif", encode(Image.fromarray(a, "I"), "TIFF"))))
    assert out[0, 0, 0] == 0 and out[0, -1, 0] == 255 and out[0, 16, 0] in (131, 132)


def test_flat_16bit_black_stays_black(tmp_path: Path) -> None:
    a = np.zeros((16, 16), np.uint16)
    assert px(load_image(write(tmp_path, "a.png", encode(Image.fromarray(a), "PNG")))).max() == 0


def test_cmyk_primaries(tmp_path: Path) -> None:
    cmyk = np.zeros((16, 64, 4), np.uint8)
    cmyk[:, 0:16, 0] = 255  # cyan
    cmyk[:, 16:32, 1] = 255  # magenta
    cmyk[:, 32:48, 2] = 255  # yellow
    cmyk[:, 48:64, 3] = 255  # black
    out = px(load_image(write(tmp_path, "a.tif", encode(Image.fromarray(cmyk, "CMYK"), "TIFF"))))
    expected = [(0, 255, 255), (255, 0, 255), (255, 255, 0), (0, 0, 0)]
    assert [tuple(out[0, x]) for x in (0, 16, 32, 48)] == expected


def test_cmyk_jpeg(tmp_path: Path) -> None:
    im = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # pure red
    out = px(load_image(write(tmp_path, "a.jpg", encode(im, "JPEG", quality=95))))
    assert np.abs(out[8, 8].astype(int) - (255, 0, 0)).max() <= 8


def test_lab_colours(tmp_path: Path) -> None:
    lab = np.zeros((16, 48, 3), np.uint8)
    lab[:, :16] = (136, 208, 195)  # L* 53, a* 80, b* 67: sRGB red
    lab[:, 16:32] = (255, 128, 128)  # L* 100: white
    lab[:, 32:] = (0, 128, 128)  # L* 0: black
    # merge, not fromarray: fromarray reads the a/b bytes as signed
    im = Image.merge("LAB", [Image.fromarray(np.ascontiguousarray(lab[..., i])) for i in range(3)])
    assert im.getpixel((0, 0)) == (136, 208, 195)
    out = px(load_image(write(tmp_path, "a.tif", encode(im, "TIFF"))))
    assert np.abs(out[0, 0].astype(int) - (255, 0, 0)).max() <= 12
    assert out[0, 20].min() >= 250 and out[0, 40].max() <= 3


def test_palette_with_transparency(tmp_path: Path) -> None:
    idx = np.zeros((16, 32), np.uint8)
    idx[:, 16:] = 1
    im = Image.fromarray(idx, "P")
    im.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    out = px(load_image(write(tmp_path, "a.png", encode(im, "PNG", transparency=0))))
    assert (out[:, :16] == BG).all() and (out[:, 16:] == (10, 200, 30)).all()


def test_gif_with_transparent_index(tmp_path: Path) -> None:
    idx = np.zeros((16, 32), np.uint8)
    idx[:, 16:] = 1
    im = Image.fromarray(idx, "P")
    im.putpalette([0, 0, 0, 250, 0, 0] + [0] * 762)
    out = px(load_image(write(tmp_path, "a.gif", encode(im, "GIF", transparency=0))))
    assert (out[:, :16] == BG).all() and (out[:, 16:] == (250, 0, 0)).all()


def test_one_bit(tmp_path: Path) -> None:
    bits = (np.indices((16, 32)).sum(axis=0) % 2).astype(bool)
    im = Image.fromarray(bits).convert("1")
    out = px(load_image(write(tmp_path, "a.png", encode(im, "PNG"))))
    np.testing.assert_array_equal(out[..., 0], np.where(bits, 255, 0))


def test_la_blends_over_the_background(tmp_path: Path) -> None:
    im = Image.new("LA", (16, 16), (200, 128))
    out = px(load_image(write(tmp_path, "a.png", encode(im, "PNG"))))
    expected = (200 * 128 + BG.astype(int) * 127) / 255
    assert np.abs(out[0, 0].astype(int) - expected).max() <= 1


def test_rgba_opaque_exact_and_fully_transparent_is_background(tmp_path: Path) -> None:
    rgba = np.zeros((16, 32, 4), np.uint8)
    rgba[..., :3] = noise_rgb(32, 16)
    rgba[:, :16, 3] = 255
    out = px(load_image(write(tmp_path, "a.png", encode(Image.fromarray(rgba, "RGBA"), "PNG"))))
    np.testing.assert_array_equal(out[:, :16], rgba[:, :16, :3])
    assert (out[:, 16:] == BG).all()


def test_grey_colour_key_transparency(tmp_path: Path) -> None:
    a = np.full((16, 32), 7, np.uint8)
    a[:, 16:] = 99
    out = px(load_image(write(tmp_path, "a.png", encode(Image.fromarray(a), "PNG", transparency=7))))
    assert (out[:, :16] == BG).all() and (out[:, 16:] == 99).all()


def test_animated_gif_first_frame_only(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    assert (px(load_image(write(tmp_path, "a.gif", data))) == (255, 0, 0)).all()
    # later frames are never decoded: cut the file inside the last frame, frame 0 still loads
    assert (px(load_image_bytes(data[: len(data) - 8], "cut.gif")) == (255, 0, 0)).all()


def test_apng_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (32, 32), c) for c in ((9, 9, 9), (200, 0, 0))]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert (px(load_image(write(tmp_path, "a.png", data))) == 9).all()


def test_gif_bomb_in_a_later_frame_is_never_reached(tmp_path: Path) -> None:
    frames = [Image.new("L", (32, 32), v) for v in (40, 80)]
    data = bytearray(encode(frames[0], "GIF", save_all=True, append_images=frames[1:]))
    second = data.rindex(b",")  # the last image descriptor: claim a 65535 x 65535 frame
    data[second + 5 : second + 9] = struct.pack("<HH", 65535, 65535)
    assert (px(load_image_bytes(bytes(data), "bomb.gif")) == 40).all()


# ----------------------------------------------------------------------------------
# EXIF orientation: stored = what the camera wrote; the loader must show `upright`

UPRIGHT = np.zeros((24, 40, 3), np.uint8)
UPRIGHT[..., 0] = np.arange(40)[None, :] * 6  # red grows left -> right
UPRIGHT[..., 1] = np.arange(24)[:, None] * 10  # green grows top -> bottom
UPRIGHT[:4, :4] = 255  # a white top-left corner

# The EXIF 2.32 meaning of each value, as the transform that turns the upright picture into the stored one.
STORED = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # mirrored
    3: lambda a: a[::-1, ::-1],  # upside down
    4: lambda a: a[::-1, :],  # mirrored vertically
    5: lambda a: a.transpose(1, 0, 2),  # mirrored along the main diagonal
    6: lambda a: np.rot90(a, 1),  # camera turned clockwise: stored turned a quarter anticlockwise
    7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),  # mirrored along the anti-diagonal
    8: lambda a: np.rot90(a, -1),
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation(tmp_path: Path, orientation: int) -> None:
    stored = np.ascontiguousarray(STORED[orientation](UPRIGHT))
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = write(tmp_path, "a.png", encode(Image.fromarray(stored), "PNG", exif=exif))
    np.testing.assert_array_equal(px(load_image(path)), UPRIGHT)


def test_exif_orientation_jpeg(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = np.ascontiguousarray(STORED[6](UPRIGHT))
    im = load_image(write(tmp_path, "a.jpg", encode(Image.fromarray(stored), "JPEG", quality=98, exif=exif)))
    assert im.size == (40, 24)
    assert px(im)[1, 1].min() > 200 and px(im)[-2, -2].min() < 120  # white corner back at top-left


def _jpeg_with_app1(payload: bytes) -> bytes:
    jpg = encode(Image.fromarray(noise_rgb()), "JPEG")
    return jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpg[2:]


@pytest.mark.parametrize(
    "payload",
    [
        b"Exif\0\0MM\0*\0\0\0\x08\xff\xff" + b"\x01" * 20,  # IFD claims 65535 entries
        b"Exif\0\0II*\0\xff\xff\xff\x7f",  # IFD offset past the end
    ],
)
def test_broken_exif_still_loads_and_says_so(tmp_path: Path, payload: bytes) -> None:
    path = write(tmp_path, "broken_exif.jpg", _jpeg_with_app1(payload))
    with pytest.warns(ImageLoadWarning, match="broken_exif.jpg"):
        im = load_image(path)
    assert im.size == (48, 32) and im.info["load_notes"]


def test_garbage_exif_loads_upright_as_stored(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jpg", _jpeg_with_app1(b"Exif\0\0" + b"garbage!" * 5))
    assert load_image(path).size == (48, 32)


def test_orientation_out_of_range_is_ignored_with_a_warning(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 9
    rgb = noise_rgb()
    path = write(tmp_path, "a.png", encode(Image.fromarray(rgb), "PNG", exif=exif))
    with pytest.warns(ImageLoadWarning, match="orientation 9"):
        im = load_image(path)
    np.testing.assert_array_equal(px(im), rgb)


def test_clean_image_emits_no_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", encode(Image.fromarray(noise_rgb()), "PNG"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_image(path).info["load_notes"] == []


# ----------------------------------------------------------------------------------
# bytes and streams


def test_bytes_and_stream_give_the_same_picture() -> None:
    rgb = noise_rgb()
    data = encode(Image.fromarray(rgb), "PNG")
    np.testing.assert_array_equal(px(load_image_bytes(data)), rgb)
    np.testing.assert_array_equal(px(load_image_bytes(bytearray(data))), rgb)
    np.testing.assert_array_equal(px(load_image_bytes(io.BytesIO(data), "dropped.png")), rgb)


def test_bytes_refusals_use_the_given_name() -> None:
    refused(b"", "empty file", name="clipboard image")
    refused(io.BytesIO(b"nothing"), "not an image", name="dropped file")


def test_failing_stream() -> None:
    class Broken(io.RawIOBase):
        def read(self, n: int = -1) -> bytes:
            raise OSError(5, "Input/output error")

    refused(Broken(), "Input/output error", name="stream")
