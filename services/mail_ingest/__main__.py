import asyncio

from services.mail_ingest.app import serve
from services.mail_ingest.settings import MailIngestSettings

asyncio.run(serve(MailIngestSettings()))
