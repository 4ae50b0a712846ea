"""coopwork: an open-source platform-cooperative engine."""

__version__ = "0.1.0"
