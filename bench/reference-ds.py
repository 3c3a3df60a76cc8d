#!/usr/bin/env python3
"""The truth-inference benchmark's own Dawid-Skene (Zheng et al., VLDB 2017, zhydhkcws/crowd_truth_infer,
methods/c_EM/method.py), ported to numpy: the reference `bench/quality`'s crowd accuracies are compared with.

As the benchmark runs it: a uniform class prior, every confusion matrix started at 0.7 on the diagonal, 20 EM
iterations, no smoothing. It reproduces the published figures (rte .9275, temp .9416, bluebirds .8796; the paper's
.9366 on d_jn-product). With --gold, the tenth of the tasks bench/quality gives as gold (the same hash) is held at its
truth, run to 50 iterations, and scored on the rest: there is no published figure for that.

    bench/reference-ds.py [--gold] CROWD_DIR...   (each with answers.csv task,worker,label and truth.csv task,label;
                                                   needs numpy)
"""
import csv
import hashlib
import struct
import sys

import numpy as np


def load(folder):
    answers = list(csv.DictReader(open(folder + "/answers.csv")))
    truth = {r["task"]: r["label"] for r in csv.DictReader(open(folder + "/truth.csv"))}
    tasks = sorted({a["task"] for a in answers})
    workers = sorted({a["worker"] for a in answers})
    classes = sorted({a["label"] for a in answers} | set(truth.values()))
    ti, wi, ci = ({v: i for i, v in enumerate(x)} for x in (tasks, workers, classes))
    t = np.array([ti[a["task"]] for a in answers])
    w = np.array([wi[a["worker"]] for a in answers])
    label = np.array([ci[a["label"]] for a in answers])
    y = np.array([ci[truth[x]] if x in truth else -1 for x in tasks])
    return tasks, t, w, label, y, len(workers), len(classes)


def is_gold(task):
    """bench/quality's draw (Quality.isGoldTask): a tenth of the tasks, by hash."""
    h = hashlib.sha256(("gold:" + task).encode()).digest()
    return struct.unpack(">i", h[:4])[0] % 1000 < 100


def dawid_skene(t, w, label, n_tasks, n_workers, k, gold, iterations, quality=0.7):
    cm = np.full((n_workers, k, k), (1 - quality) / (k - 1))  # [worker, true class, answer]
    cm[:, np.arange(k), np.arange(k)] = quality
    prior = np.full(k, 1.0 / k)
    for _ in range(iterations):
        logp = np.tile(np.log(prior), (n_tasks, 1))
        np.add.at(logp, t, np.log(np.maximum(cm[w, :, label], 1e-300)))
        p = np.exp(logp - logp.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        for task, g in gold.items():
            p[task] = 0
            p[task, g] = 1
        prior = p.mean(0)
        mass = np.zeros((n_workers, k, k))
        np.add.at(mass, (w, slice(None), label), p[t])
        total = mass.sum(2, keepdims=True)
        cm = np.where(total > 0, mass / np.where(total > 0, total, 1), cm)
    return p


def main(args):
    with_gold = "--gold" in args
    for folder in [a for a in args if a != "--gold"]:
        tasks, t, w, label, y, n_workers, k = load(folder.rstrip("/"))
        gold = {i: y[i] for i, x in enumerate(tasks) if with_gold and is_gold(x) and y[i] >= 0}
        scored = np.array([i not in gold and y[i] >= 0 for i in range(len(tasks))])
        p = dawid_skene(t, w, label, len(tasks), n_workers, k, gold, 50 if with_gold else 20)
        accuracy = (p.argmax(1) == y)[scored].mean()
        print(f"{folder.rstrip('/').split('/')[-1]:12s} {'10% gold' if with_gold else 'no gold':8s} "
              f"{scored.sum():6d} tasks  Dawid-Skene {accuracy:.4f}")


if __name__ == "__main__":
    main(sys.argv[1:])
