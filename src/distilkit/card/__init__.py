"""Model cards (README.md with model-index front matter): the only writer of README.md, rendered from the
typed run record (training_summary.json), every section."""
from .card import (add_behaviour, add_benchmark, base_model_id, card_data, record_files, render_body, render_card,
                   render_deployment_card, update_record, with_behaviour, write_card)
from .record import RECORD, Benchmark, CardMode, Deployment, RunRecord

__all__ = ["RECORD", "Benchmark", "CardMode", "Deployment", "RunRecord", "add_behaviour", "add_benchmark",
           "base_model_id", "card_data", "record_files", "render_body", "render_card", "render_deployment_card",
           "update_record", "with_behaviour", "write_card"]
