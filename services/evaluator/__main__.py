import uvicorn

from services.evaluator.app import create_app
from services.evaluator.settings import EvaluatorSettings

settings = EvaluatorSettings()
uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)
