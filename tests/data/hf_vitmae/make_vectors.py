"""Peer-oracle vectors: Hugging Face transformers' ViTMAEForPreTraining, saved and run once.

    python tests/data/hf_vitmae/make_vectors.py            # regenerate (needs `pip install transformers`)
    python tests/data/hf_vitmae/make_vectors.py --check    # our loader and model against the stored logits

Each case folder is what `save_pretrained` wrote (config.json + weights: one file, or shards with
an index) for a small random-weight model, and `expected.npz`: `pixel_values` [N, 3, S, S],
`noise` [N, L], `logits` [N, L, p*p*3], `mask` [N, L] (1 = removed), `loss`. The same noise
fixes the same mask in both implementations, so MAE Studio's model must give the same logits.
transformers is not a test dependency: it is 5-6 s to import and a moving target; the vectors
are kept instead, and `manifest.json` records the versions that made them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent

# name -> (ViTMAEConfig fields, batch, save_pretrained keyword arguments)
CASES: dict[str, tuple[dict, int, dict]] = {
    # 160 px, 8 px patches (20 x 20 = 400 patches), per-patch normalized targets
    "p8_160_normpix": (
        dict(image_size=160, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
             intermediate_size=128, decoder_hidden_size=16, decoder_num_hidden_layers=1,
             decoder_num_attention_heads=4, decoder_intermediate_size=64, norm_pix_loss=True,
             layer_norm_eps=1e-6),
        1,
        {},
    ),
    # 14 px patches; a decoder twice as wide as the encoder; transformers' default eps (1e-12)
    "p14_56_wide_decoder": (
        dict(image_size=56, patch_size=14, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
             intermediate_size=64, decoder_hidden_size=32, decoder_num_hidden_layers=1,
             decoder_num_attention_heads=8, decoder_intermediate_size=128),
        2,
        {},
    ),
    # MLP ratio 2, one decoder head, transformers 5's in-memory key names
    "p16_64_mlp2_internal_names": (
        dict(image_size=64, patch_size=16, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
             intermediate_size=64, decoder_hidden_size=16, decoder_num_hidden_layers=1,
             decoder_num_attention_heads=1, decoder_intermediate_size=32, layer_norm_eps=1e-6),
        2,
        {"save_original_format": False},
    ),
    # 4 px patches (8 x 8), normalized targets, saved in shards with an index
    "p4_32_sharded_normpix": (
        dict(image_size=32, patch_size=4, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
             intermediate_size=128, decoder_hidden_size=16, decoder_num_hidden_layers=2,
             decoder_num_attention_heads=2, decoder_intermediate_size=64, norm_pix_loss=True,
             layer_norm_eps=1e-6),
        2,
        {"max_shard_size": "40KB"},
    ),
    # 16 heads of 2 channels, MLP ratio 3, eps 1e-5, half the patches removed
    "p16_96_heads16_ratio50": (
        dict(image_size=96, patch_size=16, hidden_size=32, num_hidden_layers=1, num_attention_heads=16,
             intermediate_size=96, decoder_hidden_size=24, decoder_num_hidden_layers=1,
             decoder_num_attention_heads=12, decoder_intermediate_size=72, layer_norm_eps=1e-5,
             mask_ratio=0.5),
        1,
        {},
    ),
}  # fmt: skip


def generate() -> None:
    import transformers
    from transformers import ViTMAEConfig, ViTMAEForPreTraining

    manifest: dict = {
        "made_by": "tests/data/hf_vitmae/make_vectors.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__.split("+")[0],
        "cases": {},
    }
    for seed, (name, (fields, batch, save_kw)) in enumerate(CASES.items()):
        torch.manual_seed(seed)
        config = ViTMAEConfig(**fields)
        model = ViTMAEForPreTraining(config).eval()
        folder = HERE / name
        shutil.rmtree(folder, ignore_errors=True)
        model.save_pretrained(folder, **save_kw)
        side, p = config.image_size, config.patch_size
        L = (side // p) ** 2
        pixel_values = torch.randn(batch, 3, side, side)
        noise = torch.rand(batch, L)
        with torch.no_grad():
            out = model(pixel_values=pixel_values, noise=noise)
        np.savez_compressed(
            folder / "expected.npz",
            pixel_values=pixel_values.numpy(),
            noise=noise.numpy(),
            logits=out.logits.numpy(),
            mask=out.mask.numpy(),
            loss=np.float32(out.loss.item()),
        )
        manifest["cases"][name] = {
            "config": fields,
            "mask_ratio": config.mask_ratio,
            "save_pretrained": save_kw,
            "files": {f.name: _sha256(f) for f in sorted(folder.iterdir())},
        }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def max_errors(name: str) -> tuple[float, float]:
    """(max abs logits error, abs loss error) of MAE Studio's model on a stored case."""
    from mae_studio.core import load_model

    manifest = json.loads((HERE / "manifest.json").read_text())
    exp = np.load(HERE / name / "expected.npz")
    model = load_model(HERE / name)
    noise = torch.from_numpy(exp["noise"])
    L = noise.shape[1]
    keep = int(L * (1 - manifest["cases"][name]["mask_ratio"]))  # the reference's rule
    mask = model.mask_from_noise(noise, L - keep)
    imgs = torch.from_numpy(exp["pixel_values"])
    with torch.inference_mode():
        pred = model(imgs, mask)
        loss = model.loss(imgs, pred, mask)
    np.testing.assert_array_equal(mask.numpy(), exp["mask"])
    return float(np.abs(pred.numpy() - exp["logits"]).max()), abs(float(loss) - float(exp["loss"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare; do not regenerate")
    args = parser.parse_args()
    if not args.check:
        generate()
    sys.path.insert(0, str(HERE.parents[2]))
    for name in CASES:
        logits, loss = max_errors(name)
        print(f"{name:30s} max |logits error| {logits:.2e}   |loss error| {loss:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
