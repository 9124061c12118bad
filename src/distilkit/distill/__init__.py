"""Knowledge distillation: what a run adds when ``distill.teacher`` or ``distill.teacher_logits`` is set.

``Distiller.create(cfg, task)`` returns ``NoDistillation`` for ordinary runs, so the training code
calls the same three hooks either way: ``attach`` soft labels to the training set (and append the transfer
sets, ``distill.transfer``: texts without gold labels that the teacher labels), ``wrap`` the hard loss into the
distillation loss, and ``report`` what the card states about teacher, student and what the student saw.
"""
from __future__ import annotations

from pathlib import Path

from ..config import RunConfig, TeacherMode
from ..errors import DistilkitError
from .cache import cached_logits, split_fingerprint
from .loss import UNLABELLED, DistillationLoss
from .student import check_layers, keep_layers, layer_count
from ..inference.settings import file_sha256
from .teachers import EnsembleTeacher, ModelTeacher, read_logits_file, teacher_identity


class NoDistillation:
    def attach(self, dataset, split, tokenizer=None, held_out=()):
        return dataset

    def wrap(self, loss_fn, student, tokenizer):
        return loss_fn

    def report(self, task, data, student_dir: Path) -> dict | None:
        return None


class Distiller(NoDistillation):
    def __init__(self, cfg: RunConfig, task):
        self.cfg, self.d, self.task = cfg, cfg.distill, task
        self._teacher = None
        self._key = None
        self.cache_hits: dict[str, bool] = {}
        self.transfer: list[dict] = []  # what each transfer source gave, for the card
        if not task.supports_distillation:
            raise DistilkitError(f"distill: knowledge distillation is implemented for text classification, not "
                                 f"{task.name}: remove the distill section, or train with `distilkit train`")
        if self.d.teacher_logits and not Path(self.d.teacher_logits).is_file():
            raise DistilkitError(f"distill.teacher_logits: {self.d.teacher_logits} not found: check the path")
        if self.d.teacher_mode is TeacherMode.ONLINE or self.d.hidden_weight:
            if len(self.d.teachers) != 1:
                raise DistilkitError("distill: online teachers and hidden-state losses take exactly one teacher")
        if self.d.transfer and cfg.data.text_pair_column:
            raise DistilkitError("distill.transfer: transfer sets are single texts, and this data has text pairs "
                                 "(data.text_pair_column): remove distill.transfer")

    @classmethod
    def create(cls, cfg: RunConfig, task):
        return cls(cfg, task) if cfg.distill.enabled else NoDistillation()

    # --- soft labels ---------------------------------------------------------------------------
    @property
    def teacher(self):
        """Loaded on first use only: a fully cached run never loads (or runs) the teacher."""
        if self._teacher is None:
            names = self.d.teachers
            self._teacher = ModelTeacher(names[0]) if len(names) == 1 else EnsembleTeacher(names)
        return self._teacher

    @property
    def teacher_key(self) -> dict:
        if self._key is None:
            self._key = ({"logits_file": file_sha256(Path(self.d.teacher_logits))} if self.d.teacher_logits
                         else {"models": [teacher_identity(n) for n in self.d.teachers]})
        return self._key

    def logits(self, split, name: str):
        labels = self.task.labels.names
        if self.d.teacher_logits:
            compute = lambda: read_logits_file(self.d.teacher_logits, split, labels)  # noqa: E731
        else:
            compute = lambda: self.teacher.logits(split, labels)  # noqa: E731
        logits, hit = cached_logits(self.d.cache_dir, split_fingerprint(self.teacher_key, split, labels), compute)
        self.cache_hits[name] = hit
        return logits

    def attach(self, dataset, split, tokenizer=None, held_out=()):
        """Soft labels on the training rows, then the transfer sets appended (never to ``held_out``, the
        validation and test splits, whose texts no transfer text may equal)."""
        from .transfer import build_transfer

        # First: a bad transfer file stops the run before the teacher does any work.
        transfer = build_transfer(self.d.transfer, split, held_out)
        online = self.d.teacher_mode is TeacherMode.ONLINE  # the reference approach: the loss runs the teacher
        if not online:
            dataset = dataset.add_column("teacher_logits", self.logits(split, "train").tolist())
        if not transfer:
            return dataset
        import datasets

        parts = [dataset]
        for i, (texts, report) in enumerate(transfer):
            part = self.task.preprocess(texts, tokenizer)
            # No gold label: the hard loss skips these rows (DistillationLoss), the soft term teaches them.
            part = part.add_column("labels", [UNLABELLED] * len(part))
            if not online:
                part = part.add_column("teacher_logits", self.logits(texts, f"transfer[{i}]").tolist())
                report["cache_hit"] = self.cache_hits[f"transfer[{i}]"]
            parts.append(part.cast(dataset.features))
            self.transfer.append(report)
        return datasets.concatenate_datasets(parts)

    # --- loss ----------------------------------------------------------------------------------
    def wrap(self, loss_fn, student, tokenizer):
        online = self.d.teacher_mode is TeacherMode.ONLINE or self.d.hidden_weight > 0
        teacher = self.teacher.model if online else None
        layer_map = self.d.layer_map or self.cfg.model.keep_layers
        if online:
            self._check_online(teacher, student, tokenizer, layer_map)
        return DistillationLoss(loss_fn, self.d.alpha, self.d.temperature, teacher, self.d.hidden_weight, layer_map)

    def _check_online(self, teacher, student, tokenizer, layer_map):
        if self.teacher.tokenizer.get_vocab() != tokenizer.get_vocab():
            raise DistilkitError("distill: teacher_mode=online and hidden_weight run the teacher on the student's "
                                 "tokens, so both need the same tokenizer: use teacher_mode=cached instead")
        if self.d.hidden_weight:
            if teacher.config.hidden_size != student.config.hidden_size:
                raise DistilkitError(f"distill.hidden_weight: teacher hidden size {teacher.config.hidden_size} != "
                                     f"student {student.config.hidden_size}: set hidden_weight: 0")
            if not layer_map or len(layer_map) != layer_count(student.config):
                raise DistilkitError(f"distill.layer_map: give one teacher layer per student layer "
                                     f"({layer_count(student.config)}), e.g. [0, 2, 4]")
            check_layers(teacher.config, layer_map, f"teacher {self.d.teachers[0]}")

    # --- card ----------------------------------------------------------------------------------
    def report(self, task, data, student_dir: Path) -> dict:
        from .report import distillation_report

        return distillation_report(self, task, data, student_dir)


__all__ = ["Distiller", "NoDistillation", "DistillationLoss", "keep_layers", "check_layers", "cached_logits"]
