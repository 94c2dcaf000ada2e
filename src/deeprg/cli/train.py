"""``deeprg train``: greedy layer-wise training of a deep belief network on a sample file."""

from __future__ import annotations

import time

import click

from ._common import check_output_path, emit_json, emit_table, handle_errors


def _parse_layers(text: str) -> tuple[int, ...]:
    from ..errors import InputError

    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or any(n < 1 for n in sizes):
        raise InputError(
            f"--layers must be comma-separated positive integers like 400,100,25, got {text!r}"
        )
    return sizes


@click.command(name="train")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option(
    "--layers", default="400,100,25", show_default=True, help="Hidden sizes, bottom first."
)
@click.option("--epochs", type=int, default=10, show_default=True, help="Epochs per layer.")
@click.option(
    "--lr", "learning_rate", type=float, default=0.1, show_default=True, help="Learning rate."
)
@click.option("--batch-size", type=int, default=100, show_default=True, help="Mini-batch size.")
@click.option("--cd-k", type=int, default=1, show_default=True, help="Gibbs sweeps per update.")
@click.option("--persistent", is_flag=True, help="Persistent CD (PCD) instead of CD-k.")
@click.option("--l1", type=float, default=0.0, show_default=True, help="L1 weight penalty.")
@click.option("--l2", type=float, default=0.0, show_default=True, help="L2 weight penalty.")
@click.option(
    "--momentum", type=float, default=0.9, show_default=True, help="Momentum after the switch."
)
@click.option(
    "--initial-momentum",
    type=float,
    default=0.5,
    show_default=True,
    help="Momentum of the first 5 epochs (Hinton's 0.5 -> 0.9); set equal to --momentum for none.",
)
@click.option("--centering", is_flag=True, help="Centred gradients (Melchior et al. 2016).")
@click.option("--units", type=click.Choice(["binary", "spin"]), default="binary", show_default=True)
@click.option(
    "--propagate",
    type=click.Choice(["mean", "sample"]),
    default="mean",
    show_default=True,
    help="Train each layer on the hidden means or samples of the one below.",
)
@click.option("--seed", type=int, default=None, help="Random seed (default: drawn and stored).")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda[:N].")
@click.option(
    "--checkpoint-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep per-layer checkpoints here; a rerun resumes from them.",
)
@click.option(
    "--out", "-o", type=click.Path(dir_okay=False), required=True, help="Output model file."
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bars.")
@handle_errors
def command(data: str, out: str, **options) -> None:
    """Train a deep belief network (stacked RBMs) on the Ising samples in DATA (HDF5).

    Each layer is an RBM trained by contrastive divergence on the hidden means of the layer
    below; the model file (DESIGN §3) is written atomically to --out. The paper's network
    on 40x40 samples:

    \b
        deeprg train samples.h5 --layers 400,100,25 --l1 2e-4 --epochs 200 --out model.h5
    """
    import secrets
    from pathlib import Path

    from ..errors import InputError

    out_path = check_output_path(out, options["overwrite"])
    if not Path(data).is_file():
        raise InputError(f"{data} does not exist; pass a sample file written by 'deeprg sample'")
    if options["checkpoint_dir"] is not None and not Path(options["checkpoint_dir"]).is_dir():
        raise InputError(
            f"--checkpoint-dir {options['checkpoint_dir']} does not exist; create it first"
        )
    layers = _parse_layers(options["layers"])
    seed = options["seed"] if options["seed"] is not None else secrets.randbelow(2**63)

    from ..rbm import DBN

    dbn = DBN(
        layers,
        units=options["units"],
        learning_rate=options["learning_rate"],
        batch_size=options["batch_size"],
        epochs=options["epochs"],
        cd_k=options["cd_k"],
        persistent=options["persistent"],
        l1=options["l1"],
        l2=options["l2"],
        momentum=options["momentum"],
        initial_momentum=options["initial_momentum"],
        centering=options["centering"],
        propagate=options["propagate"],
        random_state=seed,
        device=options["device"],
        verbose=not options["no_progress"],
    )
    dbn.check_params()

    from .. import io
    from ..rbm.units import convert_states

    samples = io.load_samples(data)
    spins = samples.flat()
    visible = convert_states(spins.astype("float32"), "spin", options["units"])

    start = time.perf_counter()
    dbn.fit(visible, checkpoint_dir=options["checkpoint_dir"])
    wall = time.perf_counter() - start

    metadata = {
        "data_file": str(Path(data).resolve()),
        "data_model": samples.model.name,
        "data_size": samples.model.size,
        "data_coupling": samples.model.coupling,
        "data_field": samples.model.field,
        "n_samples": samples.n_samples,
        "lattice_shape": list(samples.spins.shape[1:]),
        "seed": seed,
        "training_seconds": wall,
    }
    io.save_model(dbn, out_path, overwrite=options["overwrite"], metadata=metadata)

    summary = {
        "out": str(out_path),
        "layers": [spins.shape[1], *layers],
        "units": options["units"],
        "epochs": options["epochs"],
        "seed": seed,
        "n_samples": samples.n_samples,
        "training_seconds": wall,
    }
    for index, rbm in enumerate(dbn.rbms_):
        history = rbm.history_
        if history["reconstruction_error"]:
            summary[f"layer{index + 1}_reconstruction_error"] = history["reconstruction_error"][-1]
            summary[f"layer{index + 1}_pseudo_likelihood"] = history["pseudo_likelihood"][-1]
    if options["as_json"]:
        emit_json(summary)
    else:
        emit_table(summary, title=f"trained {'-'.join(map(str, summary['layers']))} network")
