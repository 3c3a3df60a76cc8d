#!/usr/bin/env python3
"""A Label Studio JSON export of about N annotations for bench/export, and the same submissions as Concord's JSON Lines.

    python3 bench/make-label-studio-export.py --annotations N [--seed S] --out DIR

writes
  DIR/export.json               one JSON array of tasks of Label Studio project 3 (conf/concord.yaml: helpfulness-ls),
                                a task a line, streamed: never held whole in memory;
  DIR/jsonl/submissions.jsonl   the submissions Concord makes of that export (ingest/LabelStudio.java), in the
                                contract's JSON Lines (../shared/contract/submissions.md): the same ids, fields and
                                values, so that the floor and `bin/concord run` can read the same data as JSON Lines.

Each task shows a prompt and two responses (data.prompt, data.answer1, data.answer2; 300-500 characters each, drawn
per task from a vocabulary of some thousands of words, so that dedup merges only what is meant to merge: about 2% of
the tasks repeat a recent task's prompt with responses of their own). Four of six annotators annotate each task, one
of the six careless (random answers, in a few seconds). Each annotation answers `comparison` (Pairwise),
`accuracy_1` and `accuracy_2` (Rating, to_name answer1 / answer2), `safety` (Choices safe|unsafe, to_name prompt) and
`why` (TextArea, the justification): one annotation becomes 3 submissions (pairwise, rating, label). About 1% of the
careful annotations also rewrite the worse response (`rewrite`, an SFT submission), so that every control of the
mapping appears (a run refuses a mapped control that answers nothing). About 1% of the annotations are cancelled (no
submission; counted by Concord as cancelled_annotation), and about 3% of the tasks list one or two prediction ids.
Annotators are `completed_by` numbers, two of them objects with an e-mail (as some exports give them).

The JSON Lines are made from each task as written, by a port of LabelStudio.java's conversion for the controls used
here (keys in Jackson's order, compact separators, the lead time as the same double, metadata source_format,
task_id, annotation_id and controls), not written alongside it: what the export says is what the lines say.
Deterministic for a seed; at N = 1,000,000 about 1.7 GB of export and 3.7 GB of JSON Lines, written in a couple of
minutes in a few tens of MB of memory.
"""
import argparse
import base64
import datetime
import json
import os
import random

LS_PROJECT = 3
PROJECT = "helpfulness-ls"  # conf/concord.yaml: projects.helpfulness-ls.source.project_id 3
PER_TASK = 4
# completed_by as exports give it: a user id, or an object whose e-mail Concord takes as the raw annotator id.
ANNOTATORS = [31, {"id": 32, "email": "mei@annotators.example"}, 33, 34,
              {"id": 35, "email": "tom@annotators.example"}, 36]
CARELESS = 36
CANCELLED_SHARE = 0.01
PREDICTION_SHARE = 0.03
REPEATED_PROMPT_SHARE = 0.02
REWRITE_SHARE = 0.01
# The mapping of helpfulness-ls (conf/concord.yaml), as LabelStudio.java reads it: from_name -> (task, dimension).
CONTROLS = {"comparison": ("pairwise", None), "accuracy_1": ("rating", "accuracy"),
            "accuracy_2": ("rating", "accuracy"), "safety": ("label", None), "rewrite": ("sft", None),
            "why": ("justification", None)}
RESPONSE_FIELDS = ["answer1", "answer2"]

COMMON = ("the a of to and in is for on with that this it as be by or from at an are can not you your use when "
          "which will more than each one two first then also into only other some any how what why where most "
          "data model system user value list file time error function method step result example process "
          "memory network server request query table index cache test build code type class object string number "
          "answer question reason detail simple clear short long better worse fast slow safe risk cost rate level "
          "change update source output input order point case rule note issue part way form set key word line "
          "size range limit state check field event start end run call read write open close load save send move "
          "keep make give take show find need help work try mean hold turn follow explain describe compare").split()
