#!/usr/bin/env python3
"""Where a Concord run spent its time, from a Spark event log (bench/run --profile writes one).

Prints the wall time of the Spark jobs per step and per job description ("staging units", "publishing sft", ...), and
the slowest stages with the line of Concord's code that made them.

    bench/profile.py EVENT_LOG [--top N]
"""
import json
import re
import sys
from collections import defaultdict


def covered(spans):
    """Seconds covered by the union of (start, end) millisecond intervals."""
    total, end = 0, None
    for a, b in sorted(spans):
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total / 1000


def main(path, top):
    jobs = {}
    stage_job = {}
    stages = []
    with open(path) as log:
        for line in log:
            e = json.loads(line)
            kind = e.get("Event")
            if kind == "SparkListenerJobStart":
                props = e.get("Properties") or {}
                jobs[e["Job ID"]] = {
                    "start": e["Submission Time"],
                    "step": props.get("spark.jobGroup.id") or "(none)",
                    "what": props.get("spark.job.description") or "(driver work)",
                }
                for s in e.get("Stage IDs", []):
                    stage_job[s] = e["Job ID"]
            elif kind == "SparkListenerJobEnd":
                jobs[e["Job ID"]]["end"] = e["Completion Time"]
            elif kind == "SparkListenerStageCompleted":
                info = e["Stage Info"]
                if "Submission Time" in info and "Completion Time" in info:
                    stages.append(info)

    # Adaptive execution runs a query's independent stages as concurrent jobs: what counts is the time covered by
    # at least one job, the union of their intervals.
    spans_what = defaultdict(list)
    spans_step = defaultdict(list)
    for job in jobs.values():
        if "end" in job:
            spans_what[(job["step"], job["what"])].append((job["start"], job["end"]))
            spans_step[job["step"]].append((job["start"], job["end"]))
    by_what = {k: covered(v) for k, v in spans_what.items()}
    by_step = {k: covered(v) for k, v in spans_step.items()}
    print("time covered by Spark jobs, per step (the rest of a step's time is the driver's own work):")
    for step, seconds in sorted(by_step.items(), key=lambda kv: -kv[1]):
        print(f"  {step:<12} {seconds:8.1f} s")
    print("\nper output:")
    for (step, what), seconds in sorted(by_what.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {seconds:8.1f} s  {step:<10} {what}")

    print(f"\nslowest {top} stages:")
    for info in sorted(stages, key=lambda s: s["Submission Time"] - s["Completion Time"])[:top]:
        seconds = (info["Completion Time"] - info["Submission Time"]) / 1000
        job = jobs.get(stage_job.get(info["Stage ID"]), {})
        site = next((m.group(1) for m in re.finditer(r"(dev\.concord\.[\w.$]+\([\w.]+:\d+\))", info.get("Details", ""))
                     if "job.Store" not in m.group(1)), info.get("Stage Name", "?"))
        print(f"  {seconds:7.1f} s  {info['Number of Tasks']:4d} tasks  {job.get('what', '?'):<28} {site}")


if __name__ == "__main__":
    args = sys.argv[1:]
    n = 15
    if "--top" in args:
        i = args.index("--top")
        n = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    main(args[0], n)
