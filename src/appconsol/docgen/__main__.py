"""`python -m appconsol.docgen [ROOT]`: rewrite every stale generated doc under ROOT (default: here)."""

import sys
from pathlib import Path

from appconsol.docgen import refresh

for path in refresh(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
    print(f"rewrote {path}")
