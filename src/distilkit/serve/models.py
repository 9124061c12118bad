"""The models a server holds: each loaded once, before the server binds its port, with the route of its kind.

A model that fails to load stops the start with one line naming it (``DistilkitError``); a server never
comes up with some of its models missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DistilkitError
from .routes import ROUTES, Route
from .settings import ServeSettings

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class ModelSpec:
    """``name=path`` from the command line (a bare path is named after its folder)."""

    name: str
    path: str
    backend: str | None = None

    @classmethod
    def parse(cls, spec: str, backend: str | None = None) -> "ModelSpec":
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = Path(spec.rstrip("/")).name, spec
        if not NAME.match(name):
            raise DistilkitError(f"--model {spec}: '{name}' is not a usable model name: letters, digits, '_', '-' "
                                 "and '.', e.g. --model emotion=runs/emotion")
        return cls(name, path, backend)


@dataclass
class ServedModel:
    name: str
    folder: str
    kind: str
    """The predictor task this model serves (text-classification, zero-shot-classification, question-answering)."""
    predictor: object
    card: str = ""
    """The model card (README.md), as written."""
    card_meta: dict = field(default_factory=dict)
    """The card's YAML front matter (license, datasets, metrics)."""

    @property
    def route(self) -> type[Route]:
        """The route of the model's own kind."""
        return ROUTES[self.kind]

    @property
    def tasks(self) -> list[str]:
        """Every route task that answers this model: its own kind first, then those accepting its predictor (a
        sentence-embedding folder served for zero-shot also embeds)."""
        return list(dict.fromkeys([self.kind, *(t for t, r in ROUTES.items() if r.accepts(self.predictor))]))

    def describe(self) -> dict:
        p = self.predictor
        labels = getattr(p, "labels", None) if self.kind != "zero-shot-classification" else None
        meta = {k: self.card_meta[k] for k in ("license", "language", "datasets", "base_model", "tags")
                if k in self.card_meta}
        return {"name": self.name, "task": self.kind, "route": f"/v1/models/{self.name}/{self.route.path}",
                "routes": {t: f"/v1/models/{self.name}/{ROUTES[t].path}" for t in self.tasks},
                "dimension": getattr(p, "dimension", None),  # embedding models: the vectors' length
                "labels": labels, "method": getattr(p, "method", None), "backend": p.backend_name,
                "max_length": p.settings.max_length,
                "folder": self.folder, "card": meta, "example": self.route.example}


def read_card(folder: str) -> tuple[str, dict]:
    path = Path(folder) / "README.md"
    if not path.is_file():
        return "", {}
    text = path.read_text(encoding="utf-8", errors="replace")
    meta: dict = {}
    if text.startswith("---\n") and "\n---" in text[4:]:
        import yaml

        head, _, rest = text[4:].partition("\n---")
        try:
            meta = yaml.safe_load(head) or {}
        except yaml.YAMLError:
            meta = {}
        text = rest.lstrip("-\n")
    return text, meta if isinstance(meta, dict) else {}


def load_models(specs: list[ModelSpec], settings: ServeSettings) -> list[ServedModel]:
    """Every model loaded with its predictor; the first failure stops with one line naming the model."""
    from ..inference.predictors import kind_of, load_predictor

    names = [s.name for s in specs]
    if not specs:
        raise DistilkitError("no model to serve: give a model folder, e.g. `distilkit serve runs/emotion`")
    if len(set(names)) != len(names):
        raise DistilkitError(f"--model: the name '{next(n for n in names if names.count(n) > 1)}' is given twice: "
                             "name each model once (--model NAME=PATH)")
    served = []
    for spec in specs:
        try:
            # A model loads for a route that loads models: a sentence-embedding folder as a zero-shot classifier.
            kind = kind_of(spec.path, served=[task for task, route in ROUTES.items() if route.loads])
            if kind not in ROUTES:
                raise DistilkitError(f"a {kind} model cannot be served yet (served: {', '.join(ROUTES)})")
            predictor = load_predictor(spec.path, spec.backend, task=kind, threads=settings.threads,
                                       batch_size=settings.max_batch_size)
        except DistilkitError as exc:
            raise DistilkitError(f"model '{spec.name}' ({spec.path}) failed to load: {exc}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise DistilkitError(f"model '{spec.name}' ({spec.path}) failed to load: {first}") from None
        predictor.max_pass_tokens = settings.max_pass_tokens
        card, meta = read_card(str(predictor.folder))
        served.append(ServedModel(spec.name, str(predictor.folder), kind, predictor, card, meta))
    return served
