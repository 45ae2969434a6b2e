"""Command line: ``python -m enhancelib <command> --help``.

Commands
  enhance     enhance photos (files or folders, any size) with a trained model
  train       train an enhancer on your own folders of low- and high-quality photos
  record      train a run and keep it as a record under data/runs/
  reproduce   train a recorded run again from its config.json
  runs        list the recorded runs with their test metrics
  baselines   record the input and classical baselines on the test split
  plan        list the runs a chapter shows (enhancelib.study.experiments); --record trains the missing ones
"""
from __future__ import annotations

import argparse
import ast
import sys
from typing import Any, Sequence

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


def _cmd_plan(args: argparse.Namespace) -> int:
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.experiments import EXPERIMENTS, chapter_experiments
    from enhancelib.train.runs import _matches, record

    known_chapters = sorted({c for c, _ in EXPERIMENTS})
    if args.chapter and args.chapter not in known_chapters:
        print(f"error: no chapter {args.chapter!r}; chapters: {', '.join(known_chapters)}", file=sys.stderr)
        return 2
    chapters = [args.chapter] if args.chapter else known_chapters
    names = {item.name for chapter in chapters for item in chapter_experiments(chapter)}
    unknown = sorted(set(args.only or []) - names)
    if unknown:
        print(f"error: no run named {', '.join(unknown)} in {args.chapter or 'any chapter'}; "
              f"`python -m enhancelib plan{' --chapter ' + args.chapter if args.chapter else ''}` lists them",
              file=sys.stderr)
        return 2
    todo = []
    for chapter in chapters:
        for item in chapter_experiments(chapter):
            if args.only and item.name not in args.only:
                continue
            done = _matches(RUNS_DIR / chapter / item.name, item.spec("cpu"))
            print(f"{'recorded' if done else 'missing ':9} {chapter}/{item.name:28} {item.label}")
            if not done:
                todo.append(item)
    if args.record:
        for item in todo:
            run = record(item.spec("cpu"), item.chapter, item.name, keep_weights=item.keep_weights)
            print(f"recorded {run.path}: test {run.metrics['test']}")
    return 0


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
Other metadata (XMP, IPTC) is not copied."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m enhancelib", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    from enhancelib import PRETRAINED
    from enhancelib.inference import JPEG_QUALITY

    enh = sub.add_parser("enhance", help="enhance photos with a trained model",
                         description=_ENHANCE_DESCRIPTION.format(quality=JPEG_QUALITY),
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    enh.add_argument("--model", required=True,
                     help=f"a recorded model ({', '.join(PRETRAINED)}), a run folder or a generator.pt")
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
    plan = sub.add_parser("plan", help="list (and with --record, train) the runs the chapters show")
    plan.add_argument("--chapter", default=None)
    plan.add_argument("--only", nargs="+", default=None, metavar="NAME")
    plan.add_argument("--record", action="store_true", help="train the missing runs on the cpu preset")
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
