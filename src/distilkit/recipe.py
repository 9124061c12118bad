"""Recipes: a RunConfig from a YAML file, a dict, and --set overrides.

YAML is loosely typed ('2e-5' is a string, '3' an int), so every scalar is coerced to its field's
type here, and unknown fields are refused with the valid ones listed; the dataclasses in
``config.py`` then validate values.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path

import yaml

from .config import RunConfig
from .errors import DistilkitError


def _coerce(value, hint, where: str):
    """YAML reads '2e-5' as a string and '3' as an int: coerce scalars to the field's type."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    base = args[0] if typing.get_origin(hint) in (typing.Union, getattr(types, "UnionType", None)) \
        and len(args) == 1 else hint
    if isinstance(value, bool) and base in (int, float):
        raise DistilkitError(f"{where}: '{value}' is not a valid {base.__name__}")
    if value is None or not isinstance(base, type) or isinstance(value, base):
        if base is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value
    try:
        if base is bool:
            if str(value).lower() in ("true", "1", "yes"):
                return True
            if str(value).lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if base is int:
            if isinstance(value, bool) or not float(value).is_integer():
                raise ValueError  # 2.5 or true must not quietly become a batch size of 2 or 1
            return int(float(value))
        if base is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
    except (TypeError, ValueError):
        raise DistilkitError(f"{where}: '{value}' is not a valid {base.__name__}") from None
    return value


def _build(cls, data: dict, where: str):
    if not isinstance(data, dict):
        raise DistilkitError(f"{where}: expected a mapping of fields, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise DistilkitError(f"{where}: unknown field(s) {', '.join(unknown)}; valid: {', '.join(sorted(names))}")
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise DistilkitError(f"{where}: missing field(s) {', '.join(missing)}: give them")
    kwargs = {}
    for key, value in data.items():
        hint, at = hints[key], f"{where}.{key}" if where else key
        item = _list_item(hint)
        if dataclasses.is_dataclass(hint):
            kwargs[key] = _build(hint, value or {}, at)
        elif item is not None:
            if not isinstance(value, list):
                raise DistilkitError(f"{at}: expected a list of mappings, got {type(value).__name__}")
            kwargs[key] = [_build(item, entry, f"{at}[{i}]") for i, entry in enumerate(value)]
        else:
            kwargs[key] = _coerce(value, hint, at)
    return cls(**kwargs)


def _list_item(hint):
    """The dataclass of a ``list[SomeDataclass]`` field (distill.transfer), else None: each entry is built and
    coerced as a section is."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is list and len(args) == 1 and dataclasses.is_dataclass(args[0]):
        return args[0]
    return None


def config_from_dict(data: dict) -> RunConfig:
    return _build(RunConfig, data or {}, "")


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply 'section.field=value' strings (values parsed as YAML). A bare 'field=value' is
    accepted when exactly one section has that field."""
    sections = {f.name: f.type for f in dataclasses.fields(RunConfig)}
    for item in overrides or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise DistilkitError(f"--set {item}: expected KEY=VALUE, e.g. --set training.learning_rate=1e-4")
        parts = key.strip().split(".")
        if len(parts) == 1 and parts[0] not in sections:
            owners = [name for name, cls in typing.get_type_hints(RunConfig).items()
                      if dataclasses.is_dataclass(cls) and parts[0] in {f.name for f in dataclasses.fields(cls)}]
            if len(owners) != 1:
                raise DistilkitError(f"--set {item}: '{parts[0]}' is not a field of exactly one section; "
                                     "write it as section.field, e.g. training.epochs")
            parts = [owners[0], parts[0]]
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = yaml.safe_load(raw)
    return data


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> RunConfig:
    path = Path(path)
    if not path.is_file():
        raise DistilkitError(f"recipe {path} not found: pass a YAML file such as recipes/emotion.yaml")
    return config_from_dict(apply_overrides(_read(path, ()), overrides or []))


def _read(path: Path, chain: tuple[Path, ...]) -> dict:
    """A recipe's mapping, its ``base:`` recipe (a path relative to it) read first and overridden field by field,
    so a variant states only what differs (recipes/nli-mpnet.yaml is recipes/nli.yaml on another model); lists
    are replaced, not appended to."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise DistilkitError(f"recipe {path}{where} is not valid YAML: fix the syntax there") from None
    if not isinstance(data, dict) or "base" not in data:
        return data
    base = data.pop("base")
    target = path.parent / str(base)
    if not isinstance(base, str) or not target.is_file():
        raise DistilkitError(f"recipe {path}: base '{base}' not found: give a recipe path relative to {path.parent}")
    if target.resolve() in chain + (path.resolve(),):
        raise DistilkitError(f"recipe {path}: base '{base}' leads back to itself: remove the loop")
    return _merged(_read(target, chain + (path.resolve(),)), data)


def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
