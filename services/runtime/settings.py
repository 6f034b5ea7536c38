from pydantic_settings import BaseSettings, SettingsConfigDict


class RuntimeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_RUNTIME_")

    service_name: str = "runtime"
    consumer_group: str = "runtime"
    # tool results and review decisions are read by groups of their own: each consumer has its own offsets
    results_group: str = "runtime-results"
    decisions_group: str = "runtime-decisions"
    summary_chars: int = 280
    # attempts at one schema-valid extraction before the mail is dead-lettered with the model's last problem
    extraction_attempts: int = 2
    # mail text beyond this is not sent to the model (contexts are finite; the newest message comes first)
    max_body_chars: int = 20_000
    # runs one process keeps in flight; a full process stops consuming until a run ends or waits for a person
    max_in_flight: int = 128
    # bounds of one run; each ends the run in its own terminal state
    max_iterations: int = 4
    max_tool_calls: int = 8
    max_tokens: int = 32_000
    max_run_seconds: float = 300.0
    # how long the executor waits for a tool's result; the call then ends as expired and the run goes on
    tool_deadline_seconds: float = 15.0
    # a consequential call (a CRM write, a reply) is declared expired only this long after its deadline: the tool
    # checks the deadline right before the effect, and the result of an effect just before it is still in flight
    consequential_result_grace_seconds: float = 30.0
    # how long a finished run whose consequential call ended expired or failed stays correctable by a late result
    correction_window_seconds: int = 24 * 3600
    # Redis connections the runs share (a run waits for a free one)
    redis_connections: int = 64
    # earlier mails of a thread kept in its working memory
    memory_mails: int = 10
    memory_ttl_seconds: int = 30 * 24 * 3600
