"""Lazy prediction over dask-backed DataArrays: an estimator's in-memory predict applied block by block.

Nothing here imports dask unless the data already is a dask array (dask is the optional extra
``numbarnn[dask]``). Every block is a whole record along the dimensions a model reads together
(time, features) and a chunk of the others (series, samples), so a block's prediction is the same
as that of the whole array on those rows.
"""

import numpy as np
import xarray as xr


def is_chunked(obj):
    """Whether ``obj`` is a DataArray backed by a dask array."""
    return isinstance(obj, xr.DataArray) and obj.chunks is not None


def blockwise(fn, data, whole_dims, dims, coords, name=None, attrs=None, dtype=np.float64):
    """``fn`` (an in-memory DataArray block -> DataArray) over every block of ``data``, lazily.

    ``data`` is rechunked so each of ``whole_dims`` is one chunk; the other dimensions keep their
    chunks. The result has ``dims``: a dimension of ``data`` that is not whole keeps its chunks, any
    other is one chunk as long as its coordinate in ``coords``. Returns a dask-backed DataArray;
    nothing is computed.
    """
    import dask.array as dask_array
    data = data.chunk({d: -1 for d in whole_dims if d in data.dims})
    shape, chunks = [], []
    for d in dims:
        if d in data.dims and d not in whole_dims:
            shape.append(data.sizes[d])
            chunks.append(data.chunksizes[d])
        else:
            shape.append(len(coords[d]))
            chunks.append((len(coords[d]),))
    template = xr.DataArray(dask_array.empty(tuple(shape), chunks=tuple(chunks), dtype=dtype), dims=dims,
                            coords=coords, name=name, attrs=dict(attrs or {}))
    result = xr.map_blocks(fn, data, template=template)
    result.name = name  # map_blocks names an unnamed result after its graph
    return result


def coords_without(da, drop_dims):
    """``da``'s coordinates that lie along none of ``drop_dims`` (lazy ones stay lazy)."""
    return {k: c.variable for k, c in da.coords.items() if not set(c.dims) & set(drop_dims)}
