"""Numba's on-disk cache for the CPU kernels, kept fresh as one body of code.

Numba checks a cached function against its own source file only. Every
recurrent kernel calls the products of ``cpu/packed.py`` (and the helpers of
``cpu/_chunks.py`` and ``cpu/activations.py``), which are compiled into its
machine code; after a change to one of those files alone (a ``git pull`` in
an editable install, an edited checkout) the kernels that call them would
load their old machine code from the cache and run the old products, or
worse, read a new packed layout with old code. :func:`install` gives every
cached function defined under ``numbarnn/kernels`` a freshness stamp that
also covers the contents of every source file there and of
``numbarnn/config.py`` (whose ``JIT_OPTIONS`` they are compiled with), so a
change to any of them recompiles them all. The stamp also holds the machine's
L1 and L2 cache sizes, from which the packed products' blocks are compiled
in (:mod:`numbarnn.kernels.cpu.caches`), so a cache directory shared with a
machine of other caches recompiles rather than run the other's blocks
(which would give the same numbers, more slowly). Functions outside this
package, and a user's ``NUMBA_CACHE_LOCATOR_CLASSES``, are left to Numba.
"""

import functools
import hashlib
import pathlib

from numba.core import caching

PACKAGE = pathlib.Path(__file__).resolve().parent.parent  # numbarnn/


def sources_digest(package=PACKAGE):
    """SHA-256 (hex) of the path and contents of every ``.py`` file under ``package/kernels`` and of
    ``package/config.py``."""
    files = sorted(package.joinpath("kernels").rglob("*.py")) + [package / "config.py"]
    digest = hashlib.sha256()
    for path in filter(pathlib.Path.is_file, files):  # a frozen application may ship no sources
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _digest():
    return sources_digest()


def _covering(base):
    """A subclass of Numba's locator ``base`` for files under ``numbarnn/kernels`` whose stamp adds the
    kernels' :func:`sources_digest`."""

    class Locator(base):
        numbarnn_kernels = True  # how install() knows its own

        @classmethod
        def from_function(cls, py_func, py_file):
            kernels = PACKAGE / "kernels"
            if kernels not in pathlib.Path(py_file).resolve().parents:
                return None
            return super().from_function(py_func, py_file)

        def get_source_stamp(self):
            from .cpu.caches import host_cache_bytes  # not at the top: .cpu defines kernels, after install()
            return super().get_source_stamp(), _digest(), host_cache_bytes()

    Locator.__name__ = Locator.__qualname__ = "Kernels" + base.__name__.lstrip("_")
    return Locator


def _numba_name(name):
    # numba 0.68 names these without the leading underscore that earlier releases had
    return getattr(caching, name, None) or getattr(caching, "_" + name)


def install():
    """Put the covering locators first in Numba's list (once); later cached kernels use them."""
    impl = _numba_name("CacheImpl")
    if any(getattr(cls, "numbarnn_kernels", False) for cls in impl._locator_classes):
        return
    ours = [_covering(_numba_name(name)) for name in
            ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    impl._locator_classes = ours + list(impl._locator_classes)
