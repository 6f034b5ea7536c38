"""A link the broker did not take is retracted: the next link takes its sequence and the chain stays unbroken."""

from shared.audit import AuditChain, verify_chain


def test_a_retracted_link_leaves_no_gap_in_the_chain() -> None:
    chain = AuditChain("gateway")
    first = chain.record("gateway.accepted", mail_id="m-1", tenant="acme", detail={})
    lost = chain.record("gateway.accepted", mail_id="m-2", tenant="acme", detail={})
    chain.retract(lost)
    again = chain.record("gateway.accepted", mail_id="m-2", tenant="acme", detail={"redelivered": True})
    assert again.sequence == 2 and again.previous_hash == first.hash
    assert verify_chain([first, again])
    assert not verify_chain([first, chain.record("gateway.accepted", mail_id="m-3", tenant="acme", detail={})])


def test_only_the_last_link_can_be_retracted() -> None:
    chain = AuditChain("gateway")
    first = chain.record("gateway.accepted", mail_id="m-1", tenant="acme", detail={})
    second = chain.record("gateway.accepted", mail_id="m-2", tenant="acme", detail={})
    chain.retract(first)  # a later link was recorded since: nothing changes
    assert chain.record("x", mail_id=None, tenant=None, detail={}).previous_hash == second.hash