OPENERS = ["Explain", "Describe", "How do I", "What is the best way to", "Why does", "Compare", "Summarise",
           "Give an example of", "Write a short guide to", "What are the risks of", "Help me understand",
           "List the steps to", "Is it safe to", "Can you review", "Suggest how to"]
VERDICTS = ["is clearer", "is more accurate", "answers the question", "covers the edge cases", "is better organised",
            "gives a working example", "avoids the factual error", "is more concise", "explains the why",
            "stays on topic", "is complete", "has fewer mistakes"]
FLAWS = ["goes wrong", "misses the point", "is vague", "rambles", "contradicts itself", "skips a step",
         "misreads the question", "is out of date"]


def vocabulary(rng):
    """Some thousands of made-up words from syllables, with the common words more frequent, a few with punctuation."""
    onsets = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch",
              "cl", "dr", "fl", "gr", "kr", "pl", "pr", "sh", "sk", "sl", "sp", "st", "str", "th", "tr", "qu"]
    nuclei = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "io", "ou", "oo", "y"]
    codas = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "rk", "ng", "x", "sh", "ck"]
    made = set()
    while len(made) < 6000:
        made.add("".join(rng.choice(onsets) + rng.choice(nuclei) for _ in range(rng.randint(1, 3)))
                 + rng.choice(codas))
    words = sorted(made) + COMMON * 20
    words += [w + "," for w in sorted(made)[:600]] + [w + "." for w in sorted(made)[600:1200]]
    return words


