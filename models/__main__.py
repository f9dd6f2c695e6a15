"""``python -m models ...``: see ``models.cli``."""
import os
import sys

# One BLAS thread unless the environment says otherwise. The matrices of these models
# are small (batch x hidden), so a second BLAS thread gains little on an idle machine,
# and on a busy one (two cores shared with anything else) OpenBLAS's spinning threads
# made training steps 10-50x slower in our measurements. Must happen before numpy loads.
if not any(v in os.environ for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                     "MKL_NUM_THREADS")):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["MKL_NUM_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"

from models.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
