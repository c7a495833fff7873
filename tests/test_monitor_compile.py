"""The Monitor on a model under torch.compile (its own file: compiling takes most of a minute)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from relu_tui.monitor import Monitor


def test_names_under_torch_compile_have_no_orig_mod_prefix(tmp_path):
    torch.manual_seed(5)
    model = torch.compile(nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1)))
    with Monitor(model, tmp_path / "run") as monitor:
        for _ in range(2):
            model(torch.randn(5, 4)).square().mean().backward()
            record = monitor.step()
            model.zero_grad()
    assert [(i.name, i.fed_by) for i in monitor.layers] == [("1", "0")]
    assert record.layers["1"].inputs == 5 and np.isfinite(record.layers["1"].grad_norm).all()
