"""Recipes, --set overrides and validation of the typed run configuration."""
from pathlib import Path

import pytest

from distilkit.config import DataConfig, LossConfig, Precision, RunConfig
from distilkit.recipe import apply_overrides, config_from_dict, load_recipe
from tests.conftest import one_line_error, write

RECIPES = sorted((Path(__file__).resolve().parents[1] / "recipes").glob("*.yaml"))


error_of = one_line_error


def test_there_are_recipes():
    assert {p.stem for p in RECIPES} >= {"emotion", "sst2", "clinc"}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_every_recipe_loads(recipe):
    cfg = load_recipe(recipe)
    assert isinstance(cfg, RunConfig)
    assert cfg.data.train
    # YAML 1.1 reads '1.0e-4' as a float but '1e-4' as a string; either way the field is a float
    assert isinstance(cfg.training.learning_rate, float) and cfg.training.learning_rate > 0
    assert isinstance(cfg.training.epochs, float)


def test_recipe_values_are_read(tmp_path):
    path = write(tmp_path / "r.yaml", "model:\n  max_length: 64\ndata:\n  train: t.csv\n  oos_label: oos\n"
                                      "training:\n  learning_rate: 3e-5\n  precision: bf16\n  epochs: 2\n")
    cfg = load_recipe(path)
    assert cfg.model.max_length == 64 and cfg.data.train == "t.csv" and cfg.data.oos_label == "oos"
    assert cfg.training.learning_rate == pytest.approx(3e-5) and isinstance(cfg.training.learning_rate, float)
    assert cfg.training.precision is Precision.BF16
    assert cfg.training.epochs == 2.0
    assert cfg.loss.name == "cross_entropy"  # untouched sections keep their defaults


def test_override_learning_rate_is_a_float(tmp_path):
    path = write(tmp_path / "r.yaml", "training:\n  learning_rate: 2.0e-5\n")
    cfg = load_recipe(path, ["training.learning_rate=1e-4"])
    assert isinstance(cfg.training.learning_rate, float)
    assert cfg.training.learning_rate == pytest.approx(1e-4)


def test_bare_unique_field_resolves_to_its_section():
    data = apply_overrides({}, ["epochs=2", "seed=7", "oos_label=oos"])
    assert data == {"training": {"epochs": 2, "seed": 7}, "data": {"oos_label": "oos"}}
    cfg = config_from_dict(data)
    assert cfg.training.epochs == 2.0 and cfg.training.seed == 7 and cfg.data.oos_label == "oos"


def test_overrides_replace_recipe_values_and_parse_yaml(tmp_path):
    path = write(tmp_path / "r.yaml", "training:\n  epochs: 5\ndata:\n  train: a.csv\n")
    cfg = load_recipe(path, ["training.epochs=1", "data.label_names=[neg, pos]", "loss.name=focal",
                             "model.trust_remote_code=true"])
    assert cfg.training.epochs == 1.0
    assert cfg.data.label_names == ["neg", "pos"] and cfg.data.train == "a.csv"
    assert cfg.loss.name == "focal" and cfg.model.trust_remote_code is True


@pytest.mark.parametrize("item", ["name=focal", "nonexistent_field=1"])
def test_ambiguous_or_unknown_bare_field_errors(item):
    # 'name' belongs to both model and loss
    message = error_of(apply_overrides, {}, [item])
    assert item in message and "section.field" in message


def test_override_without_equals_sign_errors():
    assert "KEY=VALUE" in error_of(apply_overrides, {}, ["training.epochs"])


def test_unknown_field_in_recipe_lists_valid_fields(tmp_path):
    path = write(tmp_path / "r.yaml", "training:\n  learning_rat: 1e-4\n")
    message = error_of(load_recipe, path)
    assert "training" in message and "learning_rat" in message
    assert "learning_rate" in message and "batch_size" in message and "epochs" in message


def test_unknown_section_lists_valid_sections():
    message = error_of(config_from_dict, {"trainer": {}})
    assert "trainer" in message and "training" in message and "model" in message


def test_unknown_field_via_override_is_rejected(tmp_path):
    path = write(tmp_path / "r.yaml", "training:\n  epochs: 1\n")
    message = error_of(load_recipe, path, ["training.epoch=2"])
    assert "epoch" in message and "epochs" in message


def test_bad_enum_value_lists_valid_values():
    message = error_of(config_from_dict, apply_overrides({}, ["training.precision=fp8"]))
    assert "training.precision" in message and "fp8" in message and "fp32" in message and "bf16" in message
    message = error_of(config_from_dict, {"data": {"on_empty": "drop"}})
    assert "data.on_empty" in message and "error" in message and "skip" in message


