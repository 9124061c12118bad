"""Model cards (README.md with model-index front matter)."""
from .card import base_model_id, card_data, render_body, write_card
from .record import RunRecord

__all__ = ["RunRecord", "base_model_id", "card_data", "render_body", "write_card"]
