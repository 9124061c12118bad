"""Reading and validating data: formats, splits, labels."""
from .dataset import LabelSpace, TextSplit, load_split
from .formats import READERS, read_records

__all__ = ["LabelSpace", "TextSplit", "load_split", "READERS", "read_records"]
