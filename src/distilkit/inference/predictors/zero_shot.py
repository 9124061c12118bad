"""Zero-shot classification through entailment (Yin et al. 2019), as transformers'
``ZeroShotClassificationPipeline`` does it, with the same answers, but faster and stricter:

- each text is tokenized once and each hypothesis once; the (text, hypothesis) pairs are put together
  from those ids (a text with 20 labels is not tokenized 20 times);
- all pairs of a chunk of texts go through the one batching loop together, sorted by length;
- the entailment and contradiction ids come from the model's label names, and a model whose names do
  not say which is which is refused (the pipeline silently takes the last logit: cardiffnlp/xlm-t#3).

Single-label: softmax over the labels' entailment logits. Multi-label, or a single label: per label,
softmax over (contradiction, entailment); a softmax over one label would always be 1.0, so one label
is scored like multi-label, exactly as the pipeline does. A two-way head (entailment / not_entailment: a
universal classifier trained on `distilkit make-nli-data` pairs, or an RTE-style model) has no contradiction
logit: not_entailment takes its place (``tasks.entailment.nli_ids``), so multi-label is P(entailment) per label.
"""
from __future__ import annotations

import numpy as np

from ...errors import DistilkitError
from ...tasks.entailment import check_template, nli_ids
from ...tasks.thresholds import softmax
from ..lean import private_copy
from ..settings import ModelSettings
from .base import Predictor, check_texts
from .zero_shot_base import Scored, ZeroShotBase

PAIR_BUDGET = 8192  # (text, label) pairs tokenized at once: bounds memory for any number of labels


class PairEncoder:
    """``tokenizer(text, hypothesis, truncation='only_first', max_length=L)`` for many pairs, from texts and
    hypotheses tokenized once each. Fast (Rust) tokenizers assemble the pairs with their own post-processor,
    so special tokens and token types are exactly the tokenizer's; other tokenizers fall back to plain calls."""

    def __init__(self, tokenizer, max_length: int):
        self.tokenizer, self.max_length = tokenizer, max_length
        self.fast = private_copy(tokenizer)  # never change the shared tokenizer's truncation state
        self.special = tokenizer.num_special_tokens_to_add(pair=True)

    def encode(self, texts: list[str], hypotheses: list[str], pairs: list[tuple[int, int]]) -> dict[str, list]:
        """Encodings of ``(texts[i], hypotheses[j])`` for each (i, j) in ``pairs``."""
        if self.fast is None:
            enc = self.tokenizer([texts[i] for i, _ in pairs], [hypotheses[j] for _, j in pairs],
                                 truncation="only_first", max_length=self.max_length)
            return {k: list(v) for k, v in enc.items()}
        text_enc = self.fast.encode_batch(list(texts), add_special_tokens=False)
        hyp_enc = self.fast.encode_batch(list(hypotheses), add_special_tokens=False)
        for h, hyp in zip(hyp_enc, hypotheses):
            if len(h) + self.special >= self.max_length:
                raise DistilkitError(f"hypothesis '{hyp[:60]}' is {len(h)} tokens, too long for max_length "
                                     f"{self.max_length}: shorten the label or the hypothesis template")
        out = {"input_ids": [], "token_type_ids": [], "attention_mask": []}
        for i, j in pairs:
            first, second = text_enc[i], hyp_enc[j]
            budget = self.max_length - self.special - len(second)
            if len(first) > budget:  # an over-long text: cut its end, as truncation='only_first' does
                first = self.fast.encode(texts[i], add_special_tokens=False)
                first.truncate(budget)
            pair = self.fast.post_process(first, second, add_special_tokens=True)
            out["input_ids"].append(pair.ids)
            out["token_type_ids"].append(pair.type_ids)
            out["attention_mask"].append(pair.attention_mask)
        return out


