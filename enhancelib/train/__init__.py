"""The training engine, recorded runs and their provenance."""
from enhancelib.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from enhancelib.train.engine import TrainingDiverged, train
from enhancelib.train.runs import RecordedRun, list_runs, load_or_train, load_run, record, reproduce
from enhancelib.train.spec import RunSpec

__all__ = [
    "CheckpointError", "RecordedRun", "RunSpec", "TrainingDiverged",
    "list_runs", "load_checkpoint", "load_or_train", "load_run", "record", "reproduce",
    "save_checkpoint", "train",
]
