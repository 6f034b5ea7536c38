"""`mailspine prompts ...`: the prompt registry from the command line, over its HTTP API.

Who you are: `--as NAME` (a principal in var/secrets/registry/tokens.yaml) or MAILSPINE_REGISTRY_TOKEN.
Reading commands default to the local `viewer`. Every refusal is one line on stderr and exit status 1.
"""

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.registry.settings import RegistrySettings
from shared.bearer_tokens import TokenTable
from shared.prompts.access import ROLES, add_user
from shared.prompts.artifact import ArtifactError, parse_artifact
from shared.prompts.library import dump_yaml, load_file

READER = "viewer"


class CommandFailed(Exception):
    """One line for the person at the command line."""


class RegistryCliSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_REGISTRY_")

    token: SecretStr = SecretStr("")


class RegistryApi:
    def __init__(self, args: argparse.Namespace, *, writes: bool) -> None:
        settings = RegistrySettings()
        self.url = args.url or settings.url
        self.token = self._token(args, settings, writes)

    @staticmethod
    def _token(args: argparse.Namespace, settings: RegistrySettings, writes: bool) -> str:
        principal = args.principal
        if principal is None:
            from_env = RegistryCliSettings().token.get_secret_value()
            if from_env:
                return from_env
            if writes:
                raise CommandFailed("say who you are: --as NAME (a user in the registry's tokens file) or "
                                    "MAILSPINE_REGISTRY_TOKEN")
            principal = READER
        token = TokenTable(settings.tokens_file).token_of(principal)
        if token is None:
            raise CommandFailed(f"no token for {principal!r} in {settings.tokens_file}; add one with "
                                f"`mailspine prompts add-user {principal} --role ROLE`")
        return token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = httpx.request(method, f"{self.url}/v1{path}", json=body, timeout=30.0,
                                     headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise CommandFailed(f"the registry at {self.url} does not answer ({type(exc).__name__}); "
                                "start it with `mailspine up`") from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text.strip()[:300]
            raise CommandFailed(f"{response.status_code}: {detail}")
        return response.json()


def fetch_artifact(name: str, *, version: str | None = None, label: str | None = None) -> Any:
    """A verified artifact from the registry, by version or by label (read as the local viewer, or the token in
    MAILSPINE_REGISTRY_TOKEN). Raises UserError with the registry's own message when it cannot."""
    from shared.errors import UserError

    try:
        api = RegistryApi(argparse.Namespace(url=None, principal=None), writes=False)
        if version is None:
            version = api.call("GET", f"/prompts/{name}/resolve?label={label or 'production'}")["version"]
        record = api.call("GET", f"/prompts/{name}/versions/{version}")
        return parse_artifact(record["artifact"], f"{name}@{version} from the registry").verify()
    except (CommandFailed, ArtifactError) as error:
        where = f"{name}@{version}" if version else f"{name} ({label})"
        raise UserError(f"cannot fetch {where} from the prompt registry: {error}") from None


def _split_ref(ref: str) -> tuple[str, str | None]:
    name, _, version = ref.partition("@")
    return name, version or None


def cmd_list(args: argparse.Namespace) -> None:
    prompts = RegistryApi(args, writes=False).call("GET", "/prompts")
    print(f"{'prompt':<24} {'owner':<14} {'production':<11} {'canary':<16} {'staging':<9} versions")
    for p in prompts:
        labels = p["labels"]
        canary = f"{labels['canary']} {labels['canary_percent']:g}%" if labels["canary"] else "-"
        print(f"{p['name']:<24} {p['owner'] or '-':<14} {labels['production'] or '-':<11} {canary:<16} "
              f"{labels['staging'] or '-':<9} {', '.join(p['versions'])}")


def cmd_show(args: argparse.Namespace) -> None:
    api = RegistryApi(args, writes=False)
    name, version = _split_ref(args.ref)
    if version is not None:
        record = api.call("GET", f"/prompts/{name}/versions/{version}")
        print(f"# published by {record['published_by']} at {record['published_at']}")
        print(dump_yaml(parse_artifact(record["artifact"], args.ref)), end="")
        return
    prompt = api.call("GET", f"/prompts/{name}")
    labels = prompt["labels"]
    print(f"{name}  owner {prompt['owner']}")
    print(f"  production {labels['production'] or '-'}   staging {labels['staging'] or '-'}   canary "
          f"{labels['canary'] + ' at ' + format(labels['canary_percent'], 'g') + '%' if labels['canary'] else '-'}")
    print("versions")
    for v in prompt["versions"]:
        print(f"  {v['version']:<8} {v['content_hash'][:19]}  {v['published_by']:<18} {v['published_at'][:19]}  "
              f"{v['changelog'][:60]}")
    print("history")
    for e in prompt["events"][-15:]:
        what = f"{e['kind']} {e['label'] or ''} {e['version'] or '(none)'}".replace("  ", " ")
        print(f"  {e['at'][:19]}  {e['actor']:<18} {what:<32} {e['reason'][:70]}")


def _latest_run(api: RegistryApi, name: str, version: str) -> dict[str, Any] | None:
    runs = api.call("GET", f"/prompts/{name}/versions/{version}/eval-runs")["runs"]
    return runs[-1] if runs else None


def cmd_diff(args: argparse.Namespace) -> None:
    api = RegistryApi(args, writes=False)
    texts, runs = [], []
    for version in (args.version_a, args.version_b):
        record = api.call("GET", f"/prompts/{args.name}/versions/{version}")
        texts.append(dump_yaml(parse_artifact(record["artifact"], f"{args.name}@{version}")))
        runs.append(_latest_run(api, args.name, version))
    sys.stdout.writelines(difflib.unified_diff(
        texts[0].splitlines(keepends=True), texts[1].splitlines(keepends=True),
        fromfile=f"{args.name}@{args.version_a}", tofile=f"{args.name}@{args.version_b}"))
    print("\neval (latest run of each version)")
    columns = [f"{args.name}@{args.version_a}", f"{args.name}@{args.version_b}"]
    print(f"  {'':<22} {columns[0]:<28} {columns[1]:<28}")
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("verdict", lambda r: r["verdict"]), ("run", lambda r: r["run_id"]),
        ("baseline", lambda r: f"{r['baseline_version'] or '-'} ({(r['baseline_hash'] or '-')[:15]})"),
        ("dataset", lambda r: f"{r['dataset_hash']} ({r['mails']} mails)")]
    metrics = sorted({m for r in runs if r for m in r["metrics"]})
    rows += [(m, _metric_cell(m)) for m in metrics]
    for number, (label, cell) in enumerate(rows):
        values = [cell(r) if r else ("no eval run" if number == 0 else "-") for r in runs]
        print(f"  {label:<22} {values[0]:<28} {values[1]:<28}")


