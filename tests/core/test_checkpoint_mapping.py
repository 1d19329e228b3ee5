"""Zip .pth files are memory-mapped, not read; the checks and the content sniffing stay."""

from __future__ import annotations

import os

import torch

from mae_studio.core import MaskedAutoencoderViT, load_model
from mae_studio.core.checkpoint_checks import check_values
from tests.core.test_checkpoints import TINY, _pred

HEADS = {"num_heads": TINY.num_heads, "decoder_num_heads": TINY.decoder_num_heads}


def _tiny() -> MaskedAutoencoderViT:
    torch.manual_seed(0)
    model = MaskedAutoencoderViT(TINY)
    model.init_weights()
    return model.eval()


def test_a_mapped_pth_gives_the_saved_model_and_survives_its_file_being_deleted(tmp_path):
    model, path = _tiny(), tmp_path / "official.pth"
    torch.save({"model": model.state_dict()}, path)
    loaded = load_model(path, **HEADS)
    os.remove(path)  # Linux keeps a mapped file's pages while the model holds them
    assert torch.equal(_pred(loaded), _pred(model))
    assert torch.equal(loaded.blocks[0].attn.qkv.weight, model.blocks[0].attn.qkv.weight)


def test_a_mapped_model_can_be_written_without_touching_its_file(tmp_path):
    model, path = _tiny(), tmp_path / "official.pth"
    torch.save({"model": model.state_dict()}, path)
    before = path.read_bytes()
    loaded = load_model(path, **HEADS)
    with torch.no_grad():
        loaded.blocks[0].attn.qkv.weight.mul_(2.0)  # a private mapping: copy on write
    assert path.read_bytes() == before
    assert torch.equal(load_model(path, **HEADS).blocks[0].attn.qkv.weight, model.blocks[0].attn.qkv.weight)


def test_a_torch_zip_named_safetensors_is_still_read_by_content(tmp_path):
    model, path = _tiny(), tmp_path / "misnamed.safetensors"
    torch.save({"model": model.state_dict()}, path)
    assert torch.equal(_pred(load_model(path, **HEADS)), _pred(model))


def test_finite_weights_whose_float32_sum_overflows_pass_the_exact_check(tmp_path):
    big = torch.full((4,), 3.0e38, dtype=torch.float32)  # finite; their float32 sum is inf
    check_values(tmp_path / "x.pth", {"w": big, "h": big.to(torch.float64)})
