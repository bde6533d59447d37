"""LibreOffice headless as the tests' spreadsheet engine: recalculate workbooks, convert them.

Each call gets its own user profile (so parallel runs never share one) whose settings make Calc
recalculate every formula when it opens an xlsx file, instead of trusting cached values. Without
`soffice` the tests that need it skip, except in CI (CI=true), where they fail: .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    """The soffice executable; skip the test when there is none (fail in CI)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("LibreOffice (soffice) is not installed; .ci/run should install libreoffice-calc-nogui")
    pytest.skip("LibreOffice (soffice) is not installed")


def convert(files: Sequence[Path], outdir: Path, profile: Path) -> list[Path]:
    """Open each workbook in Calc (recalculating every formula) and save it as xlsx into `outdir`."""
    executable = soffice()
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE, encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            executable,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            *(str(f) for f in files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    converted = [outdir / f.name for f in files]
    missing = [p.name for p in converted if not p.exists()]
    assert result.returncode == 0 and not missing, (
        f"LibreOffice failed ({result.returncode}): {result.stderr}{missing}"
    )
    return converted
