"""Training: the Trainer subclass, checkpoint safety and the ``train`` entry point."""
from .run import train

__all__ = ["train"]
