"""Command line: ``python -m enhancelib <command> --help``.

Commands
  enhance     enhance photos (files or folders, any size) with a trained model
  train       train an enhancer on your own folders of low- and high-quality photos
  record      train a run and keep it as a record under data/runs/
  reproduce   train a recorded run again from its config.json
  runs        list the recorded runs with their test metrics
  baselines   record the input and classical baselines on the test split
  plan        list the runs a chapter shows (enhancelib.study.experiments); --record trains the missing ones,
              on the cpu preset (the book's) or the gpu preset (the papers' schedules, one or several GPUs)
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.study.plan import PlannedRun

__all__ = ["main"]


def _option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"options are KEY=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    # shell users write true/false/none as often as Python's True/False/None
    spelled = {"true": True, "false": False, "none": None, "null": None}
    if raw.strip().lower() in spelled:
        return key.strip(), spelled[raw.strip().lower()]
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key.strip(), value


def _with_model_guide(format_help: Callable[[], str]) -> Callable[[], str]:
    """``enhance --help`` with the model guide read from the records when the help is shown."""
    def formatted() -> str:
        from enhancelib.study.model_guide import model_guide_text

        try:
            guide = model_guide_text()
        except (FileNotFoundError, OSError, KeyError) as error:
            guide = f"  (the recorded scores are not in this checkout: {error})"
        return format_help().replace(_GUIDE_MARK, guide)
    return formatted


def _cmd_enhance(args: argparse.Namespace) -> int:
    from collections import Counter
    from pathlib import Path

    from tqdm.auto import tqdm

    from enhancelib.data.conversion import to_uint8
    from enhancelib.data.images import ImageError, load_photo, to_tensor
    from enhancelib.inference import enhance_tensor, load_enhancer, plan_outputs, save_enhanced
    from enhancelib.runtime import reuse_freed_memory

    suffix = None if args.format is None else "." + args.format
    pairs, skipped = plan_outputs([Path(p) for p in args.inputs], Path(args.out), suffix)
    if not pairs:
        print(f"error: no images among {args.inputs}", file=sys.stderr)
        return 2
    if not args.default_allocator:
        reuse_freed_memory()  # speed only: large tensors reuse freed memory instead of fresh pages
    if args.model is None:
        from enhancelib.study.model_guide import suggested_model

        args.model = suggested_model()
        print(f"model: {args.model} (the suggested model: the best on the flat render; "
              "`enhance --help` compares them all, --model chooses)")
    enhancer = load_enhancer(args.model, args.device)
    failed: list[tuple[Any, str]] = []
    converted: Counter[str] = Counter()
    deep, exif_dropped = 0, 0
    for source, target in tqdm(pairs, desc=f"enhancing with {args.model}", unit="photo"):
        try:
            photo = load_photo(source)
        except ImageError as error:
            failed.append((source, str(error)))
            continue
        converted.update([photo.converted_from] if photo.converted_from else [])
        deep += photo.bits > 8
        result = enhance_tensor(enhancer, to_tensor(photo.pixels), tile=args.tile)
        target.parent.mkdir(parents=True, exist_ok=True)
        exif_dropped += not save_enhanced(to_uint8(result), target, photo, jpeg_quality=args.jpeg_quality)
    for path, reason in skipped + failed:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    for note in _enhance_notes(converted, deep, exif_dropped):
        print(f"note: {note}", file=sys.stderr)
    print(f"{len(pairs) - len(failed)} enhanced into {args.out}; {len(failed)} failed; {len(skipped)} skipped")
    return 1 if failed or skipped else 0


def _photos(count: int) -> str:
    return f"{count} photo{'s' if count != 1 else ''}"


def _enhance_notes(converted: dict[str, int], deep: int, exif_dropped: int) -> list[str]:
    """What ``enhance`` changed beyond the pixels' look, one line each (said once per run)."""
    notes = []
    if converted:
        spaces = ", ".join(f"{name}: {count}" for name, count in sorted(converted.items()))
        notes.append(f"{_photos(sum(converted.values()))} in another colour space ({spaces}) converted to sRGB "
                     "on load; their outputs are sRGB and tagged as such.")
    if deep:
        notes.append(f"{_photos(deep)} with 16 bits per channel reduced to 8 bits for the network; "
                     "their outputs are 8-bit.")
    if exif_dropped:
        notes.append(f"{_photos(exif_dropped)} written without EXIF: the block is larger than a JPEG holds "
                     "(64 kB); use --format png to keep it.")
    return notes


