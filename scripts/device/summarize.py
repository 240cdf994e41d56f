#!/usr/bin/env python3
"""Writes $OUT/figures.json, dgxpx-speed.json and diffusers-speed.json from a device run's work
folder (scripts/device/run.sh calls it after every stage; --print also prints the tables).

Reads WORK/stages.tsv (name, status, seconds, note per line), WORK/json/{dgxpx,diffusers}-*.json
(one bench stage each, the schema in bench/sdxl_speed/diffusers_speed.py and bench/README.md) and
OUT/gpu-tests.log. figures.json:

{
  "mode": "gpu" | "cpu",  "elapsed_s": 312,  "budget_s": 540,  "device": "NVIDIA H100 ...",
  "stages": [{"name": "build", "status": "pass|fail|timeout|skip", "seconds": 150, "note": "..."}],
  "gpu_tests": {"status": "pass", "passed": 3, "failed": 0, "total": 3} | null,
  "dgxpx": <merged bench JSON> | null,  "diffusers": <merged bench JSON> | null,
  "comparison": [{"size": 1024, "batch": 1, "steps": 30, "dgxpx_s_per_image": 1.2,
                  "diffusers_s_per_image": 1.5, "ratio": 0.8, "dgxpx_unet_steps_per_s": ...,
                  "diffusers_unet_steps_per_s": ..., "dgxpx_peak_mem_gib": ...,
                  "diffusers_peak_mem_gib": ...}],
  "targets": {"ratio_1024_b1": {"value": 0.8, "limit": 1.0, "met": true},
              "s_per_image_1024_b1": {"value": 1.2, "limit": 1.3, "met": true}},
  "worker": {"frames": 32, "size": 1024, "steps": 30, "seconds": 40.1, "images_per_s": 0.8,
             "summary": <dgxpx build --json>} | null
}
"""

import argparse
import glob
import json
import os
import re
import sys

TARGET_RATIO = 1.0        # dgxpx seconds per image / diffusers', 1024², 30 steps, Euler, CFG 5
TARGET_S_PER_IMAGE = 1.3  # dgxpx seconds per image, same settings


def read_stages(work):
    stages = []
    path = os.path.join(work, "stages.tsv")
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3:
                    continue
                try:
                    seconds = int(parts[2])
                except ValueError:
                    seconds = None
                stages.append({"name": parts[0], "status": parts[1], "seconds": seconds,
                               "note": parts[3] if len(parts) > 3 else ""})
    return stages


def merge_tool(work, tool):
    """One JSON per tool: the first stage's top-level fields, every stage's runs (sorted)."""
    merged = None
    for path in sorted(glob.glob(os.path.join(work, "json", f"{tool}-*.json"))):
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            print(f"summarize: skipping {path}: {e}", file=sys.stderr)
            continue
        runs = [r for r in data.get("runs", []) if isinstance(r, dict)]
        stage = os.path.basename(path)[:-len(".json")]
        for r in runs:
            r.setdefault("stage", stage)
            r.setdefault("load_s", data.get("load_s"))
        if merged is None:
            merged = {k: v for k, v in data.items() if k != "runs"}
            merged["runs"] = []
            merged["load_s_per_stage"] = {}
        merged["runs"].extend(runs)
        merged["load_s_per_stage"][stage] = data.get("load_s")
    if merged:
        merged["runs"].sort(key=lambda r: (-(r.get("size") or 0), r.get("batch") or 0))
    return merged


