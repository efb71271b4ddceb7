"""Commands for the sandbox's parts: the validator server and the images."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from inspect_mlebench.cli.common import GRADING_MODE_OPTION, fail
from inspect_mlebench.sandbox.layout import BRIDGE_PORT, VALIDATOR_PORT


@click.command("validator-server")
@click.option("-c", "--competition", "competition_id", required=True, help="The one competition this validator serves.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="Data dir holding its answers.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Listen address (keep loopback in the sandbox).")
@click.option(
    "--port", default=VALIDATOR_PORT, show_default=True, help=f"Listen port (never {BRIDGE_PORT}, the agent bridge's)."
)
@click.option(
    "--max-bytes", default=1 << 30, show_default=True, help="Largest upload accepted; larger ones get HTTP 413."
)
@click.option(
    "--supervise",
    is_flag=True,
    help="Hold the port and run the server in a child process, restarting it if it dies (the sandbox's mode).",
)
@click.option("--listen-fd", type=int, default=None, hidden=True, help="Serve on this inherited listening socket.")
@GRADING_MODE_OPTION
def validator_server_command(
    competition_id: str,
    data_dir: Path | None,
    host: str,
    port: int,
    max_bytes: int,
    supervise: bool,
    listen_fd: int | None,
    grading_mode: str,
) -> None:
    """Serve POST /validate (valid/invalid + reason, never a score) and GET /health until SIGTERM/SIGINT."""
    from inspect_mlebench.sandbox import validator_server as vs

    try:
        if supervise:
            args = ["-c", competition_id, "--max-bytes", str(max_bytes), "--grading-mode", grading_mode]
            args += ["--data-dir", str(data_dir)] if data_dir is not None else []
            from inspect_mlebench.sandbox.validator_supervisor import supervise as run_supervised

            sys.exit(run_supervised(args, host, port))
        server = vs.create_server(
            competition_id,
            data_dir,
            host=host,
            port=port,
            max_bytes=max_bytes,
            grading_mode=grading_mode,
            listen_fd=listen_fd,
        )
    except vs.ValidatorStartupError as err:
        raise fail(err) from err
    vs.serve(server)


@click.command("build-images")
@click.option(
    "--profile",
    type=click.Choice(["slim", "full"]),
    default="slim",
    show_default=True,
    help="Agent image profile: slim (tabular ML stack, CPU) or full (adds torch & co., CUDA).",
)
@click.option(
    "--base-image",
    default=None,
    help="Base image (default debian:bookworm-slim, or $INSPECT_MLEBENCH_BASE_IMAGE); a CUDA runtime "
    "image on GPU hosts.",
)
@click.option(
    "--wheels",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Install Python packages only from this folder of wheels (builds without network).",
)
@click.option(
    "--download-wheels", is_flag=True, help="Fetch the wheels with the host's pip first, then build offline from them."
)
@click.option(
    "--python-version",
    default="3.11",
    show_default=True,
    help="The base image's python3 version, for --download-wheels.",
)
@click.option("--only", type=click.Choice(["agent", "validator"]), default=None, help="Build just one image.")
def build_images_command(
    profile: str,
    base_image: str | None,
    wheels: Path | None,
    download_wheels: bool,
    python_version: str,
    only: str | None,
) -> None:
    """Build the agent and validator images, tagged with this package's version."""
    import os

    from inspect_mlebench.sandbox.images import DEFAULT_BASE_IMAGE, ImageBuildError, build_images

    if wheels is not None and download_wheels:
        raise click.UsageError("choose one of --wheels and --download-wheels")
    base = base_image or os.environ.get("INSPECT_MLEBENCH_BASE_IMAGE") or DEFAULT_BASE_IMAGE
    try:
        results = build_images(profile=profile, base_image=base, wheels=wheels,  # type: ignore[arg-type]
                               download=download_wheels, python_version=python_version,
                               only=only)  # type: ignore[arg-type]  # fmt: skip
    except ImageBuildError as err:
        raise fail(err) from err
    for r in results:
        click.echo(f"{r.image}: {r.size_bytes / 2**20:.0f} MiB, built in {r.seconds:.0f} s")
