"""GRPO reward functions for box grounding, in TRL's reward-function signature.

Each function takes the batch's ``completions`` (strings, or conversational lists of message
dicts) plus the dataset's ``objects`` column and returns one float in [0, 1] per completion.
TRL logs each under its function name, e.g. ``rewards/bbox_reward/mean``. Unparseable
completions score 0; nothing here raises on model output.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

Box = tuple[float, float, float, float]
Prediction = tuple[Box, str]

COMPLETE_IOU = 0.5  # IoU at which a ground-truth object counts as found
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def completion_text(completion: Any) -> str:
    """Return the assistant text of a string or conversational completion ('' if neither)."""
    if isinstance(completion, str):
        return completion
    if not isinstance(completion, list):
        return ""
    parts = []
    for message in completion:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(p["text"] for p in content if isinstance(p, dict) and "text" in p)
    return "".join(part for part in parts if isinstance(part, str))


def _as_prediction(item: Any) -> Prediction | None:
    if not isinstance(item, dict) or not isinstance(item.get("label"), str):
        return None
    box = item.get("bbox_2d")
    if not isinstance(box, list) or len(box) != 4:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in box):
        return None
    if not all(math.isfinite(v) for v in box):
        return None
    return (box[0], box[1], box[2], box[3]), item["label"]


def parse_completion(completion: Any) -> tuple[list[Prediction], float]:
    """Parse the answer into (valid predictions, format score).

    Format score: 1.0 for a bare (optionally ```json-fenced) JSON list of valid objects, 0.5 when
    the list had to be cut out of surrounding text or some items are malformed, 0.0 when no
    list or no valid item is found.
    """
    text = completion_text(completion).strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    exact = True
    try:
        items = json.loads(text)
    except ValueError:
        exact = False
        start, end = text.find("["), text.rfind("]")
        try:
            items = json.loads(text[start : end + 1]) if 0 <= start < end else None
        except ValueError:
            items = None
    if not isinstance(items, list):
        return [], 0.0
    predictions = [p for p in map(_as_prediction, items) if p is not None]
    if items and not predictions:
        return [], 0.0
    score = 1.0 if exact and len(predictions) == len(items) else 0.5
    return predictions, score


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two [x1, y1, x2, y2] boxes; 0 for empty or inverted boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def match(
    predictions: list[Prediction], truth: list[dict[str, Any]]
) -> list[tuple[int, int, float]]:
    """Greedily pair predictions with ground-truth objects by descending IoU (> 0).

    Returns (prediction index, truth index, IoU) triples; each side is used at most once.
    Greedy equals Hungarian matching whenever boxes of one image do not overlap, as here.
    """
    pairs = [
        (iou(box, tuple(obj["bbox_2d"])), p, t)
        for p, (box, _) in enumerate(predictions)
        for t, obj in enumerate(truth)
    ]
    used_p: set[int] = set()
    used_t: set[int] = set()
    matches = []
    for overlap, p, t in sorted(pairs, key=lambda pair: -pair[0]):
        if overlap > 0 and p not in used_p and t not in used_t:
            used_p.add(p)
            used_t.add(t)
            matches.append((p, t, overlap))
    return matches


def _scores(
    completions: list[Any], objects: list[list[dict[str, Any]]] | None, score: Callable
) -> list[float]:
    """Apply ``score(predictions, truth, matches)`` per completion; empty vs empty scores 1."""
    if objects is None:
        raise ValueError("grounding rewards need the dataset's 'objects' column")
    results = []
    for completion, truth in zip(completions, objects, strict=True):
        predictions, _ = parse_completion(completion)
        if not predictions and not truth:
            results.append(1.0)
        else:
            results.append(score(predictions, truth, match(predictions, truth)))
    return results


def format_reward(completions: list[Any], **kwargs: Any) -> list[float]:
    """1 for a clean JSON list of {bbox_2d, label}, 0.5 for a salvageable one, else 0."""
    return [parse_completion(completion)[1] for completion in completions]


def bbox_reward(
    completions: list[Any], objects: list[list[dict[str, Any]]] | None = None, **kwargs: Any
) -> list[float]:
    """Sum of matched IoUs over max(#predicted, #true): misses and extra boxes both cost."""
    return _scores(
        completions,
        objects,
        lambda pred, truth, matches: sum(m[2] for m in matches) / max(len(pred), len(truth)),
    )


def category_reward(
    completions: list[Any], objects: list[list[dict[str, Any]]] | None = None, **kwargs: Any
) -> list[float]:
    """Matched pairs whose labels agree (case-insensitive), over max(#predicted, #true)."""

    def score(pred, truth, matches):
        same = sum(_norm(pred[p][1]) == _norm(truth[t]["label"]) for p, t, _ in matches)
        return same / max(len(pred), len(truth))

    return _scores(completions, objects, score)


def completeness_reward(
    completions: list[Any], objects: list[list[dict[str, Any]]] | None = None, **kwargs: Any
) -> list[float]:
    """Recall: share of true objects matched at IoU >= 0.5."""
    return _scores(
        completions,
        objects,
        lambda pred, truth, matches: (
            sum(m[2] >= COMPLETE_IOU for m in matches) / len(truth) if truth else 0.0
        ),
    )


def _norm(label: str) -> str:
    return " ".join(label.lower().split())


REWARD_FUNCS = [format_reward, bbox_reward, category_reward, completeness_reward]
# Localisation dominates; format and labels are cheaper to learn. The total lies in [0, 3].
REWARD_WEIGHTS = {
    "format_reward": 0.5,
    "bbox_reward": 1.0,
    "category_reward": 0.5,
    "completeness_reward": 1.0,
}


def reward_weights() -> list[float]:
    """Weights aligned with ``REWARD_FUNCS``, for ``GRPOConfig(reward_weights=...)``."""
    return [REWARD_WEIGHTS[func.__name__] for func in REWARD_FUNCS]


def total_reward(
    completions: list[Any], objects: list[list[dict[str, Any]]] | None = None, **kwargs: Any
) -> list[float]:
    """The weighted sum TRL computes from ``REWARD_FUNCS`` and ``reward_weights()``."""
    columns = [func(completions, objects=objects) for func in REWARD_FUNCS]
    weights = reward_weights()
    rows = zip(*columns, strict=True)
    return [sum(w * c for w, c in zip(weights, row, strict=True)) for row in rows]
