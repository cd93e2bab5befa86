"""Smoke test of the quality benchmark's plumbing (benchmarks/bench_quality.py): the fixed split,
one cheap tool, the table, the target counts and the generated block. Needs only scikit-learn's
bundled data (not the `bench` extra); the benchmark itself is `make bench-quality`."""

from __future__ import annotations

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
