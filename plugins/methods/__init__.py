"""Built-in training methods: lora (qlora, sft), grpo, dpo."""
