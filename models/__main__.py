"""``python -m models ...``: see ``models.cli``."""
import ctypes
import os
import sys

# One BLAS thread unless the environment says otherwise. The matrices of these models
# are small (batch x hidden), so a second BLAS thread gains little on an idle machine,
# and on a busy one (two cores shared with anything else) OpenBLAS's spinning threads
# make training steps many times slower (benchmarks/README.md). Must happen before
# numpy loads.
if not any(v in os.environ for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                     "MKL_NUM_THREADS")):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["MKL_NUM_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"


def _keep_freed_memory(pad: int = 64 << 20) -> None:
    """Ask glibc to keep up to 64 MB of freed heap instead of handing it back to the OS.

    A training step allocates and frees tens of MB of activations; by default glibc
    trims the heap after each step and the next step page-faults it back in (the
    measured cost is in benchmarks/README.md). Set here, by the application, like the
    BLAS threads above: the library itself leaves process-wide settings alone.
    A no-op where the C library is not glibc.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(-2, pad)  # -2: M_TOP_PAD
    except (OSError, AttributeError):
        pass


_keep_freed_memory()

from models.cli import main  # noqa: E402  (after the BLAS threads are set)

if __name__ == "__main__":
    sys.exit(main())
