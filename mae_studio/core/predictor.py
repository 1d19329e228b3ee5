"""numpy in, numpy out: set an image once, then reconstruct it under many masks cheaply."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from .config import IMAGENET_MEAN, IMAGENET_STD
from .images import normalize, prepare_image
from .model import CancelCheck, MaskedAutoencoderViT

# Removed patches in the masked view: the ImageNet mean colour, i.e. 0 after normalization,
# which is what the model's reference visualization shows.
MASK_FILL = np.round(np.asarray(IMAGENET_MEAN) * 255).astype(np.uint8)


def auto_device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def psnr(mse: float) -> float:
    """PSNR in dB for an MSE of [0, 1] pixel values (inf for a perfect match, nan for none)."""
    if math.isnan(mse):
        return math.nan
    return math.inf if mse <= 0 else 10.0 * math.log10(1.0 / mse)


@dataclass
class Reconstruction:
    """One reconstruction, all images uint8 [S, S, 3] in the model's input frame."""

    mask: np.ndarray  # bool [h, w], True = removed
    masked: np.ndarray  # the input the encoder saw: removed patches filled with MASK_FILL
    reconstruction: np.ndarray  # the decoder's prediction for every patch
    pasted: np.ndarray  # reconstruction with the visible patches pasted back
    original: np.ndarray
    per_patch_mse: np.ndarray  # float32 [h, w], MSE of [0, 1] pixels, every patch
    masked_mse: float  # mean of per_patch_mse over removed patches (nan if none removed)
    masked_psnr: float  # dB (nan if none removed)
    seconds: float  # model time of this call
    denormalized: bool  # True for norm_pix_loss models: colours re-scaled from visible patches

    @property
    def masked_count(self) -> int:
        return int(self.mask.sum())


