"""The data caches of this machine's cores, which set the packed products' blocking.

:func:`data_cache_bytes` reads the level-1 data cache and the level-2 cache of the first CPU from
Linux's sysfs (``/sys/devices/system/cpu/cpu0/cache``), then from the C library's ``sysconf``, and
falls back to 32 KiB and 1 MiB (the caches the blocking was measured on) where neither tells.
:func:`blocking` turns them, with the vector width, into the block sizes of
:mod:`numbarnn.kernels.cpu.packed`.
"""

import functools
import os
import pathlib

#: (L1 data, L2) bytes assumed when the machine does not say.
FALLBACK = (32 * 1024, 1024 * 1024)
#: Rows of the packed operand per block at most, panels per group at most and bytes of copied
#: slices at most: the values measured best on the AVX-512 machines of docs/performance.rst
#: (32-48 KiB of L1, 1-2 MiB of L2), which larger caches keep.
MAX_KC, MAX_GROUP, MAX_A_BLOCK = 256, 16, 512 * 1024
SYSFS = pathlib.Path("/sys/devices/system/cpu/cpu0/cache")


def _size(text):
    """Bytes of a sysfs cache size: ``"48K"``, ``"2048K"``, ``"2M"``.

    >>> _size("48K\\n"), _size("2M"), _size("512")
    (49152, 2097152, 512)
    """
    text = text.strip().upper()
    scale = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(text[-1:], 1)
    return int(text.rstrip("KMG")) * scale


def data_cache_bytes(root=SYSFS):
    """(L1 data, L2) cache bytes of the first CPU: sysfs, else ``sysconf``, else :data:`FALLBACK`."""
    sizes = {}
    try:
        for index in pathlib.Path(root).glob("index*"):
            level = int((index / "level").read_text())
            if level in (1, 2) and (index / "type").read_text().strip() in ("Data", "Unified"):
                sizes[level] = _size((index / "size").read_text())
    except (OSError, ValueError):
        sizes = {}
    for level, name in ((1, "SC_LEVEL1_DCACHE_SIZE"), (2, "SC_LEVEL2_CACHE_SIZE")):
        if not sizes.get(level):
            try:
                sizes[level] = max(int(os.sysconf(name)), 0)
            except (ValueError, OSError):
                pass
    return sizes.get(1) or FALLBACK[0], sizes.get(2) or FALLBACK[1]


@functools.lru_cache(maxsize=None)
def host_cache_bytes():
    """:func:`data_cache_bytes` of this machine, read once (the blocks and the kernels' cache stamp)."""
    return data_cache_bytes()


def blocking(l1, l2, vector_bits):
    """(``KC``, ``PANEL_GROUP``, ``A_BLOCK_BYTES``) for a core with ``l1`` bytes of L1 data cache and
    ``l2`` of L2, whose widest SIMD register has ``vector_bits`` bits.

    A packed panel is two registers wide, so each of its rows holds ``vector_bits / 4`` bytes in either
    dtype. ``KC`` rows of one panel fit in L1 (a power of two, at most 256); a group of ``PANEL_GROUP``
    panels, which every row slice meets in turn, fills at most half of L2, as do the copied slices of
    ``a`` in :func:`~numbarnn.kernels.cpu.packed.packed_matmul_tn` (at most 16 panels and 512 KiB).

    >>> blocking(32 * 1024, 1024 * 1024, 512)   # AMD Zen 4
    (256, 16, 524288)
    >>> blocking(48 * 1024, 1024 * 1024, 512)   # AMD Zen 5
    (256, 16, 524288)
    >>> blocking(48 * 1024, 2048 * 1024, 512)   # the Intel Xeon of the README's tables
    (256, 16, 524288)
    >>> blocking(32 * 1024, 256 * 1024, 256)    # an AVX2 laptop core of 256 KiB L2 (Skylake)
    (256, 8, 131072)
    """
    row = vector_bits // 4
    kc = min(MAX_KC, 1 << max(5, (l1 // row).bit_length() - 1))
    group = max(1, min(MAX_GROUP, l2 // 2 // (kc * row)))
    return kc, group, max(kc * row, min(MAX_A_BLOCK, l2 // 2))
