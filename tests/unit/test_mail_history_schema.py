"""The mail history's names and filters: tenants Weaviate accepts, one object id per mail, the index version,
and the retriever's filters by customer key and time."""

from datetime import UTC, datetime

from weaviate.collections.classes.filters import _FilterAnd

from services.tools.retriever.search import history_filters, history_hit
from shared.contracts.tools.retriever import SearchHistory
from shared.mail_history.schema import SCHEMA_VERSION, index_version, object_uuid, weaviate_tenant


def test_a_plain_tenant_name_is_its_weaviate_tenant_and_any_other_maps_to_a_stable_valid_name() -> None:
    assert weaviate_tenant("acme") == "acme"
    odd = weaviate_tenant("acme.example/eu")
    assert odd == weaviate_tenant("acme.example/eu") != weaviate_tenant("acme.example/us")
    assert odd.startswith("t-") and len(odd) <= 64 and odd.replace("-", "").isalnum()


def test_a_mail_always_gets_the_same_object_id() -> None:
    assert object_uuid("m-1") == object_uuid("m-1") != object_uuid("m-2")


def test_the_index_version_names_the_schema_and_the_embedding_model() -> None:
    assert index_version() == f"mail-history-s{SCHEMA_VERSION}+multilingual-e5-small"


def test_no_filter_without_customer_or_time_and_both_when_given() -> None:
    assert history_filters(SearchHistory(query="refund")) is None
    both = history_filters(SearchHistory(query="refund", customer_key="cust_" + "0" * 24,
                                         since=datetime(2026, 1, 1, tzinfo=UTC)))
    assert isinstance(both, _FilterAnd)
    assert {(condition.target, condition.operator.value) for condition in both.filters  # type: ignore[attr-defined]
            } == {("customer_key", "Equal"), ("received_at", "GreaterThanEqual")}


def test_a_hit_carries_the_redacted_fields_and_the_fused_score() -> None:
    received = datetime(2026, 1, 1, tzinfo=UTC)
    hit = history_hit({"mail_id": "m-1", "thread_id": "<1@x>", "customer_key": None, "subject": "Refund",
                       "excerpt": "for <PERSON_1>", "intent": "refund_request", "crm_action": None,
                       "outcome": "crm", "received_at": received}, 0.7)
    assert (hit.mail_id, hit.excerpt, hit.score, hit.received_at) == ("m-1", "for <PERSON_1>", 0.7, received)
