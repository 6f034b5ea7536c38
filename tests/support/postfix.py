"""A private Postfix instance for the end-to-end tests: Debian's `postfix`, installed with apt on first use,
configured on loopback under the test state dir, relaying test domains to the LMTP ingest.

It never touches the system's own Postfix: its own config dir, queue dir and data dir, its own SMTP port, and
it is started and stopped with ``postfix -c DIR``."""

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from infra.process import port_open
from infra.servers.base import apt_install
from shared.errors import InfraError
from shared.settings import PathSettings

POSTFIX_PACKAGE = "postfix"
# "No configuration": the package installs without writing a main.cf, so no system instance starts
PRESEED = ("postfix postfix/main_mailer_type select No configuration\n"
           "postfix postfix/mailname string mailspine-test.example\n")
MASTER_CF_DIST = Path("/usr/share/postfix/master.cf.dist")


def ensure_postfix(paths: PathSettings | None = None) -> Path:
    """The `postfix` command; apt-installs Debian's package when it is missing (needs root)."""
    found = shutil.which("postfix")
    if found is not None:
        return Path(found)
    paths = paths or PathSettings()
    log_file = paths.home / "log" / "install-postfix.log"
    if os.geteuid() != 0:
        raise InfraError(f"postfix is not installed and installing it needs root: run "
                         f"`sudo apt-get install {POSTFIX_PACKAGE}` once, then run the tests again")
    print(f"  installing {POSTFIX_PACKAGE} with apt (first run only; output in {log_file})", flush=True)
    apt_install([POSTFIX_PACKAGE], log_file=log_file, debconf=PRESEED)
    found = shutil.which("postfix")
    if found is None:
        raise InfraError(f"apt-get installed {POSTFIX_PACKAGE}, but `postfix` is not on PATH; see {log_file}")
    return Path(found)


@dataclass(frozen=True)
class QueuedMail:
    queue_id: str
    recipients: list[str]
    reasons: list[str]  # why delivery was deferred, per recipient, as the LMTP server answered


class PostfixInstance:
    def __init__(self, root: Path, *, smtp_port: int, lmtp_port: int, relay_domains: list[str]) -> None:
        self.root, self.smtp_port, self.lmtp_port, self.relay_domains = root, smtp_port, lmtp_port, relay_domains
        self.config_dir = root / "etc"
        self.log_file = root / "maillog"

    def _main_cf(self) -> str:
        domains = ", ".join(self.relay_domains)
        return "\n".join([
            "compatibility_level = 3.6",
            f"queue_directory = {self.root / 'queue'}",
            f"data_directory = {self.root / 'data'}",
            f"maillog_file = {self.log_file}",
            f"maillog_file_prefixes = {self.root}",
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "inet_interfaces = loopback-only",
            "inet_protocols = ipv4",
            "myhostname = mx.mailspine-test.example",
            "mydomain = mailspine-test.example",
            "mydestination =",
            "mynetworks = 127.0.0.0/8",
            "alias_maps =",
            "alias_database =",
            "local_recipient_maps =",
            f"relay_domains = {domains}",
            # as the README tells an administrator: each Mailspine domain goes to the LMTP ingest (texthash: reads
            # the same file as hash: without postmap)
            f"transport_maps = texthash:{self.config_dir / 'transport'}",
            # nothing leaves this instance: bounces to the test senders' domains end here
            "default_transport = error:the test instance delivers nowhere else",
            "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination",
            "smtputf8_enable = no",
            "biff = no",
            # retry a deferred mail within seconds, not the production default of minutes
            "queue_run_delay = 2s",
            "minimal_backoff_time = 2s",
            "maximal_backoff_time = 4s",
            "",
        ])

    def _master_cf(self) -> str:
        """Debian's master.cf with SMTP on the test port, and no chroot (its queue dir holds no chroot tree)."""
        lines = []
        for line in MASTER_CF_DIST.read_text().splitlines():
            fields = line.split()
            if line[:1].isalnum() and len(fields) >= 8:
                if fields[:2] == ["smtp", "inet"]:
                    fields[0] = f"127.0.0.1:{self.smtp_port}"
                fields[4] = "n"
                line = " ".join(fields)
            lines.append(line)
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 30.0) -> None:
        ensure_postfix()
        self.stop()
        for leftover in ("queue", "data"):  # each start begins with an empty queue and a new log
            shutil.rmtree(self.root / leftover, ignore_errors=True)
        self.log_file.unlink(missing_ok=True)
        for folder in (self.config_dir, self.root / "queue", self.root / "data"):
            folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.root / "data", "postfix", "postfix")  # postfix-files: data_directory belongs to postfix
        (self.config_dir / "main.cf").write_text(self._main_cf())
        (self.config_dir / "master.cf").write_text(self._master_cf())
        (self.config_dir / "transport").write_text(
            "".join(f"{domain} lmtp:inet:127.0.0.1:{self.lmtp_port}\n" for domain in self.relay_domains))
        self.postfix("start")
        deadline = time.monotonic() + timeout
        while not port_open(self.smtp_port):
            if time.monotonic() > deadline:
                raise InfraError(f"the test Postfix did not listen on {self.smtp_port}; see {self.log_file}")
            time.sleep(0.2)

    def running(self) -> bool:
        return subprocess.run(["postfix", "-c", str(self.config_dir), "status"], capture_output=True,
                              check=False).returncode == 0

    def stop(self) -> None:
        if self.running():
            self.postfix("stop")

    def postfix(self, command: str) -> None:
        result = subprocess.run(["postfix", "-c", str(self.config_dir), command], capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            # postfix writes its reasons to its log file when stderr is not a terminal
            raise InfraError(f"postfix -c {self.config_dir} {command} failed: {result.stderr.strip()}\n"
                             f"Last lines of {self.log_file}:\n{self.log()[-2000:]}")

    def flush(self) -> None:
        """Attempt every deferred mail now (postqueue -f)."""
        subprocess.run(["postqueue", "-c", str(self.config_dir), "-f"], capture_output=True, check=True)

    def queue(self) -> list[QueuedMail]:
        listed = subprocess.run(["postqueue", "-c", str(self.config_dir), "-j"], capture_output=True, text=True,
                                check=True)
        queued = []
        for line in listed.stdout.splitlines():
            entry = json.loads(line)
            recipients = entry.get("recipients", [])
            queued.append(QueuedMail(entry["queue_id"], [r["address"] for r in recipients],
                                     [r.get("delay_reason", "") for r in recipients]))
        return queued

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
