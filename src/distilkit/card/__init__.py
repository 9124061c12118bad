"""Model cards (README.md with model-index front matter)."""
from .card import add_behaviour, base_model_id, card_data, render_body, write_card
from .record import CardMode, RunRecord

__all__ = ["CardMode", "RunRecord", "add_behaviour", "base_model_id", "card_data", "render_body", "write_card"]
