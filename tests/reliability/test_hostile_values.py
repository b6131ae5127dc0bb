"""Hostile values: whatever a trainer passes to ``emit``, the caller gets no exception, the
JSON stays strict, the CSVs rectangular, TensorBoard gets numbers, and no sink fails."""

from __future__ import annotations

import decimal
import fractions
import itertools
import logging
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import trainlog
from tests.conftest import read_json_strict
from tests.reliability.kill_harness import csv_complete_rows
from trainlog.values import coerce_values, needs_coercion

torch = pytest.importorskip("torch")

EXAMPLES = 400


class FloatRaises:
    def __float__(self) -> float:
        raise RuntimeError("no float for you")


class GetattrRaises:
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # keep printing and pickling machinery working
            raise AttributeError(name)
        raise ValueError(f"no attribute {name}")


class StrRaises:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __hash__(self) -> int:
        return 1


class NumelRaises:
    def numel(self) -> int:
        raise RuntimeError("numel")

    def item(self) -> float:
        raise RuntimeError("item")


class ItemIsSelf:
    size = 1

    def item(self) -> ItemIsSelf:
        return ItemIsSelf()


def self_referencing_dict() -> dict[str, Any]:
    loop: dict[str, Any] = {"x": 1.0}
    loop["self"] = loop
    return loop


def self_referencing_list() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


class DeepList(list):
    """``[[[...[1.0]...]]]`` 5000 deep, with a repr that does not recurse."""

    def __repr__(self) -> str:
        return "DeepList(5000)"


def deep_list(depth: int = 5000) -> list[Any]:
    value: list[Any] = [1.0]
    for _ in range(depth):
        value = [value]
    return DeepList(value)


class HugeInt(int):
    """-(10**5000), beyond ``str(int)``'s digit limit; repr kept short for hypothesis."""

    def __repr__(self) -> str:
        return "HugeInt(-(10**5000))"


ODD_OBJECTS = [
    object(),
    FloatRaises(),
    GetattrRaises(),
    NumelRaises(),
    ItemIsSelf(),
    self_referencing_dict(),
    self_referencing_list(),
    deep_list(),
    {1, 2},
    frozenset(),
    (),
    [],
    [1.5],
    (2, 3),
    decimal.Decimal("1.5"),
    decimal.Decimal("NaN"),
    fractions.Fraction(1, 3),
    np.longdouble("1e4000"),
    np.datetime64("2024-01-01"),
    np.str_("text"),
    np.bytes_(b"\xff\xfe"),
    np.float16(np.inf),
    np.complex128(1 + 2j),
    np.complex64(3 + 0j),
    np.array([], dtype=np.float32),
    np.array([[np.nan]]),
    np.array(["a"], dtype=object),
    np.array(7, dtype=np.uint64),
    np.uint64(2**64 - 1),
    10**400,
    HugeInt(-(10**5000)),
    2**63,
    1 + 2j,
    4 + 0j,
    float("-inf"),
    b"\x00\xffbytes",
    bytearray(b"abc"),
    memoryview(b"mem"),
    "\ud800 lone surrogate",
    "x" * 100_000,
    (i for i in range(3)),
    print,
    type,
    Ellipsis,
    NotImplemented,
    logging.getLogger("x"),
]


def odd_object(index: int) -> Any:
    return ODD_OBJECTS[index]


TORCH_DTYPES = [
    torch.float32,
    torch.float64,
    torch.float16,
    torch.bfloat16,
    torch.int8,
    torch.uint8,
    torch.int64,
    torch.bool,
    torch.complex64,
    torch.complex128,
]


@st.composite
def tensors(draw: st.DrawFn) -> Any:
    shape = draw(st.lists(st.integers(0, 3), max_size=3))
    dtype = draw(st.sampled_from(TORCH_DTYPES))
    count = math.prod(shape)
    numbers = draw(st.lists(st.floats(allow_nan=True, width=32), min_size=count, max_size=count))
    tensor = torch.tensor(numbers, dtype=torch.float32).reshape(shape)
    with np.errstate(all="ignore"):
        tensor = tensor.to(dtype)
    if draw(st.booleans()):
        tensor = tensor.requires_grad_(True) if tensor.is_floating_point() else tensor
    return tensor


arrays = hnp.arrays(
    dtype=st.one_of(hnp.scalar_dtypes(), hnp.unicode_string_dtypes(), hnp.byte_string_dtypes()),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
)
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
odd_keys = st.one_of(
    any_text,
    st.sampled_from(["", "step", "a,b", 'q"uote', "new\nline", "cr\rlf", "tab\t", "é✓😀", "\x00"]),
)
nested_keys = st.one_of(
    odd_keys, st.integers(), st.none(), st.floats(), st.tuples(st.integers()), st.just(StrRaises())
)
scalars = st.one_of(
    st.floats(),
    st.integers(),
    st.integers(min_value=2**63 - 5, max_value=2**70),
    st.booleans(),
    st.none(),
    any_text,
    st.binary(max_size=20),
    st.complex_numbers(),
    st.sampled_from(range(len(ODD_OBJECTS))).map(odd_object),
    arrays,
    tensors(),
)
values_strategy = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.dictionaries(nested_keys, children, max_size=4),
        st.lists(children, max_size=3),
    ),
    max_leaves=8,
)


