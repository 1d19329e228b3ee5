"""CPU threads for inference.

torch's thread count is per OS thread (OpenMP keeps it per thread): call `configure_threads`
on the thread that runs the model, e.g. at the start of the GUI's inference worker.

OpenMP's default is to let idle threads spin. Measured on the shared 2-core machine under
load (ViT-B/16, 75% masked, interleaved): 1 thread 702 ms, 2 spinning threads 2035 ms; with
OMP_WAIT_POLICY=PASSIVE (which mae_studio/__main__.py sets before torch loads) 2 threads took
824 ms. With lighter load (one niced process): passive 1 thread 401 ms, 2 threads 329 ms;
spinning 2 threads 1369 ms. A parallel region waits for its slowest thread, and a spinning
thread holds a core the other one (or the GUI) needs.

A bounded spin (GOMP_SPINCOUNT=3000 instead of PASSIVE) was tried: in a plain script on the idle
machine it cut the default model from 22-25 ms to 13-15 ms (PASSIVE pays a thread wake-up on each
of the few hundred small parallel ops), but in the studio (`mae-studio --bench`, inference on the
worker QThread beside a busy GUI thread) it was slower: 28.0 ms against 24.5 ms idle, and 34-37
against 42-48 inferences per 2-second stroke. PASSIVE stays.
"""

from __future__ import annotations

import os

import torch


def available_cores() -> int:
    """CPU cores this process may run on (affinity-aware where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def interactive_threads(cores: int) -> int:
    """Threads for inference next to a GUI thread.

    With 4+ cores one core is left to the GUI thread, so painting and repaints never wait for
    an OpenMP barrier. With 2-3 cores all of them are used: the GUI thread needs a core only
    for short bursts, and with passive OpenMP waiting (see above) sharing costs little, while
    halving inference threads would nearly double latency on every stroke of an idle machine."""
    return cores - 1 if cores >= 4 else cores


def configure_threads(interactive: bool = True, threads: int | None = None) -> int:
    """Set torch's intra-op threads for the calling thread and return the count.

    interactive=True: `interactive_threads(cores)`; False: every core (batch work, benchmarks).
    `threads` overrides both."""
    cores = available_cores()
    n = threads if threads is not None else (interactive_threads(cores) if interactive else cores)
    n = max(1, int(n))
    torch.set_num_threads(n)
    return n
