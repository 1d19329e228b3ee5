"""The Masked Autoencoder (He et al. 2021) as facebookresearch/mae defines it.

Differences from the reference are in what it accepts, not what it computes: `forward`
takes any mask (painted or random) instead of drawing one, stops between blocks when asked
to, and takes images of any h x w patch grid (the fixed sin-cos position embeddings are
defined for any grid: `position_tables`). The forward pass is three steps that the fast and
CUDA-graph paths (fastpath.py, cuda_graphs.py) reuse: `embed` (image only), `encode` (the
visible tokens) and `decode`. Shapes use one alphabet: N batch, L patches, D width, p patch
side, h, w grid. Mask convention: 1 = removed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import torch
from timm.layers import PatchEmbed, resample_abs_pos_embed
from timm.models.vision_transformer import Block
from torch import Tensor, nn

from . import cpu_blocks, ort_blocks
from .config import MAEConfig, ModelCard
from .errors import Cancelled
from .grid import Grid, GridLike

CancelCheck = Callable[[], bool] | None


def sincos_pos_embed_2d(dim: int, grid: GridLike, cls_token: bool = True) -> np.ndarray:
    """Fixed 2-D sin-cos position embeddings [(1 +) h*w, dim], float64, as the reference's
    get_2d_sincos_pos_embed: the first half encodes the column, the second the row."""
    h, w = Grid.of(grid)
    grid_w, grid_h = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))  # [h, w]
    omega = 1.0 / 10000 ** (np.arange(dim // 4, dtype=np.float64) / (dim / 4))

    def embed_1d(pos: np.ndarray) -> np.ndarray:
        out = np.outer(pos.reshape(-1), omega)  # [h*w, dim/4]
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    emb = np.concatenate([embed_1d(grid_w), embed_1d(grid_h)], axis=1)  # [h*w, dim]
    if cls_token:
        emb = np.concatenate([np.zeros((1, dim)), emb], axis=0)
    return emb


# A pos_embed within this of the sin-cos table (float32, or a bf16 copy) is taken to be it: other
# grids then get their exact sin-cos table. A learned table is resampled instead.
SINCOS_TOLERANCE = {torch.float32: 1e-4, torch.float64: 1e-4}
SINCOS_TOLERANCE_LOW_PRECISION = 1e-2


def check_cancel(should_cancel: CancelCheck) -> None:
    if should_cancel is not None and should_cancel():
        raise Cancelled("reconstruction cancelled")


class MAEBlock(Block):
    """timm's pre-norm transformer block (same modules and names: norm1, attn.qkv, attn.proj,
    norm2, mlp.fc1, mlp.fc2), whose CPU inference runs on ONNX Runtime once the block has a
    session (ort_blocks.py: float32 blocks and int8 copies), else cpu_blocks.py's block path:
    float32 on oneDNN (residual adds fused), int8 copies on their quantized matmuls directly;
    anything else (training, bf16, GPUs) runs timm's forward."""

    def forward(self, x: Tensor, attn_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        if attn_mask is None and not is_causal:
            session = ort_blocks.session_for(self, x)
            if session is not None:
                return session(x)
            if cpu_blocks.usable(x, self):
                return cpu_blocks.block_forward(self, x)
        return super().forward(x, attn_mask=attn_mask, is_causal=is_causal)


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
        # any H, W that are multiples of p (the position tables follow the grid)
        self.patch_embed = PatchEmbed(
            c.img_size, c.patch_size, c.in_chans, c.embed_dim, strict_img_size=False
        )
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c.embed_dim))
        self.register_buffer("pos_embed", self._sincos(c.embed_dim))  # [1, 1 + L, D], fixed
        self.blocks = nn.ModuleList(
            MAEBlock(c.embed_dim, c.num_heads, c.mlp_ratio, qkv_bias=True, norm_layer=norm_layer)
            for _ in range(c.depth)
        )
        self.norm = norm_layer(c.embed_dim)

        # --------------------------------------------------------------------------
        # decoder
        self.decoder_embed = nn.Linear(c.embed_dim, c.decoder_embed_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, c.decoder_embed_dim))
        self.register_buffer("decoder_pos_embed", self._sincos(c.decoder_embed_dim))
        self.decoder_blocks = nn.ModuleList(
            MAEBlock(
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
        # (h, w, dtype, device) -> (encoder, decoder) position tables of another grid
        self._positions: dict[tuple, tuple[Tensor, Tensor]] = {}
        self.register_load_state_dict_post_hook(lambda module, keys: module._positions.clear())

    def _sincos(self, dim: int, grid: GridLike | None = None) -> Tensor:
        emb = sincos_pos_embed_2d(dim, self.grid if grid is None else grid, cls_token=True)
        return torch.from_numpy(emb).float().unsqueeze(0)

    @property
    def grid(self) -> Grid:
        """The grid the model was built for (img_size / p per side)."""
        return Grid.square(self.config.grid_size)

    def grid_of(self, imgs: Tensor) -> Grid:
        """The patch grid of imgs [N, 3, H, W] (H, W multiples of p)."""
        p = self.config.patch_size
        H, W = imgs.shape[-2:]
        if H % p or W % p or min(H, W) < p:
            raise ValueError(f"images must be whole multiples of the {p} px patch, got {W}x{H}")
        return Grid(H // p, W // p)

    def position_tables(self, grid: GridLike | None = None) -> tuple[Tensor, Tensor]:
        """(pos_embed [1, 1 + h*w, D], decoder_pos_embed [1, 1 + h*w, Dd]) for a grid, CLS first.

        The model's own grid: its buffers. Another grid: the sin-cos tables computed for (h, w)
        exactly (no interpolation) when the buffers are the sin-cos tables; a learned table is
        resampled (timm's resample_abs_pos_embed, bicubic). Cached per grid, dtype and device."""
        grid = self.grid if grid is None else Grid.of(grid)
        if grid == self.grid:
            return self.pos_embed, self.decoder_pos_embed
        key = (grid.h, grid.w, self.pos_embed.dtype, self.pos_embed.device)
        tables = self._positions.get(key)
        if tables is None:
            tables = self._positions[key] = (
                self._table_for(self.pos_embed, grid),
                self._table_for(self.decoder_pos_embed, grid),
            )
        return tables

    def _table_for(self, table: Tensor, grid: Grid) -> Tensor:
        own = self._sincos(table.shape[-1]).to(table.device)
        tolerance = SINCOS_TOLERANCE.get(table.dtype, SINCOS_TOLERANCE_LOW_PRECISION)
        if torch.allclose(table.float(), own, atol=tolerance, rtol=0):
            return self._sincos(table.shape[-1], grid).to(table.device, table.dtype)
        g = self.config.grid_size
        with torch.no_grad():
            return resample_abs_pos_embed(
                table.float(), new_size=list(grid.shape), old_size=[g, g], num_prefix_tokens=1
            ).to(table.dtype)

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

    def unpatchify(self, x: Tensor, grid: GridLike | None = None) -> Tensor:
        """[N, L, p*p*3] -> imgs [N, 3, h*p, w*p]; grid (h, w) default: a square of L patches."""
        p = self.config.patch_size
        N, L, _ = x.shape
        if grid is None:
            h = w = round(L**0.5)
        else:
            h, w = Grid.of(grid)
        if h * w != L:
            raise ValueError(f"{L} patches do not form a {h}x{w} grid")
        x = x.reshape(N, h, w, p, p, 3)
        x = torch.einsum("nhwpqc->nchpwq", x)
        return x.reshape(N, 3, h * p, w * p)

    @staticmethod
    def mask_from_noise(noise: Tensor, removed: int) -> Tensor:
        """The reference's random masking: the `removed` highest-noise patches of each row are
        removed (how many a ratio removes is masks.exact_count's to say, for training and the app
        alike). noise [N, L] -> mask [N, L] float, 1 = removed."""
        N, L = noise.shape
        if not 0 <= removed <= L:
            raise ValueError(f"cannot remove {removed} of {L} patches")
        len_keep = L - removed
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

    def embed(self, imgs: Tensor) -> tuple[Tensor, Tensor]:
        """imgs [N, 3, H, W] -> tokens [N, L, D] (every patch, position added), cls [1, 1, D].
        The image-only step: the predictor runs it once per image, then encode/decode per mask."""
        pos = self.position_tables(self.grid_of(imgs))[0]
        x = self.patch_embed(imgs)  # [N, L, D]
        x = x + pos[:, 1:, :]
        cls = self.cls_token + pos[:, :1, :]
        return x, cls

    def encode(
        self, tokens: Tensor, cls: Tensor, ids_keep: Tensor, should_cancel: CancelCheck = None
    ) -> Tensor:
        """tokens [N, L, D], cls [1, 1, D], ids_keep [N, kept] -> latent [N, 1 + kept, D] (CLS first)."""
        D = tokens.shape[-1]
        x = torch.gather(tokens, 1, ids_keep.unsqueeze(-1).expand(-1, -1, D))  # [N, kept, D]
        x = torch.cat((cls.expand(x.shape[0], -1, -1), x), dim=1)
        for blk in self.blocks:
            check_cancel(should_cancel)
            x = blk(x)
        return self.norm(x)

    def decode(
        self,
        latent: Tensor,
        ids_restore: Tensor,
        grid: GridLike | None = None,
        should_cancel: CancelCheck = None,
    ) -> Tensor:
        """latent [N, 1 + kept, D], ids_restore [N, L] -> pred [N, L, p*p*3]; grid (h, w) with
        h*w = L, default the model's own."""
        pos = self.position_tables(grid)[1]
        x = self.decoder_embed(latent)  # [N, 1 + kept, Dd]
        N, _, Dd = x.shape
        L = ids_restore.shape[1]
        if pos.shape[1] != L + 1:
            raise ValueError(f"{L} patches do not fit a decoder position table of {pos.shape[1] - 1}")
        mask_tokens = self.mask_token.expand(N, L + 1 - x.shape[1], -1)
        x_ = torch.cat((x[:, 1:, :], mask_tokens), dim=1)  # [N, L, Dd], visible first
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).expand(-1, -1, Dd))  # original order
        x = torch.cat((x[:, :1, :], x_), dim=1) + pos
        for blk in self.decoder_blocks:
            check_cancel(should_cancel)
            x = blk(x)
        x = self.decoder_pred(self.decoder_norm(x))
        return x[:, 1:, :]

    def forward_encoder(self, imgs: Tensor, ids_keep: Tensor, should_cancel: CancelCheck = None) -> Tensor:
        """imgs [N, 3, H, W], ids_keep [N, kept] -> latent [N, 1 + kept, D] (CLS first)."""
        return self.encode(*self.embed(imgs), ids_keep, should_cancel)

    def forward(self, imgs: Tensor, mask: Tensor, should_cancel: CancelCheck = None) -> Tensor:
        """imgs [N, 3, H, W] (ImageNet-normalized, H and W multiples of p), mask [N, L] (1 = removed)
        -> pred [N, L, p*p*3]."""
        N = imgs.shape[0]
        grid = self.grid_of(imgs)
        if mask.shape != (N, grid.n):
            raise ValueError(f"mask must be [{N}, {grid.n}] for a {grid} grid, got {tuple(mask.shape)}")
        ids_keep, ids_restore = self.mask_to_ids(mask.to(imgs.device))
        latent = self.forward_encoder(imgs, ids_keep, should_cancel)
        return self.decode(latent, ids_restore, grid, should_cancel)

    def forward_all_tokens(self, imgs: Tensor, mask: Tensor) -> Tensor:
        """Baseline for benchmarks: the encoder runs over ALL patches (as a BERT-style model
        would), removed ones included, and the decoder still sees mask tokens for them."""
        N = imgs.shape[0]
        grid = self.grid_of(imgs)
        ids_all = torch.arange(grid.n, device=imgs.device).expand(N, -1)
        latent = self.forward_encoder(imgs, ids_all)  # [N, 1 + L, D]
        ids_keep, ids_restore = self.mask_to_ids(mask.to(imgs.device))
        D = latent.shape[-1]
        kept = torch.gather(latent[:, 1:], 1, ids_keep.unsqueeze(-1).expand(-1, -1, D))
        return self.decode(torch.cat((latent[:, :1], kept), 1), ids_restore, grid)

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
