"""LoRA / QLoRA supervised fine-tuning of a vision-language model on grounding data.

    python -m training.train_lora --model_path Qwen/Qwen3-VL-2B-Instruct \\
        --train_data data/qwen_data/train.json --val_data data/qwen_data/val.json \\
        --output_dir outputs/qwen3vl_lora [--use_4bit] [--bf16] [--tensorboard]

Writes ``training_log.json`` (trainlog method ``lora``, ``qlora`` with ``--use_4bit``),
``checkpoint-<step>/``, ``best/`` and ``final/`` into ``--output_dir``.
"""

from __future__ import annotations

from collections.abc import Sequence

from training import common


def main(argv: Sequence[str] | None = None) -> None:
    parser = common.base_parser(__doc__.splitlines()[0], eval_steps=500)
    args = common.parse_args(parser, argv)

    from trl import SFTConfig, SFTTrainer

    from training.data import sft_dataset

    processor = common.load_processor(args.model_path)
    method = "qlora" if args.use_4bit else "lora"
    log, callbacks = common.callbacks(method, args, processor, common.log_config(args))
    trainer = SFTTrainer(
        model=common.load_model(args),
        # Image tokens must never be cut off, so no truncation.
        args=SFTConfig(**common.trainer_arguments(args), max_length=None),
        train_dataset=sft_dataset(args.train_data),
        eval_dataset=sft_dataset(args.val_data) if args.val_data else None,
        processing_class=processor,
        peft_config=common.lora_config(args),
        callbacks=callbacks,
    )
    final = common.train(trainer, args, log, processor)
    print(f"training log: {args.output_dir}/training_log.json; final model: {final}")


if __name__ == "__main__":
    main()
