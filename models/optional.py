"""The optional dependencies (progress bars, plots, the digits data) and the one-line
error that says how to install them when they are missing."""
from __future__ import annotations

import importlib
from types import ModuleType

# module -> the package pip installs it from
_PACKAGES = {"tqdm": "tqdm", "matplotlib": "matplotlib", "sklearn": "scikit-learn"}


class MissingDependency(ImportError):
    """An optional package is not installed (the command line prints it in one line)."""


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise MissingDependency naming the package and the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = _PACKAGES.get(module.split(".")[0], module)
        raise MissingDependency(
            f"{purpose} needs {package}, which is not installed: "
            f"pip install {package} (or pip install 'minigrad[examples]' for all of them)"
        ) from None


__all__ = ["MissingDependency", "require"]
