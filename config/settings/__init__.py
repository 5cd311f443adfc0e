"""Settings: one base module shaped by the environment (see docs/configuration in README)."""

from .base import *  # noqa: F401,F403
