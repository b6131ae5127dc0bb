"""Qwen3-VL processor without a video processor.

Qwen3VLProcessor always builds a video processor, and every video processor in transformers needs
torchvision; grounding only uses images, so this subclass drops that dependency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers.models.qwen3_vl.processing_qwen3_vl import Qwen3VLProcessor


class ImageOnlyQwen3VLProcessor(Qwen3VLProcessor):
    """Qwen3VLProcessor whose sub-processors are only the image processor and the tokenizer.

    ProcessorMixin derives the sub-processors from the ``__init__`` signature, so leaving
    ``video_processor`` out of it is what makes save/load skip the video processor.
    """

    def __init__(
        self,
        image_processor: Any = None,
        tokenizer: Any = None,
        chat_template: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(image_processor, tokenizer, None, chat_template=chat_template, **kwargs)


# Saving then also writes this file and an auto_map, so the model directory and every training
# checkpoint reload with AutoProcessor.from_pretrained(path, trust_remote_code=True).
ImageOnlyQwen3VLProcessor.register_for_auto_class("AutoProcessor")


def load_processor(path: str | Path) -> ImageOnlyQwen3VLProcessor:
    """Load a processor saved by ``python -m training.make_tiny`` (or another image-only one).

    Without ``trust_remote_code=True``, ``AutoProcessor.from_pretrained(path)`` silently falls
    back to a bare tokenizer for this class; this helper needs no remote code. Padding and
    truncation are set to the left, as GRPOTrainer needs: it pads the prompts it re-encodes for
    the loss with the tokenizer default, and right padding there misplaces the image tokens
    whenever prompts differ in length (SFT and DPO collators pass their own padding side).
    """
    return ImageOnlyQwen3VLProcessor.from_pretrained(
        str(path), padding_side="left", truncation_side="left"
    )
