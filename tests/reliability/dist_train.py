"""A tiny transformers Trainer under ``torchrun`` (gloo, CPU) with TrainlogCallback.

    torchrun --nproc_per_node=2 dist_train.py OUT

Every rank adds ``rank_value`` (its rank) to each log; the callback averages it across
ranks (``average_across_ranks=True``), so the log holds 0.5 with two ranks.
"""

from __future__ import annotations

import sys

import torch
from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainerCallback, TrainingArguments

from trainlog.integrations.transformers import TrainlogCallback


class RandomTokens(torch.utils.data.Dataset):
    def __init__(self, count: int, length: int = 16, vocab: int = 64):
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, vocab, (count, length), generator=generator)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[index], "labels": self.ids[index]}


class RankValue(TrainerCallback):
    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs is not None:
            logs["rank_value"] = float(torch.distributed.get_rank())


def main() -> None:
    out = sys.argv[1]
    config = GPT2Config(vocab_size=64, n_positions=16, n_embd=16, n_layer=1, n_head=2)
    model = GPT2LMHeadModel(config)
    args = TrainingArguments(
        output_dir=f"{out}/trainer",
        max_steps=8,
        per_device_train_batch_size=2,
        per_device_eval_batch_size=2,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=4,
        save_strategy="steps",
        save_steps=4,
        report_to="none",
        use_cpu=True,
        ddp_backend="gloo",
        dataloader_num_workers=0,
        disable_tqdm=True,
        seed=0,
    )
    callback = TrainlogCallback(
        "lora",
        output_dir=f"{out}/log",
        sinks=["json", "csv", "tensorboard"],
        average_across_ranks=True,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=RandomTokens(64),
        eval_dataset=RandomTokens(8),
        callbacks=[RankValue(), callback],
    )
    trainer.train()


if __name__ == "__main__":
    main()
