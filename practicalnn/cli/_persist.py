"""What ``practicalnn train`` does for --save, --checkpoint, --checkpoint-every, --resume and Ctrl-C.

Every path is checked before training starts, so a mistake costs nothing and changes nothing on
disk. The model file is written once training ends, also when it ends by Ctrl-C (then the command
exits 130); checkpoints are written along the way and once more on Ctrl-C.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import bad
from ..io.checkpoint import CheckpointWriter, Resume, data_digest, load_checkpoint
from ..io.model_file import SavedNetwork, save

INTERRUPTED_EXIT = 130


def add_args(parser):
    """The model-file and checkpoint flags of ``train``."""
    parser.add_argument(
        "--save",
        metavar="PATH",
        help="save the trained model to PATH (safetensors + JSON header); "
        "also when training is interrupted with Ctrl-C",
    )
    parser.add_argument(
        "--checkpoint",
        metavar="PATH",
        help="write a checkpoint of the whole training state to PATH every --checkpoint-every iterations and on Ctrl-C",
    )
    parser.add_argument(
        "--checkpoint-every", type=int, metavar="N", help="iterations between checkpoints (default 1000)"
    )
    parser.add_argument(
        "--resume",
        metavar="PATH",
        help="continue the run saved in checkpoint PATH; give the same "
        "flags as the run that wrote it (--iterations may be larger)",
    )


def _writable(flag, path):
    p = Path(path)
    if p.is_dir():
        raise bad(flag, str(p), "a file path, not a directory")
    if not p.parent.is_dir():
        raise bad(flag, str(p), f"a path in an existing directory ({p.parent} does not exist)")
    return p


class Persist:
    """The persistence side of one ``train`` command, checked up front from its parsed flags."""

    def __init__(self, args):
        self.args = args
        self.save_path = None if args.save is None else _writable("save", args.save)
        self.checkpoint_path = None if args.checkpoint is None else _writable("checkpoint", args.checkpoint)
        if args.checkpoint_every is not None and args.checkpoint is None:
            raise bad("checkpoint_every", args.checkpoint_every, "to be given with --checkpoint PATH")
        every = 1000 if args.checkpoint_every is None else args.checkpoint_every
        if every < 1:
            raise bad("checkpoint_every", every, "an integer >= 1")
        self.every = every
        self.resumed = None if args.resume is None else load_checkpoint(args.resume)
        self.saved = None

    def _run(self, dataset):
        a = self.args
        # the data is named by its digest, not its path: a moved CSV still resumes, an edited one does not
        return {
            "rng": a.rng,
            "seed": a.seed,
            "init": a.init,
            "data_sha256": data_digest(dataset.train_X, dataset.train_Y),
        }

    def callbacks(self, dataset, others=()):
        """The trainer's callbacks: Resume first (it loads the state the others continue from), then
        ``others``, then the checkpoint writer last (it saves what the others did at a check)."""
        run = self._run(dataset) if self.resumed is not None or self.checkpoint_path is not None else None
        out = []
        if self.resumed is not None:
            out.append(Resume(self.resumed, run))
        out.extend(others)
        if self.checkpoint_path is not None:
            out.append(CheckpointWriter(self.checkpoint_path, self.every, run))
        return out

    def finish(self, result, dataset, standardizer=None):
        """Save the model when --save was given (interrupted or not); return what the JSON reports."""
        if self.save_path is not None:
            classes = dataset.classes if result.network.output.name != "identity" else None
            info = {
                "dataset": dataset.name,
                "train_config": result.config.to_dict(),
                "init": result.setup.get("init"),
                "iterations_run": result.history.iterations_run,
                "stopped": result.history.stopped,
                "train_accuracy": result.train_accuracy,
                "test_accuracy": result.test_accuracy,
            }
            names = list(dataset.feature_names)
            names = names if len(names) == result.network.layer_sizes[0] else None
            save(SavedNetwork(result.network, standardizer, classes, names, self.args.target, info), self.save_path)
            self.saved = str(self.save_path)
        return {
            "saved": self.saved,
            "checkpoint": None if self.checkpoint_path is None else str(self.checkpoint_path),
            "resumed_from": None
            if self.resumed is None
            else {"path": self.resumed.path, "iteration": self.resumed.iteration},
        }

    def interrupted(self, result):
        return result.history.stopped == "interrupted"

    def notes(self, result):
        """Lines for stderr about what was saved (and how to resume after Ctrl-C)."""
        lines = []
        if self.interrupted(result):
            lines.append(f"interrupted after {result.history.iterations_run} iterations")
        if self.saved:
            lines.append(f"model saved to {self.saved}")
        if self.interrupted(result) and self.checkpoint_path is not None:
            lines.append(f"checkpoint at {self.checkpoint_path}: add --resume {self.checkpoint_path} to continue")
        return lines

    def exit_code(self, result):
        return INTERRUPTED_EXIT if self.interrupted(result) else 0
