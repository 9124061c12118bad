"""The zero-shot suite's data sets: where each comes from, its labels as the suite names them, and the words
each method puts in its hypothesis. Shared by bench/zero_shot_suite.py (scoring) and
bench/universal.py (training the universal classifiers on the data sets a fold leaves out of its test).

Every description and template below was written once, from the label names and the data sets' papers,
before any model was scored on them, and is never tuned on a test split: they are part of the method.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA = "../shared/data"


@dataclass
class SuiteSet:
    """One data set of the suite."""

    test: str
    """The scored split (a distilkit source)."""
    template: str
    """The hypothesis / label sentence, '{}' marks the label's words; the same for every method."""
    descriptions: dict[str, str]
    """Label -> its words, several separated by '|' (embedding zero-shot averages them; NLI and the universal
    classifier use the first)."""
    floor_template: str
    """The untrained-embedding floor: one plain sentence per label with the label's own name (issue 29's)."""
    train: str | list[str] | None = None
    """Training split(s) a universal classifier may learn from when this set is not held out."""
    text_column: str = "text"
    label_column: str = "label"
    label_names: list[str] | None = None
    drop_labels: list[str] = field(default_factory=list)
    """Labels whose rows are not scored (CLINC150's out-of-scope 'oos': no intent describes it)."""
    sample: int | None = None
    """Score a seeded sample of this many test rows (zero-shot by NLI costs one pass per text and label)."""
    published: dict = field(default_factory=dict)
    """Published zero-shot figures of other models on this test split, marked as such in the table."""


def humanize(name: str) -> str:
    """An intent name as words: 'iot_hue_lightchange' -> 'iot hue light change', 'GetWeather' -> 'get weather'."""
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    name = re.sub(r"\blight(change|dim|off|on|up)\b", r"light \1", name)
    return " ".join(name.lower().split())


HWU_WORDS = {"iot": "smart home", "hue": "lights", "wemo": "smart plug", "qa": "question", "createoradd": "create or add",
             "querycontact": "contact query", "addcontact": "add contact", "sendemail": "send email",
             "commandstop": "stop command", "dontcare": "does not care", "lightchange": "change light colour"}


def hwu_words(intent: str) -> str:
    return " ".join(HWU_WORDS.get(w, w) for w in humanize(intent).split())


def _intents(names: list[str], words) -> dict[str, str]:
    return {n: words(n) for n in names}


def hwu64_labels() -> list[str]:
    return sorted(p.stem for p in Path(f"{DATA}/hwu64/KFold_1/testset").glob("*.csv"))


def clinc_labels() -> list[str]:
    data = json.loads(Path(f"{DATA}/clinc150/data_full.json").read_text())
    return sorted({intent for _, intent in data["test"]})


SNIPS = {"AddToPlaylist": "add a song to a playlist", "BookRestaurant": "book a table at a restaurant",
         "GetWeather": "get the weather forecast", "PlayMusic": "play music", "RateBook": "rate a book",
         "SearchCreativeWork": "find a book, song, film or show", "SearchScreeningEvent": "find movie showtimes"}


