"""The tiny model builder: offline reload, a forward pass with an image, determinism."""

import json

import pytest
import torch
from PIL import Image
from transformers import AutoProcessor, Qwen3VLForConditionalGeneration

from training.make_tiny import main
from training.processor import ImageOnlyQwen3VLProcessor, load_processor


def build(path):
    main(["--output", str(path), "--train-size", "3", "--val-size", "2", "--seed", "7"])
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build(tmp_path_factory.mktemp("tiny"))


def test_layout_and_sizes(tiny):
    for dataset in ("qwen_data", "dpo_data"):
        for split, count in (("train", 3), ("val", 2)):
            records = json.loads((tiny / dataset / f"{split}.json").read_text())
            assert len(records) == count
            assert all((tiny / dataset / r["image"]).is_file() for r in records)
    assert (tiny / "model" / "model.safetensors").stat().st_size < 2_000_000


def test_config_token_ids_match_tokenizer(tiny):
    processor = load_processor(tiny / "model")
    config = Qwen3VLForConditionalGeneration.from_pretrained(tiny / "model").config
    ids = processor.tokenizer.convert_tokens_to_ids
    assert config.image_token_id == ids("<|image_pad|>") == processor.image_token_id
    assert config.video_token_id == ids("<|video_pad|>")
    assert config.vision_start_token_id == ids("<|vision_start|>")
    assert config.vision_end_token_id == ids("<|vision_end|>")
    assert config.text_config.vocab_size == len(processor.tokenizer)
    assert processor.tokenizer.eos_token == "<|im_end|>"


def test_forward_pass_with_image(tiny):
    processor = load_processor(tiny / "model")
    model = Qwen3VLForConditionalGeneration.from_pretrained(tiny / "model")
    record = json.loads((tiny / "qwen_data" / "train.json").read_text())[0]
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "hi"}]}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True)
    assert "<|vision_start|><|image_pad|><|vision_end|>" in text
    image = Image.open(tiny / "qwen_data" / record["image"])
    inputs = processor(text=[text], images=[image], return_tensors="pt")
    # 64x64 pixels in 16-pixel patches merged 2x2: four vision tokens.
    assert (inputs["input_ids"] == processor.image_token_id).sum() == 4
    with torch.no_grad():
        logits = model(**inputs).logits
    assert logits.shape == (*inputs["input_ids"].shape, len(processor.tokenizer))
    assert torch.isfinite(logits).all()


def test_auto_processor_reloads_with_remote_code(tiny):
    processor = AutoProcessor.from_pretrained(tiny / "model", trust_remote_code=True)
    assert type(processor).__name__ == ImageOnlyQwen3VLProcessor.__name__
    assert type(processor.image_processor).__name__ == "Qwen2VLImageProcessorPil"


def test_same_seed_gives_identical_files(tiny, tmp_path):
    again = build(tmp_path / "again")
    for name in ("model/model.safetensors", "model/tokenizer.json", "qwen_data/train.json"):
        assert (tiny / name).read_bytes() == (again / name).read_bytes(), name
    assert (tiny / "dpo_data/images/val_0001.png").read_bytes() == (
        again / "dpo_data/images/val_0001.png"
    ).read_bytes()


def test_warm_up_fine_tunes_the_model_in_place(tmp_path):
    from training.make_tiny import warm_up

    root = build(tmp_path / "warm")
    before = Qwen3VLForConditionalGeneration.from_pretrained(root / "model").state_dict()
    losses = warm_up(root / "model", root / "qwen_data" / "train.json", steps=12, seed=0)
    after = Qwen3VLForConditionalGeneration.from_pretrained(root / "model").state_dict()
    assert len(losses) == 12 and losses[-1] < 0.75 * losses[0]
    assert any(not torch.equal(before[name], value) for name, value in after.items())
    load_processor(root / "model")  # the processor beside it still loads