def text(rng, words, low, high):
    """Words up to a length drawn from [low, high] characters, cut at a word, ending in a full stop."""
    size = rng.randint(low, high)
    s = " ".join(rng.choices(words, k=size // 4))
    while len(s) < size:
        s += " " + " ".join(rng.choices(words, k=16))
    s = s[:s.rfind(" ", 0, size)].rstrip(",.")
    return s[0].upper() + s[1:] + "."


def short_id(rng):
    """A result id as Label Studio's editor makes them: 10 characters of [A-Za-z0-9_-]."""
    return base64.urlsafe_b64encode(rng.getrandbits(64).to_bytes(8, "big")).decode()[:10]


def stamp(t):
    """Label Studio's timestamps: UTC with microseconds and a Z."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def annotation(rng, words, ann_id, task_id, user, left_better, unsafe, clock):
    uid = user if isinstance(user, int) else user["id"]
    careless = uid == CARELESS
    lead = round(rng.uniform(2.0, 9.0) if careless else rng.lognormvariate(3.8, 0.5), 1)
    created = clock + datetime.timedelta(seconds=rng.randint(0, 3600), microseconds=rng.randint(0, 999999))
    updated = created + datetime.timedelta(seconds=lead + rng.uniform(0.5, 30.0))
    a = {"id": ann_id, "completed_by": user, "result": [], "was_cancelled": False, "ground_truth": False,
         "created_at": stamp(created), "updated_at": stamp(updated), "draft_created_at": stamp(created),
         "lead_time": lead, "prediction": {}, "result_count": 0, "unique_id": "%032x" % rng.getrandbits(128),
         "import_id": None, "last_action": None, "task": task_id, "project": LS_PROJECT, "updated_by": uid,
         "parent_prediction": None, "parent_annotation": None, "last_created_by": None}
    if rng.random() < CANCELLED_SHARE:
        a["was_cancelled"] = True
        return a
    if careless:
        choice = rng.choice(["left", "right"])
        acc1, acc2 = rng.randint(1, 5), rng.randint(1, 5)
        label = rng.choice(["safe", "unsafe"])
    else:
        right_side = rng.random() < 0.9
        choice = "left" if left_better == right_side else "right"
        hi, lo = rng.choice([4, 4, 5, 5, 3]), rng.choice([1, 2, 2, 3])
        acc1, acc2 = (hi, lo) if left_better else (lo, hi)
        if rng.random() < 0.1:
            acc1, acc2 = acc2, acc1
        label = ("unsafe" if unsafe else "safe") if rng.random() < 0.95 else ("safe" if unsafe else "unsafe")
    why = [f"The {choice} answer {rng.choice(VERDICTS)}; the other {rng.choice(FLAWS)} in {rng.randint(1, 6)} places."]
    if rng.random() < 0.2:
        why.append(f"Checked against step {rng.randint(1, 9)} of the guidelines.")
    a["result"] = [
        {"value": {"selected": choice}, "id": short_id(rng), "from_name": "comparison", "to_name": "prompt",
         "type": "pairwise", "origin": "manual"},
        {"value": {"rating": acc1}, "id": short_id(rng), "from_name": "accuracy_1", "to_name": "answer1",
         "type": "rating", "origin": "manual"},
        {"value": {"rating": acc2}, "id": short_id(rng), "from_name": "accuracy_2", "to_name": "answer2",
         "type": "rating", "origin": "manual"},
        {"value": {"choices": [label]}, "id": short_id(rng), "from_name": "safety", "to_name": "prompt",
         "type": "choices", "origin": "manual"},
        {"value": {"text": why}, "id": short_id(rng), "from_name": "why", "to_name": "prompt", "type": "textarea",
         "origin": "manual"},
    ]
    if not careless and rng.random() < REWRITE_SHARE:
        # A written better answer in place of the worse one (an SFT submission): every mapped control appears, as a
        # run checks that each one answers something.
        a["result"].append({"value": {"text": [text(rng, words, 150, 250), text(rng, words, 150, 250)]},
                            "id": short_id(rng), "from_name": "rewrite",
                            "to_name": "answer2" if left_better else "answer1", "type": "textarea",
                            "origin": "manual"})
    a["result_count"] = len(a["result"])
    return a


def submissions(task):
    """The submissions LabelStudio.java makes of one task (the controls of helpfulness-ls; no gold in this export)."""
    tid = str(task["id"])
    data = task["data"]
    prompt = data["prompt"]
    responses = [{"response_id": f, "text": data[f]} for f in RESPONSE_FIELDS]
    for a in task["annotations"]:
        if a.get("was_cancelled") or not a["result"]:
            continue
        assert not a.get("ground_truth")
        aid = str(a["id"])
        by = a["completed_by"]
        annotator = by["email"] if isinstance(by, dict) and by.get("email") else str(
            by["id"] if isinstance(by, dict) else by)
        submitted = a.get("updated_at") or a.get("created_at")
        lead = float(a["lead_time"]) if isinstance(a.get("lead_time"), (int, float)) else None
        answers, shown, ratings, justification = {}, {}, {}, None
        rating_controls, justification_control = [], None
        for r in a["result"]:
            control = CONTROLS.get(r["from_name"])
            if control is None:
                continue
            kind, dimension = control
            value, to = r["value"], r.get("to_name", "")
            named = [x for x in responses if x["response_id"] == to]
            if kind == "justification":
                justification = "\n".join(value["text"]) if isinstance(value["text"], list) else value["text"]
                justification_control = r["from_name"]
            elif kind == "rating":
                ratings.setdefault(named[0]["response_id"], {})[dimension] = value["rating"]
                rating_controls.append(r["from_name"])
            elif kind == "pairwise":
                answers[r["from_name"]] = {"preferred": responses[0 if value["selected"] == "left" else 1]
                                           ["response_id"]}
                shown[r["from_name"]] = responses
            elif kind == "label":
                answers[r["from_name"]] = {"label": value["choices"][0]}
                shown[r["from_name"]] = named
            elif kind == "sft":
                answers[r["from_name"]] = {"completion": "\n".join(value["text"])}
                shown[r["from_name"]] = named
        if ratings:
            answers["rating"] = {"ratings": ratings}
            shown["rating"] = [x for x in responses if x["response_id"] in ratings]
        for control, answer in answers.items():
            s = {"submission_id": f"ls:{tid}:{aid}:{control}", "item_id": f"ls:{tid}:{control}", "project": PROJECT,
                 "task_type": "rating" if control == "rating" else CONTROLS[control][0], "annotator_id": annotator,
                 "submitted_at": submitted, "prompt": prompt}
            if shown[control]:
                s["responses"] = shown[control]
            s["answer"] = answer
            if justification is not None:
                s["justification"] = justification
            if lead is not None:
                s["time_spent_s"] = lead
            # The controls behind the submission (metadata "controls"), its justification's last.
            controls = list(rating_controls) if control == "rating" else [control]
            if justification is not None:
                controls.append(justification_control)
            s["metadata"] = {"source_format": "label-studio", "task_id": tid, "annotation_id": aid,
                             "controls": ",".join(controls)}
            yield s


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--annotations", type=int, default=100000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    o = p.parse_args()
    rng = random.Random(o.seed)
    words = vocabulary(random.Random(1000 + o.seed))
    os.makedirs(os.path.join(o.out, "jsonl"), exist_ok=True)
    clock = datetime.datetime(2026, 11, 1, 8, 0, 0)
    task_id, ann_id, prediction_id = 10000 * o.seed, 500000 * o.seed, 90000 * o.seed
    recent = []  # the last prompts, some of which a later task asks again
    written = {"tasks": 0, "annotations": 0, "cancelled": 0, "predictions": 0, "submissions": 0}
    compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    plain = json.JSONEncoder(ensure_ascii=False).encode
    with open(os.path.join(o.out, "export.json"), "w", encoding="utf-8", buffering=1 << 20) as ex, \
            open(os.path.join(o.out, "jsonl", "submissions.jsonl"), "w", encoding="utf-8", buffering=1 << 20) as jl:
        ex.write("[\n")
        left = o.annotations
        while left > 0:
            task_id += 1
            clock += datetime.timedelta(seconds=rng.randint(5, 40))
            if recent and rng.random() < REPEATED_PROMPT_SHARE:
                prompt = rng.choice(recent)
            else:
                ask = text(rng, words, 60, 240)
                prompt = f"{rng.choice(OPENERS)} {ask[0].lower()}{ask[1:-1]}?"
                recent = (recent + [prompt])[-50:]
            better, worse = text(rng, words, 300, 500), text(rng, words, 300, 500)
            left_better = rng.random() < 0.5
            unsafe = rng.random() < 0.1
            n = min(PER_TASK, left)
            left -= n
            users = rng.sample(ANNOTATORS, n)
            annotations = []
            for u in users:
                ann_id += rng.randint(1, 3)
                a = annotation(rng, words, ann_id, task_id, u, left_better, unsafe, clock)
                written["cancelled"] += a["was_cancelled"]
                annotations.append(a)
            predictions = []
            if rng.random() < PREDICTION_SHARE:
                predictions = list(range(prediction_id + 1, prediction_id + 1 + rng.randint(1, 2)))
                prediction_id += len(predictions)
            created = stamp(clock)
            task = {"id": task_id, "annotations": annotations, "file_upload": f"{1 + task_id % 97:x}-batch.json",
                    "drafts": [], "predictions": predictions,
                    "data": {"prompt": prompt, "answer1": better if left_better else worse,
                             "answer2": worse if left_better else better},
                    "meta": {}, "created_at": created, "updated_at": created, "inner_id": task_id - 10000 * o.seed,
                    "total_annotations": sum(not a["was_cancelled"] for a in annotations),
                    "cancelled_annotations": sum(a["was_cancelled"] for a in annotations),
                    "total_predictions": len(predictions), "comment_count": 0, "unresolved_comment_count": 0,
                    "last_comment_updated_at": None, "project": LS_PROJECT, "updated_by": None,
                    "comment_authors": []}
            if written["tasks"]:
                ex.write(",\n")
            ex.write(plain(task))
            for s in submissions(task):
                jl.write(compact(s))
                jl.write("\n")
                written["submissions"] += 1
            written["tasks"] += 1
            written["annotations"] += n
            written["predictions"] += len(predictions)
        ex.write("\n]\n")
    print(json.dumps(written))
    with open(os.path.join(o.out, "counts.json"), "w") as f:
        json.dump(written, f, indent=1)


if __name__ == "__main__":
    main()
