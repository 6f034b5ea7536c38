"""Apache Kafka 4.x, KRaft single node, from its Maven Central jars (no tarball mirror needed)."""

import asyncio
import base64
import glob
import uuid
from collections.abc import Sequence
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from infra.kafka_acls import ADMIN, KAFKA_PRINCIPALS
from infra.local_secrets import kafka_password
from infra.process import port_open
from infra.servers.base import Server, run_install_step
from shared.settings import REPO_ROOT, KafkaSettings, PathSettings

KAFKA_VERSION = "4.1.1"
POM = REPO_ROOT / "infra" / "kafka" / "pom.xml"

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log_dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
"""


class KafkaServer(Server):
    name = "kafka"
    version = f"Apache Kafka {KAFKA_VERSION} (KRaft)"
    start_timeout = 90.0

    def __init__(self, settings: KafkaSettings | None = None, paths: PathSettings | None = None) -> None:
        super().__init__(paths)
        self.settings = settings or KafkaSettings()

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.port, self.settings.controller_port)

    @property
    def libs_dir(self) -> Path:
        return self.paths.cache / f"kafka-{KAFKA_VERSION}" / "libs"

    def installed(self) -> bool:
        return bool(glob.glob(str(self.libs_dir / f"kafka_2.13-{KAFKA_VERSION}.jar")))

    def install(self) -> None:
        run_install_step(
            "resolve the Kafka broker jars from Maven Central",
            ["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
             f"-DoutputDirectory={self.libs_dir}", "-DincludeScope=runtime", f"-Dkafka.version={KAFKA_VERSION}"],
            log_file=self.paths.home / "log" / "install-kafka.log",
        )

    def _jaas(self, principals: tuple[str, ...]) -> str:
        """PLAIN login: the broker's own identity (admin) and the users it accepts."""
        admin = kafka_password(ADMIN, self.paths)
        users = " ".join(f'user_{name}="{kafka_password(name, self.paths)}"' for name in principals)
        return (f'org.apache.kafka.common.security.plain.PlainLoginModule required '
                f'username="{ADMIN}" password="{admin}" {users};')

    def _server_properties(self) -> str:
        s = self.settings
        broker_port, controller_port = s.port, s.controller_port
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
            f"listeners=SASL_PLAINTEXT://127.0.0.1:{broker_port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{broker_port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=SASL_PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            # every connection authenticates, and the authorizer denies what no ACL allows
            "sasl.enabled.mechanisms=PLAIN",
            "sasl.mechanism.inter.broker.protocol=PLAIN",
            "sasl.mechanism.controller.protocol=PLAIN",
            f"listener.name.sasl_plaintext.plain.sasl.jaas.config={self._jaas(KAFKA_PRINCIPALS)}",
            f"listener.name.controller.plain.sasl.jaas.config={self._jaas((ADMIN,))}",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            f"super.users=User:{ADMIN}",
            "allow.everyone.if.no.acl.found=false",
            f"log.dirs={self.data_dir / 'log'}",
            f"num.partitions={s.default_partitions}",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            # topics that carry raw mail raise their own limit up to this
            f"replica.fetch.max.bytes={s.max_message_bytes + 1024 * 1024}",
            f"socket.request.max.bytes={s.max_message_bytes * 4}",
            "",
        ])

    def prepare(self) -> None:
        properties = self.config_dir / "server.properties"
        properties.touch(mode=0o600)  # it holds the principals' passwords
        properties.chmod(0o600)
        properties.write_text(self._server_properties())
        (self.config_dir / "log4j2.properties").write_text(LOG4J2.format(log_dir=self.paths.home / "log" / "kafka"))
        (self.paths.home / "log" / "kafka").mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "log" / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            run_install_step(
                "format the KRaft log dir",
                [*self._java(), "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(properties)],
                log_file=self.log_file,
            )

    def _java(self) -> list[str]:
        return [
            "java", "-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.config_dir / 'log4j2.properties'}",
            "-cp", f"{self.libs_dir}/*",
        ]

    def command(self) -> Sequence[str]:
        return [*self._java(), "kafka.Kafka", str(self.config_dir / "server.properties")]

    def healthy(self) -> bool:
        if not port_open(self.settings.port):
            return False
        return asyncio.run(_broker_answers(KafkaSettings.for_principal(ADMIN)))


async def _broker_answers(kafka: KafkaSettings) -> bool:
    admin = AIOKafkaAdminClient(**kafka.client_options(), request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.describe_cluster()
        return True
    except (TimeoutError, KafkaError, OSError):
        return False
    finally:
        await admin.close()
