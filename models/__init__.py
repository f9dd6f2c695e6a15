"""models: ready sequence models built only from minigrad's public API.

Language models (character and word level), a time-series forecaster, a sequence
classifier, data loading (``models.data``), a training loop and the command line
(``python -m models ...``). Kept light on purpose: importing ``models`` imports
nothing heavy; import the submodule you need.
"""
