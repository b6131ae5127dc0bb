"""Synthetic grounding scenes: coloured shapes on a plain background, with their true boxes.

Everything is drawn from a seeded ``random.Random`` so the same seed gives byte-identical files.
Boxes use Qwen3-VL's convention: integer ``[x1, y1, x2, y2]`` scaled to 0-1000 of the image size.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (230, 200, 30),
}
SHAPES = ("square", "circle", "triangle")
LABELS = tuple(f"{colour} {shape}" for colour in COLOURS for shape in SHAPES)
PROMPT = (
    "Find every shape. Answer as JSON "
    '[{"bbox_2d": [x1, y1, x2, y2], "label": "colour shape"}] with coordinates 0-1000.'
)
MAX_OBJECTS = 3


def format_answer(objects: list[dict[str, Any]]) -> str:
    """Render objects as the grounding answer text the model is trained to produce."""
    return json.dumps([{"bbox_2d": obj["bbox_2d"], "label": obj["label"]} for obj in objects])


def _overlaps(box: tuple[int, int, int, int], others: list[tuple[int, int, int, int]]) -> bool:
    x1, y1, x2, y2 = box
    return any(x1 < b[2] and b[0] < x2 and y1 < b[3] and b[1] < y2 for b in others)


def _draw(draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], fill) -> None:
    x1, y1, x2, y2 = box
    if shape == "square":
        draw.rectangle((x1, y1, x2 - 1, y2 - 1), fill=fill)
    elif shape == "circle":
        draw.ellipse((x1, y1, x2 - 1, y2 - 1), fill=fill)
    else:
        draw.polygon([((x1 + x2 - 1) / 2, y1), (x1, y2 - 1), (x2 - 1, y2 - 1)], fill=fill)


def make_scene(rng: random.Random, size: int) -> tuple[Image.Image, list[dict[str, Any]]]:
    """Draw 1-3 non-overlapping shapes with distinct labels; return the image and its objects."""
    shade = rng.randint(225, 250)
    image = Image.new("RGB", (size, size), (shade, shade, shade))
    draw = ImageDraw.Draw(image)
    labels = rng.sample(LABELS, rng.randint(1, MAX_OBJECTS))
    placed: list[tuple[int, int, int, int]] = []
    objects = []
    for label in labels:
        for _ in range(50):
            side = rng.randint(size // 5, size * 2 // 5)
            x1, y1 = rng.randint(0, size - side), rng.randint(0, size - side)
            box = (x1, y1, x1 + side, y1 + side)
            if not _overlaps(box, placed):
                break
        else:
            continue  # scene is full; keep the objects placed so far
        placed.append(box)
        colour, shape = label.split()
        _draw(draw, shape, box, COLOURS[colour])
        objects.append({"label": label, "bbox_2d": [round(v * 1000 / size) for v in box]})
    return image, objects


def perturb(rng: random.Random, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return a plausibly wrong answer: boxes shifted, one label changed, or one object dropped."""
    wrong = [{"label": o["label"], "bbox_2d": list(o["bbox_2d"])} for o in objects]
    kind = rng.choice(["shift", "relabel", "drop"] if len(wrong) > 1 else ["shift", "relabel"])
    if kind == "drop":
        wrong.pop(rng.randrange(len(wrong)))
    elif kind == "relabel":
        target = rng.choice(wrong)
        taken = {o["label"] for o in wrong}
        target["label"] = rng.choice([label for label in LABELS if label not in taken])
    else:
        # Move each box towards its roomier side; sides are <= 400 so a 300 shift always fits.
        shift = rng.randint(150, 300)
        for obj in wrong:
            x1, y1, x2, y2 = obj["bbox_2d"]
            dx = -shift if x1 > 1000 - x2 else shift
            dy = -shift if y1 > 1000 - y2 else shift
            obj["bbox_2d"] = [x1 + dx, y1 + dy, x2 + dx, y2 + dy]
    return wrong


def write_split(
    root: Path, split: str, count: int, seed: int, image_size: int, preference: bool
) -> list[dict[str, Any]]:
    """Write ``root/images/<split>_NNNN.png`` and ``root/<split>.json``; return the records.

    ``preference`` selects DPO records (chosen/rejected answers) instead of grounding records.
    """
    rng = random.Random(f"{seed}-{root.name}-{split}")
    (root / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for index in range(count):
        image, objects = make_scene(rng, image_size)
        relative = f"images/{split}_{index:04d}.png"
        image.save(root / relative)
        record: dict[str, Any] = {"image": relative, "prompt": PROMPT}
        if preference:
            record["chosen"] = format_answer(objects)
            record["rejected"] = format_answer(perturb(rng, objects))
        else:
            record["objects"] = objects
        records.append(record)
    lines = ",\n".join(json.dumps(record) for record in records)  # one record per line
    (root / f"{split}.json").write_text(f"[\n{lines}\n]\n")
    return records
