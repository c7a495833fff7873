"""What a :class:`relu_tui.Monitor` costs a user's own training loop, against what people do instead, in the
same run: steps per second with no monitoring, with the Monitor recording every step and every tenth, with
the common naive monitor (a forward hook computing each layer's dead mask, synchronising with the host every
step) and with TensorBoard histograms of the same activations (every step, every tenth), on the
784-256-256-10 MLP and a ResNet-18-sized CNN; and what one record costs as a layer grows to 131,072 units."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from relu_tui.monitor import Monitor

SETTINGS = ("plain", "monitor every 1", "monitor every 10", "naive every 1", "tensorboard every 1",
            "tensorboard every 10")  # the order of the table's columns


@dataclass(frozen=True)
class MonitorCost:
    label: str
    ms: dict[str, float]  # per optimization step, by setting; a setting whose package is missing is absent
    ratios: dict[str, float]  # to the plain loop measured beside it

    @property
    def plain_ms(self) -> float:
        return self.ms["plain"]

    def ratio(self, setting: str) -> float:
        return self.ratios[setting]


def _mlp() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    return model, torch.randn(128, 784), torch.randint(0, 10, (128,))


class _Block(nn.Module):
    """ResNet-18's BasicBlock (one ReLU module used twice, as torchvision's)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + self.downsample(x))


def _resnet18(batch: int = 16, width: int = 64) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """ResNet-18 for 32x32 images (11.2 M parameters at width 64, 17 activation sites)."""
    layers, cin = [nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True)], width
    for cout, stride in ((width, 1), (2 * width, 2), (4 * width, 2), (8 * width, 2)):
        layers += [_Block(cin, cout, stride), _Block(cout, cout, 1)]
        cin = cout
    model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10))
    return model, torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,))


class _Naive:
    """The common hand-made monitor: a forward hook per ReLU computing the layer's dead mask (no unit above 0
    in this batch) and reading the dead count back to the host every step."""

    def __init__(self, model: nn.Module) -> None:
        self.dead: dict[str, int] = {}
        self.handles = [m.register_forward_hook(self._hook(name)) for name, m in model.named_modules()
                        if isinstance(m, nn.ReLU)]

    def _hook(self, name: str):
        def hook(module, args, output):
            units = output.detach().transpose(0, 1).reshape(output.shape[1], -1) if output.ndim > 2 \
                else output.detach().t()
            self.dead[name] = int((units <= 0).all(dim=1).sum().item())  # a host sync per call
        return hook

    def step(self, loss) -> None:
        pass

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()


class _Histograms:
    """TensorBoard histograms of every ReLU's output, written every ``every`` steps."""

    def __init__(self, model: nn.Module, directory: Path, every: int) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(directory))
        self.every, self.steps, self.outputs = every, 0, {}
        self.handles = [m.register_forward_hook(self._hook(name)) for name, m in model.named_modules()
                        if isinstance(m, nn.ReLU)]

    def _hook(self, name: str):
        def hook(module, args, output):
            if (self.steps + 1) % self.every == 0:
                self.outputs.setdefault(name, []).append(output.detach())
        return hook

    def step(self, loss) -> None:
        self.steps += 1
        for name, outputs in self.outputs.items():
            for call, output in enumerate(outputs):
                self.writer.add_histogram(f"{name}#{call}", output, self.steps)
        self.outputs = {}

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.writer.close()


def _watcher(setting: str, model: nn.Module, directory: Path):
    run = directory / f"{setting.replace(' ', '-')}-{time.monotonic_ns()}"
    if setting.startswith("monitor"):
        return Monitor(model, run, every=int(setting.split()[-1]))
    if setting.startswith("naive"):
        return _Naive(model)
    if setting.startswith("tensorboard"):
        return _Histograms(model, run, int(setting.split()[-1]))
    return None


class _Loop:
    """One setting's model, optimizer and watcher, stepping on its own batch."""

    def __init__(self, build: Callable, setting: str, directory: Path) -> None:
        torch.manual_seed(0)
        self.model, self.x, self.y = build()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.watcher = _watcher(setting, self.model, directory)

    def step(self) -> None:
        self.optimizer.zero_grad()
        loss = nn.functional.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.optimizer.step()
        if self.watcher is not None:
            self.watcher.step(loss)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()


