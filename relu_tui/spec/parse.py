"""The scenario parser: a TOML document, key by key, into a :class:`~relu_tui.spec.scenario.Scenario`."""

from __future__ import annotations

import copy
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import parse_activation
from relu_tui.spec.csvdata import read_csv
from relu_tui.spec.events import check_rate, parse_events
from relu_tui.spec.features import FEATURES, reach
from relu_tui.spec.generators import GENERATORS
from relu_tui.spec.inits import BIAS_KINDS, WEIGHT_KINDS, InitSpec, extent, parse_init
from relu_tui.spec.locate import KeyLocator
from relu_tui.spec.scenario import (
    OPTIMIZERS,
    SWEEP_INITS,
    SWEEP_KINDS,
    TRANSFORMS,
    DataSpec,
    DiagnosisSpec,
    LayerSpec,
    ModelSpec,
    OutputSpec,
    Scenario,
    SweepSpec,
    TrainingSpec,
)
from relu_tui.spec.validate import FLOAT32_MAX, Choice, Context, Integer, KeyPath, Number, Table, Text

MAX_WIDTH = 4096
MAX_LAYERS = 200
MAX_VARIANTS = 64
_VARIANT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The scenario's name becomes part of export and screenshot file names: no separators, no '..'.
_NAME = re.compile(r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
NAME_RULE = "1 to 64 letters, digits, '_', '-' or '.', not starting with '.' or '-' and without '..'"


def parse_scenario(doc: dict[str, Any], source: str | Path | None = None,
                   locator: KeyLocator | None = None) -> Scenario:
    """Validate an already-parsed TOML document, variants included."""
    label = str(source) if source is not None else "<scenario>"
    base_dir = Path(source).parent if source is not None else Path.cwd()
    line_of = locator.line if locator else (lambda path: None)
    variants_raw = doc.get("variants", {})
    body = {k: v for k, v in doc.items() if k != "variants"}
    default_name = _default_name(Path(source).stem) if source is not None else "scenario"
    base = _parse_body(body, Context(label, line_of), base_dir, default_name, allow_variants=True)
    table = Table(variants_raw, ("variants",), Context(label, line_of))
    if len(table.data) > MAX_VARIANTS:  # each one is a whole scenario to validate, and a column in the app
        raise table.error(None, f"too many variants ({len(table.data)})", expected=f"at most {MAX_VARIANTS}")
    variants: dict[str, Scenario] = {}
    for name, override in table.data.items():
        table.used.add(name)
        if name == "base" or not _VARIANT_NAME.fullmatch(name):
            raise table.error(name, "bad variant name", expected="1 to 64 letters, digits, '_' or '-', and not 'base'")
        variants[name] = _parse_variant(body, name, override, label, line_of, base_dir, default_name)
    return replace(base, source=Path(source) if source is not None else None, variants=variants)


def _parse_variant(body: dict[str, Any], name: str, override: Any, label: str, line_of: Any,
                   base_dir: Path, default_name: str) -> Scenario:
    where: KeyPath = ("variants", name)
    ctx = Context(label, line_of)
    table = Table(override, where, ctx)
    summary = table.take("summary", Text(nonempty=False, max_len=500), default="")
    if "seed" in override:
        raise ctx.error((*where, "seed"), "a variant cannot change the seed", value=override["seed"],
                        expected="no seed here: every variant starts from the scenario's seed and weights")
    patch = {k: v for k, v in override.items() if k != "summary"}
    merged = copy.deepcopy(body)
    _merge(merged, patch, where, ctx)
    variant_ctx = _VariantContext(label, line_of, where, set(_leaf_paths(patch)))
    try:
        scenario = _parse_body(merged, variant_ctx, base_dir, default_name, allow_variants=False)
    except ScenarioError as exc:
        exc.problem += f" (in variant '{name}')"
        raise exc.located() from None
    return replace(scenario, variant=name, summary=summary)


class _VariantContext(Context):
    """Errors at a key the variant writes (or a table it opens) name and locate it inside the variant's table."""

    def __init__(self, source: str, line_of: Any, where: KeyPath, touched: set[tuple[str, ...]]) -> None:
        super().__init__(source, line_of)
        self.where = where
        self.touched = touched

    def error(self, path: KeyPath, problem: str, **kwargs: Any) -> ScenarioError:
        parts = tuple(str(p) for p in path)
        if any(parts[: len(t)] == t or t[: len(parts)] == parts for t in self.touched):
            path = (*self.where, *parts)
        return super().error(path, problem, **kwargs)


_EXCLUSIVE = {"weights": ("weight_init",), "weight_init": ("weights",), "bias": ("bias_init",),
              "bias_init": ("bias",)}


def _replaced_by(key: str, value: Any) -> tuple[str, ...]:
    """Keys a variant's ``key = value`` makes meaningless: explicit values vs specs, and RAI's bias."""
    kind = value.get("kind") if isinstance(value, dict) else value
    if key == "weight_init" and kind == "rai":
        return ("weights", "bias", "bias_init")
    return _EXCLUSIVE.get(key, ())


def _merge(target: dict | list, patch: dict[str, Any], path: KeyPath, ctx: Context) -> None:
    """Apply a variant's overrides; digit keys index arrays, tables with ``kind`` replace."""
    for key, value in patch.items():
        here = (*path, key)
        if isinstance(target, list):
            if not (key.isascii() and key.isdigit()) or int(key) >= len(target):
                raise ctx.error(here, "no such array element", expected=f"an index from 0 to {len(target) - 1}")
            slot: Any = int(key)
            existing = target[slot]
        else:
            slot = key
            existing = target.get(key)
            for dropped in _replaced_by(key, value):
                target.pop(dropped, None)
        if isinstance(value, dict) and "kind" not in value and isinstance(existing, (dict, list)):
            _merge(existing, value, here, ctx)
        else:
            target[slot] = value


def _leaf_paths(patch: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(patch, dict) and "kind" not in patch and patch:
        return [p for k, v in patch.items() for p in _leaf_paths(v, (*prefix, str(k)))]
    return [prefix]


def _default_name(stem: str) -> str:
    """The file's stem as a scenario name: characters a name cannot hold become '_'."""
    name = re.sub(r"[^A-Za-z0-9_.-]|\.(?=\.)", "_", stem)[:64]
    return name if _NAME.fullmatch(name) else "_" + name[:63]


def _parse_body(doc: dict[str, Any], ctx: Context, base_dir: Path, default_name: str,
                allow_variants: bool) -> Scenario:
    top = Table(doc, (), ctx)
    name = top.take("name", Text(max_len=64), default=default_name)
    if not _NAME.fullmatch(name):
        raise top.error("name", "bad scenario name (it becomes part of file names)", value=name, expected=NAME_RULE)
    title = top.take("title", Text(), default=name)
    description = top.take("description", Text(nonempty=False, max_len=100_000, multiline=True), default="")
    seed = top.take("seed", Integer(0, 2**32 - 1), default=0)
    showcase_epoch = top.take("showcase_epoch", Integer(0, 1_000_000), default=10)
    data = _parse_data(top.sub("data"), base_dir)
    model = _parse_model(top.sub("model", default={}), data)
    training = _parse_training(top.sub("training", default={}), model, data.n_features)
    diag_table = top.sub("diagnosis", default={})
    diagnosis = DiagnosisSpec(diag_table.take("sparse_threshold", Number(0, 1, low_open=True, high_open=True), 0.1),
                              diag_table.take("dormant_threshold", Number(0, 1), 0.025))
    diag_table.done()
    sweep = _parse_sweep(top.sub("sweep")) if top.has("sweep") else None
    top.done(*(("variants",) if allow_variants else ()))
    return Scenario(name, title, description.strip(), seed, data, model, training, diagnosis, showcase_epoch, sweep)


def _parse_sweep(table: Table) -> SweepSpec:
    kind = table.take("kind", Choice(SWEEP_KINDS), "born_dead")
    if kind == "stably_unactivated":
        return _parse_stable_sweep(table)
    if kind == "small_targets":
        return _parse_targets_sweep(table)
    widths = table.take_list("widths", Integer(1, 256), [2, 3, 4, 5, 10])
    depths = table.take_list("depths", Integer(1, 200), [2, 5, 10, 20, 30, 40, 50])
    inits = table.take_list("inits", Choice(SWEEP_INITS), list(SWEEP_INITS))
    trials = table.take("trials", Integer(1, 1_000_000), 1000)
    points = table.take("points", Integer(2, 100_000), 256)
    low, high = _parse_range(table)
    table.done()
    return SweepSpec(widths, depths, inits, trials, points, low, high)


def _parse_range(table: Table) -> tuple[float, float]:
    low = table.take("low", Number(), -math.sqrt(3))
    high = table.take("high", Number(), math.sqrt(3))
    if low >= high:
        raise table.error("low", "low is not below high", value=low, expected=f"low < high ({high:g})")
    return low, high


def _parse_targets_sweep(table: Table) -> SweepSpec:
    """Regression nets trained on targets of several sizes, with and without momentum: who dies?"""
    if table.has("inits"):
        raise table.error("inits", "only used with kind = 'born_dead'", value=table.data["inits"])
    scales = table.take_list("scales", Number(low=0, low_open=True, high=1e6), [1.0, 0.1, 0.01])
    momenta = table.take_list("momenta", Number(0, 1, high_open=True), [0.0, 0.9])
    widths = table.take_list("widths", Integer(1, 256), [32])
    depths = table.take_list("depths", Integer(1, 20), [3])
    trials = table.take("trials", Integer(1, 100_000), 200)
    points = table.take("points", Integer(2, 10_000), 64)
    learning_rate = table.take("learning_rate", Number(low=0, low_open=True, high=100), 0.02)
    steps = table.take("steps", Integer(1, 100_000), 300)
    low, high = _parse_range(table)
    table.done()
    return SweepSpec(widths, depths, (), trials, points, low, high, kind="small_targets", scales=scales,
                     momenta=momenta, learning_rate=learning_rate, steps=steps)


def _parse_stable_sweep(table: Table) -> SweepSpec:
    """A sweep of the first layer's width n1 for n0 = 1 and 2 inputs: second-layer units dead everywhere."""
    for key in ("depths", "inits"):
        if table.has(key):
            raise table.error(key, "only used with kind = 'born_dead'", value=table.data[key])
    inputs = table.take_list("inputs", Integer(1, 2), [1, 2])
    widths = table.take_list("widths", Integer(1, 16), [1, 2, 3, 4, 6, 8])
    trials = table.take("trials", Integer(1, 1_000_000), 20_000)
    points = table.take("points", Integer(2, 10_000), 256)
    low, high = _parse_range(table)
    table.done()
    return SweepSpec(widths, (), (), trials, points, low, high, kind="stably_unactivated", inputs=inputs)


_GENERATOR_ONLY = ("generator", "n_samples", "noise")


def _parse_data(table: Table, base_dir: Path) -> DataSpec:
    test_fraction = table.take("test_fraction", Number(0, 0.9), 0.2)
    transform = table.take("transform", Choice(TRANSFORMS), "none")
    shift = 0.0
    if transform == "shift":
        shift = table.take("shift", Number())
    elif table.has("shift"):
        raise table.error("shift", "only used with transform = 'shift'", value=table.data["shift"])
    features = table.take_list("features", Choice(tuple(FEATURES)), [], max_len=len(FEATURES)) \
        if table.has("features") else ()
    if table.has("csv"):
        spec = _parse_csv_data(table, base_dir, test_fraction, transform, shift, features)
        return _with_features(table, spec, features)
    generator_name = table.take("generator", Choice(tuple(GENERATORS)))
    generator = GENERATORS[generator_name]
    n_samples = table.take("n_samples", Integer(4, 1_000_000), 200)
    noise = table.take("noise", Number(low=0), generator.noise)
    params = {key: table.take(key, check, default) for key, (check, default) in generator.params.items()}
    if "low" in params and "high" in params and params["low"] >= params["high"]:
        raise table.error("low", "low is not below high", value=params["low"], expected=f"low < high ({params['high']:g})")
    for key in table.data:
        if key not in table.used:
            owners = [repr(name) for name, g in GENERATORS.items() if key in g.params]
            if owners or key in ("label_column", "task"):
                raise table.error(key, f"not used by generator '{generator_name}'", value=table.data[key],
                                  hint="used by " + (", ".join(owners) if owners else "data.csv"))
    table.done("csv", *(k for g in GENERATORS.values() for k in g.params))
    _check_extent(table, generator.extent(params, noise), shift, features)
    spec = DataSpec(generator_name, n_samples, noise, params, test_fraction, transform, shift,
                    generator.features(params), generator.classes(params))
    _check_split(table, spec)
    return _with_features(table, spec, features)


def _with_features(table: Table, spec: DataSpec, features: tuple[str, ...]) -> DataSpec:
    if not features:
        return spec
    if spec.n_features != 2:
        raise table.error("features", "Playground's features need two-coordinate data", value=list(features),
                          expected=f"data with 2 features (this data has {spec.n_features}), or no features key")
    return replace(spec, features=features, n_features=len(features))


def _check_extent(table: Table, terms: dict[str, float], shift: float, features: tuple[str, ...] = ()) -> None:
    """Reject data whose values could overflow float32: ``terms`` bound the magnitude of what each key
    contributes to a feature or target (a noise term counts ten standard deviations); ``features``
    square or multiply the coordinates before the shift."""
    grown = reach(features, sum(terms.values())) - sum(terms.values()) if features else 0.0
    terms = {**terms, **({"features": grown} if grown > 0 else {}), "shift": abs(shift)}
    bound = sum(terms.values())
    if bound > FLOAT32_MAX:
        key = max(terms, key=terms.__getitem__)
        raise table.error(key, f"the data would overflow float32 (values up to about {bound:.3g})",
                          **({"value": table.data[key]} if key in table.data else {}),
                          expected=f"data of magnitude below {FLOAT32_MAX:.4g}")


def _check_split(table: Table, spec: DataSpec) -> None:
    if spec.n_test >= spec.n_samples:
        n = spec.n_samples
        largest = max(f / 1000 for f in range(0, 901) if int(round(n * f / 1000)) < n)
        raise table.error("test_fraction", f"leaves no training sample: round({n} × {spec.test_fraction:g}) = "
                          f"{spec.n_test} of the {n} samples go to the test set", value=spec.test_fraction,
                          expected=f"a test_fraction of at most {largest:g} for {n} samples")


def _parse_csv_data(table: Table, base_dir: Path, test_fraction: float, transform: str, shift: float,
                    features: tuple[str, ...]) -> DataSpec:
    for key in _GENERATOR_ONLY:
        if table.has(key):
            raise table.error(key, "has no effect with data.csv", value=table.data[key],
                              expected="either data.csv or data.generator, not both")
    csv_name = table.take("csv", Text(max_len=4096))
    label = table.raw("label_column")
    if label is not None and (isinstance(label, bool) or not isinstance(label, (str, int))):
        raise table.error("label_column", "bad value", value=label, expected="a column name or a 0-based index")
    task = table.take("task", Choice(("auto", "classification", "regression")), "auto")
    table.done()
    path = Path(csv_name) if Path(csv_name).is_absolute() else _resolved(base_dir / csv_name)
    try:
        csv_table = read_csv(path, label)
    except ScenarioError as exc:
        if exc.key == "data.label_column":  # the mistake is in the scenario: point at its key
            raise table.error("label_column", exc.problem, value=label, expected=exc.expected) from None
        if exc.source is None:  # the CSV itself is missing: point at the scenario's key
            raise table.error("csv", exc.problem, value=csv_name, expected=exc.expected) from None
        exc.hint = exc.hint or f"read for {table.ctx.source}: data.csv"
        raise exc.located() from None
    labels = csv_table.labels
    integral = bool(((labels == labels.round()) & (abs(labels) < 2**31)).all())
    n_unique = len(set(labels.tolist()))
    if n_unique < 2:
        raise table.error("csv", f"every label in column '{csv_table.label_name}' is the same", value=csv_name,
                          expected="at least two different labels")
    if task == "auto":
        task = "classification" if integral and n_unique <= 64 else "regression"
    if task == "classification" and (not integral or n_unique > 64 or n_unique < 2):
        raise table.error("task", "labels do not form 2 to 64 integer classes", value="classification",
                          expected="'regression' for real-valued labels")
    n_classes = n_unique if task == "classification" else 0
    if transform == "shift" or features:
        _check_extent(table, {"csv": float(abs(csv_table.features).max())}, shift, features)
    spec = DataSpec(None, len(labels), 0.0, {}, test_fraction, transform, shift,
                    csv_table.features.shape[1], n_classes, csv=path, table=csv_table)
    _check_split(table, spec)
    return spec


def _resolved(path: Path) -> Path:
    """``path`` with symlinks resolved where they can be (a symlink loop is left for reading to report)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop, before Python 3.13
        return path.absolute()


def _parse_model(table: Table, data: DataSpec) -> ModelSpec:
    layers: list[LayerSpec] = []
    fan_in = data.n_features
    for layer_table in table.list_of_tables("layers", min_len=1):
        repeat = layer_table.take("repeat", Integer(1, MAX_LAYERS), 1)
        for _ in range(repeat):
            spec = _parse_layer(layer_table, len(layers), fan_in, repeat)
            layers.append(spec)
            fan_in = spec.width
        if len(layers) > MAX_LAYERS:
            raise layer_table.error("repeat", "too many layers", value=repeat, expected=f"at most {MAX_LAYERS} in all")
    names = [layer.name for layer in layers]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise table.error("layers", "two layers share a name", value=duplicate, expected="unique layer names")
    out_width = data.n_outputs
    out = table.sub("output", default={})
    weight_init, bias_init = _parse_inits(out, out_width, fan_in, 1.0)
    out.done()
    table.done()
    return ModelSpec(tuple(layers), OutputSpec(weight_init, bias_init))


def _parse_layer(table: Table, index: int, fan_in: int, repeat: int) -> LayerSpec:
    width = table.take("width", Integer(1, MAX_WIDTH))
    activation = parse_activation(table)
    name = table.take("name", Text(max_len=64), f"hidden{index + 1}")
    if repeat > 1:
        name = f"{name}_{index + 1}" if table.has("name") else f"hidden{index + 1}"
        for key in ("weights", "bias"):
            if table.has(key):
                raise table.error(key, "explicit values cannot be repeated", expected="repeat = 1")
    weight_init, bias_init = _parse_inits(table, width, fan_in, activation.gain)
    table.done()
    return LayerSpec(name, width, activation, weight_init, bias_init)


def _parse_inits(table: Table, width: int, fan_in: int, he_gain: float) -> tuple[InitSpec, InitSpec]:
    """Read weight_init/weights and bias_init/bias of a layer of ``width`` units fed by ``fan_in`` inputs
    (``he_gain``: the automatic He gain of its activation)."""
    inits = []
    for explicit, init_key, kinds, shape in (
        ("weights", "weight_init", tuple(WEIGHT_KINDS), (width, fan_in)),
        ("bias", "bias_init", BIAS_KINDS, (width,)),
    ):
        if table.has(explicit) and table.has(init_key):
            raise table.error(explicit, f"both {explicit} and {init_key} given", expected="one of the two")
        if table.has(explicit):
            inits.append(InitSpec("explicit", values=_explicit(table, explicit, shape)))
        else:
            table.used.add(init_key)
            spec = parse_init(table.data.get(init_key, "default"), (*table.path, init_key), table.ctx, kinds)
            reach = extent(spec, fan_in, width, he_gain)
            if reach > FLOAT32_MAX:
                raise table.error(init_key, f"draws values beyond the float32 range (up to about {reach:.3g})",
                                  value=table.data[init_key],
                                  expected=f"parameters that keep every value below {FLOAT32_MAX:.4g}")
            inits.append(spec)
        if inits[0].kind == "rai":  # RAI draws each unit's weights and bias together
            for key in ("bias", "bias_init"):
                if table.has(key):
                    raise table.error(key, "weight_init 'rai' draws the bias too", value=table.data[key],
                                      expected=f"no {key} beside weight_init = 'rai'")
            return inits[0], InitSpec("rai")
    return inits[0], inits[1]


def _explicit(table: Table, key: str, shape: tuple[int, ...]) -> tuple:
    value = table.raw(key)
    want = (f"{shape[0]} row(s) of {shape[1]} number(s) (one row per unit, one number per input)"
            if len(shape) == 2 else f"{shape[0]} number(s), one per unit")

    def numbers(row: Any, n: int) -> tuple[float, ...] | None:
        if not isinstance(row, list) or len(row) != n:
            return None
        clean = [Number().convert(v) for v in row]
        return None if any(v is None for v in clean) else tuple(clean)

    if len(shape) == 1:
        result = numbers(value, shape[0])
    else:
        rows = [numbers(r, shape[1]) for r in value] if isinstance(value, list) and len(value) == shape[0] else [None]
        result = None if any(r is None for r in rows) else tuple(rows)
    if result is None:
        raise table.error(key, "wrong shape or non-numeric entry", value=value, expected=want)
    return result


def _parse_training(table: Table, model: ModelSpec, n_features: int) -> TrainingSpec:
    optimizer = table.take("optimizer", Choice(OPTIMIZERS), "sgd")
    learning_rate = table.take("learning_rate", Number(low=0, low_open=True), 0.1)
    momentum = 0.0
    if optimizer != "adam":
        momentum = table.take("momentum", Number(0, 1, high_open=True), 0.9 if optimizer == "momentum" else 0.0)
    elif table.has("momentum"):
        raise table.error("momentum", "not used by optimizer 'adam'", value=table.data["momentum"],
                          expected="no momentum with adam (its betas are PyTorch's defaults)")
    weight_decay = table.take("weight_decay", Number(low=0), 0.0)
    l1 = table.take("l1", Number(low=0), 0.0)
    epochs = table.take("epochs", Integer(0, 1_000_000), 100)
    raw_batch = table.raw("batch_size", "full")
    batch_size = None if raw_batch == "full" else Integer(1, 10_000_000).convert(raw_batch)
    if raw_batch != "full" and batch_size is None:
        raise table.error("batch_size", "bad value", value=raw_batch, expected="'full' or an integer >= 1")
    check_rate(table, "learning_rate", learning_rate, optimizer)
    events = parse_events(table, optimizer, model, n_features)
    table.done()
    return TrainingSpec(optimizer, learning_rate, momentum, batch_size, weight_decay, epochs, events, l1)
