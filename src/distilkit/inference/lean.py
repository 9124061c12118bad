"""The PyTorch-free load: a folder's tokenizer and config read without transformers.

Importing transformers' AutoTokenizer or AutoConfig imports PyTorch: about 3.5 s on 2 cores, where a one-text
prediction on an ONNX graph takes 10 ms. When the backend that will run is an ONNX graph (``distilkit export``
wrote it and verified it; ``backends.torch_free`` says so), the predictor needs from transformers only what the
folder's own files hold: ``tokenizer.json`` (the very object transformers' fast tokenizer wraps, run here through
the ``tokenizers`` library it wraps) and ``config.json`` (the labels and sizes the predictors read).

``LeanTokenizer`` answers the calls the predictors and the server make (texts or pairs, truncation to a length,
'only_first' for NLI hypotheses, offsets for TEI's /tokenize), with the same ids, attention masks, token type ids
and offsets as ``AutoTokenizer`` (tested on the tiny BERT and DistilBERT folders and on MiniLM). Anything else it
refuses with a TypeError, and predictors that need more (question answering's overflowing windows) keep
transformers' tokenizer (``Predictor.lean_load = False``).

``private_copy`` gives code that encodes beside the batching thread (the server's length checks, NLI pair
assembly) a Rust tokenizer of its own: a transformers tokenizer call sets truncation on its shared tokenizer and
then encodes, so two threads calling it with different truncation can read each other's.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import DistilkitError

TOKENIZER_FILE = "tokenizer.json"
STRATEGIES = {True: "longest_first", "longest_first": "longest_first", "only_first": "only_first",
              "only_second": "only_second"}
"""``truncation=`` values transformers takes, as the ``tokenizers`` strategy each one is."""
ALL_INPUTS = ["input_ids", "token_type_ids", "attention_mask"]  # transformers' default model_input_names


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError) as exc:
        raise DistilkitError(f"{path} cannot be read ({exc}): restore it from the model folder it came from") \
            from None


def _token(value) -> str | None:
    """A special token as tokenizer_config.json stores it: a string, or an AddedToken dict."""
    return value.get("content") if isinstance(value, dict) else value


class LeanTokenizer:
    """A folder's ``tokenizer.json`` with the call shape of transformers' fast tokenizer (the subset the
    predictors use): ``tok(texts, pairs, truncation=True, max_length=N)`` -> {input name: list of id lists}."""

    def __init__(self, folder: str | Path):
        from tokenizers import Tokenizer

        folder = Path(folder)
        try:
            self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as exc:  # the Rust library raises its own exception type
            raise DistilkitError(f"{folder / TOKENIZER_FILE} cannot be read ({str(exc)[:200]}): restore it, or "
                                 "save the tokenizer again with save_pretrained()") from None
        self._tokenizer.no_padding()  # the batching loop pads each batch to its longest row
        self._tokenizer.no_truncation()
        self._truncation: tuple | None = None  # set once per (length, strategy): no state changes under a server
        config = {**_read_json(folder / "special_tokens_map.json"), **_read_json(folder / "tokenizer_config.json")}
        self.name_or_path = str(folder)
        self.model_max_length = config.get("model_max_length")
        self.padding_side = config.get("padding_side", "right")
        pad = _token(config.get("pad_token"))
        self.pad_token_id = self._tokenizer.token_to_id(pad) if pad else None
        self.model_input_names = list(config.get("model_input_names") or ALL_INPUTS)

    def __call__(self, texts, pairs=None, truncation=False, max_length: int | None = None,
                 add_special_tokens: bool = True, return_offsets_mapping: bool = False, **unsupported) -> dict:
        if unsupported:
            raise TypeError(f"LeanTokenizer does not take {', '.join(unsupported)}: load transformers' tokenizer")
        if truncation not in STRATEGIES and truncation is not False:
            raise TypeError(f"LeanTokenizer does not take truncation={truncation!r}")
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        pairs = None if pairs is None else [pairs] if isinstance(pairs, str) else list(pairs)
        length = max_length or self.model_max_length
        wanted = (length, STRATEGIES[truncation]) if truncation and length else None
        if wanted != self._truncation:
            if wanted:
                self._tokenizer.enable_truncation(wanted[0], strategy=wanted[1])
            else:
                self._tokenizer.no_truncation()
            self._truncation = wanted
        encodings = self._tokenizer.encode_batch(list(zip(texts, pairs)) if pairs is not None else texts,
                                                 add_special_tokens=add_special_tokens)
        out = {"input_ids": [e.ids for e in encodings], "token_type_ids": [e.type_ids for e in encodings],
               "attention_mask": [e.attention_mask for e in encodings]}
        out = {k: v for k, v in out.items() if k in self.model_input_names or k == "attention_mask"}
        if return_offsets_mapping:
            out["offset_mapping"] = [e.offsets for e in encodings]
        return {k: v[0] for k, v in out.items()} if single else out

    @property
    def backend_tokenizer(self):
        """The ``tokenizers.Tokenizer`` (transformers' fast tokenizers expose theirs under this name)."""
        return self._tokenizer

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        return self._tokenizer.num_special_tokens_to_add(pair)

    @property
    def all_special_ids(self) -> list[int]:
        return sorted(i for i, token in self._tokenizer.get_added_tokens_decoder().items() if token.special)

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [self._tokenizer.id_to_token(i) for i in ids]


class FolderConfig:
    """config.json's fields as attributes, with ``id2label`` keyed by int (as transformers' config gives it)."""

    def __init__(self, folder: str | Path):
        path = Path(folder) / "config.json"
        values = _read_json(path)
        if not values:
            raise DistilkitError(f"{path} is missing: point at a folder written by save_pretrained() or "
                                 "`distilkit train`")
        if "id2label" in values:
            values["id2label"] = {int(k): v for k, v in values["id2label"].items()}
        self.__dict__.update(values)
        if "dim" in values and "hidden_size" not in values:  # DistilBERT names its width dim
            self.hidden_size = values["dim"]

    @property
    def num_labels(self) -> int:
        return len(getattr(self, "id2label", {}) or {})


def private_copy(tokenizer):
    """A copy of ``tokenizer``'s Rust tokenizer (transformers' fast tokenizers and ``LeanTokenizer`` expose it as
    ``backend_tokenizer``) with truncation and padding off, that no other caller changes; None for a Python
    tokenizer, which has none."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    copy = Tokenizer.from_str(backend.to_str())
    copy.no_truncation()
    copy.no_padding()
    return copy


def usable(folder: Path) -> bool:
    """True when the folder has what the lean load reads."""
    return (folder / TOKENIZER_FILE).is_file() and (folder / "config.json").is_file()