class ZeroShotClassifier(ZeroShotBase, Predictor):
    """Any NLI model folder (ours or any transformers one) as a zero-shot classifier: the 'nli' method.

    >>> zsc = ZeroShotClassifier("runs/nli", labels=["sports", "politics"], backend="onnx-int8")
    >>> zsc.predict(["the match went to extra time"])
    [{'sequence': 'the match went to extra time', 'labels': ['sports', 'politics'], 'scores': [0.97, 0.03]}]

    ``labels`` may map a label to the words put in the hypothesis ({"sadness": "sad"}); ``predict`` also
    takes a label set per text.
    """

    method = "nli"
    lean_load = True  # PairEncoder: backend_tokenizer and its special-token count, which the lean one has
    model_tasks = ("text-classification",)
    auto_class_name = "AutoModelForSequenceClassification"
    architecture_suffix = "ForSequenceClassification"
    output_names = ("logits",)

    def __init__(self, model: str, backend: str | None = None, **kwargs):
        """Keywords: ``labels``, ``hypothesis_template``, ``multi_label`` (``ZeroShotBase``) and the
        ``Predictor``'s."""
        super().__init__(model, backend, **kwargs)
        self.entailment_id, self.contradiction_id = nli_ids(self.config.id2label, model)
        self.pairs = PairEncoder(self.tokenizer, self.settings.max_length)

    @classmethod
    def claims(cls, config) -> bool:
        from ...tasks.entailment import is_nli

        return is_nli([config.id2label[i] for i in range(len(config.id2label))])

    @classmethod
    def unfit(cls, folder, task: str, config, options: dict) -> str | None:
        if task not in cls.runs():
            return super().unfit(folder, task, config, options)
        foreign = [k for k in ("pooling", "normalize", "temperature") if options.get(k) is not None]
        if foreign:  # the embedding method's options: whoever passes them means that method
            return f"{', '.join(foreign)} is for the embedding method"
        try:
            nli_ids(config.id2label, str(folder))
        except DistilkitError as exc:
            return str(exc).partition(": ")[2] or str(exc)
        return None

    @classmethod
    def default_settings(cls, tokenizer) -> ModelSettings:
        return ModelSettings(task="text-classification", max_length=min(tokenizer.model_max_length or 512, 512))

    def entailment_logits(self, texts: list[str], labels=None, progress: bool = False,
                          hypothesis_template: str | None = None) -> list[np.ndarray]:
        """Per text, the NLI logits of (text, hypothesis) for each of its labels: shape [labels, nli classes]."""
        check_texts(texts, "text")
        sets = self._label_sets(texts, labels)
        template = check_template(hypothesis_template) if hypothesis_template else self.template
        hypotheses, where = [], {}
        for words in dict.fromkeys(w for s in sets for w in s.values()):  # each hypothesis once, in first-seen order
            where[words] = len(hypotheses)
            hypotheses.append(template.format(words))
        total = sum(len(s) for s in sets)
        results: list[np.ndarray] = []
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="zero-shot", unit="pair", disable=not progress, leave=False)
        start = 0
        while start < len(texts):  # chunks of texts whose pairs fit the budget (at least one text)
            end, size = start, 0
            while end < len(texts) and (end == start or size + len(sets[end]) <= PAIR_BUDGET):
                size += len(sets[end])
                end += 1
            chunk = texts[start:end]
            index = [(i, where[w]) for i, s in enumerate(sets[start:end]) for w in s.values()]
            encoding = self.pairs.encode(chunk, hypotheses, index)
            rows = self.run({k: encoding[k] for k in self.backend.input_names})["logits"]
            offset = 0
            for s in sets[start:end]:
                results.append(np.stack(rows[offset:offset + len(s)]).astype(np.float32))
                offset += len(s)
            bar.update(size)
            start = end
        bar.close()
        return results

    def scores(self, logits: np.ndarray, multi_label: bool) -> np.ndarray:
        """Label scores of one text from its [labels, nli classes] logits."""
        if multi_label or len(logits) == 1:
            return softmax(logits[:, [self.contradiction_id, self.entailment_id]])[:, 1]
        return softmax(logits[:, self.entailment_id])

    def label_scores(self, texts: list[str], labels=None, multi_label: bool | None = None,
                     hypothesis_template: str | None = None, progress: bool = False) -> Scored:
        """Per text, (scores, entailment logits) of its labels."""
        multi = self.multi_label if multi_label is None else multi_label
        rows = self.entailment_logits(texts, labels, progress, hypothesis_template)
        return [(self.scores(r, multi), r[:, self.entailment_id]) for r in rows]
