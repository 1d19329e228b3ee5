"""Training images: found once, decoded once into one uint8 tensor, cropped in batches.

Decoding JPEG/WebP every step would bind a CPU run to the decoder, so every image is
decoded a single time at a modest resolution (shorter side `short_side`) into a padded
uint8 tensor [N, 3, H, W]; random resized crops are then cut with `roi_align` on whatever
device holds it (the GPU, where there is one).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor
from torchvision.ops import roi_align

from mae_studio.core.config import IMAGENET_MEAN, IMAGENET_STD
from mae_studio.core.errors import MaeStudioError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
MAX_ASPECT = 2.0  # longer side kept at most this many shorter sides (centre), to bound padding


class DataError(MaeStudioError):
    """A training folder that cannot be used."""


@dataclass(frozen=True)
class ImageFile:
    root: Path  # the DATA_DIR it was found under
    relative: str  # posix path inside root
    size: int  # bytes

    @property
    def path(self) -> Path:
        return self.root / self.relative


def find_images(dirs: Iterable[str | Path]) -> list[ImageFile]:
    """Every image file under the folders, sorted by (folder, relative path)."""
    found: list[ImageFile] = []
    for d in dirs:
        root = Path(d)
        if not root.is_dir():
            raise DataError(f"{root}: not a folder of images")
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        found += [ImageFile(root, p.relative_to(root).as_posix(), p.stat().st_size) for p in files]
    if not found:
        raise DataError(f"no images ({', '.join(IMAGE_SUFFIXES)}) under {', '.join(map(str, dirs))}")
    return found


def manifest_hash(files: Sequence[ImageFile]) -> str:
    """sha256 over the sorted 'relative path<TAB>size' lines: names the training set."""
    lines = sorted(f"{f.relative}\t{f.size}" for f in files)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def decode(path: Path, short_side: int) -> np.ndarray:
    """One image -> uint8 [H, W, 3], shorter side `short_side` (never upscaled by more than
    needed to reach it), longer side at most MAX_ASPECT shorter sides (centre)."""
    try:
        with Image.open(path) as im:
            im.draft("RGB", (short_side * 2, short_side * 2))  # JPEG: decode at reduced scale
            im = im.convert("RGB")
            w, h = im.size
            scale = short_side / min(w, h)
            nw, nh = max(short_side, round(w * scale)), max(short_side, round(h * scale))
            im = im.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=3.0)
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise DataError(f"{path}: cannot be decoded ({e})") from e
    rgb = np.array(im, dtype=np.uint8)
    h, w = rgb.shape[:2]
    cap = int(short_side * MAX_ASPECT)
    top, left = max(0, (h - cap) // 2), max(0, (w - cap) // 2)
    return rgb[top : top + min(h, cap), left : left + min(w, cap)]


class ImageBank:
    """All training images as one padded uint8 tensor [N, 3, Hmax, Wmax] + sizes [N, 2] (h, w)."""

    def __init__(self, pixels: Tensor, sizes: Tensor) -> None:
        self.pixels = pixels
        self.sizes = sizes
        self._pil: list[Image.Image] | None = None

    def __len__(self) -> int:
        return self.pixels.shape[0]

    @classmethod
    def from_files(cls, files: Sequence[ImageFile], short_side: int, progress: bool = False) -> ImageBank:
        arrays = []
        it: Iterable[ImageFile] = files
        if progress:
            from tqdm import tqdm

            it = tqdm(files, desc="decoding", unit="img", dynamic_ncols=True)
        for f in it:
            arrays.append(decode(f.path, short_side))
        hmax = max(a.shape[0] for a in arrays)
        wmax = max(a.shape[1] for a in arrays)
        pixels = torch.zeros(len(arrays), 3, hmax, wmax, dtype=torch.uint8)
        sizes = torch.zeros(len(arrays), 2, dtype=torch.long)
        for i, a in enumerate(arrays):
            h, w = a.shape[:2]
            pixels[i, :, :h, :w] = torch.from_numpy(a).permute(2, 0, 1)
            sizes[i] = torch.tensor([h, w])
        return cls(pixels, sizes)

    @classmethod
    def load(cls, path: Path) -> ImageBank:
        data = np.load(path)
        return cls(torch.from_numpy(data["pixels"]), torch.from_numpy(data["sizes"]))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, pixels=self.pixels.numpy(), sizes=self.sizes.numpy())
        tmp.replace(path)

    def pil_images(self) -> list[Image.Image]:
        """The images as Pillow images (made once), for cropping on a CPU."""
        if self._pil is None:
            self._pil = [
                Image.fromarray(self.pixels[i, :, :h, :w].permute(1, 2, 0).contiguous().numpy())
                for i, (h, w) in enumerate(self.sizes.tolist())
            ]
        return self._pil

    def to(self, device: torch.device) -> ImageBank:
        return ImageBank(self.pixels.to(device), self.sizes.to(device))


@dataclass(frozen=True)
class CropRecipe:
    size: int = 224  # output side
    scale: tuple[float, float] = (0.25, 1.0)  # crop area / image area
    ratio: tuple[float, float] = (3 / 4, 4 / 3)  # crop width / height
    hflip: float = 0.5  # probability of a horizontal flip


def sample_boxes(sizes: Tensor, recipe: CropRecipe, generator: torch.Generator) -> Tensor:
    """RandomResizedCrop boxes for images of `sizes` [B, 2] (h, w) -> [B, 4] (x1, y1, x2, y2).

    Area and log-aspect are drawn uniformly and the box is shrunk to fit the image, so every
    draw is used (no rejection loop)."""
    B = sizes.shape[0]
    h = sizes[:, 0].float().cpu()
    w = sizes[:, 1].float().cpu()
    u = torch.rand(B, 4, generator=generator)
    area = h * w * (recipe.scale[0] + (recipe.scale[1] - recipe.scale[0]) * u[:, 0])
    lo, hi = math.log(recipe.ratio[0]), math.log(recipe.ratio[1])
    aspect = torch.exp(lo + (hi - lo) * u[:, 1])
    cw = torch.sqrt(area * aspect)
    ch = torch.sqrt(area / aspect)
    shrink = torch.minimum(torch.ones(B), torch.minimum(w / cw, h / ch))
    cw, ch = cw * shrink, ch * shrink
    x1 = (w - cw) * u[:, 2]
    y1 = (h - ch) * u[:, 3]
    return torch.stack((x1, y1, x1 + cw, y1 + ch), dim=1)


_MEAN = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
_STD = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


def crop_batch(
    bank: ImageBank,
    index: Tensor,
    recipe: CropRecipe,
    generator: torch.Generator,
    batched: bool | None = None,
) -> Tensor:
    """Random resized crops of bank images `index` [B] -> ImageNet-normalized float [B, 3, S, S].

    `batched` (default: on CUDA) cuts all crops with one roi_align call on the bank's device;
    otherwise Pillow resamples each crop on the CPU."""
    device = bank.pixels.device
    boxes = sample_boxes(bank.sizes[index], recipe, generator)
    flips = torch.rand(len(index), generator=generator) < recipe.hflip
    S = recipe.size
    use_roi_align = device.type == "cuda" if batched is None else batched
    if use_roi_align:
        # One batched call over the padded images [B, 3, Hmax, Wmax].
        src = bank.pixels[index.to(device)].float()
        rois = torch.cat((torch.arange(len(index)).float().unsqueeze(1), boxes), dim=1).to(device)
        out = roi_align(src, rois, output_size=S, spatial_scale=1.0, sampling_ratio=2, aligned=True)
    else:
        # On a CPU, Pillow's SIMD resampler on the uint8 box is several times faster than roi_align.
        pil = bank.pil_images()
        out_u8 = np.empty((len(index), S, S, 3), dtype=np.uint8)
        for k, i in enumerate(index.tolist()):
            box = tuple(boxes[k].tolist())
            out_u8[k] = np.asarray(pil[i].resize((S, S), Image.Resampling.BILINEAR, box=box))
        out = torch.from_numpy(out_u8).permute(0, 3, 1, 2).float()  # [B, 3, S, S]
    flips = flips.to(device)
    out = torch.where(flips.view(-1, 1, 1, 1), out.flip(-1), out)
    return (out / 255.0 - _MEAN.to(device)) / _STD.to(device)
