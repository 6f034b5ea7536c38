"""Who may send feedback: bearer tokens (shared/bearer_tokens.py) with the role ``feedback``. Local development
gets two users, generated on first run: ``support.agent`` (feedback) and ``console`` (reads quality for the
console's quality page; any known token may read). Add one by adding an entry to the tokens file."""

from pathlib import Path

from shared.bearer_tokens import ensure_users

FEEDBACK_ROLE = "feedback"
LOCAL_USERS = {"support.agent": [FEEDBACK_ROLE], "console": ["reader"]}

HEADER = """\
# Online-evaluator feedback API bearer tokens (local development). One entry per token:
#   TOKEN: {principal: NAME, roles: [feedback]}
# The evaluator rereads this file when it changes.
"""


def ensure_feedback_tokens(path: Path) -> bool:
    return ensure_users(path, LOCAL_USERS, HEADER, "mse_")
