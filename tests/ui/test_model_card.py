"""The model panel says where a loaded checkpoint's heads and training target came from."""

from __future__ import annotations

from pathlib import Path

import torch

from mae_studio.ui.model_loader import checkpoint_loader
from mae_studio.ui.model_panel import ModelPanel
from tests.conftest import CONFORMANCE
from tests.core.checkpoint_samples import training_checkpoint
from tests.core.test_checkpoint_layouts import _official


def test_panel_shows_the_card_of_a_training_checkpoint(qtbot, tmp_path: Path) -> None:
    sd, config = _official("p16_normpix")
    path = tmp_path / "renamed_run.pth"
    torch.save(
        training_checkpoint(sd, config, model="mae_vit_small", norm_pix_loss=True, input_size=64), path
    )
    _, info = checkpoint_loader(path, "cpu", num_heads=4, decoder_num_heads=4)()
    assert info.norm_pix_loss
    assert info.source.splitlines() == [
        "official training checkpoint (epoch 799)",
        "heads from given",
        "target normalized pixels (from training args)",
    ]
    panel = ModelPanel(["cpu"], 0, 2)
    qtbot.addWidget(panel)
    panel.set_model(info)
    assert panel.source.text() == info.source


def test_panel_card_of_a_hugging_face_folder(qtbot) -> None:
    _, info = checkpoint_loader(CONFORMANCE / "p16_normpix", "cpu")()
    panel = ModelPanel(["cpu"], 0, 2)
    qtbot.addWidget(panel)
    panel.set_model(info)
    assert panel.source.text() == (
        "Hugging Face ViTMAE\nheads from config.json\ntarget normalized pixels (from config.json)"
    )


def test_the_device_choices_are_filled_in_later_and_the_choice_stays(qtbot):
    panel = ModelPanel(["cpu"], 0, 2)
    qtbot.addWidget(panel)
    panel.device.setCurrentIndex(panel.device.findData("cpu"))
    panel.set_devices(["cpu", "cuda"])
    assert [panel.device.itemData(i) for i in range(panel.device.count())] == ["auto", "cpu", "cuda"]
    assert panel.device.currentData() == "cpu"
