"""The report's sections on a search: the table of candidates."""

from ridgeback.report.context import SearchSummary
from ridgeback.report.search_html import _tune


def test_the_tuning_table_shows_rungs_and_epochs_only_where_they_differ():
    one_rung = [{"params": {"l2": v}, "mean_score": 0.5 + v, "std_score": 0.1, "rung": 0, "epochs": 50,
                 "mean_fit_time": 0.1 + v} for v in (0.0, 0.1)]
    html = _tune(SearchSummary.from_dict({"results": one_rung}), "r2")
    assert "<th>rung</th>" not in html and "<th>epochs</th>" not in html and "<th>mean fit time</th>" in html
    halving = [dict(one_rung[0], rung=1, epochs=150), one_rung[1]]
    html = _tune(SearchSummary.from_dict({"results": halving}), "r2")
    assert "<th>rung</th>" in html and "<th>epochs</th>" in html
