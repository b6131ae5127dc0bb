"""DPO of a vision-language model on grounding preference pairs (chosen vs perturbed answers).

    python -m training.train_dpo --model_path Qwen/Qwen3-VL-2B-Instruct \\
        --train_data data/dpo_data/train.json --val_data data/dpo_data/val.json \\
        --output_dir outputs/qwen3vl_dpo [--beta 0.1] [--tensorboard]

With LoRA the reference model is the base model with the adapter switched off, so only one
copy of the weights is loaded. The log's best checkpoint is the highest ``val_accuracy``.
"""

from __future__ import annotations

from collections.abc import Sequence

from training import common


def main(argv: Sequence[str] | None = None) -> None:
    parser = common.base_parser(__doc__.splitlines()[0], eval_steps=500)
    parser.set_defaults(learning_rate=5e-5, num_epochs=1.0)
    parser.add_argument("--beta", type=float, default=0.1, help="DPO temperature")
    args = common.parse_args(parser, argv)

    from trl import DPOConfig, DPOTrainer

    from training.data import dpo_dataset

    processor = common.load_processor(args.model_path)
    log, callbacks = common.callbacks("dpo", args, processor, common.log_config(args))
    trainer = DPOTrainer(
        model=common.load_model(args),
        # Image tokens must never be cut off, so no truncation.
        args=DPOConfig(**common.trainer_arguments(args), beta=args.beta, max_length=None),
        train_dataset=dpo_dataset(args.train_data),
        eval_dataset=dpo_dataset(args.val_data) if args.val_data else None,
        processing_class=processor,
        peft_config=common.lora_config(args),
        callbacks=callbacks,
    )
    final = common.train(trainer, args, log, processor)
    print(f"training log: {args.output_dir}/training_log.json; final model: {final}")


if __name__ == "__main__":
    main()
