"""Server-side rendering of problem content: Markdown statements and example arrays.

Math is left as ``<span class="math inline">`` / ``<div class="math block">`` elements
holding the escaped TeX; the browser typesets them with KaTeX.  Raw HTML in a statement
is escaped, never passed through: statements come from instructors over the API.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

HIGHLIGHT_CLASS = "highlight"


def _highlight(code: str, lang: str, _attrs: Any) -> str:
    """A fenced block as Pygments spans inside ``<pre>``; unknown languages stay plain."""
    try:
        lexer = get_lexer_by_name(lang or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="{HIGHLIGHT_CLASS}"><code>{body}</code></pre>\n'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight})
    md.enable("table")
    md.use(dollarmath_plugin, allow_space=True, allow_digits=False)
    return md


def statement_html(source: str) -> Markup:
    """Markdown (CommonMark + tables + ``$...$`` / ``$$...$$`` math) to safe HTML."""
    return Markup(_markdown().render(source))


@lru_cache(maxsize=1)
def highlight_css() -> str:
    """Colours for the Pygments token classes used in statements."""
    # "xcode": every token colour keeps 4.5:1 against the code blocks' #f1f3f6 (WCAG AA);
    # "default" has a purple (decorators) and a grey at 4.3:1 and below.
    return HtmlFormatter(style="xcode").get_style_defs(f".{HIGHLIGHT_CLASS}")


def format_value(value: Any) -> dict[str, str]:
    """An example's input or output for display: ``{"shape": "(4, 1)", "text": "[[1.], ...]"}``.

    Numbers print as themselves (shape ""); nested lists print the way NumPy prints an
    array, at most 4 decimals, summarised when they hold more than 200 values.  The text
    is plain: templates escape it.
    """
    if isinstance(value, bool) or not isinstance(value, list | tuple):
        return {"shape": "", "text": str(value)}
    try:
        array = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):  # ragged: show it as given
        return {"shape": "", "text": str(value)}
    text = np.array2string(array, precision=4,
                           suppress_small=True, threshold=200, edgeitems=4, max_line_width=72,
                           separator=", ", floatmode="maxprec")
    shape = "(" + ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "") + ")"
    return {"shape": shape, "text": text}
