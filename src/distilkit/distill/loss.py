"""Knowledge-distillation loss (Hinton et al. 2015), composed around any loss of the registry.

    L = alpha * hard(student, labels)
      + (1 - alpha) * T^2 * KL(p_teacher^T || p_student^T)
      + hidden_weight * mean_l (1 - cos(h_student_l, h_teacher_map[l]))

Rows labelled ``UNLABELLED`` (transfer texts: inputs the teacher labelled, with no gold label) are left out of
the hard term, which averages over the batch's labelled rows; the KL term averages over every row.

The KL term is PyTorch's ``KLDivLoss(log_softmax(s/T), softmax(t/T), reduction="batchmean")``, the same
as the reference DistillationTrainer; T^2 keeps its gradient scale independent of T. The hidden-state
term (DistilBERT's cosine loss) averages over real (non-pad) tokens of the mapped layers.
"""
from __future__ import annotations

import inspect

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import DistilkitError

UNLABELLED = -100  # the label of a transfer row: PyTorch's ignore_index, never a class id


class DistillationLoss(nn.Module):
    def __init__(self, hard: nn.Module, alpha: float, temperature: float, teacher: nn.Module | None = None,
                 hidden_weight: float = 0.0, layer_map: list[int] | None = None):
        super().__init__()
        self.hard, self.alpha, self.temperature = hard, alpha, temperature
        self.hidden_weight, self.layer_map = hidden_weight, layer_map or []
        # The teacher runs inside the loop only in online mode or for the hidden loss; kept out of
        # the module tree so it is neither trained nor saved with the student.
        self._teacher = [teacher.eval().requires_grad_(False)] if teacher is not None else []

    @property
    def needs_hidden_states(self) -> bool:
        return self.hidden_weight > 0

    @property
    def needs_inputs(self) -> bool:
        return bool(self._teacher)

    def forward(self, logits, labels, teacher_logits=None, hidden_states=None, inputs=None, **_):
        if not torch.is_grad_enabled():
            # Evaluation scores the hard loss, so validation losses compare across distilled and plain runs.
            return self.labelled_hard(logits, labels)
        teacher_hidden = None
        if self._teacher and (teacher_logits is None or self.needs_hidden_states):
            teacher_logits, teacher_hidden = self._run_teacher(inputs, teacher_logits)
        if teacher_logits is None:
            raise DistilkitError("distillation loss got a batch without teacher logits: set distill.teacher or "
                                 "distill.teacher_logits, or use a plain loss (loss.name) without distillation")
        loss = self.alpha * self.labelled_hard(logits, labels) if self.alpha else logits.new_zeros(())
        if self.alpha < 1:
            loss = loss + (1 - self.alpha) * self.soft(logits, teacher_logits)
        if self.needs_hidden_states:
            loss = loss + self.hidden_weight * self.hidden(hidden_states, teacher_hidden, inputs["attention_mask"])
        return loss

    def labelled_hard(self, logits, labels):
        """The hard loss on the rows with a gold label. Selecting them here, rather than relying on ignore_index,
        keeps every loss of the registry right: focal and class-balanced losses index per-class weights by label."""
        labelled = labels != UNLABELLED
        if bool(labelled.all()):
            return self.hard(logits, labels)
        if not bool(labelled.any()):
            return logits.sum() * 0.0  # a batch of transfer rows only: no hard term, the graph kept
        return self.hard(logits[labelled], labels[labelled])

    def soft(self, logits, teacher_logits):
        t = self.temperature
        return F.kl_div(F.log_softmax(logits.float() / t, dim=-1), F.softmax(teacher_logits.float() / t, dim=-1),
                        reduction="batchmean") * t * t

    def hidden(self, student_hidden, teacher_hidden, mask):
        mask = mask.bool()
        terms = []
        for s_layer, t_layer in enumerate(self.layer_map):
            s, t = student_hidden[s_layer + 1][mask], teacher_hidden[t_layer + 1][mask]  # [0] is the embeddings
            terms.append((1 - F.cosine_similarity(s.float(), t.float(), dim=-1)).mean())
        return torch.stack(terms).mean()

    @torch.no_grad()
    def _run_teacher(self, inputs, cached_logits):
        if inputs is None:
            raise DistilkitError("online distillation needs the batch inputs: call the loss through the task")
        teacher = self._teacher[0]
        device = inputs["input_ids"].device
        if next(teacher.parameters()).device != device:  # outside the module tree, so Trainer did not move it
            teacher.to(device)
        accepted = inspect.signature(teacher.forward).parameters  # DistilBERT takes no token_type_ids
        out = teacher(**{k: v for k, v in inputs.items() if k in accepted}, output_hidden_states=self.needs_hidden_states)
        logits = cached_logits if cached_logits is not None else out.logits
        return logits, out.hidden_states if self.needs_hidden_states else None
