"""Person names found by their place in mail, in the languages of our mail; organisations keep their names."""

import pytest

from services.gateway.redaction import PiiRedactor


@pytest.fixture(scope="module")
def redactor() -> PiiRedactor:
    return PiiRedactor()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kerstin Wöhrle <k.woehrle@metallbau.example>", "Kerstin Wöhrle"),
        ('"Okonkwo, Chidinma" <c.okonkwo@dental.example>', "Okonkwo, Chidinma"),
        ("Von: Annegret Schimanski <a.schimanski@klima.example>\nCc: Lutz Pfefferkorn", "Lutz Pfefferkorn"),
        ("Le lun. 2 mars 2026, Clémence Aubert <clemence@escaliers.example> a écrit :", "Clémence Aubert"),
        ("El mar, 3 mar 2026, Nuria Sepúlveda (<nuria@cocinas.example>) escribió:", "Nuria Sepúlveda"),
        ("Op di 3 mrt 2026 schreef Jan de Vries <jan@planning.example>:", "Jan de Vries"),
        ("Med vänlig hälsning\nAnnika Lindqvist\nInköp", "Annika Lindqvist"),
        ("Ystävällisin terveisin\nJuha Kettunen", "Juha Kettunen"),
        ("Med vennlig hilsen\nSolveig Bråten", "Solveig Bråten"),
        ("Cordiali saluti,\nGianluca Ferraresi\nResponsabile Acquisti", "Gianluca Ferraresi"),
        ("Unser Lagerleiter, Herr Dietmar Kreuzberger, hat es vermerkt.", "Dietmar Kreuzberger"),
        ("Bom dia,\n\nchamo-me Inês Sá Carneiro e sou a diretora.", "Inês Sá Carneiro"),
    ],
)
def test_a_name_in_a_header_signature_title_or_introduction_is_redacted(
    redactor: PiiRedactor, text: str, name: str,
) -> None:
    [result] = redactor.redact(text)
    assert name not in result.text
    assert any(e.entity_type == "PERSON" and e.value == name for e in result.entities)


def test_the_parts_of_a_found_name_are_redacted_wherever_they_stand(redactor: PiiRedactor) -> None:
    sender, body = redactor.redact("Sanne Hoogendijk <sanne@bloemen.example>",
                                   "Hoi,\n\nzie hieronder.\n\nGroetjes,\nSanne")
    assert "Sanne" not in sender.text + body.text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Northfield Water Customer Care <noreply@northfield-water.example>", "Northfield Water Customer Care"),
        ("Stadtwerke Rosenheim Kundenservice <service@stadtwerke.example>", "Stadtwerke Rosenheim Kundenservice"),
        ("Acme <info@acme.example>", "Acme"),
        ("Kind regards,\nAcme Support", "Acme Support"),
        ("Harriet Quennell <h@quennell-print.example>\n\nRegards,\nHarriet Quennell\nQuennell Print Ltd", "Print Ltd"),
        ("Thanks for the quick reply about order AC-558213.", "AC-558213"),
    ],
)
def test_organisations_and_business_data_keep_their_names(redactor: PiiRedactor, text: str, kept: str) -> None:
    [result] = redactor.redact(text)
    assert kept in result.text


def test_a_phone_number_is_read_by_its_label_in_any_language(redactor: PiiRedactor) -> None:
    [result] = redactor.redact("Vennlig hilsen\nKari Nordby\nTlf. 926 11 438")
    assert "926 11 438" not in result.text
