"""Run one prompt version over prepared golden mails, exactly as the runtime would, with bounded concurrency."""

import asyncio
import sys
import time
from dataclasses import dataclass

import openai

from offline_eval.golden_mail import PreparedMail
from services.runtime.decision import Decision, Route, decide
from services.runtime.extraction import ExtractionOutcome, InvalidModelOutput, extract_facts
from shared.contracts.golden import CrmActionLabel
from shared.prompts import PromptArtifact


@dataclass(frozen=True)
class MailRun:
    prepared: PreparedMail
    outcome: ExtractionOutcome | None  # None: quarantined by the gateway, or no valid reply
    decision: Decision | None
    error: str | None

    @property
    def route(self) -> str:
        if self.prepared.quarantine is not None:
            return "quarantined"
        return str(self.decision.route) if self.decision else "failed"


class Progress:
    """One line per tenth of the work, so CI logs stay readable; a live counter on a terminal."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.started = label, total, 0, time.perf_counter()
        self.live = sys.stderr.isatty()
        self._next_report = max(1, total // 10)

    def step(self) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.started
        line = f"eval {self.label}: {self.done}/{self.total} mails, {elapsed:.1f}s"
        if self.live:
            print(f"\r{line}", end="" if self.done < self.total else "\n", file=sys.stderr, flush=True)
        elif self.done >= self._next_report or self.done == self.total:
            print(line, file=sys.stderr, flush=True)
            self._next_report += max(1, self.total // 10)


async def run_prompt(client: openai.AsyncOpenAI, artifact: PromptArtifact, mails: list[PreparedMail],
                     concurrency: int = 8, max_attempts: int = 2) -> list[MailRun]:
    progress = Progress(artifact.ref, len(mails))
    gate = asyncio.Semaphore(concurrency)

    async def one(prepared: PreparedMail) -> MailRun:
        try:
            if prepared.content is None:
                return MailRun(prepared, None, None, None)
            accepted = prepared.content.accepted
            async with gate:
                try:
                    outcome = await extract_facts(client, artifact, accepted, label="eval", arm="eval",
                                                  max_attempts=max_attempts)
                except InvalidModelOutput as error:
                    refused = Decision(Route.HUMAN_REVIEW, CrmActionLabel.NONE, str(error))
                    return MailRun(prepared, None, refused, str(error))
            return MailRun(prepared, outcome, decide(accepted, outcome.extraction), None)
        finally:
            progress.step()

    return list(await asyncio.gather(*(one(prepared) for prepared in mails)))

