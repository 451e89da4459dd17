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


def to_pdf(data: bytes, suffix: str) -> bytes:
    """The PDF LibreOffice prints from a .docx or .xlsx file's bytes."""
    if not Path(SOFFICE).exists():
        pytest.skip("LibreOffice (soffice) not installed")
    with tempfile.TemporaryDirectory(prefix="cdso-lo-") as work:
        folder = Path(work)
        source = folder / f"file.{suffix}"
        source.write_bytes(data)
        profile = (folder / "profile").as_uri()
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(folder / "out"),
                        str(source)], check=True, capture_output=True, timeout=240)
        return (folder / "out" / "file.pdf").read_bytes()