def _jpeg_quality(text: str) -> int:
    quality = int(text)
    if not 1 <= quality <= 100:
        raise argparse.ArgumentTypeError(f"JPEG quality is 1 to 100, got {quality}")
    return quality


def _cmd_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from enhancelib.paths import local_runs_dir
    from enhancelib.runtime import reuse_freed_memory
    from enhancelib.train import RunSpec, train

    if args.reuse_freed_memory and not reuse_freed_memory():
        print("note: --reuse-freed-memory needs glibc (Linux); training with the default allocator", file=sys.stderr)

    data: dict[str, Any] = {"source": "folders", "low": str(Path(args.low).resolve()),
                            "high": str(Path(args.high).resolve())}
    if args.test_input or args.test_target:
        data.update(test_input=str(Path(args.test_input).resolve()), test_target=str(Path(args.test_target).resolve()))
    spec = RunSpec(recipe=args.recipe, preset=args.preset, seed=args.seed, options=dict(args.option or []),
                   preset_overrides=dict(args.preset_field or []), data=data)
    out = Path(args.out) if args.out else local_runs_dir() / f"train-{args.recipe}-{spec.digest()}"
    print(f"training {args.recipe} on {args.low} -> {args.high}; run folder {out} (previews in {out / 'previews'})")
    train(spec, out, keep_weights=True, previews=True)
    print(f"done. Enhance photos with:\n    python -m enhancelib enhance --model {out} PHOTOS... --out OUTPUT_DIR")
    return 0


def _cmd_record(args: argparse.Namespace) -> int:
    from enhancelib.train import RunSpec, record

    spec = RunSpec(recipe=args.recipe, preset=args.preset, seed=args.seed, options=dict(args.option or []),
                   preset_overrides=dict(args.preset_field or []))
    spec.config()  # validates recipe, options and preset before any work
    run = record(spec, args.chapter, args.name, keep_weights=args.keep_weights)
    print(f"recorded {run.path}: test {run.metrics['test']}")
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from enhancelib.train import reproduce

    for path in args.runs:
        run = reproduce(path)
        print(f"reproduced {run.path}: test {run.metrics['test']}")
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    from enhancelib.train import list_runs

    def scores(test: dict) -> str:
        return f"PSNR {test.get('psnr')} SSIM {test.get('ssim')} NIQE {test.get('niqe')}"

    for run in list_runs(args.chapter):
        prov = run.provenance
        where = run.path.relative_to(run.path.parents[2])
        if run.config.get("kind") == "baselines":   # one record holding the input and classical methods
            for method, test in run.metrics["test"].items():
                print(f"{where}: {method} {prov['preset']}  {scores(test)}  [{prov['commit'][:8]}]")
            continue
        print(f"{where}: {run.config['recipe']} seed {prov['seed']} {prov['preset']} {prov['steps']} steps  "
              f"{scores(run.metrics['test'])}  [{prov['backbone']}, {prov['commit'][:8]}]")
    return 0


def _cmd_baselines(args: argparse.Namespace) -> int:
    from enhancelib.study.baselines import record_baselines

    folder = record_baselines(args.preset)
    print(f"recorded {folder}")
    print((folder / "metrics.json").read_text())
    return 0


def _devices(text: str) -> list[str]:
    """``--devices 0,1,3`` -> ``["0", "1", "3"]``; a ParameterError for anything else."""
    from enhancelib.config import ParameterError

    devices = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() for part in devices) or len(set(devices)) != len(devices):
        raise ParameterError(f"--devices takes distinct GPU numbers separated by commas, e.g. 0,1,2; got {text!r}")
    return devices


