import pytest

from cli.main import build_parser, main


def test_every_prompts_command_exists() -> None:
    for command in (["prompts", "list"], ["prompts", "show", "extract-email@1.0.0"],
                    ["prompts", "diff", "extract-email", "1.0.0", "1.1.0"],
                    ["prompts", "--as", "rel.manager", "promote", "extract-email", "1.1.0", "--to", "canary",
                     "--percent", "10", "--reason", "eval passed"],
                    ["prompts", "rollback", "extract-email", "--label", "production", "--reason", "bad"],
                    ["prompts", "publish", "x.yaml"], ["prompts", "seal", "x.yaml"],
                    ["prompts", "add-user", "someone", "--role", "editor"]):
        assert build_parser().parse_args(command).run


def test_a_write_without_an_identity_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILSPINE_REGISTRY_TOKEN", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["prompts", "rollback", "extract-email", "--label", "production", "--reason", "bad replies"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == ("error: say who you are: --as NAME (a user in the registry's tokens file) "
                                       "or MAILSPINE_REGISTRY_TOKEN\n")


def test_an_unreachable_registry_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILSPINE_REGISTRY_TOKEN", "msr_anything")
    with pytest.raises(SystemExit) as exit_info:
        main(["prompts", "--url", "http://127.0.0.1:9", "list"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the registry at http://127.0.0.1:9 does not answer") and err.count("\n") == 1
