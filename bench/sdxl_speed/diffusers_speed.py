#!/usr/bin/env python3
"""SDXL text-to-image speed with diffusers: the reference that bench_sdxl_speed is compared with.

    python3 bench/sdxl_speed/diffusers_speed.py MODEL_DIR [--size 1024] [--steps 30] [--guidance 5]
        [--batches 1,4,8] [--runs 3] [--dtype fp16|bf16|fp32] [--device cuda|cpu] [--json PATH]

MODEL_DIR is a diffusers-format SDXL folder (model_index.json, unet/, vae/, text_encoder/,
text_encoder_2/, tokenizer/, tokenizer_2/, scheduler/), e.g. the one `bench_sdxl_speed make-model`
writes. The pipeline is StableDiffusionXLPipeline in the chosen dtype, EulerDiscreteScheduler made
from the folder's scheduler config, diffusers' default attention (scaled_dot_product_attention
with torch 2), prompt "a knight in blue armor, pixel art", negative prompt "" (encoded, not
zeroed), fixed generator seeds. For each size and batch size: --warmup untimed calls, then --runs
timed calls, each bracketed by torch.cuda.synchronize() and time.perf_counter().

JSON written with --json (the same keys as `bench_sdxl_speed run --json`; bench/README.md,
section "SDXL speed on a GPU (scripts/device)", holds the same schema):

{
  "tool": "diffusers",               # "dgxpx" for bench_sdxl_speed
  "version": "0.40.0.dev0",          # the tool's version
  "torch": "2.11.0+cu130",           # torch.__version__ (libtorch's version for dgxpx)
  "device": "NVIDIA H100 80GB HBM3", # GPU name, or "cpu"
  "dtype": "fp16",                   # fp16 | bf16 | fp32
  "load_s": 6.1,                     # from_pretrained + .to(device) until synchronized, seconds
  "runs": [
    {
      "size": 1024,                  # width = height, pixels
      "batch": 1,                    # images per pipeline call
      "steps": 30,                   # denoising steps
      "s_per_image": 2.31,           # median seconds of one timed call / batch
      "images_per_s": 0.43,          # batch / median seconds of one timed call
      "unet_steps_per_s": 14.2,      # denoising steps per second over the step loop (median):
                                     #   one step = ONE UNet call on 2 x batch latents (CFG batched)
                                     #   + the scheduler step; what diffusers' progress bar shows
      "peak_mem_gib": 10.4           # torch.cuda.max_memory_allocated over this size and batch's
                                     #   calls (reset before its warm-up), GiB = 2^30 bytes
    }
  ]
}

Optional keys, written here and allowed in the C++ JSON: top level "commit", "cuda",
"scheduler", "attention", "guidance", "prompt", "negative_prompt", "vae_decode_dtype",
"warmup", "timed_runs"; per run "guidance", "call_s" (every timed call, seconds), "denoise_s"
(median seconds of the step loop), "timed_runs". Consumers must ignore keys they do not know.

Exit status: 0 done, 1 a run failed, 2 a missing package, GPU or model folder (with a message).
"""

import argparse
import json
import os
import statistics
import sys
import time
import warnings

PROMPT = "a knight in blue armor, pixel art"
NEGATIVE_PROMPT = ""
DTYPE_NAMES = ("fp16", "bf16", "fp32")


def fail(message, code=2):
    print(f"diffusers_speed: {message}", file=sys.stderr)
    sys.exit(code)


