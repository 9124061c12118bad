"""Every command checks what kind of model a folder holds before running it, and a head the folder does
not have is an error, never a randomly initialised answer."""
from __future__ import annotations

import json

from tests.conftest import one_line_error


def test_classifier_config_without_its_head_is_refused(tmp_path, tiny_bert, capsys):
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from distilkit.cli import main
    from distilkit.inference import Classifier

    folder = tmp_path / "headless"
    AutoModel.from_pretrained(tiny_bert).save_pretrained(folder)  # encoder weights only
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = ["BertForSequenceClassification"]  # ... but it claims to be a classifier
    (folder / "config.json").write_text(json.dumps(config))
    assert AutoConfig.from_pretrained(folder).architectures == ["BertForSequenceClassification"]
    assert main(["predict", str(folder), "hello"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "classifier.weight" in err and "would be random" in err
    message = one_line_error(lambda: Classifier(str(folder)).predict(["hello"]))
    assert "not a trained model of this kind" in message


def test_each_command_names_the_one_that_fits(toy_runs, qa_runs, capsys):
    from distilkit.cli import main

    classifier, qa_model = str(toy_runs["distilbert"][0]), str(qa_runs["distilbert"][0])
    cases = [(["qa", classifier, "--question", "q?", "--context", "some text"], "use `distilkit predict`"),
             (["predict", qa_model, "hello"], "use `distilkit qa`"),
             (["zero-shot", qa_model, "hello", "--labels", "a,b"], "use `distilkit qa`")]
    for argv, expected in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and expected in err, (argv, err)
