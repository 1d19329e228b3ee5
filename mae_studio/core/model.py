"""The Masked Autoencoder (He et al. 2021) as facebookresearch/mae defines it.

Differences from the reference are in what it accepts, not what it computes: `forward`
takes any mask (painted or random) instead of drawing one, and stops between blocks when
asked to. Shapes use one alphabet: N batch, L patches, D width, p patch side, h, w grid.
Mask convention: 1 = removed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import torch
from timm.layers import PatchEmbed
from timm.models.vision_transformer import Block
from torch import Tensor, nn

from .config import MAEConfig, ModelCard
from .errors import Cancelled

CancelCheck = Callable[[], bool] | None


def sincos_pos_embed_2d(dim: int, grid_size: int, cls_token: bool = True) -> np.ndarray:
    """Fixed 2-D sin-cos position embeddings [(1 +) h*w, dim], float64, as the reference."""
    coords = np.arange(grid_size, dtype=np.float64)
    grid_w, grid_h = np.meshgrid(coords, coords)  # the reference puts w first
    omega = 1.0 / 10000 ** (np.arange(dim // 4, dtype=np.float64) / (dim / 4))

    def embed_1d(pos: np.ndarray) -> np.ndarray:
        out = np.outer(pos.reshape(-1), omega)  # [h*w, dim/4]
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    emb = np.concatenate([embed_1d(grid_w), embed_1d(grid_h)], axis=1)  # [h*w, dim]
    if cls_token:
        emb = np.concatenate([np.zeros((1, dim)), emb], axis=0)
    return emb


def _check_cancel(should_cancel: CancelCheck) -> None:
    if should_cancel is not None and should_cancel():
        raise Cancelled("reconstruction cancelled")


class MaskedAutoencoderViT(nn.Module):
    def __init__(self, config: MAEConfig) -> None:
        super().__init__()
        self.config = config
        self.card: ModelCard | None = None  # a loaded checkpoint's: where heads and target came from
        c = config
        norm_layer = partial(nn.LayerNorm, eps=c.layer_norm_eps)
        L = c.num_patches

        # --------------------------------------------------------------------------
        # encoder
        self.patch_embed = PatchEmbed(c.img_size, c.patch_size, c.in_chans, c.embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c.embed_dim))
        self.register_buffer("pos_embed", self._sincos(c.embed_dim))  # [1, 1 + L, D], fixed
        self.blocks = nn.ModuleList(
            Block(c.embed_dim, c.num_heads, c.mlp_ratio, qkv_bias=True, norm_layer=norm_layer)
            for _ in range(c.depth)
        )
        self.norm = norm_layer(c.embed_dim)

        # --------------------------------------------------------------------------
        # decoder
        self.decoder_embed = nn.Linear(c.embed_dim, c.decoder_embed_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, c.decoder_embed_dim))
        self.register_buffer("decoder_pos_embed", self._sincos(c.decoder_embed_dim))
        self.decoder_blocks = nn.ModuleList(
            Block(
                c.decoder_embed_dim,
                c.decoder_num_heads,
                c.mlp_ratio,
                qkv_bias=True,
                norm_layer=norm_layer,
            )
            for _ in range(c.decoder_depth)
        )
        self.decoder_norm = norm_layer(c.decoder_embed_dim)
        self.decoder_pred = nn.Linear(c.decoder_embed_dim, c.patch_dim)
        assert self.pos_embed.shape[1] == L + 1

    def _sincos(self, dim: int) -> Tensor:
        emb = sincos_pos_embed_2d(dim, self.config.grid_size, cls_token=True)
        return torch.from_numpy(emb).float().unsqueeze(0)

    def init_weights(self) -> None:
        """The reference's initialization, for training from scratch."""
        w = self.patch_embed.proj.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    # ------------------------------------------------------------------------------
    # patches and masks

    def patchify(self, imgs: Tensor) -> Tensor:
        """imgs [N, 3, H, W] -> [N, L, p*p*3], each patch laid out (p, p, 3)."""
        p = self.config.patch_size
        N, C, H, W = imgs.shape
        h, w = H // p, W // p
        x = imgs.reshape(N, C, h, p, w, p)
        x = torch.einsum("nchpwq->nhwpqc", x)
        return x.reshape(N, h * w, p * p * C)

    def unpatchify(self, x: Tensor) -> Tensor:
        """[N, L, p*p*3] -> imgs [N, 3, H, W]."""
        p = self.config.patch_size
        N, L, _ = x.shape
        h = w = round(L**0.5)
        if h * w != L:
            raise ValueError(f"{L} patches do not form a square grid")
        x = x.reshape(N, h, w, p, p, 3)
        x = torch.einsum("nhwpqc->nchpwq", x)
        return x.reshape(N, 3, h * p, w * p)

    @staticmethod
    def random_mask(noise: Tensor, ratio: float) -> Tensor:
        """The reference rule: keep the int(L * (1 - ratio)) lowest-noise patches.

        noise [N, L] -> mask [N, L] float, 1 = removed.
        """
        N, L = noise.shape
        len_keep = int(L * (1 - ratio))
        ids_shuffle = torch.argsort(noise, dim=1)
        mask = torch.ones(N, L, device=noise.device)
        mask.scatter_(1, ids_shuffle[:, :len_keep], 0.0)
        return mask

    @staticmethod
    def mask_to_ids(mask: Tensor) -> tuple[Tensor, Tensor]:
        """mask [N, L] (1 = removed) -> ids_keep [N, kept], ids_restore [N, L].

        Visible patches keep their row-major order. Every row must remove the same count:
        the encoder runs on a dense [N, kept, D] batch.
        """
        if mask.dim() != 2:
            raise ValueError(f"mask must be [N, L], got shape {tuple(mask.shape)}")
        removed = mask.bool()
        counts = removed.sum(dim=1)
        if bool((counts != counts[0]).any()):
            raise ValueError(
                "every mask in a batch must remove the same number of patches "
                f"(got {sorted(set(counts.tolist()))}); batch masks of equal count together"
            )
        len_keep = mask.shape[1] - int(counts[0])
        ids_shuffle = torch.argsort(removed.to(torch.uint8), dim=1, stable=True)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        return ids_shuffle[:, :len_keep], ids_restore

    # ------------------------------------------------------------------------------
    # forward

    def forward_encoder(self, imgs: Tensor, ids_keep: Tensor, should_cancel: CancelCheck = None) -> Tensor:
        """imgs [N, 3, H, W], ids_keep [N, kept] -> latent [N, 1 + kept, D] (CLS first)."""
        x = self.patch_embed(imgs)  # [N, L, D]
        x = x + self.pos_embed[:, 1:, :]
        D = x.shape[-1]
        x = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(-1, -1, D))  # [N, kept, D]
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1)
        for blk in self.blocks:
            _check_cancel(should_cancel)
            x = blk(x)
        return self.norm(x)

    def forward_decoder(
        self, latent: Tensor, ids_restore: Tensor, should_cancel: CancelCheck = None
    ) -> Tensor:
        """latent [N, 1 + kept, D], ids_restore [N, L] -> pred [N, L, p*p*3]."""
        x = self.decoder_embed(latent)  # [N, 1 + kept, Dd]
        N, _, Dd = x.shape
        L = ids_restore.shape[1]
        mask_tokens = self.mask_token.expand(N, L + 1 - x.shape[1], -1)
        x_ = torch.cat((x[:, 1:, :], mask_tokens), dim=1)  # [N, L, Dd], visible first
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).expand(-1, -1, Dd))  # original order
        x = torch.cat((x[:, :1, :], x_), dim=1) + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            _check_cancel(should_cancel)
            x = blk(x)
        x = self.decoder_pred(self.decoder_norm(x))
        return x[:, 1:, :]

    def forward(self, imgs: Tensor, mask: Tensor, should_cancel: CancelCheck = None) -> Tensor:
        """imgs [N, 3, H, W] (ImageNet-normalized), mask [N, L] (1 = removed) -> pred [N, L, p*p*3]."""
        N, _, H, W = imgs.shape
        c = self.config
        if c.img_size != H or c.img_size != W:
            raise ValueError(f"model takes {c.img_size}x{c.img_size} images, got {W}x{H}")
        if mask.shape != (N, c.num_patches):
            raise ValueError(f"mask must be [{N}, {c.num_patches}], got {tuple(mask.shape)}")
        ids_keep, ids_restore = self.mask_to_ids(mask.to(imgs.device))
        latent = self.forward_encoder(imgs, ids_keep, should_cancel)
        return self.forward_decoder(latent, ids_restore, should_cancel)

    def forward_all_tokens(self, imgs: Tensor, mask: Tensor) -> Tensor:
        """Baseline for benchmarks: the encoder runs over ALL patches (as a BERT-style model
        would), removed ones included, and the decoder still sees mask tokens for them."""
        N = imgs.shape[0]
        L = self.config.num_patches
        ids_all = torch.arange(L, device=imgs.device).expand(N, -1)
        latent = self.forward_encoder(imgs, ids_all)  # [N, 1 + L, D]
        ids_keep, ids_restore = self.mask_to_ids(mask.to(imgs.device))
        D = latent.shape[-1]
        kept = torch.gather(latent[:, 1:], 1, ids_keep.unsqueeze(-1).expand(-1, -1, D))
        return self.forward_decoder(torch.cat((latent[:, :1], kept), 1), ids_restore)

    # ------------------------------------------------------------------------------
    # loss

    def target(self, imgs: Tensor) -> Tensor:
        """What the decoder was trained to predict: [N, L, p*p*3]."""
        target = self.patchify(imgs)
        if self.config.norm_pix_loss:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + 1.0e-6) ** 0.5
        return target

    def per_patch_loss(self, imgs: Tensor, pred: Tensor) -> Tensor:
        """Mean squared error of each patch against the training target: [N, L]."""
        return ((pred - self.target(imgs)) ** 2).mean(dim=-1)

    def loss(self, imgs: Tensor, pred: Tensor, mask: Tensor) -> Tensor:
        """The training loss: mean per-patch error over removed patches."""
        per_patch = self.per_patch_loss(imgs, pred)
        return (per_patch * mask).sum() / mask.sum()

    @property
    def device(self) -> torch.device:
        return self.cls_token.device
