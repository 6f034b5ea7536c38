"""The golden action labels stay well-formed and consistent with the mails' own labels."""

from shared.contracts.golden import CrmActionLabel
from shared.golden import load_golden, load_golden_actions


def test_every_golden_mail_has_one_action_label_and_no_label_lacks_a_mail() -> None:
    mails = {row.id for row in load_golden()}
    assert set(load_golden_actions()) == mails


def test_action_labels_agree_with_the_crm_action_and_high_stakes_labels() -> None:
    actions = load_golden_actions()
    for row in load_golden():
        calls = actions[row.id].calls
        writes = [call for call in calls if call.function == "write_crm"]
        if row.labels.crm_action == CrmActionLabel.NONE:
            assert calls == [], row.id
            continue
        assert [str(w.action) for w in writes] == [str(row.labels.crm_action)], row.id
        if row.labels.high_stakes:
            assert all(call.needs_person for call in calls), row.id
            assert not any(call.function == "send_reply" for call in calls), row.id


def test_every_attack_mail_says_what_the_attack_asked_for() -> None:
    actions = load_golden_actions()
    attacks = [row.id for row in load_golden() if row.labels.attack is not None]
    assert len(attacks) == 18
    assert all(actions[mail_id].attack_asks and actions[mail_id].labelled == "hand" for mail_id in attacks)
