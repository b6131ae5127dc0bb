"""Build a tiny random Qwen3-VL, its processor and synthetic grounding/DPO data, fully offline.

Usage: ``python -m training.make_tiny --output DIR``. The result lets the training scripts and
tests run end to end on CPU in seconds without downloading anything.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import torch
import trl
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    PreTrainedTokenizerFast,
    Qwen2VLImageProcessorPil,
    Qwen3VLConfig,
    Qwen3VLForConditionalGeneration,
)

from training.processor import ImageOnlyQwen3VLProcessor
from training.synthetic import LABELS, PROMPT, format_answer, write_split

# Qwen's special tokens, in Qwen's order; the model config's token ids are read back from them.
SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]
VOCAB_SIZE = 1024
PATCH_SIZE = 16
MERGE_SIZE = 2
TEXT_HIDDEN = 64
CHAT_TEMPLATE = Path(trl.__file__).parent / "chat_templates" / "qwen3_vl.jinja"


def _corpus(seed: int) -> list[str]:
    """Text shaped like the prompts and answers, so the tokenizer learns compact tokens for them."""
    rng = random.Random(f"{seed}-corpus")
    lines = [PROMPT] * 200 + ["system\nYou are a helpful assistant."] * 20
    for _ in range(2000):
        objects = [
            {"bbox_2d": sorted(rng.sample(range(1001), 4)), "label": label}
            for label in rng.sample(LABELS, rng.randint(1, 3))
        ]
        lines.append(format_answer(objects))
    return lines


def build_tokenizer(seed: int) -> PreTrainedTokenizerFast:
    """Train a small byte-level BPE carrying Qwen's special tokens (eos ``<|im_end|>``)."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_corpus(seed), trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=4096,
    )


def build_processor(tokenizer: PreTrainedTokenizerFast) -> ImageOnlyQwen3VLProcessor:
    """PIL image processor limited to 1-16 vision tokens per image, plus TRL's Qwen3-VL template."""
    token_area = (PATCH_SIZE * MERGE_SIZE) ** 2
    image_processor = Qwen2VLImageProcessorPil(
        patch_size=PATCH_SIZE,
        merge_size=MERGE_SIZE,
        temporal_patch_size=2,
        min_pixels=token_area,
        max_pixels=16 * token_area,
    )
    return ImageOnlyQwen3VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE.read_text(),
    )


def build_model(tokenizer: PreTrainedTokenizerFast, seed: int) -> Qwen3VLForConditionalGeneration:
    """Randomly initialise a ~0.3M-parameter Qwen3-VL whose token ids match ``tokenizer``."""
    ids = tokenizer.convert_tokens_to_ids
    config = Qwen3VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": TEXT_HIDDEN,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 16,
            "max_position_embeddings": 4096,
            # mrope sections split head_dim / 2 rotary frequencies over (time, height, width).
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 10000.0,
                "mrope_section": [4, 2, 2],
                "mrope_interleaved": True,
            },
            "pad_token_id": ids("<|endoftext|>"),
            "eos_token_id": ids("<|im_end|>"),
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": PATCH_SIZE,
            "spatial_merge_size": MERGE_SIZE,
            "temporal_patch_size": 2,
            "out_hidden_size": TEXT_HIDDEN,
            "num_position_embeddings": 64,
            "deepstack_visual_indexes": [1],
        },
        image_token_id=ids("<|image_pad|>"),
        video_token_id=ids("<|video_pad|>"),
        vision_start_token_id=ids("<|vision_start|>"),
        vision_end_token_id=ids("<|vision_end|>"),
    )
    torch.manual_seed(seed)
    model = Qwen3VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = [ids("<|im_end|>"), ids("<|endoftext|>")]
    model.generation_config.pad_token_id = ids("<|endoftext|>")
    return model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="directory to create")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-size", type=int, default=64, help="records per train split")
    parser.add_argument("--val-size", type=int, default=16, help="records per val split")
    parser.add_argument("--image-size", type=int, default=64, help="square image side in pixels")
    args = parser.parse_args(argv)

    for dataset, preference in (("qwen_data", False), ("dpo_data", True)):
        for split, count in (("train", args.train_size), ("val", args.val_size)):
            write_split(args.output / dataset, split, count, args.seed, args.image_size, preference)

    tokenizer = build_tokenizer(args.seed)
    build_processor(tokenizer).save_pretrained(args.output / "model")
    build_model(tokenizer, args.seed).save_pretrained(args.output / "model")
    print(f"wrote {args.output}/model, {args.output}/qwen_data, {args.output}/dpo_data")


if __name__ == "__main__":
    main()
