"""Sphinx configuration for numbarnn."""

import numbarnn

project = "numbarnn"
author = "the numbarnn developers"
copyright = "2026, the numbarnn developers"
release = numbarnn.__version__
version = release

extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "sphinx.ext.mathjax", "numpydoc"]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