def _metric_cell(metric: str) -> Callable[[dict[str, Any]], str]:
    return lambda run: f"{run['metrics'][metric]:.3f}" if metric in run["metrics"] else "-"


def cmd_promote(args: argparse.Namespace) -> None:
    event = RegistryApi(args, writes=True).call("POST", f"/prompts/{args.name}/promote", {
        "version": args.version, "label": args.to, "percent": args.percent, "reason": args.reason})
    share = f" at {event['canary_percent']:g}%" if args.to == "canary" else ""
    gate = f", eval run {event['eval_run_id']}" if event.get("eval_run_id") else ""
    print(f"{args.name}@{args.version} is {args.to}{share} (was {event['previous_version'] or 'none'}{gate})")


def cmd_rollback(args: argparse.Namespace) -> None:
    event = RegistryApi(args, writes=True).call("POST", f"/prompts/{args.name}/rollback",
                                                {"label": args.label, "reason": args.reason})
    now = event["version"] or "none (canary removed)"
    print(f"{args.name} {args.label}: {event['previous_version']} -> {now}")


def cmd_publish(args: argparse.Namespace) -> None:
    path: Path = args.file
    try:
        artifact = load_file(path) if path.parent.parent.name == "prompts" else parse_artifact(
            yaml.safe_load(path.read_text(encoding="utf-8")), str(path)).verify()
    except (OSError, yaml.YAMLError) as exc:
        raise CommandFailed(f"cannot read {path}: {exc}") from None
    result = RegistryApi(args, writes=True).call("POST", "/prompts", artifact.model_dump(mode="json", by_alias=True))
    state = "published" if result["created"] else "already published (identical content)"
    print(f"{result['name']}@{result['version']} {state}: {result['content_hash']}")


