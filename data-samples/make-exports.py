"""Writes data-samples/label-studio/ and data-samples/argilla/: exports in the shapes Label Studio and Argilla
document (see ../shared/contract/platform-exports.md), with the bad pieces data-samples/README.md lists.
Deterministic: run it again and the files come out the same."""
import json
import random

rng = random.Random(7)
TOPICS = ["sorting a list in Python", "the boiling point of water", "how vaccines work", "the French Revolution",
          "compound interest", "photosynthesis", "TCP handshakes", "the Pythagorean theorem", "black holes",
          "writing a cover letter", "baking sourdough bread", "the rules of chess", "recursion in programming",
          "the water cycle", "Git branching", "supply and demand", "the immune system", "plate tectonics",
          "haiku poetry", "binary search", "climate and weather", "the stock market", "DNA replication",
          "the Roman Empire"]


def texts(i, topic):
    good = f"A careful explanation of {topic}: it covers the main idea, an example and a common mistake ({i})."
    bad = f"{topic.capitalize()} is simple, just look it up ({i})."
    return good, bad


def label_studio():
    users = [11, {"id": 12, "email": "ana@annotators.example"}, 13, {"id": 14, "email": "raj@annotators.example"},
             15]
    careless = 15
    tasks = []
    ann_id = 900
    for i, topic in enumerate(TOPICS[:20]):
        good, bad = texts(i, topic)
        left_good = i % 2 == 0
        data = {"prompt": f"Explain {topic}.", "answer1": good if left_good else bad,
                "answer2": bad if left_good else good}
        task = {"id": 100 + i, "project": 3, "data": data, "annotations": [], "predictions": [], "drafts": []}
        for u in users:
            uid = u if isinstance(u, int) else u["id"]
            ann_id += 1
            if uid == careless:
                choice = rng.choice(["left", "right"])
                acc1, acc2 = rng.randint(1, 5), rng.randint(1, 5)
            else:
                choice = "left" if left_good else "right"
                hi, lo = rng.choice([4, 5]), rng.choice([1, 2])
                acc1, acc2 = (hi, lo) if left_good else (lo, hi)
            result = [
                {"id": f"r{ann_id}a", "from_name": "comparison", "to_name": "comparison", "type": "pairwise",
                 "value": {"selected": choice}},
                {"id": f"r{ann_id}b", "from_name": "accuracy_1", "to_name": "answer1", "type": "rating",
                 "value": {"rating": acc1}},
                {"id": f"r{ann_id}c", "from_name": "accuracy_2", "to_name": "answer2", "type": "rating",
                 "value": {"rating": acc2}},
                {"id": f"r{ann_id}d", "from_name": "safety", "to_name": "prompt", "type": "choices",
                 "value": {"choices": ["safe"]}},
                {"id": f"r{ann_id}e", "from_name": "why", "to_name": "prompt", "type": "textarea",
                 "value": {"text": [f"The {'left' if choice == 'left' else 'right'} answer explains more."]}},
            ]
            if i < 4 and uid == 11:
                result.append({"id": f"r{ann_id}f", "from_name": "rewrite", "to_name": "answer1",
                               "type": "textarea", "value": {"text": [f"An improved answer about {topic}.",
                                                                      "With a second paragraph."]}})
            if i == 5 and uid == 13:
                result.append({"id": f"r{ann_id}g", "from_name": "comment", "to_name": "prompt",
                               "type": "textarea", "value": {"text": ["a control no mapping names"]}})
            task["annotations"].append({
                "id": ann_id, "completed_by": u, "task": task["id"], "was_cancelled": False, "ground_truth": False,
                "created_at": f"2026-11-2{i % 9}T10:00:{10 + uid:02d}Z",
                "updated_at": f"2026-11-2{i % 9}T10:0{uid % 10}:{20 + uid:02d}.5Z", "lead_time": 20.0 + uid,
                "result": result})
        tasks.append(task)
    # Gold on two tasks; a cancelled, an empty annotation; predictions (ids, as the plain export gives them) and a
    # draft; a Pairwise answer with a value Label Studio never writes; a task missing a data field; a task that is no
    # object.
    for t in tasks[:2]:
        ann_id += 1
        t["annotations"].append({"id": ann_id, "completed_by": 1, "task": t["id"], "was_cancelled": False,
                                 "ground_truth": True, "created_at": "2026-11-19T09:00:00Z",
                                 "updated_at": "2026-11-19T09:00:00Z", "lead_time": 5.0,
                                 "result": [{"id": "g", "from_name": "comparison", "to_name": "comparison",
                                             "type": "pairwise", "value": {"selected": "left"}}]})
    ann_id += 1
    tasks[2]["annotations"].append({"id": ann_id, "completed_by": 16, "task": tasks[2]["id"], "was_cancelled": True,
                                    "ground_truth": False, "created_at": "2026-11-22T10:00:00Z", "result": []})
    ann_id += 1
    tasks[3]["annotations"].append({"id": ann_id, "completed_by": 16, "task": tasks[3]["id"],
                                    "was_cancelled": False, "ground_truth": False,
                                    "created_at": "2026-11-22T10:00:00Z", "result": []})
    tasks[4]["predictions"] = [286, 287]
    tasks[5]["drafts"] = [{"id": 5, "user": "ana@annotators.example", "result": [], "lead_time": 3.0}]
    tasks[6]["annotations"][0]["result"][0]["value"]["selected"] = "middle"
    del tasks[7]["data"]["answer2"]
    tasks.append("not a task")
    # Label Studio project 4: a Ranker over data.items with buckets.
    for i, topic in enumerate(TOPICS[20:]):
        items = [{"id": f"i{k}", "title": f"Answer {k}", "body": f"Answer {k} about {topic}, version {i}."}
                 for k in range(1, 4)]
        task = {"id": 200 + i, "project": 4, "data": {"question": f"Which answers about {topic} are best?",
                                                       "items": items}, "annotations": [], "predictions": []}
        for uid in [21, 22, 23]:
            ann_id += 1
            task["annotations"].append({
                "id": ann_id, "completed_by": uid, "task": task["id"], "was_cancelled": False,
                "ground_truth": False, "created_at": "2026-11-23T11:00:00Z", "updated_at": "2026-11-23T11:05:00Z",
                "lead_time": 42.0, "result": [{"id": f"k{ann_id}", "from_name": "rank", "to_name": "items",
                                               "type": "ranker", "value": {"ranker": {
                                                   "best": ["i2"], "good": ["i1"], "_": ["i3"]}}}]})
        tasks.append(task)
    with open("data-samples/label-studio/project-3-and-4-export.json", "w") as f:
        json.dump(tasks, f, indent=1)
        f.write("\n")


