import pytest

from backend.clips.consensus import ADAPTIVE, FIXED, decide


@pytest.mark.parametrize(
    ("values", "mode", "value", "required"),
    [
        ([], FIXED, None, 3),
        ([1, 1], FIXED, None, 3),  # fixed mode always asks 3
        ([1, 1, -1], FIXED, 1, 3),
        ([-1, 1, -1], FIXED, -1, 3),
        ([], ADAPTIVE, None, 2),
        ([1], ADAPTIVE, None, 2),
        ([-1, -1], ADAPTIVE, -1, 2),  # two agree: done
        ([1, -1], ADAPTIVE, None, 3),  # disagreement: a third is asked
        ([1, -1, -1], ADAPTIVE, -1, 3),
    ],
)
def test_decide(values, mode, value, required):
    decision = decide(values, mode)
    assert (decision.value, decision.required) == (value, required)


def test_adaptive_gives_the_same_label_as_fixed_for_every_first_three():
    import itertools

    for first_three in itertools.product([1, -1], repeat=3):
        fixed = decide(list(first_three), FIXED).value
        adaptive = decide(list(first_three[:2]), ADAPTIVE)
        final = adaptive.value if adaptive.decided else decide(list(first_three), ADAPTIVE).value
        assert final == fixed


def test_bad_values_are_refused():
    with pytest.raises(ValueError):
        decide([1, 0], FIXED)
    with pytest.raises(ValueError):
        decide([1], "vote")