def _cmd_plan(args: argparse.Namespace) -> int:
    from enhancelib import paths
    from enhancelib.config import resolve_preset
    from enhancelib.study import plan as planning
    from enhancelib.study.experiments import EXPERIMENTS

    known_chapters = sorted({c for c, _ in EXPERIMENTS})
    chapter = None if args.chapter in (None, "all") else args.chapter
    if chapter and chapter not in known_chapters:
        print(f"error: no chapter {args.chapter!r}; chapters: {', '.join(known_chapters)} (or all)", file=sys.stderr)
        return 2
    preset = resolve_preset(args.preset)   # an unknown preset: one error line naming the allowed ones
    devices = _devices(args.devices) if args.devices is not None else []
    data = planning.data_spec(args.data, args.root)
    on_gpu = preset.device in ("cuda", "auto")
    if devices and not on_gpu:
        print(f"error: --devices runs one worker per CUDA GPU, but the {preset.name} preset trains on the "
              f"{preset.device}; add --preset gpu, or leave --devices out", file=sys.stderr)
        return 2
    chapters = [chapter] if chapter else known_chapters
    names = {item.name for c in chapters for item in EXPERIMENTS.values() if item.chapter == c}
    unknown = sorted(set(args.only or []) - names)
    if unknown:
        print(f"error: no run named {', '.join(unknown)} in {chapter or 'any chapter'}; "
              f"`python -m enhancelib plan{' --chapter ' + chapter if chapter else ''}` lists them",
              file=sys.stderr)
        return 2
    runs = planning.plan_runs(chapters, preset.name, data, args.only)
    book_default = (preset.name, data["source"]) == ("cpu", "benchmark")
    if not book_default or args.dry_run:
        folder = paths.runs_dir(preset.name, data["source"])
        print(f"{preset.name} preset, {data['source']} data{' at ' + data['root'] if 'root' in data else ''}: "
              f"records in {_shown_path(folder)}/<chapter>/<name>")
    todo = [run for run in runs if run.to_record]
    if args.dry_run:
        _print_dry_run(runs, todo, on_gpu, len(devices) or 1, args.assume_gpu)
        return 0
    for run in runs:
        item = run.experiment
        status = {"recorded": "recorded", "missing": "missing ", "repeats": "repeats "}[run.status]
        same = f" (on the {preset.name} preset the same run as {run.same_as})" if run.same_as else ""
        print(f"{status:9} {item.chapter}/{item.name:28} {item.label}{same}")
    if not args.record or not todo:
        return 0
    if on_gpu and preset.device == "cuda":
        import torch

        visible = torch.cuda.device_count()
        wanted = max((int(d) for d in devices or ["0"]), default=0)
        if visible == 0 or (devices and "CUDA_VISIBLE_DEVICES" not in os.environ and wanted >= visible):
            print(f"error: the {preset.name} preset trains on CUDA GPUs and torch sees {visible} here"
                  f"{' (asked for ' + ','.join(devices) + ')' if devices else ''}; "
                  "`--dry-run` lists what would be recorded", file=sys.stderr)
            return 2
    if devices:
        jobs = planning.queue_jobs(todo, preset.name)
        print(f"recording {len(jobs)} runs on {len(devices)} GPU(s): {', '.join(devices)}")
        results = planning.run_queue(jobs, devices)
        failed = sorted(key for key, code in results.items() if code != 0)
        print(f"{len(results) - len(failed)} of {len(jobs)} runs recorded"
              + (f"; failed: {', '.join(failed)} (see their logs; run the same command again to retry)" if failed
                 else ""))
        return 1 if failed else 0
    for index, run in enumerate(todo, 1):
        if not book_default:
            print(f"[{index}/{len(todo)}] recording {run.key} into {_shown_path(run.folder)}", flush=True)
        recorded = planning.record_run(run, progress=not args.no_progress,
                                       say=lambda line: print(line, flush=True))
        print(f"recorded {recorded.path}: test {recorded.metrics['test']}", flush=True)
    return 0


def _shown_path(path: Path) -> str:
    from enhancelib.paths import REPO_ROOT

    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _runs(count: int) -> str:
    return f"{count} run{'s' if count != 1 else ''}"


