import uvicorn

from services.registry.app import create_app
from services.registry.settings import RegistrySettings

settings = RegistrySettings()
uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)
