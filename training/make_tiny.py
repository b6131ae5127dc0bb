"""Build a tiny random Qwen3-VL, its processor and synthetic grounding/DPO data, fully offline.

Usage: ``python -m training.make_tiny --output DIR [--warmup-steps N]``. The result lets the
training scripts and tests run end to end on CPU in seconds without downloading anything.

``--warmup-steps`` first teaches the random model the answer format by a short full
fine-tune on the train split: a stand-in for the instruction-tuned checkpoint GRPO starts
from in practice. A random model never writes a parseable answer, so every completion
scores 0, GRPO's advantages and gradients are 0, and its curves say nothing.
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


def warm_up(model_dir: Path, train_data: Path, steps: int, seed: int) -> list[float]:
    """Fine-tune ``model_dir`` in place on ``train_data`` for ``steps``; returns the losses."""
    import tempfile

    from trl import SFTConfig, SFTTrainer

    from training.data import sft_dataset
    from training.processor import load_processor

    processor = load_processor(model_dir)
    model = Qwen3VLForConditionalGeneration.from_pretrained(model_dir)
    with tempfile.TemporaryDirectory(prefix="make-tiny-warmup-") as scratch:
        config = SFTConfig(
            output_dir=scratch,
            max_steps=steps,
            per_device_train_batch_size=8,
            learning_rate=3e-3,
            lr_scheduler_type="constant",
            logging_steps=max(1, steps // 10),
            save_strategy="no",
            report_to="none",
            bf16=False,
            max_length=None,  # image tokens must never be cut off
            seed=seed,
            disable_tqdm=True,
        )
        trainer = SFTTrainer(
            model=model,
            args=config,
            train_dataset=sft_dataset(train_data),
            processing_class=processor,
        )
        trainer.train()
    model.save_pretrained(model_dir)
    return [float(entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="directory to create")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-size", type=int, default=64, help="records per train split")
    parser.add_argument("--val-size", type=int, default=16, help="records per val split")
    parser.add_argument("--image-size", type=int, default=64, help="square image side in pixels")
    parser.add_argument(
        "--warmup-steps",
        type=int,
        default=0,
        help="steps of full fine-tuning on the train split, so the model writes answer-shaped "
        "JSON (GRPO needs rewards that vary); 0: keep the random model",
    )
    args = parser.parse_args(argv)

    for dataset, preference in (("qwen_data", False), ("dpo_data", True)):
        for split, count in (("train", args.train_size), ("val", args.val_size)):
            write_split(args.output / dataset, split, count, args.seed, args.image_size, preference)

    tokenizer = build_tokenizer(args.seed)
    build_processor(tokenizer).save_pretrained(args.output / "model")
    build_model(tokenizer, args.seed).save_pretrained(args.output / "model")
    if args.warmup_steps > 0:
        train_data = args.output / "qwen_data" / "train.json"
        losses = warm_up(args.output / "model", train_data, args.warmup_steps, args.seed)
        print(f"warmed up the model: loss {losses[0]:.3f} → {losses[-1]:.3f}")
    print(f"wrote {args.output}/model, {args.output}/qwen_data, {args.output}/dpo_data")


if __name__ == "__main__":
    main()