class Predictor:
    def __init__(self, model: MaskedAutoencoderViT, device: str | torch.device | None = None) -> None:
        self.device = torch.device(device) if device is not None else auto_device()
        self.model = model.to(self.device).eval()
        c = model.config
        self.config = c
        self._original: np.ndarray | None = None
        self._imgs: Tensor | None = None  # [1, 3, S, S] normalized, on device
        self._target: Tensor | None = None  # [1, L, p*p*3] in [0, 1] pixels, on device
        self._mean = torch.tensor(IMAGENET_MEAN, device=self.device).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD, device=self.device).view(1, 3, 1, 1)

    @property
    def grid_size(self) -> int:
        return self.config.grid_size

    @property
    def patch_size(self) -> int:
        return self.config.patch_size

    @property
    def img_size(self) -> int:
        return self.config.img_size

    @property
    def original(self) -> np.ndarray:
        if self._original is None:
            raise RuntimeError("set_image() first")
        return self._original

    def set_image(self, image: Image.Image | np.ndarray) -> np.ndarray:
        """Resize + centre-crop to the model input and prepare everything masks reuse.
        Returns the cropped uint8 [S, S, 3] the model sees."""
        rgb = prepare_image(image, self.img_size)
        self._original = rgb
        with torch.inference_mode():
            self._imgs = normalize(rgb).unsqueeze(0).to(self.device)
            pixels = torch.from_numpy(rgb).to(self.device).permute(2, 0, 1).unsqueeze(0).float() / 255
            self._target = self.model.patchify(pixels)  # [1, L, p*p*3]
        return rgb

    def reconstruct(self, mask: np.ndarray, should_cancel: CancelCheck = None) -> Reconstruction:
        """mask bool [h, w] (True = removed) -> Reconstruction. Raises Cancelled when
        should_cancel() turns true between transformer blocks."""
        if self._imgs is None or self._target is None or self._original is None:
            raise RuntimeError("set_image() first")
        g = self.grid_size
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (g, g):
            raise ValueError(f"mask must be {g}x{g} for this model, got {mask.shape}")
        start = time.perf_counter()
        with torch.inference_mode():
            flat = torch.from_numpy(mask.reshape(1, -1).astype(np.float32)).to(self.device)
            pred = self.model(self._imgs, flat, should_cancel)  # [1, L, p*p*3]
            pixels = self._to_pixels(pred, flat)  # [1, L, p*p*3] in [0, 1]
            per_patch = ((pixels - self._target) ** 2).mean(dim=-1)  # [1, L]
            m = flat.unsqueeze(-1)
            pasted = pixels * m + self._target * (1 - m)
            recon_img = self._to_uint8(pixels)
            pasted_img = self._to_uint8(pasted)
            per_patch_np = per_patch.reshape(g, g).float().cpu().numpy()
        seconds = time.perf_counter() - start
        masked_img = self._original.copy()
        p = self.patch_size
        for r, c in zip(*np.nonzero(mask), strict=True):
            masked_img[r * p : (r + 1) * p, c * p : (c + 1) * p] = MASK_FILL
        masked_mse = float(per_patch_np[mask].mean()) if mask.any() else math.nan
        return Reconstruction(
            mask=mask.copy(),
            masked=masked_img,
            reconstruction=recon_img,
            pasted=pasted_img,
            original=self._original,
            per_patch_mse=per_patch_np.astype(np.float32),
            masked_mse=masked_mse,
            masked_psnr=psnr(masked_mse),
            seconds=seconds,
            denormalized=self.config.norm_pix_loss,
        )

    # ------------------------------------------------------------------------------

    def _to_pixels(self, pred: Tensor, flat_mask: Tensor) -> Tensor:
        """Decoder output -> [0, 1] pixel patches [N, L, p*p*3]."""
        pred = pred.float()
        if self.config.norm_pix_loss:
            pred = self._denormalize_patches(pred, flat_mask)
        imgs = self.model.unpatchify(pred) * self._std + self._mean
        return self.model.patchify(imgs.clamp(0, 1))

    def _denormalize_patches(self, pred: Tensor, flat_mask: Tensor) -> Tensor:
        """norm_pix_loss models predict each patch with zero mean and unit variance. Visible
        patches get their own statistics back; removed ones, an inverse-distance blend of
        the nearest visible patches' statistics (their own would leak the answer)."""
        target = self.model.patchify(self._imgs)  # [1, L, p*p*3], normalized space
        mean = target.mean(dim=-1, keepdim=True)
        std = (target.var(dim=-1, keepdim=True) + 1e-6).sqrt()
        visible = flat_mask[0] < 0.5
        if bool(visible.any()) and not bool(visible.all()):
            g = self.grid_size
            rows = torch.arange(g * g, device=pred.device) // g
            cols = torch.arange(g * g, device=pred.device) % g
            pos = torch.stack((rows, cols), dim=1).float()  # [L, 2]
            dist = torch.cdist(pos[~visible], pos[visible])  # [removed, visible]
            k = min(4, int(visible.sum()))
            d, idx = dist.topk(k, largest=False)
            weight = 1.0 / d
            weight = weight / weight.sum(dim=1, keepdim=True)  # [removed, k]
            vis_mean, vis_std = mean[0, visible], std[0, visible]  # [V, 1]
            mean = mean.clone()
            std = std.clone()
            mean[0, ~visible] = (vis_mean[idx, 0] * weight).sum(dim=1, keepdim=True)
            std[0, ~visible] = (vis_std[idx, 0] * weight).sum(dim=1, keepdim=True)
        elif not bool(visible.any()):
            mean = torch.zeros_like(mean)
            std = torch.ones_like(std)
        return pred * std + mean

    def _to_uint8(self, patches: Tensor) -> np.ndarray:
        img = self.model.unpatchify(patches)[0]  # [3, S, S]
        return (img.permute(1, 2, 0) * 255 + 0.5).clamp(0, 255).to(torch.uint8).cpu().numpy()


def load_predictor(path: str | None = None, device: str | None = None) -> Predictor:
    """Convenience: the default (or given) checkpoint wrapped in a Predictor."""
    from . import load_model

    dev = auto_device() if device in (None, "auto") else torch.device(device)
    return Predictor(load_model(path, device=dev), dev)