def argilla():
    users = ["6f1c2a10-0000-4000-8000-000000000001", "6f1c2a10-0000-4000-8000-000000000002",
             "6f1c2a10-0000-4000-8000-000000000003", "6f1c2a10-0000-4000-8000-000000000004"]
    nested, flat = [], []
    for i in range(16):
        topic = TOPICS[(i + 3) % len(TOPICS)]
        good, bad = texts(100 + i, topic)
        first_good = i % 3 != 0
        fields = {"prompt": f"Tell me about {topic}, briefly ({i}).", "response1": good if first_good else bad,
                  "response2": bad if first_good else good}
        best = ["response1", "response2"] if first_good else ["response2", "response1"]
        responses = {"preference": [], "quality": [], "topic": [], "notes": []}
        statuses = []
        for k, u in enumerate(users):
            order = best if k != 3 or i % 2 else list(reversed(best))
            responses["preference"].append({"value": order, "user_id": u})
            responses["quality"].append({"value": 4 if first_good else 2, "user_id": u})
            responses["topic"].append({"value": "science" if i % 2 else "general", "user_id": u})
            responses["notes"].append({"value": f"{order[0]} is clearer.", "user_id": u})
            statuses.append("submitted")
        record = {"id": f"rec-{i}", "_server_id": f"00000000-0000-4000-a000-{i:012d}", "fields": fields,
                  "metadata": {}, "status": "completed", "vectors": {},
                  "suggestions": {"preference": {"value": best, "score": None, "agent": "gpt-4"}},
                  "responses": responses}
        if i < 8:
            nested.append(record)
        else:
            row = {"id": record["id"], "_server_id": record["_server_id"], "status": "completed", **fields}
            for q, rs in responses.items():
                st = list(statuses)
                if q == "preference" and i == 9:
                    st[1] = "discarded"
                if q == "preference" and i == 10:
                    st[2] = "draft"
                row[f"{q}.responses"] = [r["value"] for r in rs]
                row[f"{q}.responses.users"] = [r["user_id"] for r in rs]
                row[f"{q}.responses.status"] = st
                row[f"{q}.suggestion"] = best if q == "preference" else None
                row[f"{q}.suggestion.agent"] = "gpt-4" if q == "preference" else None
                row[f"{q}.suggestion.score"] = None
            flat.append(row)
    # A record whose ranking names a field it does not have, and one without its prompt.
    nested[2]["responses"]["preference"][0]["value"] = ["response1", "response9"]
    del nested[3]["fields"]["prompt"]
    with open("data-samples/argilla/records.json", "w") as f:
        json.dump(nested, f, indent=1)
        f.write("\n")
    with open("data-samples/argilla/records-flat.jsonl", "w") as f:
        for row in flat:
            f.write(json.dumps(row) + "\n")
        f.write('{"id": "rec-broken", "prompt": "a record cut off\n')


label_studio()
argilla()
