"""Every MAE checkpoint a user may have loads, with the right architecture and target, and says
where they came from: the official training script's checkpoint-N.pth, Hugging Face ViTMAE as
transformers 4 and 5 write it (one file or shards), checked against transformers' own logits."""

from __future__ import annotations

import argparse
import json
import pathlib
from pathlib import Path

import numpy as np
import pytest
import torch

from mae_studio.core import CheckpointError, load_model
from mae_studio.core.checkpoint_checks import architecture_from_shapes
from mae_studio.core.checkpoint_layouts import OFFICIAL_MODELS, hints_from_args
from mae_studio.core.checkpoints import read_checkpoint_card
from mae_studio.core.config import PRESETS, MAEConfig
from mae_studio.core.model import MaskedAutoencoderViT
from tests.conftest import CONFORMANCE, reference_random_mask

from .checkpoint_samples import HF_ORACLE, copy_hf_case, shards_to_bin, to_hub_layout, training_checkpoint

ORACLE = json.loads((HF_ORACLE / "manifest.json").read_text())
TOL = 1e-5  # float32; in practice they agree to ~2e-7


def _logits_error(model: MaskedAutoencoderViT, case: str) -> float:
    exp = np.load(HF_ORACLE / case / "expected.npz")
    mask = reference_random_mask(torch.from_numpy(exp["noise"]), ORACLE["cases"][case]["mask_ratio"])
    np.testing.assert_array_equal(mask.numpy(), exp["mask"])  # the same noise, the same mask
    imgs = torch.from_numpy(exp["pixel_values"])
    with torch.inference_mode():
        pred = model(imgs, mask)
        loss = model.loss(imgs, pred, mask)
    assert abs(float(loss) - float(exp["loss"])) <= TOL
    return float(np.abs(pred.numpy() - exp["logits"]).max())


# ----------------------------------------------------------------------------------
# Hugging Face transformers as the peer oracle


@pytest.mark.parametrize("case", sorted(ORACLE["cases"]))
def test_transformers_logits_reproduced(case: str) -> None:
    model = load_model(HF_ORACLE / case)
    fields = ORACLE["cases"][case]["config"]
    c = model.config
    assert (c.img_size, c.patch_size, c.embed_dim, c.depth) == (
        fields["image_size"], fields["patch_size"], fields["hidden_size"], fields["num_hidden_layers"]
    )  # fmt: skip
    assert (c.num_heads, c.decoder_embed_dim, c.decoder_num_heads) == (
        fields["num_attention_heads"], fields["decoder_hidden_size"], fields["decoder_num_attention_heads"]
    )  # fmt: skip
    assert c.mlp_ratio == fields["intermediate_size"] / fields["hidden_size"]
    assert c.layer_norm_eps == fields.get("layer_norm_eps", 1e-12)
    assert c.norm_pix_loss is fields.get("norm_pix_loss", False)
    assert model.card is not None and model.card.heads_from == "config.json"
    assert _logits_error(model, case) <= TOL


def test_transformers5_and_hub_decoder_layouts_give_the_same_logits(tmp_path: Path) -> None:
    case = "p14_56_wide_decoder"
    t5 = load_model(copy_hf_case(case, tmp_path / "t5"))
    hub_folder = copy_hf_case(case, tmp_path / "hub")
    to_hub_layout(hub_folder)
    hub = load_model(hub_folder)
    assert t5.card.format == "Hugging Face ViTMAE (transformers 5 save_pretrained layout)"
    assert hub.card.format == "Hugging Face ViTMAE"
    for key, value in t5.state_dict().items():
        assert torch.equal(value, hub.state_dict()[key]), key
    assert _logits_error(hub, case) <= TOL


def test_transformers5_internal_names() -> None:
    model = load_model(HF_ORACLE / "p16_64_mlp2_internal_names")
    assert model.card.format == "Hugging Face ViTMAE (transformers 5 internal names)"
    assert model.config.mlp_ratio == 2.0 and model.config.decoder_num_heads == 1


