"""Support for the chapters: parameters, presets and a few display helpers.

Each chapter starts with a cell tagged ``parameters`` whose first line is the
comment ``# Parameters of this chapter``; papermill adds its own cell (starting
``# Parameters``) after it when a reader passes values.  The next cell calls
:func:`chapter_setup`, which

* checks that every value papermill injected names a real parameter (a typo
  like ``-p sed 3`` fails instead of being silently ignored),
* lets the environment variable ``ENHANCELIB_PRESET`` choose the preset when
  papermill did not (this is how nbval runs the chapters on ``smoke``),
* resolves and prints the preset.

Runs recorded on the ``gpu`` preset (``python -m enhancelib plan --chapter all --preset gpu --record``)
live beside the book's, under ``data/runs-gpu/`` (or ``$ENHANCELIB_RUNS_GPU``; ``data/runs-gpu-fivek/`` on
MIT-Adobe FiveK); :func:`gpu_record` reads one and :func:`gpu_record_note` says how to add an absent one;
:func:`gpu_row` is the row a chapter adds to its main results table (or the line it prints instead).

Recorded speed benchmarks are read by :mod:`enhancelib.study.speed_records`.
"""
from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from enhancelib.config import ParameterError, Preset, resolve_preset, validate_parameters
from enhancelib.runtime import configure

__all__ = ["ChapterParameters", "chapter_run", "chapter_setup", "absent_run_note", "gpu_record", "gpu_record_note",
           "gpu_row", "processor_of", "provenance_table", "show_source"]

_OWN_HEADER = "# Parameters of this chapter"
_PAPERMILL_HEADER = "# Parameters"


@dataclass(frozen=True)
class ChapterParameters:
    """The validated parameters of a chapter run."""

    values: Mapping[str, Any]
    preset: Preset

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def quick(self) -> bool:
        """True on the smoke preset: chapters then shrink tables and figures."""
        return self.preset.name == "smoke"