def suite() -> dict[str, SuiteSet]:
    tweet = f"{DATA}/tweeteval"
    return {
        "emotion": SuiteSet(
            f"{DATA}/emotion/test.txt", "I feel {}.",
            {"sadness": "sad|sadness|unhappy", "joy": "happy|joy|glad", "love": "loving|love|affection",
             "anger": "angry|anger|annoyed", "fear": "afraid|fear|scared", "surprise": "surprised|surprise|amazed"},
            "I feel {}.", train=f"{DATA}/emotion/train.txt",
            published={"bart_large_mnli": {"f1_macro": 0.455, "accuracy": 0.3765,
                                           "source": "issue 29: macro-F1 from Laurer et al.; accuracy from SetFit's "
                                                     "docs (transformers pipeline)"}}),
        "sst2": SuiteSet(
            f"{DATA}/sst2/dev.tsv", "This movie review is {}.",
            {"negative": "negative|bad|disappointing", "positive": "positive|good|enjoyable"},
            "The sentiment of this review is {}.", text_column="sentence", label_names=["negative", "positive"]),
        "tweet_emotion": SuiteSet(
            f"{tweet}/emotion::test", "I feel {}.",
            {"anger": "angry|anger|furious", "joy": "happy|joy|delighted", "optimism": "hopeful|optimistic|confident",
             "sadness": "sad|sadness|depressed"}, "I feel {}.", train=f"{tweet}/emotion::train"),
        "tweet_hate": SuiteSet(
            f"{tweet}/hate::test", "This tweet is {}.",
            {"not-hate": "harmless|friendly|neutral", "hate": "hateful|hate speech|abusive towards a group"},
            "This tweet is {}.", train=f"{tweet}/hate::train"),
        "tweet_irony": SuiteSet(
            f"{tweet}/irony::test", "This tweet is {}.",
            {"non_irony": "sincere|literal|straightforward", "irony": "ironic|sarcastic|mocking"},
            "This tweet is {}.", train=f"{tweet}/irony::train"),
        "tweet_offensive": SuiteSet(
            f"{tweet}/offensive::test", "This tweet is {}.",
            {"not-offensive": "polite|inoffensive|civil", "offensive": "offensive|insulting|rude"},
            "This tweet is {}.", train=f"{tweet}/offensive::train"),
        "snips": SuiteSet(f"{DATA}/snips::test", "The user wants to {}.", SNIPS, "The user wants to {}.",
                          train=f"{DATA}/snips::train"),
        "hwu64": SuiteSet(f"{DATA}/hwu64/KFold_1::test", "This request is about {}.",
                          _intents(hwu64_labels(), hwu_words), "This request is about {}.",
                          train=f"{DATA}/hwu64/KFold_1::train", sample=500),
        "clinc": SuiteSet(f"{DATA}/clinc150/data_full.json::test", "This request is about {}.",
                          _intents(clinc_labels(), humanize), "This request is about {}.",
                          train=f"{DATA}/clinc150/data_full.json::train", drop_labels=["oos"], sample=600),
    }


# Classification data sets the universal classifiers may always train on: none of them is scored.
EXTRA_TRAIN = {
    "tweet_emoji": (f"{DATA}/tweeteval/emoji::train", "This tweet would end with the emoji {}."),
    "tweet_stance": ([f"{DATA}/tweeteval/stance/{t}::train" for t in
                      ("abortion", "atheism", "climate", "feminist", "hillary")],
                     "This tweet takes the stance {} on its topic."),
}


def floor_labels(spec: SuiteSet) -> dict[str, str]:
    """The floor's labels: each name as it is, underscores and dashes read as spaces."""
    return {name: name.replace("_", " ").replace("-", " ") for name in spec.descriptions}


def first_words(spec: SuiteSet) -> dict[str, str]:
    """One description per label (NLI's hypothesis and the universal classifier's training hypothesis)."""
    return {name: words.split("|")[0] for name, words in spec.descriptions.items()}


def materialize(name: str, spec: SuiteSet, folder: Path, seed: int = 0) -> Path:
    """The scored rows as JSON Lines (text, label): dropped labels removed, a seeded sample where the set asks for
    one. Written once per run into bench/work, so every method scores exactly the same rows."""
    from distilkit.config import DataConfig
    from distilkit.data import load_split

    split = load_split(spec.test, DataConfig(text_column=spec.text_column, label_column=spec.label_column,
                                            label_names=spec.label_names))
    rows = [(t, y) for t, y in zip(split.texts, split.labels) if y not in spec.drop_labels]
    if spec.sample and spec.sample < len(rows):
        rows = [rows[i] for i in sorted(random.Random(seed).sample(range(len(rows)), spec.sample))]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in rows), encoding="utf-8")
    return path