def test_sharded_safetensors_folder_and_its_index_file() -> None:
    folder = HF_ORACLE / "p4_32_sharded_normpix"
    by_folder = load_model(folder)
    by_index = load_model(folder / "model.safetensors.index.json")
    assert by_folder.card.format.endswith(", 5 shards") and by_folder.config.norm_pix_loss
    assert by_folder.card.target == "normalized pixels" and by_folder.card.target_from == "config.json"
    for key, value in by_folder.state_dict().items():
        assert torch.equal(value, by_index.state_dict()[key]), key


def test_sharded_pytorch_bin_folder(tmp_path: Path) -> None:
    folder = copy_hf_case("p4_32_sharded_normpix", tmp_path / "bin")
    shards_to_bin(folder)
    assert sorted(p.name for p in folder.glob("*.bin"))[0] == "pytorch_model-00001-of-00005.bin"
    model = load_model(folder)
    assert model.card.format.endswith(", 5 shards")
    assert _logits_error(model, "p4_32_sharded_normpix") <= TOL


def test_a_decoder_mlp_ratio_of_its_own_is_refused(tmp_path: Path) -> None:
    folder = copy_hf_case("p8_160_normpix", tmp_path / "m")
    from safetensors.torch import load_file, save_file

    tensors = load_file(folder / "model.safetensors")
    for key in list(tensors):
        if ".decoder_encoder.layer.0.intermediate.dense" in key:
            tensors[key] = tensors[key][:32]  # decoder MLP 16 -> 32 (ratio 2) while the encoder keeps 4
        elif ".decoder_encoder.layer.0.output.dense.weight" in key:
            tensors[key] = tensors[key][:, :32].contiguous()
    save_file(tensors, folder / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"decoder's MLP ratio \(2\) differs from its encoder's \(4\)"):
        load_model(folder)


def test_config_json_that_disagrees_with_the_weights_is_refused(tmp_path: Path) -> None:
    folder = copy_hf_case("p8_160_normpix", tmp_path / "m")
    cfg = json.loads((folder / "config.json").read_text())
    cfg["hidden_size"] = 768
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match=r"config\.json gives embed_dim 768 but the weights have 32"):
        load_model(folder)


# ----------------------------------------------------------------------------------
# the official training script's checkpoint-N.pth


def _official(case: str) -> tuple[dict, MAEConfig]:
    arch = json.loads((CONFORMANCE / "manifest.json").read_text())["cases"][case]["architecture"]
    sd = torch.load(CONFORMANCE / case / "official.pth", weights_only=True)["model"]
    return sd, MAEConfig(**arch)


@pytest.fixture
def conformance_model_is_official(monkeypatch: pytest.MonkeyPatch) -> str:
    """Register the conformance architecture as if models_mae.py defined it, so its training
    args name a known model (the real ones are 0.3-2.5 GB)."""
    name = "mae_vit_conformance_patch16"
    _, config = _official("p16_normpix")
    monkeypatch.setitem(PRESETS, "conformance_patch16", config)
    monkeypatch.setitem(OFFICIAL_MODELS, name, "conformance_patch16")
    return name


def _conformance_pred(model: MaskedAutoencoderViT, case: str) -> tuple[np.ndarray, np.ndarray]:
    exp = np.load(CONFORMANCE / case / "expected.npz")
    imgs = torch.from_numpy(exp["image_normalized"])
    with torch.inference_mode():
        pred = model(imgs, reference_random_mask(torch.from_numpy(exp["noise"]), float(exp["mask_ratio"])))
    return pred.numpy(), exp["pred"]


