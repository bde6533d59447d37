"""appconsol: turn application inventories into a costed consolidation plan.

The public API; the CLI is a thin layer over these functions.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
