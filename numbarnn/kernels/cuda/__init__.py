"""numba.cuda kernels with the CPU kernels' structure: one module per cell, plus GEMMs.

Imported only when ``device="cuda"`` is used (see :mod:`numbarnn._cuda`).
Every kernel walks its index space with a grid-stride loop, so it is correct
for any grid size, a single block included.
"""
