"""Headless LibreOffice (Debian's libreoffice-writer-nogui / -calc-nogui) turning our DOCX
and XLSX into PDF, as a clerk's office suite prints them. Each call uses a private user
profile, so that parallel test runs never share (and lock) one."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or "/usr/lib/libreoffice/program/soffice"


def to_pdfs(files: dict[str, bytes]) -> dict[str, bytes]:
    """The PDFs LibreOffice prints from files' bytes, by name ("units.xlsx" -> PDF bytes):
    one LibreOffice start for them all."""
    if not Path(SOFFICE).exists():
        pytest.fail("LibreOffice (soffice) is needed to print our files: "
                    "scripts/system-deps.sh installs libreoffice-writer-nogui and -calc-nogui")
    with tempfile.TemporaryDirectory(prefix="cdso-lo-") as work:
        folder = Path(work)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        profile = (folder / "profile").as_uri()
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(folder / "out"),
                        *(str(folder / name) for name in files)],
                       check=True, capture_output=True, timeout=600)
        return {name: (folder / "out" / name).with_suffix(".pdf").read_bytes()
                for name in files}


def to_pdf(data: bytes, suffix: str) -> bytes:
    """The PDF LibreOffice prints from a .docx or .xlsx file's bytes."""
    return to_pdfs({f"file.{suffix}": data})[f"file.{suffix}"]