def _print_dry_run(runs: Sequence[PlannedRun], todo: Sequence[PlannedRun], on_gpu: bool, devices: int,
                   assume_gpu: str | None) -> None:
    """``plan --dry-run``: every run, and for each one to record its steps and estimated GPU time."""
    from enhancelib.study.gpu_plan import GpuPlanError, format_hours, read_gpu_plan
    from enhancelib.study.plan import schedule_hours

    gpu_plan, gpu = None, None
    if on_gpu:
        try:
            gpu_plan = read_gpu_plan()
            gpu = gpu_plan.pick_gpu(assume_gpu)
        except (FileNotFoundError, GpuPlanError) as error:
            if isinstance(error, GpuPlanError) and gpu_plan is not None:
                raise
            print(f"no GPU time estimate: {error}; steps only")
        if gpu_plan is not None and gpu is not None:
            print(f"estimated time on one {gpu} at {gpu_plan.utilisation:.0%} of its float16 peak "
                  f"(from {_shown_path(gpu_plan.path)}, measured at commit {gpu_plan.commit[:8]}): training steps "
                  "x FLOPs per step / (throughput x utilisation); evaluation and data loading not counted")
    hours: list[float] = []
    unestimated = []
    for run in runs:
        if not run.to_record:
            note = f"= {run.same_as} on this preset, not trained twice" if run.same_as else "already recorded"
            print(f"{run.status:12} {run.key:40} {note}")
            continue
        preset = run.spec.resolved_preset()
        if preset.budget_cpu_seconds:
            cost = f"budget {preset.budget_cpu_seconds / 60:,.0f} CPU-minutes"
        else:
            cost = f"{preset.max_steps:>7,} steps of {preset.batch_size:>2} x {preset.train_size} px"
        if gpu_plan is not None and gpu is not None:
            estimate = gpu_plan.estimate(run.spec.recipe, preset.max_steps, preset.batch_size, preset.train_size, gpu)
            if estimate is None:
                unestimated.append(run.key)
                cost += f"  (no estimate: {run.spec.recipe} is not in the benchmark)"
            else:
                hours.append(estimate.hours)
                cost += (f"  ~{format_hours(estimate.hours):>7}  peak <= {estimate.peak_mib / 1024:4.1f} GiB"
                         + (" (FLOPs scaled to this batch)" if estimate.scaled else ""))
        print(f"{'would record':12} {run.key:40} {cost}  {run.experiment.label}")
    summary = f"{_runs(len(todo))} to record"
    if hours:
        summary += f", ~{format_hours(sum(hours))} on one {gpu}"
        if devices > 1:
            summary += f", ~{format_hours(schedule_hours(hours, devices))} on {devices} of them"
        if unestimated:
            summary += f" (not counting {_runs(len(unestimated))} without an estimate)"
    print(f"{summary}; nothing recorded (--dry-run)")


_ENHANCE_DESCRIPTION = """Enhance photos at full resolution with a trained model.

What an output keeps:
  format    JPEG in, JPEG out (quality {quality}, no chroma subsampling); every other format is written as PNG;
            --format overrides
  metadata  the EXIF block (camera, lens, dates, GPS...), with the orientation reset to 1 since the pixels
            are already upright, and without the embedded thumbnail of the unenhanced photo
  colour    outputs are sRGB and tagged with an sRGB ICC profile; photos with another embedded profile
            (Display P3, Adobe RGB...) are converted to sRGB on load, and the run says so once
  depth     16-bit PNG/TIFF photos are reduced to 8 bits per channel for the network and written at 8 bits;
            the run says so once
Other metadata (XMP, IPTC) is not copied.

Which model: each recorded model is a snapshot of a training run of about 30 CPU-minutes (the papers train
for hours on a GPU), scored on the book's test split, on the flat render (a degradation no model trained
on: the closest to your own photos) and on good photos, which a good enhancer leaves nearly unchanged:

{guide}"""

_GUIDE_MARK = "{guide}"


