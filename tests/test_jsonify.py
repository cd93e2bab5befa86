"""The one JSON converter: its NaN policies, exact round trips and error messages."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from ridgeback._util.jsonify import float_from_json, to_json


def test_numpy_values_become_plain_json_and_nonfinite_floats_null():
    value = {1: (np.float32(0.5), np.int64(3), np.bool_(True), np.str_("s")), "a": np.arange(4).reshape(2, 2),
             "nan": [np.nan, -np.inf, float("inf")], "path": Path("x/y"), "none": None}
    assert to_json(value) == {"1": [0.5, 3, True, "s"], "a": [[0, 1], [2, 3]], "nan": [None, None, None],
                              "path": "x/y", "none": None}
    assert type(to_json(np.float32(0.5))) is float and type(to_json(np.int64(3))) is int


def test_nonfinite_as_strings_round_trips_floats_exactly():
    floats = [0.1 + 0.2, 1e-310, -0.0, 5e-324, float(np.float32(1 / 3)), math.pi,
              math.inf, -math.inf, math.nan]
    text = json.dumps(to_json(floats, nonfinite="string"))
    assert "NaN" not in text and "Infinity" not in text  # valid JSON
    back = [float_from_json(v) for v in json.loads(text)]
    assert [np.float64(v).tobytes() for v in back[:-1]] == [np.float64(v).tobytes() for v in floats[:-1]]
    assert math.isnan(back[-1])


def test_float_from_json_only_decodes_nonfinite_strings():
    assert float_from_json("inf") == math.inf and float_from_json("-inf") == -math.inf
    assert float_from_json("Infinity") == "Infinity"
    assert float_from_json(2) == 2 and float_from_json(None) is None


def test_unknown_values_raise_with_their_place_or_are_kept():
    marker = object()
    with pytest.raises(ValueError, match=r"`context\['a'\]\[1\]` must be a JSON-compatible value.*"
                                         r"Received: context\['a'\]\[1\] of type object"):
        to_json({"a": [1, marker]}, "context")
    assert to_json({"a": [np.nan, marker]}, unknown="keep") == {"a": [None, marker]}


@pytest.mark.parametrize("kwargs, message", [
    (dict(nonfinite="zero"), r"Received: nonfinite='zero'"),
    (dict(unknown="drop"), r"Received: unknown='drop'"),
])
def test_bad_policies_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        to_json(1.0, **kwargs)
