"""The models a user can fetch by name: the official facebookresearch/mae releases that carry a
decoder, and the Hugging Face Hub ViTMAE repos. Plain data, readable without torch.

Adding a model touches this file only: the CLI (`mae-studio models`), `--checkpoint NAME` and the
window's Models dialog all read `CATALOGUE`.
"""

from __future__ import annotations

from dataclasses import dataclass

OFFICIAL_RELEASE = "https://dl.fbaipublicfiles.com/mae"  # where the official README and demo point
OFFICIAL_LICENCE = "CC-BY-NC 4.0"
OFFICIAL_LICENCE_URL = "https://creativecommons.org/licenses/by-nc/4.0/"
HUB_LICENCE = "Apache-2.0"
HUB_LICENCE_URL = "https://www.apache.org/licenses/LICENSE-2.0"


@dataclass(frozen=True)
class CatalogueModel:
    name: str  # short name, e.g. "vit-large-gan": what `--checkpoint` and `models download` take
    summary: str  # one line on what it is
    arch: str  # key of core.config.PRESETS the weights must match
    norm_pix_loss: bool  # trained on per-patch normalized pixels (the `_full` releases)
    size_bytes: int  # download size, about (float32 weights plus container)
    licence: str
    licence_url: str
    url: str | None = None  # a direct download (official release) ...
    repo_id: str | None = None  # ... or a Hugging Face Hub repo
    sha256: str | None = None  # pinned checksum, where one is known

    @property
    def target(self) -> str:
        """What the decoder predicts: "pixels" or "normalized pixels"."""
        return "normalized pixels" if self.norm_pix_loss else "pixels"

    @property
    def source(self) -> str:
        return self.url if self.url is not None else f"huggingface.co/{self.repo_id}"

    @property
    def filename(self) -> str:
        """The file name a direct download is cached under (the release's own name)."""
        if self.url is None:
            raise ValueError(f"{self.name} is a Hub repo, not a single file")
        return self.url.rsplit("/", 1)[-1]


# Sizes: parameters x 4 bytes (B/16 111.9M, L/16 329.5M, H/14 657.1M, decoders included).
_B, _L, _H = 447_700_000, 1_318_200_000, 2_628_400_000


def _official(name: str, summary: str, folder: str, file: str, arch: str, size: int) -> CatalogueModel:
    return CatalogueModel(
        name=name,
        summary=summary,
        arch=arch,
        norm_pix_loss=file.endswith("_full.pth"),
        size_bytes=size,
        licence=OFFICIAL_LICENCE,
        licence_url=OFFICIAL_LICENCE_URL,
        url=f"{OFFICIAL_RELEASE}/{folder}/{file}",
    )


def _hub(name: str, summary: str, repo_id: str, arch: str, size: int) -> CatalogueModel:
    return CatalogueModel(
        name=name,
        summary=summary,
        arch=arch,
        norm_pix_loss=False,
        size_bytes=size,
        licence=HUB_LICENCE,
        licence_url=HUB_LICENCE_URL,
        repo_id=repo_id,
    )


CATALOGUE: tuple[CatalogueModel, ...] = (
    _official(
        "vit-base",
        "official MAE ViT-B/16 for visualization (pixel targets), the demo notebook's base model",
        "visualize",
        "mae_visualize_vit_base.pth",
        "vit_base_patch16",
        _B,
    ),
    _official(
        "vit-large",
        "official MAE ViT-L/16 for visualization (pixel targets), the demo notebook's default",
        "visualize",
        "mae_visualize_vit_large.pth",
        "vit_large_patch16",
        _L,
    ),
    _official(
        "vit-large-gan",
        "official MAE ViT-L/16 trained with an extra GAN loss: the sharpest reconstructions",
        "visualize",
        "mae_visualize_vit_large_ganloss.pth",
        "vit_large_patch16",
        _L,
    ),
    _official(
        "vit-huge",
        "official MAE ViT-H/14 for visualization (pixel targets), the largest release",
        "visualize",
        "mae_visualize_vit_huge.pth",
        "vit_huge_patch14",
        _H,
    ),
    _official(
        "vit-base-pretrain",
        "official MAE ViT-B/16 pre-training checkpoint with decoder (normalized-pixel targets)",
        "pretrain",
        "mae_pretrain_vit_base_full.pth",
        "vit_base_patch16",
        _B,
    ),
    _official(
        "vit-large-pretrain",
        "official MAE ViT-L/16 pre-training checkpoint with decoder (normalized-pixel targets)",
        "pretrain",
        "mae_pretrain_vit_large_full.pth",
        "vit_large_patch16",
        _L,
    ),
    _official(
        "vit-huge-pretrain",
        "official MAE ViT-H/14 pre-training checkpoint with decoder (normalized-pixel targets)",
        "pretrain",
        "mae_pretrain_vit_huge_full.pth",
        "vit_huge_patch14",
        _H,
    ),
    _hub(
        "hf-vit-mae-base",
        "Hugging Face facebook/vit-mae-base (ViTMAEForPreTraining, ViT-B/16, pixel targets)",
        "facebook/vit-mae-base",
        "vit_base_patch16",
        _B,
    ),
    _hub(
        "hf-vit-mae-large",
        "Hugging Face facebook/vit-mae-large (ViTMAEForPreTraining, ViT-L/16, pixel targets)",
        "facebook/vit-mae-large",
        "vit_large_patch16",
        _L,
    ),
    _hub(
        "hf-vit-mae-huge",
        "Hugging Face facebook/vit-mae-huge (ViTMAEForPreTraining, ViT-H/14, pixel targets)",
        "facebook/vit-mae-huge",
        "vit_huge_patch14",
        _H,
    ),
)


def find_model(name: str) -> CatalogueModel | None:
    """The catalogue entry called `name` (case-insensitive), or None."""
    key = name.strip().lower()
    return next((m for m in CATALOGUE if m.name == key), None)


def catalogue_names() -> list[str]:
    return [m.name for m in CATALOGUE]  # read at call time: tests serve entries of their own


def format_size(n: int) -> str:
    """1_318_200_000 -> '1.3 GB' (decimal units, as download sizes are usually given)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{n} B"
