"""Find Java and Maven, and assemble each server's jars once per machine from Maven Central."""

from __future__ import annotations

import importlib.resources
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from hausgraph.servers.errors import JavaMissing, MavenFailed, MavenMissing
from hausgraph.servers.layout import ServerPaths
from hausgraph.servers.process import file_lock

__all__ = ["MIN_JAVA", "ensure_jars", "find_java", "find_maven", "java_major_version"]

logger = logging.getLogger(__name__)

MIN_JAVA = 17

_NETWORK_MARKERS = (
    "could not transfer",
    "unknownhost",
    "unknown host",
    "connection refused",
    "connect timed out",
    "network is unreachable",
    "no route to host",
    "could not resolve",
    "failed to read artifact descriptor",
    "cannot access central",
    "offline mode",
)


def java_major_version(version_output: str) -> int | None:
    """Return the major version from ``java -version`` output, or ``None``.

    Examples
    --------
    >>> java_major_version('openjdk version "17.0.15" 2025-04-15')
    17
    >>> java_major_version('java version "1.8.0_401"')
    8
    >>> java_major_version("nonsense") is None
    True
    """
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not match:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8" style before Java 9
        major = int(match.group(2))
    return major


def find_java() -> str:
    """Return the path of a Java >= 17 executable, from ``JAVA_HOME`` or ``PATH``.

    Raises
    ------
    JavaMissing
        If there is none, or it is too old.
    """
    java_home = os.environ.get("JAVA_HOME")
    candidate = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not candidate or not os.access(candidate, os.X_OK):
        raise JavaMissing(f"JAVA_HOME={java_home} without bin/java" if java_home else None)
    try:
        proc = subprocess.run(
            [candidate, "-version"], check=False, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaMissing(f"{candidate} ({exc})") from exc
    major = java_major_version(proc.stderr + proc.stdout)
    if major is None or major < MIN_JAVA:
        raise JavaMissing(f"{candidate} version {major}")
    return candidate


def find_maven() -> str:
    """Return the path of ``mvn``.

    Raises
    ------
    MavenMissing
        If ``mvn`` is not on ``PATH``.
    """
    mvn = shutil.which("mvn")
    if not mvn:
        raise MavenMissing()
    return mvn


def _looks_like_network(output: str) -> bool:
    low = output.lower()
    return any(marker in low for marker in _NETWORK_MARKERS)


def _run_maven(mvn: str, pom: Path, paths: ServerPaths, out_dir: Path) -> None:
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(pom),
        f"-D{paths.name}.version={paths.version}",
        "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
        f"-DoutputDirectory={out_dir}",
        "-DincludeScope=runtime",
    ]
    logger.info("fetching jars server=%s version=%s", paths.name, paths.version)
    try:
        proc = subprocess.run(
            cmd, check=False, capture_output=True, text=True, timeout=1800, cwd=out_dir.parent
        )
    except subprocess.TimeoutExpired as exc:
        raise MavenFailed(paths.name, paths.version, "mvn timed out after 30 min", network=True) from exc
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip()
        tail = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", output).splitlines()[:40])
        raise MavenFailed(paths.name, paths.version, tail, network=_looks_like_network(output))


def ensure_jars(paths: ServerPaths) -> Path:
    """Make sure ``paths.lib_dir`` holds the server's jars; download them if not.

    The jars are assembled in a temporary sibling directory and renamed into place, so
    an interrupted download never leaves a half-filled cache. A file lock serialises
    concurrent first runs.

    Parameters
    ----------
    paths
        The server whose ``lib_dir`` (``<cache>/<name>-<version>/lib``) to fill.

    Returns
    -------
    Path
        ``paths.lib_dir``.

    Raises
    ------
    MavenMissing, MavenFailed
        If the jars are not cached and cannot be downloaded.
    """
    version_dir = paths.lib_dir.parent
    if paths.lib_dir.is_dir():
        return paths.lib_dir
    mvn = find_maven()
    cache_root = version_dir.parent
    with file_lock(cache_root / f".{version_dir.name}.lock"):
        if paths.lib_dir.is_dir():  # another process finished while we waited
            return paths.lib_dir
        if version_dir.exists():  # left by an older layout or a hand edit: rebuild it
            shutil.rmtree(version_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f".{version_dir.name}-", dir=cache_root))
        try:
            pom_src = importlib.resources.files("hausgraph.servers").joinpath("poms", f"{paths.name}.xml")
            pom = tmp / "pom.xml"
            pom.write_text(pom_src.read_text("utf-8"), "utf-8")
            _run_maven(mvn, pom, paths, tmp / "lib")
            jars = list((tmp / "lib").glob("*.jar"))
            if not jars:
                raise MavenFailed(paths.name, paths.version, "mvn copied no jars", network=False)
            os.rename(tmp, version_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    logger.info("jars cached server=%s version=%s jars=%d", paths.name, paths.version, len(jars))
    return paths.lib_dir