_PLAN_DESCRIPTION = """List the runs the chapters show (enhancelib/study/experiments.py), recorded or not, and
with --record train the missing ones.

  python -m enhancelib plan --chapter uegan                          the book's runs (cpu preset), recorded or not
  python -m enhancelib plan --chapter uegan --record                 record the missing ones on the cpu preset
  python -m enhancelib plan --chapter all --preset gpu --dry-run     every run on the gpu preset, its estimated GPU time
  python -m enhancelib plan --chapter all --preset gpu --record      record them all on one CUDA GPU
  python -m enhancelib plan --chapter all --preset gpu --record --devices 0,1,2,3    ... on four GPUs
  python -m enhancelib plan --chapter all --preset gpu --record --data fivek --root DIR    ... on MIT-Adobe FiveK

Where records go: data/runs/<chapter>/<name> (cpu preset, the book's), data/runs-gpu/ (gpu preset),
data/runs-gpu-fivek/ (gpu preset on FiveK); records of every kind have the same files, and on CUDA
provenance.json also names the GPU, the CUDA and cuDNN versions and the peak GPU memory.

Resuming: run the same command again. Recorded runs are skipped, an interrupted run resumes from its last
checkpoint, and a run folder has one writer at a time (run.lock). Runs that would train exactly as an
earlier run on the chosen preset (on the gpu preset: the 3x-budget and the bfloat16 runs) are listed as
"repeats" and trained once.

Estimated GPU time (--dry-run on the gpu preset): steps x FLOPs per step / (the GPU's float16 throughput x
an assumed utilisation), from data/runs/benchmark/gpu-plan/gpu_plan.json (python scripts/bench_gpu_plan.py
--record); training steps only."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m enhancelib", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    from enhancelib import PRETRAINED
    from enhancelib.inference import JPEG_QUALITY

    enh = sub.add_parser("enhance", help="enhance photos with a trained model",
                         description=_ENHANCE_DESCRIPTION.replace("{quality}", str(JPEG_QUALITY)),
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    enh.add_argument("--model", default=None,
                     help=f"a recorded model ({', '.join(PRETRAINED)}), a run folder or a generator.pt "
                          "(default: the suggested model of the table above)")
    enh.format_help = _with_model_guide(enh.format_help)  # type: ignore[method-assign]
    enh.add_argument("inputs", nargs="+", help="image files and/or folders (searched recursively)")
    enh.add_argument("--out", required=True, help="output folder (never inside an input folder)")
    enh.add_argument("--format", choices=("png", "jpg"), default=None,
                     help="output format for every photo (default: follow the input: JPEG photos are written as "
                          "JPEG, every other format as PNG)")
    enh.add_argument("--jpeg-quality", type=_jpeg_quality, default=JPEG_QUALITY, metavar="1-100",
                     help=f"quality of JPEG outputs (default: {JPEG_QUALITY}, with no chroma subsampling)")
    enh.add_argument("--device", default="cpu")
    enh.add_argument("--tile", type=int, default=1024, help="photos larger than this run in blended tiles")
    enh.add_argument("--default-allocator", action="store_true",
                     help="do not ask glibc to keep freed memory for reuse (kept by default: faster on CPU, "
                          "resident memory stays near its peak)")
    enh.set_defaults(func=_cmd_enhance)

    trn = sub.add_parser("train", help="train an enhancer on your own unpaired photos")
    trn.add_argument("--recipe", required=True, help="uegan, glenet_unpaired, qagan, bncagan")
    trn.add_argument("--low", required=True, help="folder of photos you find low quality")
    trn.add_argument("--high", required=True, help="folder of photos with the look you want (other photos)")
    trn.add_argument("--test-input", default=None, help="optional test pairs: inputs ...")
    trn.add_argument("--test-target", default=None, help="... and their targets, matched by file name")
    trn.add_argument("--preset", default="cpu", help="smoke, cpu or gpu (default: cpu)")
    trn.add_argument("--seed", type=int, default=0)
    trn.add_argument("--out", default=None, help="run folder (default: runs-local/train-<recipe>-<digest>)")
    trn.add_argument("--option", type=_option, action="append", metavar="KEY=VALUE")
    trn.add_argument("--preset-field", type=_option, action="append", metavar="KEY=VALUE")
    trn.add_argument("--reuse-freed-memory", action="store_true",
                     help="keep freed memory for reuse (glibc): faster steps on CPU, hence more steps within the "
                          "cpu preset's CPU-seconds budget; the book's recorded runs use the default allocator")
    trn.set_defaults(func=_cmd_train)

    rec = sub.add_parser("record", help="train a run and keep it under data/runs/<chapter>/<name>")
    rec.add_argument("--chapter", required=True)
    rec.add_argument("--name", required=True)
    rec.add_argument("--recipe", required=True)
    rec.add_argument("--preset", default="cpu", help="smoke, cpu or gpu (default: cpu)")
    rec.add_argument("--seed", type=int, default=0)
    rec.add_argument("--option", type=_option, action="append", metavar="KEY=VALUE",
                     help="a recipe option (repeatable), e.g. --option identity_weight=0")
    rec.add_argument("--preset-field", type=_option, action="append", metavar="KEY=VALUE",
                     help="override a preset field, e.g. --preset-field batch_size=8")
    rec.add_argument("--keep-weights", action="store_true", help="also keep generator.pt (main models)")
    rec.set_defaults(func=_cmd_record)

    rep = sub.add_parser("reproduce", help="train recorded runs again from their config.json")
    rep.add_argument("runs", nargs="+", help="run folders, e.g. data/runs/uegan/full-seed0")
    rep.set_defaults(func=_cmd_reproduce)

    lst = sub.add_parser("runs", help="list recorded runs")
    lst.add_argument("--chapter", default=None)
    lst.set_defaults(func=_cmd_runs)
    base = sub.add_parser("baselines", help="record input and classical baselines on the test split")
    base.add_argument("--preset", default="cpu")
    base.set_defaults(func=_cmd_baselines)
    plan = sub.add_parser("plan", help="list (and with --record, train) the runs the chapters show",
                          description=_PLAN_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    plan.add_argument("--chapter", default=None, metavar="NAME",
                      help="one chapter (bncagan, glenet, qagan, uegan) or all (the default)")
    plan.add_argument("--only", nargs="+", default=None, metavar="NAME", help="only these runs of the chapter(s)")
    plan.add_argument("--preset", default="cpu",
                      help="cpu (default: the book's records, data/runs/) or gpu (the papers' schedules on CUDA, "
                           "data/runs-gpu/)")
    plan.add_argument("--data", default="benchmark",
                      help="benchmark (default: the built-in photos) or fivek (MIT-Adobe FiveK from disk, "
                           "with --root; on the gpu preset records in data/runs-gpu-fivek/)")
    plan.add_argument("--root", default=None, metavar="DIR",
                      help="with --data fivek: the folder holding FiveK's input and expert-C folders")
    plan.add_argument("--record", action="store_true",
                      help="train the missing runs (resumes interrupted ones; skips recorded ones)")
    plan.add_argument("--devices", default=None, metavar="0,1,...",
                      help="with --record on the gpu preset: one worker process per GPU (numbered as "
                           "CUDA_VISIBLE_DEVICES numbers them), each taking the next unrecorded run; logs in "
                           "<records>/plan-logs/")
    plan.add_argument("--dry-run", action="store_true",
                      help="list every run with what it would cost (steps and estimated GPU time on the gpu "
                           "preset) and record nothing")
    plan.add_argument("--assume-gpu", default=None, metavar="NAME",
                      help="with --dry-run: the GPU of the estimate, by part of its name in the benchmark "
                           "(A100, H100, 4090; default: the first listed)")
    plan.add_argument("--no-progress", action="store_true",
                      help="no progress bars; one line per evaluation instead (how --devices workers log)")
    plan.set_defaults(func=_cmd_plan)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from enhancelib.runtime import configure

    configure()  # passive OpenMP waiting and flush-to-zero, before anything imports torch
    from enhancelib.config import ParameterError
    from enhancelib.train.checkpoint import CheckpointError
    from enhancelib.train.lock import RunLockedError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ParameterError, CheckpointError, RunLockedError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the last checkpoint was saved; run the same command again to resume.",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