@pytest.mark.parametrize("name", ["checkpoint-799.pth", "my_run_final.pth"])
def test_training_checkpoint_loads_with_its_target_from_the_args(
    tmp_path: Path, conformance_model_is_official: str, name: str
) -> None:
    sd, config = _official("p16_normpix")
    path = tmp_path / name  # renamed: no "_full" to guess from
    ckpt = training_checkpoint(
        sd, config, model=conformance_model_is_official, norm_pix_loss=True, input_size=64
    )
    torch.save(ckpt, path)
    assert isinstance(ckpt["args"], argparse.Namespace) and ckpt["optimizer"]["state"]
    model = load_model(path)  # no heads given, no question asked
    assert model.config.norm_pix_loss and (model.config.num_heads, model.config.decoder_num_heads) == (4, 4)
    assert model.card.as_dict() == {
        "format": "official training checkpoint (epoch 799)",
        "heads_from": f"training args ({conformance_model_is_official})",
        "target": "normalized pixels",
        "target_from": "training args",
    }
    ours, reference = _conformance_pred(model, "p16_normpix")
    np.testing.assert_allclose(ours, reference, atol=1e-4, rtol=0)


def test_training_args_beat_the_file_name(tmp_path: Path, conformance_model_is_official: str) -> None:
    sd, config = _official("p16_pixel")
    path = tmp_path / "mae_pretrain_vit_full.pth"  # "_full", but trained on pixels
    torch.save(training_checkpoint(sd, config, model=conformance_model_is_official, input_size=64), path)
    model = load_model(path)
    assert not model.config.norm_pix_loss and model.card.target_from == "training args"
    ours, reference = _conformance_pred(model, "p16_pixel")
    np.testing.assert_allclose(ours, reference, atol=1e-4, rtol=0)


def test_training_args_beat_a_config_json_beside(tmp_path: Path) -> None:
    sd, config = _official("p16_normpix")
    path = tmp_path / "checkpoint-799.pth"
    torch.save(
        training_checkpoint(sd, config, model="mae_vit_small", norm_pix_loss=True, input_size=64), path
    )
    cfg = json.loads((CONFORMANCE / "p16_pixel" / "config.json").read_text())  # norm_pix_loss false
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    model = load_model(path)
    assert model.config.norm_pix_loss and model.card.target_from == "training args"
    assert model.card.heads_from == "config.json"


def test_training_checkpoint_of_an_unlisted_model_takes_given_heads(tmp_path: Path) -> None:
    sd, config = _official("p16_normpix")
    path = tmp_path / "checkpoint-20.pth"
    torch.save(
        training_checkpoint(sd, config, epoch=20, model="mae_vit_small_patch16", norm_pix_loss=True), path
    )
    with pytest.raises(CheckpointError, match="training args gives img_size 224 but the weights have 64"):
        load_model(path, num_heads=4, decoder_num_heads=4)
    torch.save(training_checkpoint(sd, config, model="mae_vit_small_patch16", norm_pix_loss=True,
                                   input_size=64), path)  # fmt: skip
    with pytest.raises(CheckpointError, match="cannot tell the num heads of a 64-wide model"):
        load_model(path)
    _, _, card = read_checkpoint_card(path, num_heads=4, decoder_num_heads=4)
    assert (card.heads_from, card.target, card.target_from) == ("given", "normalized pixels", "training args")


@pytest.mark.parametrize("preset", sorted(OFFICIAL_MODELS))
def test_official_model_names_give_the_heads(preset: str) -> None:
    with torch.device("meta"):
        sd = MaskedAutoencoderViT(PRESETS[OFFICIAL_MODELS[preset]]).state_dict()
    arch = architecture_from_shapes(Path("checkpoint-799.pth"), sd)
    hints, label = hints_from_args(Path("checkpoint-799.pth"), {"model": preset, "norm_pix_loss": True}, arch)
    expected = PRESETS[OFFICIAL_MODELS[preset]]
    assert hints == {"norm_pix_loss": True, "num_heads": expected.num_heads, "decoder_num_heads": 16}
    assert label == f"training args ({preset})"


