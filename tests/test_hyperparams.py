"""The hyper-parameter table is the one source of the vocabulary: estimator checks, CLI flags,
TOML keys, --grid names, lockstep grouping and the 1-SE rule's directions all agree with it."""

import inspect

import pytest

from ridgeback import MLPClassifier, MLPRegressor
from ridgeback.cli.app import build_parser
from ridgeback.cli.common import DEFAULTS, OPTIONS, parse_grid, read_config
from ridgeback.engine.network import ACTIVATIONS
from ridgeback.engine.optimizers import OPTIMIZERS
from ridgeback.estimators.hyperparams import (
    CLASS_WEIGHT,
    CLIP_PREDICTIONS,
    LABEL_SMOOTHING,
    PARAMETERS,
    SCALE_TARGET,
    by_option,
    cli_parameters,
    is_log_scale,
    label,
    lockstep_free,
    regularizing,
    searchable,
    task_parameters,
)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_every_estimator_keyword_has_a_row_with_its_default(cls):
    signature = inspect.signature(cls.__init__).parameters
    rows = {**PARAMETERS, SCALE_TARGET.name: SCALE_TARGET, LABEL_SMOOTHING.name: LABEL_SMOOTHING,
            CLASS_WEIGHT.name: CLASS_WEIGHT, CLIP_PREDICTIONS.name: CLIP_PREDICTIONS}
    names = [n for n in signature if n != "self"]
    assert set(names) == set(cls._parameter_constraints)
    task = "classification" if cls is MLPClassifier else "regression"
    assert set(names) == set(task_parameters(task))
    for name in names:
        assert rows[name].default == signature[name].default, name
        assert cls._parameter_constraints[name] is rows[name].check


def test_a_bad_value_is_reported_by_the_rows_check():
    with pytest.raises(ValueError, match=r"Received: dropout=1\.5"):
        MLPClassifier(dropout=1.5).checked_params()
    with pytest.raises(ValueError, match="Received: optimizer='lbfgs'"):
        MLPClassifier(optimizer="lbfgs").checked_params()


def test_every_cli_row_is_a_flag_of_train_and_tune_with_the_rows_choices():
    parser = build_parser()
    for command in ("train", "tune"):
        sub = parser._subparsers._group_actions[0].choices[command]
        actions = {a.option_strings[0]: a for a in sub._actions if a.option_strings}
        for row in cli_parameters():
            assert row.flag in actions, (command, row.flag)
            if row.kind == "choice":
                assert tuple(actions[row.flag].choices) == row.choices
    # the copies used to disagree: --optimizer lacked rmsprop, which the estimator accepts
    assert set(PARAMETERS["optimizer"].choices) == set(OPTIMIZERS) and "rmsprop" in OPTIMIZERS
    assert set(PARAMETERS["activation"].choices) == set(ACTIVATIONS)


def test_options_defaults_and_toml_keys_come_from_the_table(tmp_path):
    assert OPTIONS == {row.option: row.name for row in cli_parameters()}
    assert DEFAULTS == {"hidden": "64", "lr": 1e-3, "epochs": 100, "batch_size": 32, "seed": 0}
    config = tmp_path / "run.toml"
    config.write_text("".join(f"{row.option} = 1\n" for row in cli_parameters()))
    assert set(read_config(config)) == {row.option for row in cli_parameters()}


def test_grid_accepts_the_option_and_the_keyword_of_every_searchable_row():
    examples = {"sizes": "64x32", "choice": None, "int": "8", "float": "0.5"}
    for name, row in searchable().items():
        value = row.choices[-1] if row.kind == "choice" else examples[row.kind]
        grid = parse_grid(f"{name}={value}")
        assert list(grid) == [row.name], name
    assert parse_grid("lr=1e-3")["learning_rate"] == [1e-3]
    assert parse_grid("hidden=64,128x64")["hidden_layer_sizes"] == [(64,), (128, 64)]
    assert parse_grid("max_norm=none,3")["max_norm"] == [None, 3.0]
    assert parse_grid("optimizer=rmsprop")["optimizer"] == ["rmsprop"]


def test_selection_vocabulary_comes_from_the_table():
    assert set(lockstep_free()) == {"hidden_layer_sizes", "activation", "l1", "l2", "group_l1", "dropout",
                                    "input_dropout", "max_norm", "dropout_scale", "l1_proximal",
                                    "numeric_embedding", "periodic_sigma", "label_smoothing"}
    assert regularizing() == {"hidden_layer_sizes": -1, "l1": 1, "l2": 1, "group_l1": 1, "dropout": 1,
                              "input_dropout": 1, "max_norm": -1, "weight_decay": 1, "label_smoothing": 1}


def test_labels_and_log_scales_ignore_pipeline_prefixes():
    assert label("mlp__learning_rate") == label("lr") == "learning rate"
    assert label("not_a_parameter") == "not_a_parameter"
    assert is_log_scale("mlpclassifier__l2") and is_log_scale("lr") and not is_log_scale("dropout")
    assert by_option("batch-size").name == "batch_size" and by_option("nope") is None
