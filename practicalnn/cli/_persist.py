"""What ``practicalnn train`` does for --save, --checkpoint, --checkpoint-every, --resume and Ctrl-C.

Every path is checked before training starts (``practicalnn.io.paths.check_output_path``), so a
mistake costs nothing and changes nothing on disk. The model file is written once training ends,
also when it ends by Ctrl-C (then the command exits 130); checkpoints are written along the way and
once more on Ctrl-C. A checkpoint that cannot be written (a full disk) is one warning line on
stderr and training goes on: it never costs the --save.
"""

from __future__ import annotations

import sys

from ..errors import argument_error
from ..io.checkpoint import CheckpointWriter, Resume, data_digest, load_checkpoint
from ..io.model_file import SavedNetwork, save
from ..io.paths import check_output_path

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


def _checkpoint_failed(err):
    print(
        f"practicalnn train: warning: checkpoint not written ({err.strerror}: {err.filename}); training continues",
        file=sys.stderr,
    )


class Persist:
    """The persistence side of one ``train`` command, checked up front from its parsed flags."""

    def __init__(self, args):
        self.args = args
        self.save_path = None if args.save is None else check_output_path("save", args.save)
        self.checkpoint_path = None if args.checkpoint is None else check_output_path("checkpoint", args.checkpoint)
        if args.checkpoint_every is not None and args.checkpoint is None:
            raise argument_error("checkpoint_every", args.checkpoint_every, "to be given with --checkpoint PATH")
        every = 1000 if args.checkpoint_every is None else args.checkpoint_every
        if every < 1:
            raise argument_error("checkpoint_every", every, "an integer >= 1")
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
            out.append(CheckpointWriter(self.args.checkpoint, self.every, run, on_error=_checkpoint_failed))
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
            model = SavedNetwork(result.network, standardizer, classes, names, self.args.target, info)
            save(model, self.args.save, argument="save")
            self.saved = str(self.args.save)
        return {
            "saved": self.saved,
            "checkpoint": self.args.checkpoint,
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
            path = self.args.checkpoint
            lines.append(f"checkpoint at {path}: add --resume {path} to continue")
        return lines

    def exit_code(self, result):
        return INTERRUPTED_EXIT if self.interrupted(result) else 0
