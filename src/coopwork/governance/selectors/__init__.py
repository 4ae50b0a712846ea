from .assemblies import *  # noqa: F403
from .ballots import *  # noqa: F403
