"""The report page's building blocks: escaped text, compact values, tables and inline figures.

Every string that comes from data goes through ``_e`` (``html.escape``, quotes included) or
``_fmt``; a figure is a PNG inlined as a ``data:`` URI, so the page needs no other file.
"""

from __future__ import annotations

import base64
import html
import json
import re

from .._util.text import format_params

__all__ = ["data_uri"]


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value) -> str:
    """A value as escaped text: compact numbers, '—' for missing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _e(f"{value:.4g}")
    if isinstance(value, (list, dict)):
        return _e(json.dumps(value, ensure_ascii=False))
    return _e(value)


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI for an ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(png: bytes, alt: str, caption: str = "") -> str:
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure><img src="{data_uri(png)}" alt="{_e(alt)}">{cap}</figure>'


def _table(header: list | None, rows: list, classes: list | None = None) -> str:
    """``rows`` hold already-escaped cell HTML; numeric-looking cells are right-aligned."""
    head = f"<thead><tr>{''.join(f'<th>{_e(h)}</th>' for h in header)}</tr></thead>" if header else ""
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        cells = "".join(f'<td class="num">{c}</td>' if _numeric_text(c) else f"<td>{c}</td>" for c in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table>{head}<tbody>{''.join(body)}</tbody></table>"


_NUMBER = re.compile(r"-?\d[\d.,]*(e[-+]?\d+)?%?( <span.*)?", flags=re.IGNORECASE)


def _numeric_text(cell: str) -> bool:
    return _NUMBER.fullmatch(cell) is not None


def _key_values(mapping: dict, prefix: str = "") -> list:
    rows = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_key_values(value, f"{name}."))
        else:
            rows.append([_e(name), _fmt(value)])
    return rows


def _params_text(params: dict | None) -> str:
    return format_params({_e(k): v for k, v in (params or {}).items()}, sep=", ", empty="—", value=_fmt)
