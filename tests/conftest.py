"""Shared test settings: hypothesis without deadlines (CI machines are shared and noisy)."""
from hypothesis import settings

settings.register_profile("minigrad", deadline=None, max_examples=25)
settings.load_profile("minigrad")
