"""Two processes under torchrun (gloo): counts are summed over ranks and only rank 0 writes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from relu_tui.engine.records import ACTIVE, ALIVE, DEAD
from relu_tui.monitor import read_run

SCRIPT = Path(__file__).with_name("monitor_ddp_script.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def torchrun(*args: str) -> subprocess.CompletedProcess:
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
           "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node", "2",
               "--master-addr", "127.0.0.1", "--master-port", str(free_port()), str(SCRIPT), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_a_unit_is_dead_only_if_dead_on_every_rank(tmp_path):
    torchrun(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rank0"]  # rank 1 wrote nothing
    log = read_run(tmp_path / "rank0")
    assert log.meta.world_size == 2 and log.steps.tolist() == [1, 2, 3] and log.epochs.tolist() == [0, 1, 2]
    for r in log.records:
        stats = r.layers["1"]
        assert stats.inputs == 10
        assert stats.state.tolist() == [ACTIVE, DEAD, ACTIVE]  # unit 0: dead on rank 0's data only
        assert stats.active_share.tolist()[:2] == [0.6000000238418579, 0.0]
        assert stats.died_step.tolist() == [ALIVE, 1, ALIVE] and stats.grad_norm[1] == 0.0


def test_fsdp_is_refused_with_one_clear_line_on_every_rank(tmp_path):
    done = torchrun(str(tmp_path), "fsdp")
    refusals = [line for line in done.stdout.splitlines() if line.startswith("refused: ")]
    assert len(refusals) == 2 and "FSDP (fully_shard) is not supported" in refusals[0], done.stdout
    assert not any(tmp_path.iterdir())
