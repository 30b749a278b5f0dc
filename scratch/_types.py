"""Type aliases shared by the modules of ``scratch``."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

#: A float array (float64 or float32). Shapes are written in each docstring.
Array = npt.NDArray[Any]
#: A random generator, as ``numpy.random.default_rng(seed)`` returns.
Generator = np.random.Generator
