import pytest

from cli.main import build_parser, main


def test_every_documented_command_exists() -> None:
    for command in (["up"], ["down"], ["status"], ["send", "x.eml"], ["why", "m-1"], ["guardrails", "corpus"],
                    ["guardrails", "eval"], ["sources", "list"], ["sources", "rotate", "mx"],
                    ["contracts", "asyncapi"]):
        assert build_parser().parse_args(command).run


def test_a_user_error_exits_2_with_a_message_and_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["send", "/nonexistent/mail.eml"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "error: cannot read /nonexistent/mail.eml: No such file or directory\n"
