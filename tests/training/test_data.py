"""Dataset loaders: the columns each TRL trainer reads, and one-line errors for bad files."""

import json

import pytest
from PIL import Image

from training.data import DataFormatError, dpo_dataset, grpo_dataset, read_records, sft_dataset
from training.rewards import REWARD_FUNCS
from training.synthetic import PROMPT, write_split


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_split(root / "qwen_data", "train", 3, seed=1, image_size=64, preference=False)
    write_split(root / "dpo_data", "train", 3, seed=1, image_size=64, preference=True)
    return root


def test_sft_rows_are_conversations_with_an_image(data):
    dataset = sft_dataset(data / "qwen_data" / "train.json")
    assert dataset.column_names == ["images", "messages"]
    row = dataset[0]
    assert isinstance(row["images"][0], Image.Image)
    user, assistant = row["messages"]
    assert user == {"role": "user", "content": PROMPT}
    answer = json.loads(assistant["content"])
    assert assistant["role"] == "assistant"
    assert set(answer[0]) == {"bbox_2d", "label"}


def test_grpo_objects_score_their_own_answer_perfectly(data):
    dataset = grpo_dataset(data / "qwen_data" / "train.json")
    assert dataset.column_names == ["images", "prompt", "objects"]
    records = json.loads((data / "qwen_data" / "train.json").read_text())
    answers = [json.dumps(record["objects"]) for record in records]
    for func in REWARD_FUNCS:
        assert func(answers, objects=dataset["objects"]) == [1.0] * len(records)


def test_dpo_rows_pair_a_prompt_with_two_answers(data):
    dataset = dpo_dataset(data / "dpo_data" / "train.json")
    assert dataset.column_names == ["images", "prompt", "chosen", "rejected"]
    row = dataset[0]
    assert row["prompt"] == [{"role": "user", "content": PROMPT}]
    assert row["chosen"][0]["role"] == row["rejected"][0]["role"] == "assistant"
    assert row["chosen"] != row["rejected"]


def test_image_paths_are_resolved_next_to_the_json(data):
    records = read_records(data / "qwen_data" / "train.json", ("image", "prompt", "objects"))
    assert records[0]["image"] == str((data / "qwen_data" / "images" / "train_0000.png").resolve())


def write(tmp_path, records, name="bad.json"):
    path = tmp_path / name
    path.write_text(records if isinstance(records, str) else json.dumps(records))
    (tmp_path / "a.png").write_bytes(b"")
    return path


GOOD = {"image": "a.png", "prompt": "p", "objects": [{"label": "x", "bbox_2d": [0, 0, 1, 1]}]}


def box(*coords):
    return {**GOOD, "objects": [{"label": "x", "bbox_2d": list(coords)}]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[", r"bad\.json: cannot read JSON"),
        ({"image": "a.png"}, r"bad\.json: expected a JSON list of records"),
        ([GOOD, "x"], r"bad\.json: record 1: expected an object"),
        ([{"image": "a.png"}], r"record 0: missing 'prompt', 'objects'"),
        ([{**GOOD, "prompt": ""}], r"record 0: 'prompt' must be a non-empty string"),
        ([{**GOOD, "image": "nope.png"}], r"record 0: image not found: .*nope\.png"),
        ([{**GOOD, "objects": {}}], r"record 0: 'objects' must be a list"),
        ([{**GOOD, "objects": [{"bbox_2d": [0, 0, 1, 1]}]}], r"object 0 needs a string 'label'"),
        ([box(0, 1)], r"record 0: object 0 'bbox_2d' must be 4 numbers"),
        ([box(0, 0, 1, "1")], r"'bbox_2d' must be 4 numbers"),
        ([box(5, 0, 1, 1)], r"'bbox_2d' needs x1 < x2 and y1 < y2"),
    ],
)
def test_grounding_errors_name_file_and_record(tmp_path, content, message):
    with pytest.raises(DataFormatError, match=message) as error:
        sft_dataset(write(tmp_path, content))
    assert "\n" not in str(error.value)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(DataFormatError, match=r"absent\.json: cannot read JSON"):
        grpo_dataset(tmp_path / "absent.json")


def test_preference_errors_name_the_field(tmp_path):
    record = {"image": "a.png", "prompt": "p", "chosen": "[]", "rejected": 3}
    with pytest.raises(DataFormatError, match=r"record 0: 'rejected' must be a non-empty string"):
        dpo_dataset(write(tmp_path, [record]))
