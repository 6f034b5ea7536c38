"""One error taxonomy. Each name says who must act and what the broker does with the message."""

from shared.contracts.mail import QuarantineReason


class MailspineError(Exception):
    """Base of every error the project raises on purpose."""


class RetryLater(MailspineError):
    """A dependency is briefly unavailable: the message is redelivered (nack) after a back-off."""


class QuarantineMail(MailspineError):
    """The gateway refuses this input. It goes to mail.quarantine.v1 with a machine-readable reason."""

    def __init__(self, reason: QuarantineReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class DeadLetter(MailspineError):
    """This message can never succeed here. It goes to ``<topic>.dlq.v1`` with its headers and the error."""


class UserError(MailspineError):
    """The person at the command line must act; the message says what to do."""


class InfraError(UserError):
    """A local server could not be installed or started; the message names the cause and the log to read."""
