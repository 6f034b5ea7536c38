"""The `mailspine` command: the user's handle on the whole system."""

import asyncio
from datetime import timedelta
from pathlib import Path

import typer

from shared.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)


@app.command()
def up(
    no_services: bool = typer.Option(False, "--no-services", help="start only the servers"),
    no_replay: bool = typer.Option(False, "--no-replay", help="do not replay the sample inbox"),
) -> None:
    """Install what is missing, start the servers and services, replay the sample inbox."""
    from infra import stack

    stack.up(with_services=not no_services, replay=not no_replay)


@app.command()
def down() -> None:
    """Stop the services and servers this checkout started (by PID file)."""
    from infra import stack

    stack.down()


@app.command()
def status() -> None:
    """Each component with its ports, version and whether it is up."""
    from infra import stack

    servers, services = stack.status()
    typer.echo(f"{'component':<18} {'state':<6} {'owner':<10} {'ports':<32} version")
    for s in servers:
        ports = ",".join(map(str, s.ports))
        typer.echo(f"{s.name:<18} {'up' if s.up else 'down':<6} {s.owner:<10} {ports:<32} {s.version}")
    for name, running in services.items():
        typer.echo(f"{name:<18} {'up' if running else 'down':<6} {'mailspine' if running else '-':<10} {'-':<32} service")


@app.command()
def send(
    file: Path = typer.Argument(..., help="an RFC 5322 message (.eml)"),
    source: str = typer.Option("local-mx", "--source", help="the mail server (source id) sending it"),
    tenant: str = typer.Option("acme", "--tenant", help="the tenant the mailbox belongs to"),
) -> None:
    """Publish FILE to mail.inbound.v1 as a mail server would, and print its mail id."""
    from infra.mail_publisher import publish_inbound, read_eml

    mail = read_eml(file, source_id=source, tenant=tenant)
    asyncio.run(publish_inbound([mail]))
    typer.echo(mail.mail_id)


@app.command()
def why(
    mail_id: str = typer.Argument(..., help="the id `mailspine send` printed"),
    lookback_hours: float = typer.Option(24.0, "--lookback-hours", help="how far back to search"),
) -> None:
    """The causal story of one mail: its trace as a tree of services, operations, durations, attributes."""
    from infra.trace_story import JaegerQuery, render_tree

    jaeger = JaegerQuery()
    trace_ids = jaeger.find_trace_ids(mail_id, lookback=timedelta(hours=lookback_hours))
    if not trace_ids:
        raise UserError(f"no trace in Jaeger mentions mail {mail_id} in the last {lookback_hours:g}h "
                        "(Jaeger keeps traces in memory: a restart forgets them)")
    for number, trace_id in enumerate(trace_ids, start=1):
        spans = jaeger.trace(trace_id)
        typer.echo(f"mail {mail_id}  delivery {number}/{len(trace_ids)}  trace {trace_id}  {len(spans)} spans")
        for line in render_tree(spans):
            typer.echo(line)


def main() -> None:
    try:
        app()
    except UserError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None