def _assigned_names(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _injected_names() -> list[str]:
    """Names assigned by papermill's injected cell in this kernel session, if any."""
    try:
        from IPython import get_ipython
    except ImportError:
        return []
    shell = get_ipython()
    if shell is None:
        return []
    cells = shell.user_ns.get("In", [])
    names: list[str] = []
    for source in cells:
        text = source.lstrip()
        if text.startswith(_PAPERMILL_HEADER) and not text.startswith(_OWN_HEADER):
            names += _assigned_names(source)
    return names


def _declared_defaults(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters and defaults the chapter's own parameters cell declares.

    Read from this kernel's history (papermill and Jupyter keep it); where cells run without history
    (nbval), the setup cell follows the parameters cell, so the parameters are the notebook's names
    bound to plain values (text, numbers, booleans, None) when the setup cell runs.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    cells = shell.user_ns.get("In", []) if shell is not None else []
    own = [source for source in cells if source.lstrip().startswith(_OWN_HEADER)]
    if own:
        defaults: dict[str, Any] = {}
        for node in ast.parse(own[-1]).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                defaults[node.targets[0].id] = ast.literal_eval(node.value)
        return defaults
    plain = {name: value for name, value in namespace.items()
             if not name.startswith("_") and name not in _SHELL_NAMES
             and (value is None or isinstance(value, (str, int, float, bool)))}
    if "preset" not in plain:
        raise ParameterError("chapter_setup found no parameters cell ('# Parameters of this chapter' setting "
                             "`preset`); run the chapter's parameters cell first, or pass the defaults explicitly.")
    return plain


_SHELL_NAMES = {"In", "Out", "get_ipython", "exit", "quit"}


def chapter_setup(namespace: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> ChapterParameters:
    """Validate a chapter's parameters and resolve its preset.

    ``defaults`` lists every parameter the chapter takes with its default; left out, they are read
    from the chapter's own parameters cell (the cell starting with ``# Parameters of this chapter``),
    so that each chapter declares its parameters once. ``namespace`` is the notebook's ``globals()``.
    Applies the process's speed settings first (:func:`enhancelib.runtime.configure`).
    """
    if defaults is None:
        defaults = _declared_defaults(namespace)
    configure()
    injected = _injected_names()
    unknown = [name for name in injected if name not in defaults]
    given = {name: namespace[name] for name in defaults if name in namespace}
    if unknown:
        validate_parameters({name: namespace.get(name) for name in unknown}, defaults)  # raises
    env_preset = os.environ.get("ENHANCELIB_PRESET")
    if env_preset and "preset" not in injected:
        given["preset"] = env_preset
    values = validate_parameters(given, defaults)
    if "preset" not in values:
        raise ParameterError("A chapter's parameters must include 'preset'.")
    preset = resolve_preset(values["preset"])
    shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
    print(f"Parameters: {shown}")
    print(f"Preset {preset.name!r}: device {preset.device}, batch {preset.batch_size}, "
          f"crops {preset.crop}->{preset.train_size}px, evaluation at {preset.eval_long_side}px"
          + (f", training budget {preset.budget_cpu_seconds / 60:.0f} CPU-minutes" if preset.budget_cpu_seconds else
             f", {preset.max_steps} steps"))
    return ChapterParameters(values, preset)


def show_source(obj: Any, lines: tuple[int, int] | None = None) -> Any:
    """Display the source of a function, class or method of enhancelib, with its file.

    Chapters put this next to each equation, so that the code that implements
    it is one glance away. ``lines`` selects a slice of the source (1-based).
    A decorated function (``functools.wraps``, e.g. ``torch.no_grad()``) is
    unwrapped first, so the file and line shown are those of its definition.
    """
    import inspect

    from IPython.display import Markdown

    obj = inspect.unwrap(obj)
    source, start = inspect.getsourcelines(obj)
    if lines is not None:
        source = source[lines[0] - 1:lines[1]]
        start += lines[0] - 1
    path = Path(inspect.getsourcefile(obj) or "?")
    parts = path.parts
    shown = "/".join(parts[parts.index("enhancelib"):]) if "enhancelib" in parts else path.name
    text = "".join(source).rstrip()
    return Markdown(f"`{shown}`, line {start}:\n\n```python\n{text}\n```")


def chapter_run(chapter: str, name: str, params: ChapterParameters, *, train_missing: bool | None = None,
                progress: bool = True) -> Any:
    """The run ``chapter/name`` (see :mod:`enhancelib.study.experiments`) for this chapter's preset.

    * ``cpu`` (the book): the recorded run when it exists; otherwise, unless
      ``train_missing``, ``None`` and the command that records it is printed
      (the book never trains while it builds).
    * ``smoke``: trained now, in seconds, under ``runs-local/``.
    * ``gpu``: the run recorded on the gpu preset (:func:`gpu_record`) when it exists; otherwise as ``cpu``
      (``None`` and the command that records it, unless ``train_missing``).
    * another seed: trained (or resumed) under ``runs-local/``.

    Runs that scale the ``cpu`` preset's CPU budget (``budget_scale``) return
    ``None`` on presets without one: there they would repeat the recipe's run.
    """
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.experiments import experiment
    from enhancelib.train.runs import _matches, load_or_train

    item = experiment(chapter, name)
    if item.budget_scale != 1.0 and not params.preset.budget_cpu_seconds:
        # a multiple of the cpu preset's CPU budget: on a preset that stops by step count the run would
        # repeat its recipe's own seed, so it is not trained again
        print(f"{chapter}/{name} trains for {item.budget_scale:g} times the cpu preset's CPU budget; the "
              f"{params.preset.name} preset stops by step count instead, so this run does not apply to it.")
        return None
    seed = params.values.get("seed")
    spec = item.spec(params.preset.name, seed=None if seed in (None, 0) else item.seed + int(seed))
    recorded = RUNS_DIR / chapter / name
    if _matches(recorded, spec) or params.preset.name == "smoke":
        return load_or_train(spec, chapter, name, progress=progress and not params.quick)
    on_gpu = params.preset.name == "gpu"
    if on_gpu and spec == item.spec("gpu"):
        found = gpu_record(chapter, name)
        if found is not None:
            return found
    if train_missing is None:
        train_missing = bool(params.values.get("train_missing", False))
    if not train_missing:
        print(f"{chapter}/{name} is not recorded for this configuration yet; record it with\n"
              f"    python -m enhancelib plan --chapter {chapter} --only {name}{' --preset gpu' if on_gpu else ''} "
              "--record")
        return None
    return load_or_train(spec, chapter, name, progress=progress)


def absent_run_note(chapter: str, name: str, params: ChapterParameters, missing: str, what: str, cost: str) -> str:
    """The sentence a chapter prints where the run ``chapter/name`` (``what`` it is) is absent.

    A run at a multiple of the cpu preset's CPU budget does not apply to presets
    that stop by step count (:func:`chapter_run` returns ``None`` there), and
    the sentence says so instead of offering to record it; otherwise it names
    ``missing`` (e.g. "not recorded yet") and the command that records the run,
    which takes ``cost`` (e.g. "90 CPU-minutes")."""
    from enhancelib.study.experiments import experiment

    subject = what[:1].upper() + what[1:]
    if experiment(chapter, name).budget_scale != 1.0 and not params.preset.budget_cpu_seconds:
        return (f"{subject} applies to the cpu preset only: the {params.preset.name} preset stops by step count, "
                "where it would repeat the recipe's own run.")
    return f"{subject} is {missing}: `python -m enhancelib plan --chapter {chapter} --only {name} --record` records it ({cost})."


def _shown(path: Path) -> str:
    from enhancelib.paths import REPO_ROOT

    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def gpu_record(chapter: str, name: str, data: str = "benchmark") -> Any:
    """The run ``chapter/name`` recorded on the ``gpu`` preset, or ``None`` when there is none.

    Looked up in ``data/runs-gpu/<chapter>/<name>`` (``data/runs-gpu-fivek/`` for ``data="fivek"``,
    see :func:`enhancelib.paths.runs_dir`), where ``python -m enhancelib plan --preset gpu --record``
    writes; returned (a :class:`~enhancelib.train.runs.RecordedRun`) when the folder holds a finished
    run of the configuration the registry gives the run on the ``gpu`` preset (on FiveK, with the
    data folder it was recorded from).  :func:`gpu_record_note` is the line to print when it is ``None``.
    """
    from enhancelib.paths import runs_dir
    from enhancelib.study.experiments import experiment
    from enhancelib.train.runs import RecordedRun, _matches

    item = experiment(chapter, name)
    folder = runs_dir("gpu", data) / chapter / name
    try:
        recorded_data = json.loads((folder / "config.json").read_text())["data"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(recorded_data, dict) or recorded_data.get("source") != data:
        return None
    return RecordedRun(folder) if _matches(folder, replace(item.spec("gpu"), data=recorded_data)) else None


def gpu_record_note(chapter: str, name: str, data: str = "benchmark") -> str:
    """One line for a chapter to print where :func:`gpu_record` finds no record: why, and the command that adds it.

    A run that trains on the ``gpu`` preset exactly as an earlier run of the registry (the runs at a
    multiple of the cpu preset's CPU budget, the bfloat16 runs) has no record of its own, and the
    line names the run that stands for it."""
    from enhancelib.paths import runs_dir
    from enhancelib.study.plan import repeated_run

    same = repeated_run(chapter, name, "gpu", {"source": data})
    if same is not None:
        return (f"{chapter}/{name} has no gpu record of its own: on the gpu preset it would train exactly as {same}, "
                f"so `plan --preset gpu` records {same} only.")
    where = "" if data == "benchmark" else f" --data {data} --root FIVEK_DIR"
    command = f"python -m enhancelib plan --chapter {chapter} --only {name} --preset gpu --record{where}"
    folder = runs_dir("gpu", data) / chapter / name
    if (folder / "config.json").is_file():
        return (f"{_shown(folder)} holds a gpu record of another configuration; delete the folder, then on a CUDA "
                f"GPU `{command}` records this one.")
    if (folder / "checkpoint.pt").is_file():
        return f"{chapter}/{name} is being recorded on the gpu preset (or was cut off); `{command}` resumes it."
    return (f"{chapter}/{name} has no gpu record yet; on a CUDA GPU, `{command}` records it "
            f"(every chapter's runs: `python -m enhancelib plan --chapter all --preset gpu --record{where}`).")


GPU_ROW_LABEL = "this book, gpu preset"


def gpu_row(chapter: str, name: str, data: str = "benchmark", *, index: str = "method",
            note: str = "provenance") -> tuple[dict[str, Any] | None, str | None]:
    """The row of ``chapter/name``'s gpu record for a chapter's main results table, or the line to print instead.

    Returns ``(row, None)`` when :func:`gpu_record` finds the record: ``row[index]`` is ``"this book, gpu
    preset"``, ``"our PSNR"``, ``"our SSIM"`` (and ``"our NIQE"`` where measured) are the means over its test
    images, as the chapters compute their other rows, and ``row[note]`` says which run, how many steps and on
    which device.  Otherwise ``(None, gpu_record_note(...))``.
    """
    run = gpu_record(chapter, name, data)
    if run is None:
        return None, gpu_record_note(chapter, name, data)
    frame = run.per_image
    row: dict[str, Any] = {index: GPU_ROW_LABEL, "our PSNR": float(frame["psnr"].mean()),
                           "our SSIM": float(frame["ssim"].mean())}
    if "niqe" in frame:
        row["our NIQE"] = float(frame["niqe"].mean())
    prov = run.provenance
    row[note] = (f"{name} on the gpu preset, {prov.get('steps', '?')} steps, "
                 f"{prov.get('device_name') or prov.get('device') or 'device not recorded'}")
    return row, None


def processor_of(provenance: Mapping[str, Any]) -> str:
    """The processor a run was recorded on, as its provenance names it (older records do not)."""
    isa = provenance.get("cpu_vector_isa")
    if isa is None:
        return "not recorded"
    return f"{provenance.get('cpu_model') or 'unknown'}, {isa}"


def provenance_table(runs: Mapping[str, Any], experiments: Mapping[str, Any], missing: str) -> Any:
    """One row per experiment of a chapter: how, where and at which commit its run was recorded.

    ``runs`` maps names to recorded runs or ``None`` (then the row's status is
    ``missing``); ``experiments`` maps the same names to their
    :class:`~enhancelib.study.experiments.Experiment`.  The processor column matters
    because the ``cpu`` budget is CPU seconds: a slower processor gets fewer
    steps from it.
    """
    import pandas as pd

    rows = []
    for name, item in experiments.items():
        row: dict[str, Any] = {"run": name, "label": item.label, "options": dict(item.options) or "defaults",
                               "status": missing}
        run = runs.get(name)
        if run is not None:
            prov = run.provenance
            cpu_seconds, steps = float(prov["train_cpu_seconds"]), int(prov["steps"])
            row.update({"status": "recorded", "seed": str(prov["seed"]), "steps": str(steps),
                        "CPU min": f"{cpu_seconds / 60:.1f}", "CPU s / step": f"{cpu_seconds / max(steps, 1):.2f}",
                        "precision": prov.get("amp_dtype") or "float32", "processor": processor_of(prov),
                        "backbone": prov.get("backbone") or "—", "preset": prov["preset"],
                        "commit": prov["commit"][:8], "weights kept": "yes" if run.has_weights else "no"})
        rows.append(row)
    return pd.DataFrame(rows).set_index("run").fillna("")
