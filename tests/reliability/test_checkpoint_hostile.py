"""Issue 16, classes 1 and 2: a checkpoint's sizes are checked against its data before anything
is built or decompressed, and a model that loads works. Every case is refused with its reason
in bounded memory; through the command line it is one line, in the window the same line."""

from __future__ import annotations

import math

import pytest
import torch

from mae_studio.__main__ import main
from mae_studio.core import CheckpointError, load_model
from tests.reliability import hostile_checkpoints as H

from .bounded import peak_growth
from .test_checkpoint_refusals import _png

T = H.TINY
BUILDERS: dict[str, H.Builder] = {
    # class 1: sizes believed before data is seen
    "zero_elements_claim_4096_wide_400_blocks": lambda t: (
        H.zero_element_claims(t, 399),
        r"patch_embed\.proj\.weight has shape \[4096, 3, 16, 0\], not 4 non-empty dimensions",
    ),
    "zero_elements_claim_4096_wide_100_blocks": lambda t: (
        H.zero_element_claims(t, 99),
        r"patch_embed\.proj\.weight has shape \[4096, 3, 16, 0\], not 4 non-empty dimensions",
    ),
    "shipped_weights_plus_empty_block_3000": lambda t: (
        H.shipped_plus(t, "blocks.3000.norm1.weight"),
        r"names block blocks\.3000: more than the 128 blocks",
    ),
    "shipped_weights_plus_empty_block_100": lambda t: (
        H.shipped_plus(t, "blocks.100.norm1.weight"),
        "its metadata gives depth 6 but the weights have 101",
    ),
    "heads_only_metadata_plus_empty_block_100": lambda t: (
        H.own_file(
            t,
            "b100.safetensors",
            {**H.tiny_state(), "blocks.100.norm1.weight": torch.zeros(0)},
            {"format": "mae-studio", "config": '{"num_heads": 2, "decoder_num_heads": 2}'},
        ),
        r"missing keys: blocks\.1\.attn\.proj\.bias, .* and 1195 more; misshaped keys: blocks\.100\.norm1",
    ),
    "deflate_bomb_2_gib_in_a_2_mb_pth": lambda t: (H.deflate_bomb(t), "compression bomb"),
    "deflate_bomb_declared_4_kib": lambda t: (H.deflate_bomb(t, declared=4096), "damaged or truncated"),
    "legacy_pickle_storage_of_3e9_floats": lambda t: (H.legacy_huge_storage(t), "damaged or truncated"),
    "fp16_view_of_one_value_as_1e10": lambda t: (
        H.expanded_view(t),
        r"its tensors claim 20,000,\d{3},\d{3} bytes of data, more than the file's \d{3},\d{3} bytes",
    ),
    "pickle_index_over_8_mib": lambda t: (
        H.torch_file(t, {"model": H.tiny_state(), "notes": "x" * (9 << 20)}),
        r"data\.pkl is 9,4\d\d,\d{3} bytes: too large",
    ),
    "shard_outside_its_folder": lambda t: (
        H.shards(t, {"norm.weight": "../x.safetensors"}),
        r"points outside its folder \(\.\./x\.safetensors\)",
    ),
    "shard_absolute_path": lambda t: (
        H.shards(t, {"norm.weight": "/etc/passwd"}),
        "points outside its folder",
    ),
    "shard_symlink_outside": lambda t: (H.outside_symlink(t), r"outside its folder \(link\.safetensors\)"),
    "shard_missing": lambda t: (H.shards(t, {"norm.weight": "gone.safetensors"}), "not a file in its folder"),
    "key_in_another_shard": lambda t: (
        H.split_tiny(t, misplace="norm.weight"),
        r"the index places norm\.weight in b\.safetensors, which lacks it",
    ),
    "key_not_in_the_index": lambda t: (
        H.split_tiny(t, unlisted=True),
        r"a\.safetensors holds norm\.weight, which the index does not place there",
    ),
    "config_json_of_5_mib": lambda t: (
        H.hf_folder(t, text=" " * (5 << 20) + "{}"),
        r"unreadable config\.json: 5,242,882 bytes, over the 4,194,304-byte limit",
    ),
    "config_json_nested_100000_deep": lambda t: (
        H.hf_folder(t, text=H.nested(100_000)),
        "nested 100000 levels deep",
    ),
    "metadata_config_nested_100000_deep": lambda t: (
        H.own_file(t, "deep.safetensors", meta={"format": "mae-studio", "config": H.nested(100_000)}),
        "damaged architecture metadata: nested 100000 levels deep",
    ),
    # class 2: a model that loads must work
    "nan_weight": lambda t: (
        H.own_file(t, "nan.safetensors", H.edited(norm__weight=torch.full((32,), math.nan))),
        "norm.weight holds NaN or infinite values",
    ),
    "inf_weight": lambda t: (
        H.own_file(t, "inf.safetensors", H.edited(blocks__0__attn__qkv__bias=torch.full((96,), math.inf))),
        r"blocks\.0\.attn\.qkv\.bias holds NaN or infinite values",
    ),
    "bool_weights": lambda t: (
        H.own_file(t, "bool.safetensors", H.edited(norm__weight=torch.ones(32, dtype=torch.bool))),
        "norm.weight holds bool values, not floating-point weights",
    ),
    "int32_weights": lambda t: (
        H.own_file(t, "int.safetensors", H.edited(mask_token=torch.ones(1, 1, 16, dtype=torch.int32))),
        "mask_token holds int32 values, not floating-point weights",
    ),
    "weights_that_overflow": lambda t: (
        H.own_file(t, "big.safetensors", H.edited(decoder_pred__weight=torch.full((768, 16), 3e38))),
        "check reconstruction gives NaN or infinite values",
    ),
    "config_json_a_list": lambda t: (H.hf_folder(t, text="[1, 2]"), "does not hold a JSON object"),
    "config_json_a_number": lambda t: (H.hf_folder(t, text="42"), "does not hold a JSON object"),
    "float_heads": lambda t: (
        H.hf_folder(t, lambda c: c.update(num_attention_heads=4.0)),
        "config.json: num_heads must be a whole number, not 4.0",
    ),
    "huge_heads": lambda t: (
        H.hf_folder(t, lambda c: c.update(num_attention_heads=10**30)),
        r"config\.json: num_heads a 100-bit int is outside 1\.\.1024",
    ),
    "string_eps": lambda t: (
        H.hf_folder(t, lambda c: c.update(layer_norm_eps="1e-6")),
        "layer_norm_eps must be a number, not str '1e-6'",
    ),
    "nan_eps_in_metadata": lambda t: (
        H.own_file(t, "eps.safetensors", meta=H.own_meta(layer_norm_eps=math.nan)),
        r"its metadata: layer_norm_eps nan is outside \(0, 1\]",
    ),
    "dict_name": lambda t: (
        H.own_file(t, "name.safetensors", meta=H.own_meta(name={"a": 1})),
        "its metadata: name must be text, not a dict",
    ),
    "control_character_name": lambda t: (
        H.own_file(t, "ctl.safetensors", meta=H.own_meta(name="evil\x1b[2J\nname")),
        "name must be one printable line",
    ),
    "patch_size_0": lambda t: (
        H.own_file(t, "p0.safetensors", H.edited(patch_embed__proj__weight=torch.zeros(32, 3, 0, 0))),
        r"patch_embed\.proj\.weight has shape \[32, 3, 0, 0\]",
    ),
    "empty_pos_embed": lambda t: (
        H.own_file(t, "pos0.safetensors", H.edited(pos_embed=torch.zeros(1, 0, 32))),
        r"pos_embed has shape \[1, 0, 32\], not 3 non-empty dimensions",
    ),
    "one_dimensional_pos_embed": lambda t: (
        H.own_file(t, "pos1.safetensors", H.edited(pos_embed=torch.zeros(32))),
        r"pos_embed has shape \[32\], not 3 non-empty dimensions",
    ),
    "scalar_fc1": lambda t: (
        H.own_file(t, "fc1.safetensors", H.edited(blocks__0__mlp__fc1__weight=torch.tensor(1.0))),
        r"blocks\.0\.mlp\.fc1\.weight has shape \[\], not 2 non-empty dimensions",
    ),
    "block_index_of_5000_digits": lambda t: (
        H.own_file(
            t, "digits.safetensors", {**H.tiny_state(), f"blocks.{'9' * 5000}.norm1.weight": torch.zeros(1)}
        ),
        r"names block blocks\.999999…\(5000 digits\)",
    ),
}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_refused_with_the_reason_in_bounded_memory(kind: str, tmp_path) -> None:
    path, reason = BUILDERS[kind](tmp_path)
    with peak_growth() as grown, pytest.raises(CheckpointError, match=reason) as info:
        load_model(path)
    message = str(info.value)
    assert "\n" not in message and "\x1b" not in message and message.isprintable(), message
    assert info.value.path is not None and str(tmp_path) in str(info.value.path)
    assert grown[0] < 64 << 20, f"{grown[0] >> 20} MiB"


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_command_line_and_window_show_one_line(kind: str, tmp_path, capsys) -> None:
    from mae_studio.ui.model_loader import checkpoint_loader
    from mae_studio.ui.worker import describe_error

    path, _ = BUILDERS[kind](tmp_path)
    image = tmp_path / "photo.png"
    image.write_bytes(_png())
    rc = main(["reconstruct", str(image), "--checkpoint", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("mae-studio reconstruct: ") and path.name in err
    with pytest.raises(CheckpointError) as info:
        checkpoint_loader(path, "cpu")()
    shown = describe_error(info.value)  # what the window's message box says
    assert shown == str(info.value) and len(shown.splitlines()) == 1


def test_the_tiny_sources_load(tmp_path) -> None:
    """The builders' starting points are good files: only the edit is refused."""
    assert load_model(H.own_file(tmp_path, "ok.safetensors")).config == T
    assert load_model(H.hf_folder(tmp_path)).config.embed_dim == 64
    assert load_model(H.split_tiny(tmp_path)).card.format.endswith(", 2 shards")
