import subprocess
import sys

import pytest

from shared.prompts.rollout import canary_bucket, choose_arm
from shared.settings import REPO_ROOT

KEYS = [f"customer{n}@example.com" for n in range(10_000)]


@pytest.mark.parametrize("percent", [10.0, 30.0])
def test_the_canary_share_over_10000_routing_keys_is_within_one_and_a_half_points(percent: float) -> None:
    canary = sum(choose_arm("extract-email", key, percent) == "canary" for key in KEYS)
    assert abs(canary / len(KEYS) * 100 - percent) <= 1.5


def test_no_routing_key_or_no_share_gets_the_stable_arm() -> None:
    assert choose_arm("extract-email", None, 50.0) == "stable"
    assert all(choose_arm("extract-email", key, 0.0) == "stable" for key in KEYS[:500])


def test_a_larger_share_keeps_every_key_that_was_already_canary() -> None:
    at_10 = {key for key in KEYS if choose_arm("extract-email", key, 10.0) == "canary"}
    at_30 = {key for key in KEYS if choose_arm("extract-email", key, 30.0) == "canary"}
    assert at_10 <= at_30


def test_the_prompt_name_is_mixed_in_so_one_sender_is_not_every_prompts_canary() -> None:
    assert [canary_bucket("extract-email", k) for k in KEYS[:50]] != [canary_bucket("plan-reply", k) for k in KEYS[:50]]


def test_the_same_key_gets_the_same_arm_in_separate_processes() -> None:
    script = ("from shared.prompts.rollout import choose_arm\n"
              "print(''.join('c' if choose_arm('extract-email', f'thread-{n}', 10.0) == 'canary' else 's' "
              "for n in range(2000)))")
    runs = [subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")]
    here = "".join("c" if choose_arm("extract-email", f"thread-{n}", 10.0) == "canary" else "s" for n in range(2000))
    assert runs[0] == runs[1] == here + "\n"
    assert 100 < here.count("c") < 300
