"""Sphinx configuration of the flask-loyalty docs (``make docs``).

The pages are Markdown (MyST), so they read well on GitHub too; the API reference
comes from the docstrings with autodoc. Nothing here reaches the network: no
intersphinx, no remote fonts, scripts or images in the theme.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

project = "flask-loyalty"
author = "the flask-loyalty developers"
copyright = "2026, the flask-loyalty developers"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "screenshots/README.md"]
language = "en"

# Markdown: heading anchors so links such as [Points](points.md#redeeming) work
# here and on GitHub; tables, ``{directive}`` fences and definition lists.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# autodoc: members in source order, type hints in the description, not the
# signature (the signatures of record_order and friends are long).
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True

# A local theme: alabaster ships its CSS and uses the reader's own fonts.
html_theme = "alabaster"
html_title = "flask-loyalty"
html_static_path: list[str] = []
html_theme_options = {
    "description": "Newsletter, points, offers and easy returns for Flask shops.",
    "font_family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "head_font_family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "code_font_family": "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace",
    "page_width": "1040px",
    "sidebar_width": "220px",
    "show_relbars": True,
    "show_powered_by": False,
}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}
html_show_sourcelink = False
html_copy_source = False
