"""What ``practicalnn train`` gains from the generalization toolkit (notes 2-10)."""

from __future__ import annotations

from ..errors import Interrupted, argument_error
from .common import Progress


class TrainExtras:
    """What ``practicalnn train`` gains from the generalization toolkit: a dev set (the dataset's own
    or --dev-fraction), --normalize with its raw-versus-normalized comparison, --early-stopping,
    augmentation flags, and the bias/variance diagnosis whenever there is a dev set."""

    def __init__(self, args, dataset):
        from ..data.scaling import standardize_dataset
        from ..data.splits import with_dev

        self.args = args
        fraction = args.dev_fraction if args.dev_fraction is not None else (0.2 if args.early_stopping else None)
        if fraction is not None:
            dataset = with_dev(dataset, fraction, seed=args.seed)
        self.raw = dataset
        self.scaler = None
        if args.normalize:
            dataset, self.scaler = standardize_dataset(dataset)
        self.dataset = dataset
        self.has_dev = getattr(dataset, "dev_X", None) is not None
        if args.early_stopping and not self.has_dev:
            raise argument_error("early_stopping", True, "a dev set (give --dev-fraction)")
        self.early = None
        self.out = {}
        self.lines = []

    def callbacks(self):
        from ..regularization.augmentation import augmentation_from
        from ..regularization.early_stopping import EarlyStopping

        a, d = self.args, self.dataset
        out = []
        aug = augmentation_from(
            jitter=a.jitter,
            flip=a.flip,
            shift=a.shift,
            rotate=a.rotate,
            image_shape=getattr(d, "image_shape", None),
            seed=a.seed,
        )
        if aug is not None:
            out.append(aug)
            self.out["augmentation"] = repr(aug)
        if a.early_stopping:
            self.early = EarlyStopping(
                d.dev_X,
                d.dev_Y,
                every=a.check_every,
                patience=a.patience,
                min_delta=a.min_delta,
                monitor=a.monitor,
                X_train=d.train_X,
                Y_train=d.train_Y,
            )
            out.append(self.early)
        return out

    def finish(self, result, *, hidden, activation, init, rng, config, train_more=True):
        """Score the dev set, diagnose, and (``train_more``) run the normalization comparison; fills
        ``result.extra``. Returns whether Ctrl-C interrupted the comparison."""
        from ..experiments.recipe import diagnose_on_dev

        net, h = result.network, result.history
        if self.scaler is not None:
            result.extra["standardizer"] = self.scaler.to_dict()
        if self.early is not None:
            self.out["early_stopping"] = {
                "best_iteration": h.best_iteration,
                "best_dev_" + self.early.monitor: self.early.best_score,
                "stopped": h.stopped,
                "iterations_run": h.iterations_run,
            }
            self.lines.append(
                f"early stopping: best dev {self.early.monitor} {self.early.best_score:.6g} at "
                f"iteration {h.best_iteration}; {h.stopped} after {h.iterations_run} iterations; "
                "parameters of the best check restored"
            )
        if self.has_dev and net.output.name != "identity":
            acc, cost, d = diagnose_on_dev(result, self.dataset, self.args.bayes_error)
            self.out.update({"dev_accuracy": acc, "dev_cost": cost, "diagnosis": d.to_dict()})
            self.lines.append(
                f"dev accuracy {acc:.4f} ({self.dataset.dev_X.shape[1]} examples); bias/variance: {d.summary()}"
            )
            self.lines.append("next steps: " + "; ".join(d.next_steps))
        if self.scaler is None or not train_more:
            return False
        from ..diagnostics.normalization import normalization_effect

        interrupted = False
        with Progress(not self.args.json, "raw vs normalized") as bar:
            try:
                effect = normalization_effect(
                    self.raw,
                    target_cost=self.args.target_cost,
                    hidden=hidden,
                    activation=activation,
                    init=init,
                    rng=rng,
                    config=config,
                    callbacks_for=lambda side: [bar.callback(config.iterations)],
                )
            except Interrupted as stop:
                effect, interrupted = stop.partial, True
        if effect is not None:
            self.out["normalization"] = effect
            self.lines.append(_effect_line(effect))
        return interrupted


def _effect_line(effect):
    def side(s):
        if s is None:
            return "interrupted"
        if s["diverged_at"] is not None:
            return f"diverged at iteration {s['diverged_at']}"
        if s["iterations_to_target"] is None:
            return f"not reached in {effect['budget']} iterations (cost {s['final_cost']:.4g})"
        return f"{s['iterations_to_target']} iterations"

    scales = effect["feature_scales"]
    return (
        f"normalization (feature std from {scales['smallest_std']:.3g} to {scales['largest_std']:.3g}): "
        f"cost <= {effect['target_cost']:g} after raw inputs: {side(effect.get('raw'))}; "
        f"normalized: {side(effect.get('normalized'))}"
    )