def test_args_naming_another_official_model_are_refused() -> None:
    with torch.device("meta"):
        sd = MaskedAutoencoderViT(PRESETS["vit_base_patch16"]).state_dict()
    arch = architecture_from_shapes(Path("c.pth"), sd)
    with pytest.raises(CheckpointError, match="name mae_vit_large_patch16, whose embed_dim is 1024"):
        hints_from_args(Path("c.pth"), {"model": "mae_vit_large_patch16"}, arch)


def test_args_holding_other_objects_are_refused_in_one_line(tmp_path: Path) -> None:
    sd, config = _official("p16_pixel")
    ckpt = training_checkpoint(sd, config, output_dir=pathlib.PurePosixPath("/runs/mae"))
    path = tmp_path / "checkpoint-9.pth"
    torch.save(ckpt, path)
    with pytest.raises(CheckpointError) as info:
        load_model(path, num_heads=4, decoder_num_heads=4)
    message = str(info.value)
    assert "objects other than tensors (pathlib.PurePosixPath)" in message
    assert "\x1b" not in message and "\n" not in message and "weights_only" not in message


def test_bad_norm_pix_loss_in_args_is_refused(tmp_path: Path) -> None:
    sd, config = _official("p16_pixel")
    path = tmp_path / "checkpoint-1.pth"
    torch.save(training_checkpoint(sd, config, norm_pix_loss="yes", input_size=64), path)
    with pytest.raises(
        CheckpointError, match="training args: norm_pix_loss must be true or false, not str 'yes'"
    ):
        load_model(path, num_heads=4, decoder_num_heads=4)


# ----------------------------------------------------------------------------------
# model cards of the other layouts


def test_cards_of_own_and_official_files(tmp_path: Path) -> None:
    from mae_studio.core import save_checkpoint

    own = load_model(save_checkpoint(load_model(CONFORMANCE / "p16_normpix"), tmp_path / "own.safetensors"))
    assert own.card.as_dict() == {
        "format": "MAE Studio safetensors",
        "heads_from": "file metadata",
        "target": "normalized pixels",
        "target_from": "file metadata",
    }
    full = tmp_path / "mae_pretrain_vit_tiny_full.pth"
    full.write_bytes((CONFORMANCE / "p16_normpix" / "official.pth").read_bytes())
    card = load_model(full, num_heads=4, decoder_num_heads=4).card
    assert (card.format, card.heads_from, card.target_from) == (
        "official MAE .pth",
        "given",
        "file name (_full)",
    )
    alone = tmp_path / "mae_visualize_vit_tiny.pth"  # no config.json beside it
    alone.write_bytes((CONFORMANCE / "p16_pixel" / "official.pth").read_bytes())
    plain = load_model(alone, num_heads=4, decoder_num_heads=4).card
    assert (plain.target, plain.target_from) == ("pixels", "default")
    assert plain.summary() == "official MAE .pth; heads from given; target pixels (from default)"


def test_reconstruct_report_carries_the_card(tmp_path: Path, conformance_model_is_official: str) -> None:
    from PIL import Image

    from mae_studio.__main__ import main

    sd, config = _official("p16_normpix")
    path = tmp_path / "checkpoint-799.pth"
    torch.save(training_checkpoint(sd, config, model=conformance_model_is_official, norm_pix_loss=True,
                                   input_size=64), path)  # fmt: skip
    Image.open(CONFORMANCE / "p16_normpix" / "input.png").save(tmp_path / "photo.png")
    out = tmp_path / "out"
    assert (
        main(["reconstruct", str(tmp_path / "photo.png"), "--checkpoint", str(path), "--out", str(out)]) == 0
    )
    doc = json.loads((out / "photo.json").read_text())
    assert doc["model_card"] == {
        "format": "official training checkpoint (epoch 799)",
        "heads_from": f"training args ({conformance_model_is_official})",
        "target": "normalized pixels",
        "target_from": "training args",
    }
    assert doc["denormalized"] is True  # the target kind reached the reconstruction