def cmd_seal(args: argparse.Namespace) -> None:
    """Record the content hash in a new version's file; a file that already has one must still match it."""
    path: Path = args.file
    try:
        artifact = parse_artifact(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    except (OSError, yaml.YAMLError) as exc:
        raise CommandFailed(f"cannot read {path}: {exc}") from None
    if artifact.content_hash is not None:
        artifact.verify()
        print(f"{artifact.ref} is already sealed: {artifact.content_hash}")
        return
    sealed = artifact.sealed()
    path.write_text(dump_yaml(sealed), encoding="utf-8")
    print(f"{sealed.ref} sealed: {sealed.content_hash}")


def cmd_add_user(args: argparse.Namespace) -> None:
    tokens_file = RegistrySettings().tokens_file
    token = add_user(tokens_file, args.user, args.role)
    print(f"{args.user} ({', '.join(args.role)}) can now use the registry: `mailspine prompts --as {args.user} ...`")
    print(f"token (also in {tokens_file}): {token}")


def _guarded(run: Callable[[argparse.Namespace], None]) -> Callable[[argparse.Namespace], None]:
    def guarded(args: argparse.Namespace) -> None:
        try:
            run(args)
        except (CommandFailed, ArtifactError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
    return guarded


def register(subparsers: Any) -> None:
    prompts = subparsers.add_parser("prompts", help="the prompt registry: list, show, diff, promote, roll back")
    prompts.add_argument("--as", dest="principal", help="act as this user (from the registry's tokens file)")
    prompts.add_argument("--url", help="the registry API (default http://127.0.0.1:8070)")
    commands = prompts.add_subparsers(dest="prompts_command", required=True, metavar="COMMAND")

    commands.add_parser("list", help="every prompt with its labels").set_defaults(run=_guarded(cmd_list))
    show = commands.add_parser("show", help="NAME: versions, labels, history; NAME@VERSION: the artifact")
    show.add_argument("ref", help="NAME or NAME@VERSION")
    show.set_defaults(run=_guarded(cmd_show))
    diff = commands.add_parser("diff", help="unified diff of two versions, and their eval runs side by side")
    diff.add_argument("name")
    diff.add_argument("version_a")
    diff.add_argument("version_b")
    diff.set_defaults(run=_guarded(cmd_diff))
    promote = commands.add_parser("promote", help="point a label at a version (canary/production need a passing "
                                  "eval run against production)")
    promote.add_argument("name")
    promote.add_argument("version")
    promote.add_argument("--to", required=True, choices=["production", "canary", "staging"])
    promote.add_argument("--percent", type=float, help="canary: the share of routing keys it serves")
    promote.add_argument("--reason", required=True, help="why (recorded in the registry and the audit log)")
    promote.set_defaults(run=_guarded(cmd_promote))
    rollback = commands.add_parser("rollback", help="production: back to the previous version; canary: remove it")
    rollback.add_argument("name")
    rollback.add_argument("--label", required=True, choices=["production", "canary"])
    rollback.add_argument("--reason", required=True, help="why (recorded in the registry and the audit log)")
    rollback.set_defaults(run=_guarded(cmd_rollback))
    publish = commands.add_parser("publish", help="publish an artifact file (sealed: content_hash recorded)")
    publish.add_argument("file", type=Path)
    publish.set_defaults(run=_guarded(cmd_publish))
    seal = commands.add_parser("seal", help="record the content hash in a new version's YAML file")
    seal.add_argument("file", type=Path)
    seal.set_defaults(run=_guarded(cmd_seal))
    add = commands.add_parser("add-user", help="give a user a registry token (local development)")
    add.add_argument("user")
    add.add_argument("--role", action="append", choices=list(ROLES), default=[],
                     help="reader, editor or release_manager (repeatable); owners need no role")
    add.set_defaults(run=_guarded(cmd_add_user))
