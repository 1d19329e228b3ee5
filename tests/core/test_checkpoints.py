"""Every supported layout loads; everything else is refused with a precise CheckpointError."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from mae_studio.core import CheckpointError, MAEConfig, MaskedAutoencoderViT, load_model, save_checkpoint
from mae_studio.core.checkpoints import infer_config, read_checkpoint
from tests.conftest import CONFORMANCE

TINY = MAEConfig(
    img_size=32, patch_size=16, embed_dim=32, depth=1, num_heads=2,
    decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2, name="tiny",
)  # fmt: skip


@pytest.fixture
def tiny_model() -> MaskedAutoencoderViT:
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(TINY)
    model.init_weights()
    return model.eval()


def _pred(model: MaskedAutoencoderViT) -> torch.Tensor:
    torch.manual_seed(1)
    imgs = torch.randn(1, 3, TINY.img_size, TINY.img_size)
    mask = torch.tensor([[1.0, 0.0, 1.0, 1.0]])
    with torch.inference_mode():
        return model(imgs, mask)


def test_own_safetensors_round_trip(tmp_path, tiny_model):
    path = save_checkpoint(tiny_model, tmp_path / "m.safetensors", metadata={"steps": "7"})
    loaded = load_model(path)
    assert loaded.config == TINY
    torch.testing.assert_close(_pred(loaded), _pred(tiny_model), rtol=0, atol=0)
    assert not list(tmp_path.glob(".*tmp")), "the temporary file was left behind"


def test_own_safetensors_fp16_loads_as_float32(tmp_path, tiny_model):
    path = save_checkpoint(tiny_model, tmp_path / "m16.safetensors", dtype=torch.float16)
    loaded = load_model(path)
    assert loaded.cls_token.dtype == torch.float32
    torch.testing.assert_close(_pred(loaded), _pred(tiny_model), rtol=0, atol=2e-2)


@pytest.mark.parametrize("wrapped", [True, False])
def test_official_pth_wrapped_or_bare(tmp_path, tiny_model, wrapped):
    sd = tiny_model.state_dict()
    path = tmp_path / "mae.pth"
    torch.save({"model": sd} if wrapped else sd, path)
    loaded = load_model(path, num_heads=2, decoder_num_heads=2)
    torch.testing.assert_close(_pred(loaded), _pred(tiny_model), rtol=0, atol=0)


def test_heads_unknown_for_unofficial_width(tmp_path, tiny_model):
    path = tmp_path / "mae.pth"
    torch.save({"model": tiny_model.state_dict()}, path)
    with pytest.raises(CheckpointError, match="num heads of a 32-wide model") as info:
        load_model(path)
    assert info.value.path == path


def test_official_pth_with_vit_mae_config_beside(tmp_path, tiny_model):
    torch.save({"model": tiny_model.state_dict()}, tmp_path / "mae.pth")
    config = {"model_type": "vit_mae", "num_attention_heads": 2, "decoder_num_attention_heads": 2}
    (tmp_path / "config.json").write_text(json.dumps(config))
    loaded = load_model(tmp_path / "mae.pth")
    assert (loaded.config.num_heads, loaded.config.decoder_num_heads) == (2, 2)


@pytest.mark.parametrize(
    ("preset", "heads", "patch"),
    [("vit_base_patch16", 12, 16), ("vit_large_patch16", 16, 16), ("vit_huge_patch14", 16, 14)],
)
def test_official_architectures_inferred_from_shapes(preset, heads, patch):
    from mae_studio.core import PRESETS

    with torch.device("meta"):
        sd = MaskedAutoencoderViT(PRESETS[preset]).state_dict()
    config = infer_config(Path(f"mae_visualize_{preset}.pth"), sd, {})
    assert (config.num_heads, config.decoder_num_heads, config.patch_size) == (heads, 16, patch)
    assert (config.img_size, config.decoder_embed_dim, config.decoder_depth) == (224, 512, 8)
    assert config.depth == PRESETS[preset].depth and not config.norm_pix_loss


def test_full_checkpoint_name_means_norm_pix_loss(tmp_path, tiny_model):
    path = tmp_path / "mae_pretrain_tiny_full.pth"
    torch.save({"model": tiny_model.state_dict()}, path)
    assert load_model(path, num_heads=2, decoder_num_heads=2).config.norm_pix_loss


def test_hf_weights_file_with_config_beside(tmp_path):
    src = CONFORMANCE / "p16_pixel"
    shutil.copy(src / "model.safetensors", tmp_path / "model.safetensors")
    shutil.copy(src / "config.json", tmp_path / "config.json")
    model = load_model(tmp_path / "model.safetensors")
    assert (model.config.embed_dim, model.config.num_heads) == (64, 4)


def test_hf_pytorch_bin_folder(tmp_path):
    from safetensors.torch import load_file

    src = CONFORMANCE / "p14_pixel"
    torch.save(load_file(src / "model.safetensors"), tmp_path / "pytorch_model.bin")
    shutil.copy(src / "config.json", tmp_path / "config.json")
    assert load_model(tmp_path).config.patch_size == 14


# ----------------------------------------------------------------------------------
# refusals


def _assert_refused(path: Path, pattern: str, **overrides) -> CheckpointError:
    with pytest.raises(CheckpointError, match=pattern) as info:
        load_model(path, **overrides)
    assert str(path.name) in str(info.value)
    return info.value


def test_pickle_with_code_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    path = tmp_path / "evil.pth"
    with path.open("wb") as f:
        pickle.dump({"model": Exploit()}, f)
    _assert_refused(path, "pickled code")
    assert not marker.exists()


def test_pickle_with_code_in_zip_checkpoint_is_refused(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    path = tmp_path / "evil_zip.pth"
    torch.save({"model": {"x": torch.zeros(1)}, "payload": Exploit()}, path)
    _assert_refused(path, "pickled code")
    assert not marker.exists()


def test_encoder_only_checkpoint_refused(tmp_path, tiny_model):
    sd = {k: v for k, v in tiny_model.state_dict().items() if not k.startswith(("decoder", "mask_token"))}
    path = tmp_path / "mae_pretrain_vit_base.pth"
    torch.save({"model": sd}, path)
    _assert_refused(path, "encoder-only")


def test_finetuned_classifier_refused(tmp_path, tiny_model):
    sd = {k: v for k, v in tiny_model.state_dict().items() if not k.startswith(("decoder", "mask_token"))}
    sd["head.weight"] = torch.zeros(1000, 32)
    sd["head.bias"] = torch.zeros(1000)
    path = tmp_path / "mae_finetuned_vit_base.pth"
    torch.save({"model": sd}, path)
    _assert_refused(path, "fine-tuned classifier")


def test_other_model_refused(tmp_path):
    path = tmp_path / "resnet.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7), "fc.weight": torch.zeros(10, 64)}, path)
    _assert_refused(path, "not an MAE checkpoint")


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda sd: sd.pop("decoder_norm.weight"), "missing keys: decoder_norm.weight"),
        (lambda sd: sd.__setitem__("extra.weight", torch.zeros(2)), "unexpected keys: extra.weight"),
        (lambda sd: sd.__setitem__("norm.weight", torch.zeros(5)), "misshaped keys: norm.weight"),
    ],
)
def test_strict_keys(tmp_path, tiny_model, edit, pattern):
    sd = dict(tiny_model.state_dict())
    edit(sd)
    path = tmp_path / "edited.pth"
    torch.save({"model": sd}, path)
    _assert_refused(path, pattern, num_heads=2, decoder_num_heads=2)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.pth"
    path.write_bytes(b"")
    _assert_refused(path, "empty")


def test_text_file(tmp_path):
    path = tmp_path / "notes.safetensors"
    path.write_text("hello, I am not a checkpoint\n")
    _assert_refused(path, "not a checkpoint")


def test_truncated_pth(tmp_path, tiny_model):
    full = tmp_path / "full.pth"
    torch.save({"model": tiny_model.state_dict()}, full)
    path = tmp_path / "truncated.pth"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    _assert_refused(path, "damaged or truncated PyTorch")


def test_pickle_renamed_safetensors(tmp_path, tiny_model):
    path = tmp_path / "renamed.safetensors"
    torch.save({"model": tiny_model.state_dict()}, path)
    # Content decides, not the name: it is a valid plain-tensor PyTorch file.
    assert load_model(path, num_heads=2, decoder_num_heads=2).config.embed_dim == 32


def test_damaged_safetensors_header(tmp_path, tiny_model):
    good = save_checkpoint(tiny_model, tmp_path / "good.safetensors")
    data = bytearray(good.read_bytes())
    data[20:40] = b"\x00" * 20  # corrupt the JSON header
    path = tmp_path / "damaged.safetensors"
    path.write_bytes(bytes(data))
    _assert_refused(path, "damaged or truncated safetensors")


def test_truncated_safetensors(tmp_path, tiny_model):
    good = save_checkpoint(tiny_model, tmp_path / "good.safetensors")
    path = tmp_path / "short.safetensors"
    path.write_bytes(good.read_bytes()[:-100])
    _assert_refused(path, "damaged or truncated safetensors")


def test_damaged_metadata(tmp_path, tiny_model):
    tensors = {k: v.contiguous() for k, v in tiny_model.state_dict().items()}
    path = tmp_path / "meta.safetensors"
    save_file(tensors, path, metadata={"format": "mae-studio", "config": "{not json"})
    _assert_refused(path, "damaged architecture metadata")


def test_hf_folder_without_weights(tmp_path):
    shutil.copy(CONFORMANCE / "p16_pixel" / "config.json", tmp_path / "config.json")
    _assert_refused(tmp_path, "no weights")


def test_hf_folder_with_an_empty_shard_index(tmp_path):
    shutil.copy(CONFORMANCE / "p16_pixel" / "config.json", tmp_path / "config.json")
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {}}))
    _assert_refused(tmp_path, "model.safetensors.index.json: the shard index lists no weights")


def test_folder_without_config(tmp_path):
    _assert_refused(tmp_path, "without config.json")


def test_missing_path(tmp_path):
    _assert_refused(tmp_path / "nope.pth", "no such file")


def test_hf_config_of_another_model(tmp_path):
    src = CONFORMANCE / "p16_pixel"
    shutil.copy(src / "model.safetensors", tmp_path / "model.safetensors")
    cfg = json.loads((src / "config.json").read_text())
    cfg["model_type"] = "vit"
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="not vit_mae"):
        read_checkpoint(tmp_path)
