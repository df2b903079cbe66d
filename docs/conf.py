"""Sphinx configuration for numbarnn."""

import importlib.util

import numbarnn

project = "numbarnn"
author = "the numbarnn developers"
copyright = "2026, the numbarnn developers"
release = numbarnn.__version__
version = release

extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "sphinx.ext.mathjax", "numpydoc",
              "sphinx_gallery.gen_gallery"]

# The gallery: every examples/plot_*.py runs at each build (a failing one fails the build), its
# figures and printed output land on its page. Matplotlib draws off screen. Two examples run at a
# time (the build took 135 s one at a time, 95 s two at a time, on 2 cores; the longest example,
# the language model, sets the pace).
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "parallel": 2 if importlib.util.find_spec("joblib") else False,  # sphinx-gallery runs them through joblib
    "min_reported_time": 0,
    "download_all_examples": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "capture_repr": (),
    "reference_url": {"numbarnn": None},  # names in the examples' code link to the API pages
}
autosummary_generate = True
# the sktime adapters document without sktime installed (a docs-only install: pip install -e ".[docs]")
autodoc_mock_imports = [] if importlib.util.find_spec("sktime") else ["sktime"]
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.json", "auto_examples/*.md5", "sg_execution_times.rst"]
html_theme = "alabaster"

# wrap long code lines instead of cutting them off; parameter descriptions in upright type
html_static_path = ["_static"]
html_css_files = ["numbarnn.css"]
