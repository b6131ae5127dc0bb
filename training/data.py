"""Read grounding and preference JSON files into the datasets TRL's trainers expect.

The file format is described in docs/data_format.md. Every record is validated up front so a
bad file fails with one line naming the file and the record, not deep inside a trainer.
Images stay as paths and are decoded lazily by ``datasets``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from datasets import Dataset, Image, Sequence

from training.processor import load_processor
from training.synthetic import format_answer

__all__ = [
    "DataFormatError",
    "dpo_dataset",
    "grpo_dataset",
    "load_processor",
    "read_records",
    "sft_dataset",
]

GROUNDING_FIELDS = ("image", "prompt", "objects")
PREFERENCE_FIELDS = ("image", "prompt", "chosen", "rejected")


class DataFormatError(ValueError):
    """A data file or one of its records does not follow docs/data_format.md."""


def _check_objects(objects: Any, where: str) -> None:
    if not isinstance(objects, list):
        raise DataFormatError(f"{where}: 'objects' must be a list")
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict) or not isinstance(obj.get("label"), str):
            raise DataFormatError(f"{where}: object {index} needs a string 'label'")
        box = obj.get("bbox_2d")
        if not (
            isinstance(box, list)
            and len(box) == 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in box)
            and all(math.isfinite(v) for v in box)
        ):
            raise DataFormatError(f"{where}: object {index} 'bbox_2d' must be 4 numbers")
        if not (box[0] < box[2] and box[1] < box[3]):
            raise DataFormatError(f"{where}: object {index} 'bbox_2d' needs x1 < x2 and y1 < y2")


def read_records(path: str | Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Load and validate a JSON list of records; image paths come back absolute.

    ``fields`` are the keys every record must have (``GROUNDING_FIELDS`` or
    ``PREFERENCE_FIELDS``); string-valued ones must be non-empty strings.
    """
    path = Path(path)
    try:
        records = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise DataFormatError(f"{path}: cannot read JSON ({err})") from None
    if not isinstance(records, list):
        raise DataFormatError(f"{path}: expected a JSON list of records")
    checked = []
    for index, record in enumerate(records):
        where = f"{path}: record {index}"
        if not isinstance(record, dict):
            raise DataFormatError(f"{where}: expected an object")
        missing = [field for field in fields if field not in record]
        if missing:
            raise DataFormatError(f"{where}: missing {', '.join(map(repr, missing))}")
        for field in fields:
            if field != "objects" and not (isinstance(record[field], str) and record[field]):
                raise DataFormatError(f"{where}: '{field}' must be a non-empty string")
        if "objects" in fields:
            _check_objects(record["objects"], where)
        image = path.parent / record["image"]
        if not image.is_file():
            raise DataFormatError(f"{where}: image not found: {image}")
        checked.append({**record, "image": str(image.resolve())})
    return checked


def _with_images(rows: list[dict[str, Any]]) -> Dataset:
    """Build the dataset and mark ``images`` as lazily decoded image files."""
    return Dataset.from_list(rows).cast_column("images", Sequence(Image()))


def sft_dataset(path: str | Path) -> Dataset:
    """Grounding records as SFTTrainer's conversational vision format: ``images`` + ``messages``.

    The user turn holds only the prompt text; TRL inserts the image placeholder before it.
    """
    return _with_images(
        [
            {
                "images": [record["image"]],
                "messages": [
                    {"role": "user", "content": record["prompt"]},
                    {"role": "assistant", "content": format_answer(record["objects"])},
                ],
            }
            for record in read_records(path, GROUNDING_FIELDS)
        ]
    )


def grpo_dataset(path: str | Path) -> Dataset:
    """Grounding records as GRPOTrainer prompts: ``images``, ``prompt`` and ``objects``.

    GRPOTrainer hands every extra column to the reward functions, so ``objects`` reaches
    ``training.rewards`` as the ground truth of each completion.
    """
    return _with_images(
        [
            {
                "images": [record["image"]],
                "prompt": [{"role": "user", "content": record["prompt"]}],
                # Floats throughout: Arrow needs one number type per column.
                "objects": [
                    {"label": obj["label"], "bbox_2d": [float(v) for v in obj["bbox_2d"]]}
                    for obj in record["objects"]
                ],
            }
            for record in read_records(path, GROUNDING_FIELDS)
        ]
    )


def dpo_dataset(path: str | Path) -> Dataset:
    """Preference records as DPOTrainer's conversational vision format.

    Columns: ``images``, ``prompt`` (user turn), ``chosen`` and ``rejected`` (assistant turns).
    """
    return _with_images(
        [
            {
                "images": [record["image"]],
                "prompt": [{"role": "user", "content": record["prompt"]}],
                "chosen": [{"role": "assistant", "content": record["chosen"]}],
                "rejected": [{"role": "assistant", "content": record["rejected"]}],
            }
            for record in read_records(path, PREFERENCE_FIELDS)
        ]
    )
