from shared.audit import AuditChain, verify_chain


def test_a_chain_verifies_and_any_edit_or_removal_breaks_it() -> None:
    chain = AuditChain("gateway")
    events = [chain.record("gateway.accept", mail_id=f"m-{i}", tenant="acme", detail={"score": i / 10})
              for i in range(4)]
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    assert events[1].previous_hash == events[0].hash
    assert verify_chain(events)

    edited = events[2].model_copy(update={"detail": {"score": 0.0}})
    assert not verify_chain([events[0], events[1], edited, events[3]])
    assert not verify_chain([events[0], events[1], events[3]])  # a removed link
    assert not verify_chain(events[1:])  # a chain must start at its first link