def gpu_test_summary(out, stages):
    stage = next((s for s in stages if s["name"] == "gpu-tests"), None)
    if stage is None:
        return None
    result = {"status": stage["status"], "passed": None, "failed": None, "total": None}
    path = os.path.join(out, "gpu-tests.log")
    text = open(path, errors="replace").read() if os.path.isfile(path) else ""
    m = None
    for m in re.finditer(r"(\d+)% tests passed, (\d+) tests? failed out of (\d+)", text):
        pass
    if m:  # ctest
        total, failed = int(m.group(3)), int(m.group(2))
        result.update(passed=total - failed, failed=failed, total=total)
        return result
    m = re.search(r"All tests passed \(\d+ assertions? in (\d+) test cases?\)", text)
    if m:  # Catch2 v2, the binary run directly
        n = int(m.group(1))
        result.update(passed=n, failed=0, total=n)
        return result
    m = re.search(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed", text)
    if m:
        result.update(total=int(m.group(1)), passed=int(m.group(2)), failed=int(m.group(3)))
    return result


def compare(dgxpx, diffusers):
    rows = []
    if not dgxpx or not diffusers:
        return rows
    ours = {(r.get("size"), r.get("batch"), r.get("steps")): r for r in dgxpx["runs"]}
    for theirs in diffusers["runs"]:
        key = (theirs.get("size"), theirs.get("batch"), theirs.get("steps"))
        mine = ours.get(key)
        if not mine:
            continue
        a, b = mine.get("s_per_image"), theirs.get("s_per_image")
        rows.append({
            "size": key[0], "batch": key[1], "steps": key[2],
            "dgxpx_s_per_image": a, "diffusers_s_per_image": b,
            "ratio": round(a / b, 3) if a and b else None,
            "dgxpx_unet_steps_per_s": mine.get("unet_steps_per_s"),
            "diffusers_unet_steps_per_s": theirs.get("unet_steps_per_s"),
            "dgxpx_peak_mem_gib": mine.get("peak_mem_gib"),
            "diffusers_peak_mem_gib": theirs.get("peak_mem_gib"),
        })
    rows.sort(key=lambda r: (-(r["size"] or 0), r["batch"] or 0))
    return rows


def targets(dgxpx, comparison):
    t = {}
    row = next((r for r in comparison if r["size"] == 1024 and r["batch"] == 1), None)
    if row and row["ratio"] is not None:
        t["ratio_1024_b1"] = {"value": row["ratio"], "limit": TARGET_RATIO,
                              "met": row["ratio"] <= TARGET_RATIO}
    mine = next((r for r in (dgxpx or {}).get("runs", [])
                 if r.get("size") == 1024 and r.get("batch") == 1), None)
    if mine and mine.get("s_per_image") is not None:
        t["s_per_image_1024_b1"] = {"value": mine["s_per_image"], "limit": TARGET_S_PER_IMAGE,
                                    "met": mine["s_per_image"] <= TARGET_S_PER_IMAGE}
    return t


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def read_worker(work):
    """The worker stage's figures (run.sh stage_worker), or None when it did not run."""
    path = os.path.join(work, "json", "worker.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def print_tables(fig):
    print("\nstage                    status   seconds  note")
    for s in fig["stages"]:
        note = s["note"] if len(s["note"]) <= 90 else s["note"][:87] + "..."
        print(f"{s['name']:<24} {s['status']:<8} {fmt(s['seconds'], '>7')}  {note}")
    g = fig["gpu_tests"]
    if g:
        counts = (f", {g['passed']} passed, {g['failed']} failed of {g['total']}"
                  if g["total"] is not None else "")
        print(f"\ngpu tests: {g['status']}{counts}")
    for tool in ("dgxpx", "diffusers"):
        data = fig[tool]
        if not data:
            continue
        print(f"\n{tool} {data.get('version', '?')}, torch {data.get('torch', '?')}, "
              f"{data.get('device', '?')}, {data.get('dtype', '?')}, "
              f"load {fmt(data.get('load_s'), '.2f')} s")
        print("  size batch steps  s/image  images/s  unet steps/s  peak GiB")
        for r in data["runs"]:
            print(f"  {fmt(r.get('size'), '>4')} {fmt(r.get('batch'), '>5')} "
                  f"{fmt(r.get('steps'), '>5')} {fmt(r.get('s_per_image'), '>8.3f')} "
                  f"{fmt(r.get('images_per_s'), '>9.3f')} "
                  f"{fmt(r.get('unet_steps_per_s'), '>13.2f')} "
                  f"{fmt(r.get('peak_mem_gib'), '>9.2f')}")
    if fig["comparison"]:
        print("\ndgxpx / diffusers, seconds per image:")
        for r in fig["comparison"]:
            print(f"  {r['size']}² batch {r['batch']}: {fmt(r['dgxpx_s_per_image'], '.3f')} / "
                  f"{fmt(r['diffusers_s_per_image'], '.3f')} = {fmt(r['ratio'], '.3f')}")
    w = fig.get("worker")
    if w:
        worker = w["summary"].get("worker", {})
        print(f"\nworker: {w['frames']} frames at {w['size']}², {w['steps']} steps: "
              f"{fmt(w['seconds'], '.1f')} s, {fmt(w['images_per_s'], '.3f')} images/s, "
              f"{worker.get('model_loads', '?')} model load(s), batches {worker.get('batch_sizes', '?')}")
    for name, t in fig["targets"].items():
        print(f"target {name}: {t['value']} (limit {t['limit']}): "
              f"{'met' if t['met'] else 'NOT met'}")
    print(f"\nelapsed {fig['elapsed_s']} s of a {fig['budget_s']} s budget; "
          "figures.json, dgxpx-speed.json, diffusers-speed.json in $OUT")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--mode", default="gpu")
    p.add_argument("--budget", type=int, default=0)
    p.add_argument("--elapsed", type=int, default=0)
    p.add_argument("--print", action="store_true", help="also print the tables")
    args = p.parse_args(argv)

    stages = read_stages(args.work)
    dgxpx, diffusers = merge_tool(args.work, "dgxpx"), merge_tool(args.work, "diffusers")
    comparison = compare(dgxpx, diffusers)
    fig = {
        "mode": args.mode,
        "elapsed_s": args.elapsed,
        "budget_s": args.budget,
        "device": (diffusers or dgxpx or {}).get("device"),
        "stages": stages,
        "gpu_tests": gpu_test_summary(args.out, stages),
        "dgxpx": dgxpx,
        "diffusers": diffusers,
        "comparison": comparison,
        "targets": targets(dgxpx, comparison),
        "worker": read_worker(args.work),
    }
    os.makedirs(args.out, exist_ok=True)
    if dgxpx:
        write_json(os.path.join(args.out, "dgxpx-speed.json"), dgxpx)
    if diffusers:
        write_json(os.path.join(args.out, "diffusers-speed.json"), diffusers)
    write_json(os.path.join(args.out, "figures.json"), fig)
    if args.print:
        print_tables(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
