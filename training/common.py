"""What the three training scripts share: arguments, model/processor loading, LoRA, callbacks.

Each script (``train_lora``, ``train_grpo``, ``train_dpo``) builds its TRL trainer from these
pieces and calls ``run``. Nothing here knows about the tiny test model: everything is read
from the checkpoint and its processor, so the same code runs ``Qwen/Qwen3-VL-2B-Instruct``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

LANGUAGE_LORA_TARGETS = (
    r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
)
"""LoRA on the language model's attention and MLP projections; the vision tower stays frozen."""


class ConfigFileError(ValueError):
    """``--config`` names a file that is not a YAML mapping of known arguments."""


def base_parser(description: str, eval_steps: int) -> argparse.ArgumentParser:
    """The arguments every script takes (the seed's config keys keep their names)."""
    parser = argparse.ArgumentParser(description=description)
    add = parser.add_argument
    add("--config", type=Path, help="YAML file of argument values; the command line overrides it")
    add("--model_path", default="Qwen/Qwen3-VL-2B-Instruct", help="checkpoint dir or hub id")
    add("--train_data", required=True, help="training JSON (docs/data_format.md)")
    add("--val_data", help="validation JSON; without it there is no evaluation")
    add("--output_dir", required=True, help="run folder: training_log.json, checkpoints, final/")
    add("--num_epochs", type=float, default=3.0)
    add("--max_steps", type=int, default=-1, help="stop after this many steps (-1: epochs)")
    add("--batch_size", type=int, default=2, help="examples per device per micro-step")
    add("--learning_rate", type=float, default=2e-4)
    add("--gradient_accumulation", type=int, default=4)
    add("--lora_r", type=int, default=64)
    add("--lora_alpha", type=int, help="LoRA alpha (default: 2 × lora_r)")
    add("--use_4bit", action=argparse.BooleanOptionalAction, default=False, help="QLoRA")
    add("--bf16", action=argparse.BooleanOptionalAction, default=False)
    add("--gradient_checkpointing", action=argparse.BooleanOptionalAction, default=True)
    add("--logging_steps", type=int, default=10)
    add("--eval_steps", type=int, default=eval_steps)
    add(
        "--save_steps",
        type=int,
        help=f"periodic checkpoint interval (default: eval_steps={eval_steps})",
    )
    add("--seed", type=int, default=42)
    add("--sinks", default="json", help="trainlog sinks, comma-separated: json,tensorboard,csv")
    add("--tensorboard", action="store_true", help="add the TensorBoard sink to --sinks")
    add("--resume_from_checkpoint", help="checkpoint folder to continue from ('latest': newest)")
    return parser


def parse_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None = None
) -> argparse.Namespace:
    """Parse ``argv``, taking defaults from ``--config FILE.yaml`` when given."""
    pre_parser = argparse.ArgumentParser(add_help=False)
    pre_parser.add_argument("--config", type=Path)
    pre, _ = pre_parser.parse_known_args(argv)
    if pre.config is not None:
        parser.set_defaults(**read_config_file(pre.config, parser))
        # Required arguments may come from the file alone.
        for action in parser._actions:
            if action.dest in parser._defaults and action.required:
                action.required = False
    args = parser.parse_args(argv)
    if args.save_steps is None:
        args.save_steps = args.eval_steps
    if args.lora_alpha is None:
        args.lora_alpha = 2 * args.lora_r
    return args