def parse_int_list(text, what):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        fail(f"--{what} takes comma-separated integers, got {text!r}")
    if not values or any(v <= 0 for v in values):
        fail(f"--{what} takes positive integers, got {text!r}")
    return values


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Time SDXL text-to-image with diffusers (the reference for bench_sdxl_speed).")
    p.add_argument("model_dir", help="diffusers-format SDXL folder (model_index.json, unet/, ...)")
    p.add_argument("--size", default="1024",
                   help="image width = height in pixels; a comma list runs several (default 1024)")
    p.add_argument("--steps", type=int, default=30, help="denoising steps (default 30)")
    p.add_argument("--guidance", type=float, default=5.0, help="CFG scale (default 5)")
    p.add_argument("--batches", default="1,4,8", help="images per call, comma list (default 1,4,8)")
    p.add_argument("--runs", type=int, default=3, help="timed calls per batch size (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="untimed calls first (default 1)")
    p.add_argument("--dtype", choices=DTYPE_NAMES, default="fp16")
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    p.add_argument("--seed", type=int, default=0, help="first generator seed (default 0)")
    p.add_argument("--vae-upcast", choices=("config", "off"), default="config",
                   help="config: diffusers' default, the VAE decodes in fp32 when its config says "
                        "force_upcast (SDXL base's does) and the dtype is fp16; off: decode in "
                        "--dtype")
    p.add_argument("--json", help="write the figures here (rewritten after each batch size)")
    args = p.parse_args(argv)
    args.sizes = parse_int_list(args.size, "size")
    args.batch_list = parse_int_list(args.batches, "batches")
    if args.steps <= 0 or args.runs <= 0 or args.warmup < 0:
        fail("--steps and --runs must be positive, --warmup not negative")
    if any(s % 8 for s in args.sizes):
        fail(f"sizes must be multiples of 8, got {args.sizes}")
    return args


def import_packages():
    """Imports torch, diffusers, transformers and Pillow; exits 2 naming every one missing."""
    missing, modules = [], {}
    for name in ("torch", "diffusers", "transformers", "PIL"):
        try:
            modules[name] = __import__(name)
        except Exception as e:  # ImportError, or a broken install raising something else
            missing.append(f"{'Pillow' if name == 'PIL' else name} ({type(e).__name__}: {e})")
    if missing:
        fail("cannot import " + "; ".join(missing) +
             ". diffusers is carried as source: run scripts/device/prepare.sh here and set "
             "PYTHONPATH=.device/python (scripts/device/run.sh does).")
    return modules


class LoopTimer:
    """Times the denoising loop of one pipeline call: from the first UNet forward to the end of
    the last step (callback_on_step_end). CUDA events on the GPU, so nothing synchronizes inside
    the loop; host clock on the CPU."""

    def __init__(self, torch, device):
        self.torch, self.cuda = torch, device == "cuda"
        self.start = self.end = None
        self.steps = 0

    def reset(self):
        self.start = self.end = None
        self.steps = 0

    def _mark(self):
        if self.cuda:
            e = self.torch.cuda.Event(enable_timing=True)
            e.record()
            return e
        return time.perf_counter()

    def unet_pre_hook(self, module, args):
        if self.start is None:
            self.start = self._mark()

    def on_step_end(self, pipe, step, timestep, callback_kwargs):
        self.end = self._mark()
        self.steps += 1
        return callback_kwargs

    def seconds(self):
        """Loop seconds; call after torch.cuda.synchronize()."""
        if self.start is None or self.end is None:
            return None
        if self.cuda:
            return self.start.elapsed_time(self.end) / 1000.0
        return self.end - self.start


def main(argv):
    args = parse_args(argv)
    if not os.path.isfile(os.path.join(args.model_dir, "model_index.json")):
        fail(f"{args.model_dir} is not a diffusers model folder (no model_index.json)")
    # The device machine has no network: never ask the Hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    mods = import_packages()
    torch, diffusers = mods["torch"], mods["diffusers"]
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline

    # Random weights can give NaN images; their conversion to 8 bits warns, which is noise here.
    warnings.filterwarnings("ignore", message="invalid value encountered in cast")

    if args.device == "cuda" and not torch.cuda.is_available():
        fail("--device cuda but torch.cuda.is_available() is False (torch "
             f"{torch.__version__}, built for CUDA {torch.version.cuda})")
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[args.dtype]
    cuda = args.device == "cuda"

    def sync():
        if cuda:
            torch.cuda.synchronize()

    commit = None
    commit_file = os.path.join(os.path.dirname(os.path.dirname(diffusers.__file__)),
                               "DIFFUSERS_COMMIT")
    if os.path.isfile(commit_file):
        with open(commit_file) as f:
            commit = f.read().strip()

    print(f"diffusers {diffusers.__version__}{' @ ' + commit[:12] if commit else ''}, "
          f"torch {torch.__version__}, {args.device}, {args.dtype}", flush=True)
    sync()
    t0 = time.perf_counter()
    pipe = StableDiffusionXLPipeline.from_pretrained(
        args.model_dir, torch_dtype=dtype, use_safetensors=True, add_watermarker=False)
    pipe.scheduler = EulerDiscreteScheduler.from_config(pipe.scheduler.config)
    pipe = pipe.to(args.device)
    sync()
    load_s = time.perf_counter() - t0
    print(f"load: {load_s:.2f} s", flush=True)

    pipe.set_progress_bar_config(disable=True)
    if args.vae_upcast == "off":
        pipe.vae.register_to_config(force_upcast=False)
    vae_decode_dtype = ("fp32" if dtype == torch.float16 and pipe.vae.config.force_upcast
                        else args.dtype)
    attention = sorted({type(p).__name__ for p in pipe.unet.attn_processors.values()})

    timer = LoopTimer(torch, args.device)
    pipe.unet.register_forward_pre_hook(timer.unet_pre_hook)

    result = {
        "tool": "diffusers",
        "version": diffusers.__version__,
        "commit": commit,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "dtype": args.dtype,
        "load_s": round(load_s, 3),
        "scheduler": type(pipe.scheduler).__name__,
        "attention": ",".join(attention),
        "guidance": args.guidance,
        "prompt": PROMPT,
        "negative_prompt": NEGATIVE_PROMPT,
        "vae_decode_dtype": vae_decode_dtype,
        "warmup": args.warmup,
        "timed_runs": args.runs,
        "runs": [],
    }

    def write_json():
        if args.json:
            tmp = args.json + ".tmp"
            with open(tmp, "w") as f:
                json.dump(result, f, indent=2)
                f.write("\n")
            os.replace(tmp, args.json)

    def call(size, batch, run_index):
        generators = [torch.Generator(device=args.device).manual_seed(
            args.seed + 1000 * run_index + i) for i in range(batch)]
        timer.reset()
        sync()
        start = time.perf_counter()
        pipe(prompt=PROMPT, negative_prompt=NEGATIVE_PROMPT, num_images_per_prompt=batch,
             height=size, width=size, num_inference_steps=args.steps,
             guidance_scale=args.guidance, generator=generators, output_type="pil",
             callback_on_step_end=timer.on_step_end)
        sync()
        seconds = time.perf_counter() - start
        if timer.steps != args.steps:
            raise RuntimeError(f"the pipeline ran {timer.steps} steps, asked for {args.steps}")
        return seconds, timer.seconds()

    print(f"{'size':>5} {'batch':>5} {'s/image':>8} {'images/s':>9} {'steps/s':>8} "
          f"{'peak GiB':>9}  (calls, s)", flush=True)
    status = 0
    for size in args.sizes:
        for batch in args.batch_list:
            try:
                if cuda:
                    torch.cuda.empty_cache()
                    torch.cuda.reset_peak_memory_stats()
                with torch.inference_mode():
                    for w in range(args.warmup):
                        call(size, batch, -1 - w)
                    calls, loops = [], []
                    for r in range(args.runs):
                        seconds, loop = call(size, batch, r)
                        calls.append(seconds)
                        if loop is not None:
                            loops.append(loop)
            except Exception as e:  # e.g. out of memory at a large batch: go on with the rest
                print(f"{size:>5} {batch:>5} failed: {type(e).__name__}: {e}", flush=True)
                status = 1
                continue
            median = statistics.median(calls)
            denoise = statistics.median(loops) if loops else None
            run = {
                "size": size,
                "batch": batch,
                "steps": args.steps,
                "s_per_image": round(median / batch, 4),
                "images_per_s": round(batch / median, 4),
                "unet_steps_per_s": round(args.steps / denoise, 3) if denoise else None,
                "peak_mem_gib": (round(torch.cuda.max_memory_allocated() / 2**30, 3)
                                 if cuda else None),
                "guidance": args.guidance,
                "call_s": [round(c, 4) for c in calls],
                "denoise_s": round(denoise, 4) if denoise else None,
                "timed_runs": len(calls),
            }
            result["runs"].append(run)
            write_json()
            print(f"{size:>5} {batch:>5} {run['s_per_image']:>8.3f} {run['images_per_s']:>9.3f} "
                  f"{run['unet_steps_per_s'] or float('nan'):>8.2f} "
                  f"{run['peak_mem_gib'] or float('nan'):>9.2f}  "
                  f"({', '.join(f'{c:.2f}' for c in calls)})", flush=True)
    write_json()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
