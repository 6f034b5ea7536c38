# One image for every Mailspine service; docker-compose.yml picks the module to run.
FROM python:3.11-slim
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /usr/local/bin/uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY shared ./shared
COPY services ./services
COPY infra ./infra
COPY cli ./cli
COPY offline_eval ./offline_eval
COPY standins ./standins
# the gateway's policy and guardrail corpus, the prompt artifacts the registry bootstraps from, the golden dataset
COPY config ./config
COPY prompts ./prompts
COPY data ./data
RUN uv sync --frozen --no-dev && useradd --system mailspine
ENV PATH="/app/.venv/bin:$PATH"
USER mailspine
