"""The package's public names: networks load with it, the rest on first use."""

import subprocess
import sys

import pytest

import numbarnn


def test_import_leaves_xarray_and_pandas_unloaded():
    code = ("import sys, numbarnn\n"
            "print(sorted(m for m in ('xarray', 'pandas', 'numbarnn.estimators') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", sorted(set(numbarnn.__all__) - {"__version__"}))
def test_every_public_name_resolves(name):
    value = getattr(numbarnn, name)
    assert value is not None
    assert name in dir(numbarnn)
    exec(f"from numbarnn import {name}", {})


def test_lazy_names_are_the_module_objects():
    from numbarnn import estimators
    from numbarnn.estimators import forecaster, sequence

    assert numbarnn.Forecaster is estimators.Forecaster is forecaster.Forecaster
    assert numbarnn.load is estimators.load
    assert numbarnn.SequenceRegressor is estimators.SequenceRegressor is sequence.SequenceRegressor


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Transformer'"):
        numbarnn.Transformer
