"""format_params: the one way hyper-parameters become a line of text."""

import numpy as np

from ridgeback._util.text import format_params


def test_default_writes_values_as_str_does_and_keeps_the_order():
    params = {"l2": 0.0001, "hidden_layer_sizes": (64, 32), "activation": "relu", "n": np.int64(3)}
    assert format_params(params) == "l2=0.0001 hidden_layer_sizes=(64, 32) activation=relu n=3"


def test_floats_take_the_format_spec_other_values_do_not():
    params = {"l1": 0.000123456, "dropout": 0.5, "epochs": 30, "scale": np.float64(2.5e-7), "on": True}
    expected = "l1=0.000123 dropout=0.5 epochs=30 scale=2.5e-07 on=True"
    assert format_params(params, float_format=".3g") == expected


def test_aliases_shorten_every_name_that_contains_them():
    params = {"mlp__hidden_layer_sizes": (8,), "hidden_layer_sizes": (4,)}
    assert format_params(params, aliases={"hidden_layer_sizes": "hidden"}) == "mlp__hidden=(8,) hidden=(4,)"


def test_empty_params_give_the_empty_text_and_value_overrides_formatting():
    assert format_params({}) == "-" and format_params(None, empty="(defaults)") == "(defaults)"
    text = format_params({"a": 1, "b": None}, sep=", ", value=lambda v: "—" if v is None else str(v))
    assert text == "a=1, b=—"
