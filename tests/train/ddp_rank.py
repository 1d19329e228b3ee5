"""Run `mae-studio ARGS...` in one rank of a torchrun job and record what that rank's training
returned in DIR/rank<RANK>.json (only rank 0 reports on the terminal or writes checkpoints).

    python -m torch.distributed.run ... tests/train/ddp_rank.py DIR train PHOTOS --out OUT ...
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import mae_studio.train.trainer as trainer
from mae_studio.__main__ import main

real_train = trainer.train


def recording_train(opts: trainer.RunOptions) -> trainer.TrainResult:
    result = real_train(opts)
    record = {
        "rank": int(os.environ["RANK"]),
        "world": int(os.environ["WORLD_SIZE"]),
        "step": result.step,
        "final_loss": result.final_loss,
        "weights_sha256": result.weights_sha256,
    }
    Path(sys.argv[1], f"rank{record['rank']}.json").write_text(json.dumps(record))
    return result


if __name__ == "__main__":
    trainer.train = recording_train  # cmd_train imports it when it runs
    raise SystemExit(main(sys.argv[2:]))
