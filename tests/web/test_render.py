"""Statement Markdown and example arrays as the pages show them."""

from __future__ import annotations

from app.web.render import format_value, statement_html


def test_statement_markdown_escapes_raw_html_and_highlights_code():
    html = str(statement_html("<script>alert(1)</script>\n\n```python\nimport jax\n```\n\n$$x^2$$\n"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<pre class="highlight"><code><span class="kn">import</span>' in html
    assert '<div class="math block">' in html


def test_example_arrays_print_readably_with_their_shape():
    assert format_value([[1.0], [2.0]]) == {"shape": "(2, 1)", "text": "[[1.],\n [2.]]"}
    assert format_value(3) == {"shape": "", "text": "3"}
    long = format_value([float(i) for i in range(1000)])
    assert long["shape"] == "(1000,)" and "..." in long["text"] and len(long["text"]) < 200
