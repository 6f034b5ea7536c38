from services.tools.retriever.app import create_app
from shared.service_app import run

run(create_app)