def read_config_file(path: Path, parser: argparse.ArgumentParser) -> dict[str, Any]:
    """The YAML mapping in ``path``, checked against the parser's argument names."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigFileError(f"--config {path}: cannot read YAML ({err})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigFileError(f"--config {path}: expected a mapping of argument: value")
    known = {action.dest for action in parser._actions} - {"help", "config"}
    values = {str(key).replace("-", "_"): value for key, value in data.items()}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigFileError(
            f"--config {path}: unknown argument(s) {', '.join(unknown)}; known: "
            + ", ".join(sorted(known))
        )
    return values


def sink_names(args: argparse.Namespace) -> list[str]:
    """``--sinks`` plus TensorBoard when ``--tensorboard`` is given."""
    names = [name.strip() for name in args.sinks.split(",") if name.strip()]
    if args.tensorboard and "tensorboard" not in names:
        names.append("tensorboard")
    return names


def log_config(args: argparse.Namespace, drop: Sequence[str] = ()) -> dict[str, Any]:
    """The script's arguments as the log's ``config`` (the seed's keys first)."""
    skip = {"config", "sinks", "tensorboard", *drop}
    return {key: value for key, value in vars(args).items() if key not in skip}


def load_processor(model_path: str) -> Any:
    """The checkpoint's processor; prompts padded on the left, as generation needs.

    A processor saved by ``training.make_tiny`` is image-only (no torchvision) and loads
    through ``training.processor``; any other goes through ``AutoProcessor``.
    """
    config_file = Path(model_path) / "processor_config.json"
    if config_file.is_file():
        auto_map = json.loads(config_file.read_text()).get("auto_map", {})
        if "ImageOnlyQwen3VLProcessor" in str(auto_map.get("AutoProcessor", "")):
            from training.processor import load_processor as load_image_only

            return load_image_only(model_path)
    from transformers import AutoProcessor

    return AutoProcessor.from_pretrained(model_path, padding_side="left")


def load_model(args: argparse.Namespace) -> Any:
    """The vision-language model, in 4-bit NF4 (QLoRA) with ``--use_4bit``."""
    import torch
    from transformers import AutoModelForImageTextToText, BitsAndBytesConfig

    dtype = torch.bfloat16 if args.bf16 else torch.float32
    kwargs: dict[str, Any] = {"dtype": dtype}
    if args.use_4bit:
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
        )
    return AutoModelForImageTextToText.from_pretrained(args.model_path, **kwargs)


def lora_config(args: argparse.Namespace) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=0.05,
        target_modules=LANGUAGE_LORA_TARGETS,
        task_type="CAUSAL_LM",
    )


def trainer_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments shared by SFTConfig, GRPOConfig and DPOConfig.

    ``bf16`` is passed explicitly: TRL's configs default it to True, which fails on CPU.
    Reporting goes through trainlog's callback, so ``report_to`` is off.
    """
    from transformers import TrainingArguments

    evaluate = bool(args.val_data) and args.eval_steps > 0
    # transformers 5 renamed gradient_checkpointing (a deprecated alias there).
    checkpointing = (
        "activation_checkpointing"
        if "activation_checkpointing" in TrainingArguments.__dataclass_fields__
        else "gradient_checkpointing"
    )
    return {
        "output_dir": args.output_dir,
        "num_train_epochs": args.num_epochs,
        "max_steps": args.max_steps,
        "per_device_train_batch_size": args.batch_size,
        "per_device_eval_batch_size": args.batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation,
        "learning_rate": args.learning_rate,
        "logging_steps": args.logging_steps,
        "eval_strategy": "steps" if evaluate else "no",
        "eval_steps": args.eval_steps if evaluate else None,
        "save_strategy": "steps",
        "save_steps": args.save_steps,
        "bf16": args.bf16,
        "fp16": False,
        checkpointing: args.gradient_checkpointing,
        "seed": args.seed,
        "report_to": "none",
    }


def resume_checkpoint(args: argparse.Namespace) -> str | None:
    """``--resume_from_checkpoint``: a folder, or ``latest`` for the newest in output_dir."""
    value = args.resume_from_checkpoint
    if value != "latest":
        return value
    candidates = [p for p in Path(args.output_dir).glob("checkpoint-*") if p.is_dir()]
    if not candidates:
        raise SystemExit(f"--resume_from_checkpoint latest: no checkpoint-* in {args.output_dir}")
    return str(max(candidates, key=lambda p: int(p.name.rsplit("-", 1)[-1])))


def callbacks(
    method: str,
    args: argparse.Namespace,
    processor: Any,
    config: dict[str, Any],
    **log_options: Any,
) -> tuple[Any, list[Any]]:
    """The trainlog callback and the ``callbacks=[...]`` list, in the order they must run."""
    from training.callbacks import BestModelCallback
    from trainlog.integrations.transformers import TrainlogCallback

    log = TrainlogCallback(method, config=config, sinks=sink_names(args), **log_options)
    return log, [log, BestModelCallback(method, log, processor)]


def train(trainer: Any, args: argparse.Namespace, log: Any, processor: Any) -> Path:
    """Train (resuming if asked), then save the final model to ``output_dir/final``.

    A crash or Ctrl-C ends the log as ``failed``/``interrupted`` before the error propagates.
    """
    from training.callbacks import save_model
    from trainlog.run import exit_status

    try:
        trainer.train(resume_from_checkpoint=resume_checkpoint(args))
    except BaseException as exc:
        log.finish(exit_status(exc))
        raise
    final = Path(args.output_dir) / "final"
    if trainer.is_world_process_zero():
        save_model(trainer.model, processor, final)
    return final
