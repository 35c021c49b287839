"""LibreOffice headless as a real spreadsheet engine for the tests: recalculate, re-save, print.

openpyxl writes formulas without cached values. LibreOffice, with a profile
that recalculates every formula on load, computes them and saves the results
as cached values, which openpyxl then reads with ``data_only=True``. One
``soffice`` call converts many files, so tests batch their workbooks: start-up
is most of the cost.

Needs ``soffice`` (Debian: libreoffice-calc-nogui); ``scripts/test.sh`` installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

# Recalculate formulas on load, always (OOXMLRecalcMode 0), instead of asking or trusting
# cached values; the file's own cached values are never what a test wants to check.
_RECALC_ON_LOAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema">'
    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
    '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>'
    "</oor:items>"
)
TIMEOUT_SECONDS = 300


def soffice() -> str:
    """The LibreOffice executable; fails loudly when it is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise RuntimeError(
            "LibreOffice is not installed: apt-get install libreoffice-calc-nogui "
            "(bash scripts/test.sh does it)"
        )
    return found


def convert(sources: Sequence[Path], target: str, outdir: Path) -> list[Path]:
    """Convert every file in ``sources`` to ``target`` ('xlsx', 'pdf') in one LibreOffice run.

    Returns the converted files, in the order of ``sources``. Each source must
    have a distinct name, and ``outdir`` must not be the sources' folder (the
    output keeps the source's name with the target's suffix).
    """
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-home-") as home:
        profile = Path(home) / "profile" / "user"
        profile.mkdir(parents=True)
        (profile / "registrymodifications.xcu").write_text(_RECALC_ON_LOAD, encoding="utf-8")
        command = [
            soffice(),
            f"-env:UserInstallation={profile.parent.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *(str(source) for source in sources),
        ]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            env={**os.environ, "HOME": home},
        )
    converted = [outdir / f"{Path(source).stem}.{target}" for source in sources]
    missing = [path.name for path in converted if not path.exists()]
    if result.returncode != 0 or missing:
        raise RuntimeError(
            f"LibreOffice did not convert {missing or 'every file'} "
            f"(exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return converted


def recalculate(sources: Sequence[Path], outdir: Path) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate every formula and save it as .xlsx."""
    return convert(sources, "xlsx", outdir)
