"""Tasks by name. Each exposes the same surface (see ``tasks.base``)."""
from __future__ import annotations

from ..errors import DistilkitError
from .base import TaskData
from .classification import ClassificationTask
from .question_answering import QuestionAnsweringTask

TASKS = {"text-classification": ClassificationTask, "question-answering": QuestionAnsweringTask}


def get_task(name: str):
    if name not in TASKS:
        raise DistilkitError(f"task: unknown task '{name}'; choose one of {', '.join(sorted(TASKS))}")
    return TASKS[name]


__all__ = ["TASKS", "get_task", "TaskData", "ClassificationTask", "QuestionAnsweringTask"]