def test_wrong_scalar_type_names_field():
    message = error_of(config_from_dict, {"training": {"epochs": "many"}})
    assert "training.epochs" in message and "many" in message
    message = error_of(config_from_dict, {"training": {"batch_size": "2.5"}})
    assert "training.batch_size" in message


def test_fractional_batch_size_is_not_silently_truncated():
    # --set parses YAML, so 'training.batch_size=2.5' arrives as the float 2.5, which must not become 2
    message = error_of(config_from_dict, apply_overrides({}, ["training.batch_size=2.5"]))
    assert "training.batch_size" in message


def test_invalid_values_fail_validation():
    assert "training.learning_rate" in error_of(config_from_dict, {"training": {"learning_rate": 0}})
    assert "training.eval_steps" in error_of(config_from_dict, {"training": {"eval_strategy": "steps"}})
    assert "model.max_length" in error_of(config_from_dict, {"model": {"max_length": 4}})
    assert "data.validation_fraction" in error_of(DataConfig, validation_fraction=1.0)
    assert "data.max_train_samples" in error_of(DataConfig, max_train_samples=0)


def test_section_that_is_not_a_mapping_errors():
    message = error_of(config_from_dict, {"training": [1, 2]})
    assert "training" in message and "mapping" in message


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path / "bad.yaml", "model:\n  name: minilm-l6\ntraining:\n  epochs: [1, 2\n  seed: 3\n")
    message = error_of(load_recipe, path)
    assert "bad.yaml" in message and "not valid YAML" in message
    assert "line 5" in message  # where the parser noticed the unclosed list


def test_missing_recipe_file(tmp_path):
    message = error_of(load_recipe, tmp_path / "missing.yaml")
    assert "missing.yaml" in message and "not found" in message


def test_empty_recipe_gives_defaults(tmp_path):
    assert load_recipe(write(tmp_path / "empty.yaml", "")) == RunConfig()


def test_to_dict_round_trips():
    cfg = RunConfig(data=DataConfig(train="t.csv", label_names=["a", "b"], on_empty="skip"),
                    loss=LossConfig(name="focal", alpha=[0.5, 2.0]), card={"license": "mit"})
    cfg.training.precision = Precision.BF16
    data = cfg.to_dict()
    assert data["training"]["precision"] == "bf16" and data["data"]["on_empty"] == "skip"  # plain values
    assert config_from_dict(data) == cfg
    assert config_from_dict(data).to_dict() == data


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_recipes_round_trip(recipe):
    cfg = load_recipe(recipe)
    assert config_from_dict(cfg.to_dict()) == cfg


def test_a_recipe_takes_its_base_and_overrides_field_by_field(tmp_path):
    write(tmp_path / "base.yaml", "model:\n  max_length: 64\ndata:\n  train: [a.csv, b.csv]\n  test: t.csv\n"
                                  "training:\n  epochs: 3\n  learning_rate: 1e-4\n")
    (tmp_path / "variants").mkdir()
    path = write(tmp_path / "variants" / "v.yaml", "base: ../base.yaml\ndata:\n  train: [c.csv]\n"
                                                    "training:\n  epochs: 1\n")
    cfg = load_recipe(path, ["training.seed=7"])
    assert cfg.data.train == ["c.csv"]  # a list is replaced, not appended to
    assert cfg.data.test == "t.csv" and cfg.model.max_length == 64  # the rest comes from the base
    assert cfg.training.epochs == 1.0 and cfg.training.learning_rate == pytest.approx(1e-4)
    assert cfg.training.seed == 7  # --set applies on top of both


def test_a_missing_or_looping_base_is_one_line(tmp_path):
    missing = write(tmp_path / "m.yaml", "base: nowhere.yaml\n")
    assert "base 'nowhere.yaml' not found" in error_of(load_recipe, missing)
    write(tmp_path / "a.yaml", "base: b.yaml\n")
    looping = write(tmp_path / "b.yaml", "base: a.yaml\ndata:\n  train: t.csv\n")
    assert "leads back to itself" in error_of(load_recipe, looping)


def test_nli_mpnet_is_nli_on_another_model():
    mpnet, nli = load_recipe(RECIPES[0].parent / "nli-mpnet.yaml"), load_recipe(RECIPES[0].parent / "nli.yaml")
    assert mpnet.data.train == nli.data.train and mpnet.data.exclude_overlap == nli.data.exclude_overlap
    assert mpnet.model.name == "mpnet-base" and mpnet.card["model_name"] != nli.card["model_name"]
