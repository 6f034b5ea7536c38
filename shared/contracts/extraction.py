"""What the extraction step produces for one mail: the facts the agent acts on.

The vocabulary (intents, CRM actions, amounts) is the golden dataset's label schema, so the offline eval
compares like with like. Text fields may hold PII placeholders such as <PERSON_1>; only a tool with the vault
key turns them back into values.
"""

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.golden import Amount, CrmActionLabel, Intent


class Extraction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    intent: Intent
    customer_name: str | None = Field(max_length=200)
    company: str | None = Field(max_length=200)
    order_ids: list[str] = Field(max_length=50)
    invoice_ids: list[str] = Field(max_length=50)
    amounts: list[Amount] = Field(max_length=50)
    dates: list[str] = Field(max_length=50, description="ISO 8601 dates (YYYY-MM-DD)")
    requested_action: str | None = Field(max_length=500)
    crm_action: CrmActionLabel
    high_stakes: bool
