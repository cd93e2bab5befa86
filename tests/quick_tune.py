"""``ridgeback tune`` run quickly on a small table, for the tests of what it decides about
columns (group codes, periods, heaped numbers, entities, identifiers, text)."""

import json


def tune_plan(df, out, capsys, target="y") -> dict:
    """``ridgeback tune`` on ``df`` (a small fixed grid, 4 folds) into ``out``: the column plan it
    prints, by column."""
    from ridgeback.cli import main

    path = out.parent / f"{out.name}.csv"
    df.to_csv(path, index=False)
    code = main(["tune", str(path), "--target", target, "--grid", "l2=1e-4", "--epochs", "2", "--hidden", "4",
                 "--cv", "4", "--out", str(out), "--json", "--quiet"])
    text, _ = capsys.readouterr()
    assert code == 0
    return {c["column"]: c for c in json.loads(text)["plan"]}
