"""What a run on several processes (torchrun: one per GPU, or CPU processes with gloo) needs
beyond DistributedDataParallel: who this process is, one decision for all ranks, the loss of the
whole batch, and a final check that every rank holds the same weights."""

from __future__ import annotations

import hashlib
import os

import torch
import torch.distributed as dist
from torch import Tensor

from mae_studio.core.errors import MaeStudioError


def dist_info() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment; (0, 1, 0) otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return int(os.environ.get("RANK", "0")), world, int(os.environ.get("LOCAL_RANK", "0"))


def pick_device(name: str, local_rank: int) -> torch.device:
    if name == "auto":
        return torch.device(f"cuda:{local_rank}") if torch.cuda.is_available() else torch.device("cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device(f"cuda:{local_rank}")
    return dev


def agree(value: int, device: torch.device, world: int) -> int:
    """Every rank takes rank 0's decision (plans and stops must match across processes)."""
    if world == 1:
        return value
    t = torch.tensor([value], device=device)
    dist.broadcast(t, 0)
    return int(t.item())


def weights_digest(model: torch.nn.Module) -> str:
    """sha256 of the weights (names, shapes and bytes, in state-dict order)."""
    h = hashlib.sha256()
    for name, t in model.state_dict().items():
        h.update(f"{name}{tuple(t.shape)}{t.dtype}".encode())
        h.update(t.detach().to("cpu").contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def check_ranks_agree(digest: str, device: torch.device, world: int) -> None:
    """RanksDisagree on every rank unless all ranks hold the same final weights (what DDP promises;
    a divergence would otherwise go unnoticed, as only rank 0 saves)."""
    mine = torch.tensor(list(bytes.fromhex(digest)), dtype=torch.uint8, device=device)
    gathered = [torch.empty_like(mine) for _ in range(world)]
    dist.all_gather(gathered, mine)
    digests = {bytes(t.tolist()).hex() for t in gathered}
    if len(digests) > 1:
        dist.destroy_process_group()
        raise RanksDisagree(f"the {world} processes ended with different weights; nothing was written")


def batch_mean(loss: Tensor, world: int) -> float:
    """The loss of the whole batch: each rank's loss averaged over the ranks (a collective, so
    every rank gets the same number and a NaN on one stops all of them, none waits alone)."""
    loss = loss.detach()
    if world > 1:
        loss = loss.clone()
        dist.all_reduce(loss)
        loss /= world
    return float(loss)


class RanksDisagree(MaeStudioError):
    """The processes of a run ended with different weights."""
