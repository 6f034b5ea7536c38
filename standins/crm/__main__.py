"""``python -m standins.crm``: the CRM stand-in (Kafka consumer and read API) with uvicorn on loopback."""

import uvicorn

from standins.crm.app import create_app
from standins.crm.settings import CrmStandinSettings

settings = CrmStandinSettings()
uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)