def _seconds_per_step(build: Callable, settings: list[str], steps: int, chunk: int, directory: Path) -> dict:
    """Seconds per step of each setting, the settings taking turns ``chunk`` steps at a time (every=10's
    records fall evenly in every chunk), so a shared machine's slow moments fall on all of them alike."""
    loops = {setting: _Loop(build, setting, directory) for setting in settings}
    for loop in loops.values():  # warm up, and let the monitor find its layers
        for _ in range(5):
            loop.step()
    spent = dict.fromkeys(settings, 0.0)
    for _ in range(max(steps // chunk, 1)):
        for setting, loop in loops.items():
            begin = time.perf_counter()
            for _ in range(chunk):
                loop.step()
            spent[setting] += time.perf_counter() - begin
    for loop in loops.values():
        loop.close()
    return {setting: seconds / (max(steps // chunk, 1) * chunk) for setting, seconds in spent.items()}


def _available(setting: str) -> bool:
    if not setting.startswith("tensorboard"):
        return True
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def monitor_costs(repeats: int, quick: bool) -> list[MonitorCost]:
    """Medians over ``repeats`` rounds of interleaved settings: the Monitor and the naive monitor beside a
    plain loop, and TensorBoard beside another (its writer's thread would slow whatever ran after it)."""
    groups = [["plain", "monitor every 1", "monitor every 10", "naive every 1"]]
    if _available("tensorboard every 1"):
        groups.append(["plain", "tensorboard every 1", "tensorboard every 10"])
    resnet = ("ResNet-18 at 1/8 width, batch 4 of 3x32x32", lambda: _resnet18(4, 8), 10) if quick else \
        ("ResNet-18, batch 16 of 3x32x32", _resnet18, 40)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, build, steps in (("MLP 784-256-256-10, batch 128", _mlp, 20 if quick else 200), resnet):
            ms, ratios = {}, {}
            for group in groups:
                times: dict[str, list[float]] = {s: [] for s in group}
                for _ in range(repeats):
                    for setting, seconds in _seconds_per_step(build, group, steps, 10, Path(tmp)).items():
                        times[setting].append(seconds)
                medians = {s: 1000 * statistics.median(v) for s, v in times.items()}
                ms = {**medians, **ms}  # the first group's plain loop is the one shown
                ratios.update({s: medians[s] / medians["plain"] for s in group if s != "plain"})
            rows.append(MonitorCost(label, ms, ratios))
    return rows


@dataclass(frozen=True)
class RecordCost:
    units: int
    ms: float  # per record: taking the counts, the states, writing the log
    bytes_per_unit: float  # of records.bin and records.jsonl together


def record_costs(widths: tuple[int, ...] = (1024, 131_072), records: int = 32, rounds: int = 5) -> list[RecordCost]:
    """What a record of one ReLU layer of each width costs (a Linear of 16 inputs, batches of 8): the median
    over ``rounds`` of the time ``records`` calls of ``monitor.step()`` and the flush that writes them all
    take, per record; the forward and backward passes that fill the counts left out."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for width in widths:
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(16, width), nn.ReLU())
            x = torch.randn(8, 16)
            run = Path(tmp) / f"width-{width}"
            per_record = []
            with Monitor(model, run) as monitor:
                for round_ in range(rounds + 1):  # the first round finds the layer and warms up
                    spent = 0.0
                    for _ in range(records):
                        model.zero_grad()
                        model(x).sum().backward()
                        begin = time.perf_counter()
                        monitor.step()
                        spent += time.perf_counter() - begin
                    begin = time.perf_counter()
                    monitor.flush()
                    spent += time.perf_counter() - begin
                    if round_:
                        per_record.append(spent / records)
            size = sum(path.stat().st_size for path in run.glob("records.*"))
            rows.append(RecordCost(width, 1000 * statistics.median(per_record), size / ((rounds + 1) * records) / width))
    return rows
