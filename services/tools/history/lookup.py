"""What the model may see of a CRM record: keys, ids, actions, times and amounts; names, addresses and the CRM's
texts are dropped here, since nothing downstream could put them back behind placeholders."""

from shared.contracts.crm_read import CrmCustomer
from shared.contracts.tools.history import CustomerRecord, Interaction, LookupCustomerOutput, OpenCase


def model_safe_view(customer: CrmCustomer | None) -> LookupCustomerOutput:
    if customer is None:
        return LookupCustomerOutput(found=False)
    return LookupCustomerOutput(
        found=True,
        customer=CustomerRecord(customer_key=customer.customer_key, customer_id=customer.customer_id,
                                address_keys=[a.customer_key for a in customer.addresses], tier=customer.tier),
        open_cases=[OpenCase(case_id=c.case_id, action=c.action, opened_at=c.opened_at, amount=c.amount,
                             currency=c.currency, order_id=c.order_id, invoice_id=c.invoice_id)
                    for c in customer.open_cases],
        interactions=[Interaction(at=i.at, action=i.action, mail_id=i.mail_id) for i in customer.interactions],
    )
