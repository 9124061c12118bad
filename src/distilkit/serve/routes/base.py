"""What every route shares: the refusal, a request turned into batchable work, the checked texts, the contract."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Hashable

from pydantic import BaseModel, ConfigDict

from ..settings import LongText, ServeSettings


class RequestError(Exception):
    """A request the server refuses: answered as ``{"error", "error_type"}`` with this status."""

    def __init__(self, status: int, error: str, error_type: str):
        super().__init__(error)
        self.status, self.error, self.error_type = status, error, error_type


@dataclass
class Work:
    """A request turned into batchable items."""

    items: list
    key: Hashable
    """Requests batch together only with the same key (options that change the computation)."""
    cost: int
    """Estimated tokens, for the batch token budget."""
    finish: Callable[[list], Any]
    """This request's slice of the batch outputs -> the response body."""


def tokens(text: str) -> int:
    return len(text) // 4 + 2  # ~4 characters per WordPiece token in English: an estimate for batching only


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Route:
    task: ClassVar[str]
    """The predictor task whose models this route serves (its key in ``ROUTES``)."""
    path: ClassVar[str]
    request: ClassVar[type[Body]]
    example: ClassVar[dict]
    """A request body the playground and /docs show."""
    loads: ClassVar[bool] = True
    """Whether a model is loaded for this route. False: the route answers models loaded for another route whose
    predictor it accepts (a sentence-embedding folder is loaded as a zero-shot classifier and embeds too)."""

    @classmethod
    def accepts(cls, predictor) -> bool:
        """Whether this route answers a model run by ``predictor`` (default: a predictor of its task)."""
        return predictor.task == cls.task

    @classmethod
    def tei_type(cls, predictor) -> dict | None:
        """The model as text-embeddings-inference's /info names it ({"classifier": ...}, {"embedding": ...}), where
        this route makes it one of those."""
        return None

    def __init__(self, settings: ServeSettings, predictor=None):
        """``predictor``: the served model's (a route may ask it how a request is checked and weighed)."""
        self.settings, self.predictor = settings, predictor

    def texts(self, values: list[str], field: str) -> list[str]:
        """Checked texts: not empty, at most max_text_chars (cut or refused as settings.long_text says)."""
        s = self.settings
        if len(values) > s.max_texts:
            raise RequestError(413, f"{field}: {len(values)} items, more than the limit of {s.max_texts}: "
                               "split the request", "payload_too_large")
        if not values:
            raise RequestError(422, f"{field}: empty list: give at least one text", "validation_error")
        out = []
        for i, text in enumerate(values):
            where = f"{field}[{i}]" if len(values) > 1 else field
            if not text.strip():
                raise RequestError(422, f"{where}: empty text: give every text some content", "validation_error")
            if len(text) > s.max_text_chars:
                if s.long_text is LongText.REJECT:
                    raise RequestError(413, f"{where}: {len(text)} characters, more than the limit of "
                                       f"{s.max_text_chars}: shorten it", "payload_too_large")
                text = text[:s.max_text_chars]
            out.append(text)
        return out

    def prepare(self, body: Body) -> Work:
        raise NotImplementedError

    def compute(self, predictor, items: list, key: Hashable) -> list:
        raise NotImplementedError


def invalid(message: str) -> RequestError:
    """A 422 naming the field (``message`` starts with it) and the fix."""
    return RequestError(422, message, "validation_error")


def one_or_many(value) -> tuple[bool, list]:
    """(single, values): a lone input as a list of one, remembering that it was alone."""
    single = not isinstance(value, list)
    return single, [value] if single else list(value)