def test_any_value_at_emit_is_coerced_or_dropped(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="trainlog")
    out = tmp_path / "run"
    run = trainlog.init("lora", out, sinks=["json", "csv", "tensorboard"], json_interval=0.0)
    steps = itertools.count(1)
    emitted: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(values=st.dictionaries(odd_keys, values_strategy, max_size=6))
    def emit_once(values: dict[str, Any]) -> None:
        step = next(steps)
        run.emit("train", step, **values)  # must never raise
        emitted.append(step)
        if step % 5 == 0:  # (one dict: the drawn keys may include eval_loss or path)
            run.emit("eval", step, **{"eval_loss": 1.0, **values})
        if step % 25 == 0:
            run.emit("checkpoint", step, **{**values, "path": f"ckpt-{step}"})
            run.flush()
            check_files(out)

    emit_once()
    report = run.finish()
    assert report.ok, report.failed_sinks  # a value never takes a sink down
    log = check_files(out)
    assert [entry["step"] for entry in log["train_history"]] == emitted  # no event lost
    reported = Counter(
        r.getMessage().split(" not logged")[0]
        for r in caplog.records
        if "not logged" in r.getMessage()
    )
    assert all(count == 1 for count in reported.values()), reported.most_common(3)


def check_files(out: Path) -> dict[str, Any]:
    log = read_json_strict(out / "training_log.json")
    for history in ("train_history", "val_history"):
        path = out / f"{history}.csv"
        if path.exists():
            rows = csv_complete_rows(path)  # raises unless rectangular
            assert path.read_text(encoding="utf-8").endswith("\n")
            assert len(rows) - 1 == len(log[history])
    return log


def test_tensorboard_holds_only_numbers(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = trainlog.init("lora", tmp_path, sinks=["tensorboard"])
    for step, value in enumerate(ODD_OBJECTS, start=1):
        run.emit("train", step, odd=value, loss=1.0 / step)
    report = run.finish()
    assert report.ok, report.failed_sinks
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    tags = accumulator.Tags()["scalars"]
    assert "train/loss" in tags
    assert len(accumulator.Scalars("train/loss")) == len(ODD_OBJECTS)
    for tag in tags:
        assert all(isinstance(s.value, float) for s in accumulator.Scalars(tag))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1 + 0j, 1.0),
        (np.complex64(2 + 0j), 2.0),
        (torch.tensor(3 + 0j), 3.0),
        (torch.tensor([0.5], dtype=torch.bfloat16), 0.5),
        (torch.tensor([[True]]), True),
        (torch.tensor(7, dtype=torch.int8), 7),
        (np.longdouble(0.25), 0.25),
        (decimal.Decimal("1.5"), 1.5),
        (10**400, math.inf),
        (-(10**400), -math.inf),
        (b"\xffa", "\ufffda"),
        ("\udc80", "?"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_coercion_of_awkward_scalars(value: Any, expected: Any) -> None:
    warnings: list[str] = []
    out = coerce_values({"k": value}, lambda key, why: warnings.append(key))
    assert out == {"k": expected} and not warnings


@pytest.mark.parametrize(
    "value",
    [
        1 + 2j,
        torch.ones(2, 2),
        torch.tensor(1 + 1j),
        FloatRaises(),
        GetattrRaises(),
        NumelRaises(),
        ItemIsSelf(),
        deep_list(),
        self_referencing_list(),
        object(),
    ],
    ids=lambda value: type(value).__name__,
)
def test_unloggable_values_are_dropped_with_a_warning(value: Any) -> None:
    warnings: list[tuple[str, str]] = []
    out = coerce_values({"k": value, "ok": 1.0}, lambda key, why: warnings.append((key, why)))
    assert out == {"ok": 1.0}
    assert [key for key, _ in warnings] == ["k"]


def test_self_referencing_and_huge_dicts_are_bounded() -> None:
    warnings: list[str] = []
    out = coerce_values({"loop": self_referencing_dict()}, lambda k, why: warnings.append(why))
    assert out["loop/x"] == 1.0 and any("nested deeper" in w for w in warnings)
    wide = {str(i): float(i) for i in range(10_000)}
    out = coerce_values({"wide": wide}, lambda k, why: warnings.append(why))
    assert len(out) == 256 and any("more than 256" in w for w in warnings)


def test_plain_fast_path_sends_huge_ints_to_coercion() -> None:
    assert not needs_coercion({"a": 1.0, "b": True, "c": None, "d": 3})
    assert needs_coercion({"a": 10**30})
    assert needs_coercion({"a": "text"})
