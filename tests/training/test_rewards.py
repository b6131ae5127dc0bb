"""Grounding rewards on hand-made completions with known answers."""

import json

import pytest

from training.rewards import (
    REWARD_FUNCS,
    REWARD_WEIGHTS,
    bbox_reward,
    category_reward,
    completeness_reward,
    format_reward,
    iou,
    reward_weights,
    total_reward,
)

RED = {"label": "red square", "bbox_2d": [0, 0, 100, 100]}
BLUE = {"label": "blue circle", "bbox_2d": [500, 500, 700, 700]}


def answer(*objects):
    return json.dumps([{"bbox_2d": o["bbox_2d"], "label": o["label"]} for o in objects])


def scores(completion, truth):
    """All four rewards for one completion against one ground truth."""
    return [func([completion], objects=[truth])[0] for func in REWARD_FUNCS]


def test_exact_answer_scores_one_everywhere():
    assert scores(answer(RED, BLUE), [RED, BLUE]) == [1.0, 1.0, 1.0, 1.0]


def test_disjoint_box_scores_zero_but_keeps_format():
    far = {"label": "red square", "bbox_2d": [800, 800, 900, 900]}
    assert scores(answer(far), [RED]) == [1.0, 0.0, 0.0, 0.0]


def test_partial_overlap_iou_by_hand():
    # [50, 0, 150, 100] overlaps [0, 0, 100, 100] in 50x100: 5000 / (10000 + 10000 - 5000) = 1/3
    shifted = {"label": "red square", "bbox_2d": [50, 0, 150, 100]}
    fmt, box, cat, complete = scores(answer(shifted), [RED])
    assert box == pytest.approx(1 / 3)
    assert (fmt, cat, complete) == (1.0, 1.0, 0.0)  # matched, right label, but IoU < 0.5


def test_iou_of_inverted_box_is_zero():
    assert iou((100, 100, 0, 0), (0, 0, 100, 100)) == 0.0


def test_wrong_label_costs_only_category():
    wrong = {"label": "green square", "bbox_2d": RED["bbox_2d"]}
    assert scores(answer(wrong), [RED]) == [1.0, 1.0, 0.0, 1.0]


def test_label_comparison_ignores_case_and_spacing():
    loud = {"label": " Red  SQUARE ", "bbox_2d": RED["bbox_2d"]}
    assert category_reward([answer(loud)], objects=[[RED]]) == [1.0]


def test_missing_object_halves_box_category_and_recall():
    assert scores(answer(RED), [RED, BLUE]) == [1.0, 0.5, 0.5, 0.5]


def test_extra_object_dilutes_box_and_category_not_recall():
    assert scores(answer(RED, BLUE), [RED]) == [1.0, 0.5, 0.5, 1.0]


@pytest.mark.parametrize(
    "garbage", ["", "no boxes here", "[{", "{}", '[{"x": 1}]', "[1, 2]", None, 42, [{"x": 1}]]
)
def test_garbage_scores_zero_without_raising(garbage):
    assert scores(garbage, [RED]) == [0.0, 0.0, 0.0, 0.0]


def test_list_inside_prose_gets_half_format_and_full_geometry():
    assert scores(f"Sure! {answer(RED)} Done.", [RED]) == [0.5, 1.0, 1.0, 1.0]


def test_json_code_fence_is_clean_format():
    assert format_reward([f"```json\n{answer(RED)}\n```"]) == [1.0]


def test_malformed_items_are_skipped_and_halve_format():
    bad = [{"bbox_2d": [1, 2, 3], "label": "x"}, {"bbox_2d": [1, 2, 3, 4]}]
    items = [*json.loads(answer(RED)), *bad]
    assert scores(json.dumps(items), [RED]) == [0.5, 1.0, 1.0, 1.0]


def test_boolean_coordinates_are_not_numbers():
    flagged = json.dumps(
        [{"bbox_2d": [True, 0, 1, 1], "label": "x"}, {"bbox_2d": [0, 0, 1, 1], "label": "y"}]
    )
    assert format_reward([flagged]) == [0.5]


def test_conversational_and_string_completions_agree():
    text = answer(RED, BLUE)
    as_string = [text]
    as_messages = [[{"role": "assistant", "content": text}]]
    as_parts = [[{"role": "assistant", "content": [{"type": "text", "text": text}]}]]
    for func in REWARD_FUNCS:
        expected = func(as_string, objects=[[RED, BLUE]])
        assert func(as_messages, objects=[[RED, BLUE]]) == expected
        assert func(as_parts, objects=[[RED, BLUE]]) == expected


def test_batch_is_scored_per_completion():
    completions = [answer(RED), answer(BLUE), "junk"]
    truth = [[RED], [RED], [BLUE]]
    assert bbox_reward(completions, objects=truth) == [1.0, 0.0, 0.0]
    assert completeness_reward(completions, objects=truth) == [1.0, 0.0, 0.0]


def test_empty_truth_rewards_an_empty_answer():
    assert scores("[]", []) == [1.0, 1.0, 1.0, 1.0]
    assert scores(answer(RED), [])[1:] == [0.0, 0.0, 0.0]


def test_missing_objects_column_is_a_clear_error():
    with pytest.raises(ValueError, match="objects"):
        bbox_reward([answer(RED)])


def test_weights_align_with_functions_and_total():
    assert [f.__name__ for f in REWARD_FUNCS] == list(REWARD_WEIGHTS)
    assert reward_weights() == list(REWARD_WEIGHTS.values())
    assert total_reward([answer(RED), "junk"], objects=[[RED], [RED]]) == [
        sum(REWARD_WEIGHTS.values()),
        0.0,
    ]
