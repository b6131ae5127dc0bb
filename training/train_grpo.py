"""GRPO of a vision-language model on grounding data, rewarded by format, IoU, labels, recall.

    python -m training.train_grpo --model_path Qwen/Qwen3-VL-2B-Instruct \\
        --train_data data/qwen_data/train.json --val_data data/qwen_data/val.json \\
        --output_dir outputs/qwen3vl_grpo [--num_generations 4] [--kl_coef 0.1] [--tensorboard]

``--batch_size`` counts prompts per device and micro-step; each gets ``--num_generations``
completions. ``samples`` in the log (and in ``checkpoint-samples-N``) counts prompts seen:
step × batch_size × gradient_accumulation × world size. Rewards: ``training.rewards``.
"""

from __future__ import annotations

from collections.abc import Sequence

from training import common


def main(argv: Sequence[str] | None = None) -> None:
    parser = common.base_parser(__doc__.splitlines()[0], eval_steps=200)
    parser.set_defaults(batch_size=1, learning_rate=1e-5, num_epochs=1.0)
    parser.add_argument("--num_generations", type=int, default=4, help="completions per prompt")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--kl_coef", type=float, default=0.1, help="KL penalty (TRL's beta)")
    parser.add_argument("--max_completion_length", type=int, default=256)
    args = common.parse_args(parser, argv)

    from trl import GRPOConfig, GRPOTrainer

    from training.callbacks import SampleNamedCheckpoints
    from training.data import grpo_dataset
    from training.rewards import REWARD_FUNCS, reward_weights
    from trainlog.distributed import world_size

    processor = common.load_processor(args.model_path)
    per_step = args.batch_size * args.gradient_accumulation * world_size()
    config = {**common.log_config(args), "samples_per_step": per_step}
    renamer = SampleNamedCheckpoints(per_step)
    log, callbacks = common.callbacks("grpo", args, processor, config, checkpoint_path=renamer.path)
    completions = args.batch_size * args.num_generations
    trainer_args = {
        **common.trainer_arguments(args),
        "per_device_train_batch_size": completions,
        "per_device_eval_batch_size": completions,
    }
    trainer = GRPOTrainer(
        model=common.load_model(args),
        reward_funcs=REWARD_FUNCS,
        args=GRPOConfig(
            **trainer_args,
            num_generations=args.num_generations,
            temperature=args.temperature,
            beta=args.kl_coef,
            max_completion_length=args.max_completion_length,
            reward_weights=reward_weights(),
        ),
        train_dataset=grpo_dataset(args.train_data),
        eval_dataset=grpo_dataset(args.val_data) if args.val_data else None,
        processing_class=processor,
        peft_config=common.lora_config(args),
        callbacks=[renamer, *callbacks],
    )
    final = common.train(trainer, args, log, processor)
    print(f"training log: {args.output_dir}/training_log.json; final model: {final}")


if __name__ == "__main__":
    main()
