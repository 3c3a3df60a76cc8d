"""Loads every configuration of a published Concord version the way a researcher would, with the datasets library,
and prints {configuration: {split: rows}} as JSON (the default configuration under "(default)")."""
import json
import sys

import datasets

version = sys.argv[1]
loaded = {}
for name in datasets.get_dataset_config_names(version):
    parts = datasets.load_dataset(version, name)
    loaded[name] = {split: parts[split].num_rows for split in parts}
    if name == "preferences":
        first = parts["train"][0]
        loaded["(preferences columns)"] = sorted(first.keys())
        loaded["(chosen is a conversation)"] = isinstance(first["chosen"], list) and "role" in first["chosen"][0]
loaded["(default)"] = {split: d.num_rows for split, d in datasets.load_dataset(version).items()}
print(json.dumps(loaded))
