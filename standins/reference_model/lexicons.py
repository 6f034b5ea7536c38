"""Keyword lexicons in the data's ten languages (en, de, es, fr, it, nl, pt, sv, pl, cs), matched as lowercase
word prefixes. Weights say how strongly a phrase signals an intent."""

import functools
import re

INTENT_LEXICON: dict[str, dict[str, float]] = {
    "auto_reply": {
        "out of office": 4, "out of the office": 4, "automatic reply": 5, "auto-reply": 5, "autoreply": 5,
        "away from the office": 4, "annual leave": 2, "on leave until": 3, "limited access to email": 3,
        "no access to email": 3, "will reply on my return": 3, "on my return": 2, "abwesenheit": 5,
        "nicht im büro": 4, "automatische antwort": 5, "absence du bureau": 4, "réponse automatique": 5,
        "absent du bureau": 4, "je suis absent": 3, "fuera de la oficina": 4, "respuesta automática": 5,
        "fuori ufficio": 4, "risposta automatica": 5, "afwezig": 4, "automatisch antwoord": 5,
        "ausente do escritório": 4, "resposta automática": 5, "frånvaro": 4, "automatiskt svar": 5,
        "inte på kontoret": 4, "poza biurem": 4, "automatyczna odpowiedź": 5, "nepřítomnost": 4,
        "automatická odpověď": 5, "mimo kancelář": 4, "delivery status notification": 5, "undeliverable": 4,
    },
    "spam": {
        "returns of": 2, "investment": 2, "strictly confidential": 2, "monthly returns": 4, "re-validate": 4, "revalidate": 4, "storage limit": 4, "dear user": 3, "exceeded": 1, "verify": 1,
        "unsubscribe": 3, "click here": 2, "limited time": 2, "act now": 3, "congratulations": 2, "you have won": 4,
        "winner": 2, "prize": 2, "crypto": 3, "bitcoin": 3, "seo": 2, "backlinks": 3, "guaranteed": 1,
        "verify your account": 4, "account will be suspended": 4, "account suspended": 3, "listing expires": 4,
        "register": 1, "lottery": 4, "inheritance": 3, "wire transfer fee": 3, "viagra": 5, "casino": 4,
        "first page of google": 4, "marketing list": 2, "email list": 2, "lead list": 2, "special offer": 2,
        "100% free": 3, "risk-free": 2, "gewinnspiel": 3, "gewonnen": 3, "abmelden": 2, "désinscri": 2,
        "gagnant": 3, "ganador": 3, "cancelar suscripción": 2, "vincitore": 3, "confirm your details": 2,
        "confirm now": 3, "avoid removal": 3, "password expires": 3, "mailbox is full": 4, "reset your password": 2,
        "gift card": 3, "dear friend": 3, "investment opportunity": 3, "miracle": 2,
    },
    "legal_threat": {
        "we act for": 8, "issue proceedings": 8, "proceedings": 4, "county court": 6, "in court": 5, "to court": 5, "court claim": 6, "demanda judicial": 8, "requerimiento": 4, "en nombre y representación": 6, "information commissioner": 8, "ico": 6, "gdpr": 4, "subject access request": 3, "data protection authority": 8, "supervisory authority": 6, "datenschutzbehörde": 8, "cnil": 8, "aepd": 8, "garante": 6, "regulator": 6, "claim against": 3, "avvocat": 6,
        "lawyer": 8, "attorney": 8, "solicitor": 8, "legal action": 8, "lawsuit": 8, "sue ": 3, "court": 3,
        "small claims": 8, "legal proceedings": 8, "letter before action": 8, "tribunal": 3,
        "litigation": 4, "trading standards": 3, "ombudsman": 3, "legal counsel": 4, "on behalf of our client": 4,
        "our client": 2, "cease and desist": 8, "rechtsanwalt": 8, "anwalt": 8, "anwältin": 4, "gericht": 4,
        "klage": 8, "rechtliche schritte": 8, "mahnbescheid": 4, "abmahnung": 4, "verbraucherzentrale": 3,
        "abogado": 8, "demanda": 3, "acciones legales": 8, "juzgado": 4, "tribunales": 4, "avocat": 8,
        "mise en demeure": 8, "poursuites": 4, "action en justice": 8, "avvocato": 8, "legale": 2,
        "azioni legali": 8, "diffida": 8, "tribunale": 4, "advocaat": 8, "rechtszaak": 8, "juridische stappen": 8,
        "ingebrekestelling": 8, "advogado": 8, "processo judicial": 5, "ação judicial": 8, "tribunal de": 3,
        "advokat": 8, "stämning": 4, "rättsliga åtgärder": 8, "tingsrätt": 4, "prawnik": 4, "pozew": 8,
        "sąd": 3, "kroki prawne": 8, "wezwanie do zapłaty": 3, "právník": 8, "advokát": 8, "žaloba": 8,
        "soud": 3, "právní kroky": 8,
    },
    "cancellation": {
        "give notice": 4, "notice to end": 5, "ending our": 4, "not to renew": 5, "end the agreement": 4, "end our agreement": 4,
        "cancel": 3, "cancellation": 3, "terminate": 3, "termination": 3, "not renew": 3, "not be renewing": 4,
        "end our contract": 4, "end my subscription": 4, "end our subscription": 4, "close my account": 3,
        "close our account": 3, "notice of cancellation": 5, "unsubscribe me": 2, "stop the subscription": 3,
        "kündig": 4, "kündigung": 5, "vertrag beenden": 4, "stornier": 4, "abbestellen": 3, "cancelar": 3,
        "cancelación": 4, "baja": 2, "darme de baja": 4, "rescindir": 4, "résili": 5, "annuler": 3,
        "annulation": 3, "mettre fin": 3, "disdett": 5, "recesso": 4, "annullare": 3, "annullamento": 3,
        "opzeg": 5, "annuleren": 3, "beëindig": 4, "cancelamento": 4, "rescisão": 4, "rescindir o": 4,
        "säga upp": 5, "uppsägning": 5, "avsluta": 3, "wypowiedzeni": 5, "rezygnacj": 4, "anulowa": 3,
        "výpověď": 5, "vypovědět": 5, "zrušení": 4, "zrušit": 4, "ukončení": 4,
    },
    "refund_request": {
        "cobrado dos veces": 4, "cobrado duas vezes": 4, "double charged": 4, "duplicate payment": 3, "devolución": 4, "devolváis": 4, "devolver": 3, "devolução": 4, "remboursement": 5,
        "refund": 6, "money back": 6, "reimburse": 6, "reimbursement": 6, "credit note": 3, "repayment": 2,
        "pay back": 3, "charged twice": 2, "paid twice": 2, "return for a refund": 4, "compensation": 2,
        "erstatt": 4, "rückerstattung": 6, "geld zurück": 4, "gutschrift": 3, "rückzahlung": 4,
        "reembolso": 6, "devolución del importe": 4, "devolver el dinero": 4, "rembourse": 6, "avoir": 2,
        "rimborso": 6, "rimbors": 4, "restituzione": 3, "terugbetal": 6, "restitutie": 4, "geld terug": 4,
        "reembolso ": 5, "estorno": 4, "devolução do valor": 4, "återbetalning": 6, "pengarna tillbaka": 4,
        "zwrot pieniędzy": 6, "zwrot": 3, "zwróć": 3, "vrácení peněz": 6, "vrátit peníze": 5, "refundac": 4,
        "chargeback": 2,
    },
    "address_change": {
        "anschrift": 3, "lieferanschrift": 4, "neue räumlichkeiten": 4, "umzieh": 4, "alte adresse": 4, "adress": 2, "new adress": 5, "mailing address": 4, "i moved": 4, "we moved": 4, "moved to": 2,
        "new address": 4, "change of address": 5, "address change": 5, "change the delivery address": 5,
        "change my address": 5, "update the address": 4, "update our address": 4, "update my address": 4,
        "billing address": 2, "delivery address": 2, "we are moving": 3, "we're moving": 3, "moving house": 3,
        "we have moved": 4, "relocat": 3, "new office": 2, "adressänderung": 5, "neue adresse": 5,
        "neue anschrift": 5, "umzug": 4, "umgezogen": 4, "lieferadresse": 2, "rechnungsadresse": 2,
        "cambio de dirección": 5, "nueva dirección": 5, "nos mudamos": 4, "changement d'adresse": 5,
        "nouvelle adresse": 5, "déménag": 4, "cambio di indirizzo": 5, "cambio indirizzo": 5,
        "nuovo indirizzo": 5, "trasferi": 2, "adreswijziging": 5, "nieuwe adres": 5, "nieuw adres": 5, "verhuiz": 4,
        "mudança de endereço": 5, "novo endereço": 5, "adressändring": 5, "ny adress": 5, "nya adress": 5,
        "flyttar": 3, "zmiana adresu": 5, "nowy adres": 5, "przeprowadz": 3, "změna adresy": 5, "nová adresa": 5,
        "stěhuj": 3,
    },
    "invoice_question": {
        "bill": 3, "billed": 2, "meter reading": 2, "recalculate": 2, "reissue": 3, "corrected invoice": 3, "inv-": 3, "payment run": 2, "remittance": 2, "due date": 1,
        "invoice": 3, "billing": 2, "charge": 1, "charged": 2, "overcharged": 3, "payment terms": 3, "vat": 2,
        "statement": 1, "rechnung": 3, "abrechnung": 3, "zahlungsziel": 3, "mahnung": 2, "factura": 3,
        "cobro": 2, "facture": 3, "facturation": 3, "fattura": 3, "addebito": 2, "factuur": 3, "fatura": 3,
        "cobrança": 2, "faktura": 3, "fakturan": 3, "betalning": 1, "faktur": 3, "płatnoś": 1, "fakturu": 3,
        "vyúčtování": 3, "platb": 1,
    },
    "sales_lead": {
        "enquiry": 3, "inquiry": 3, "packages": 2, "prices": 2, "viewing": 2, "catalogue": 2, "samples": 2, "would like to order": 2, "availability": 1,
        "quote": 3, "quotation": 3, "pricing": 2, "price list": 3, "interested in": 3, "request for proposal": 4,
        "rfp": 3, "partnership": 3, "bulk order": 2, "volume discount": 3, "demo": 2, "trial": 1,
        "would like to buy": 3, "looking for a supplier": 4, "wholesale": 2, "distributor": 2, "reseller": 2,
        "how much would": 3, "angebot": 3, "preisliste": 3, "interesse an": 3, "kostenvoranschlag": 4,
        "presupuesto": 3, "cotización": 4, "interesados en": 3, "devis": 4, "intéressés par": 3, "tarifs": 2,
        "preventivo": 4, "interessati": 3, "listino": 3, "offerte": 3, "prijsopgave": 4, "geïnteresseerd": 3,
        "orçamento": 4, "interessados": 3, "offert": 3, "intresserade": 3, "prisuppgift": 4, "oferta": 2,
        "wycen": 4, "zainteresowani": 3, "cenow": 2, "nabídk": 3, "cenová nabídka": 4, "zájem o": 3,
    },
    "order_problem": {
        "printed wrong": 4, "misprint": 3, "reprint": 3, "not received": 4, "haven't received": 4, "still haven't": 3, "we've been sent": 3, "been sent the wrong": 4, "sent the wrong": 4, "backorder": 3, "we ordered": 2, "collect the wrong": 3, "rebook": 3, "resend": 3, "wrong": 1, "arrived": 1, "delivery": 1, "not delivered": 4, "incomplete": 2,
        "wrong item": 4, "wrong size": 4, "damaged": 3, "broken": 3, "missing": 3, "not arrived": 4,
        "hasn't arrived": 4, "has not arrived": 4, "never arrived": 4, "not been delivered": 4, "late delivery": 4,
        "delayed": 3, "short delivery": 4, "came in short": 4, "defective": 3, "faulty": 3, "cracked": 3,
        "where is my order": 5, "tracking": 2, "replacement": 2, "exchange": 2, "swap": 2, "doesn't work": 3,
        "does not work": 3, "ship date": 2, "delivery date": 2, "not yet delivered": 4, "still waiting": 3,
        "falsche": 3, "beschädigt": 3, "defekt": 3, "fehlt": 3, "nicht angekommen": 4, "nicht geliefert": 4,
        "lieferung": 1, "verspät": 3, "ersatz": 2, "umtausch": 2, "equivocad": 3, "dañad": 3, "roto": 3,
        "no ha llegado": 4, "sin entregar": 4, "retraso": 3, "abîmé": 3, "endommagé": 3, "cassé": 3,
        "pas reçu": 4, "manquant": 3, "retard": 3, "danneggiat": 3, "rotto": 3, "non è arrivato": 4,
        "mancante": 3, "ritardo": 3, "beschadigd": 3, "kapot": 3, "niet ontvangen": 4, "ontbreekt": 3,
        "vertraging": 3, "defeito": 3, "danificad": 3, "não chegou": 4, "não liga": 3, "atraso": 3,
        "trasig": 3, "skadad": 3, "har inte kommit": 4, "saknas": 3, "försen": 3, "uszkodzon": 3,
        "brak dostawy": 5, "nie dotarł": 4, "opóźnieni": 3, "reklamacj": 2, "poškozen": 3, "nedoručen": 4,
        "nedorazil": 4, "chybí": 3, "zpožděn": 3,
    },
    "complaint": {
        "disappointing": 3, "not acceptable": 3, "no answer": 3, "no response": 3, "lack of response": 3, "raise this formally": 3, "want to know why": 3, "you should know": 3, "below the standard": 3, "outage": 2, "on hold for": 2, "pass this on": 2, "blunt": 2, "service failure": 3, "used to be great": 2, "nobody": 1, "staff": 1,
        "complain": 4, "complaint": 4, "disappointed": 3, "unacceptable": 3, "rude": 3, "poor service": 4,
        "terrible": 2, "appalling": 3, "not happy": 3, "unhappy": 3, "dissatisfied": 3, "frustrat": 2,
        "behaviour": 2, "behavior": 2, "quality": 1, "beschwerde": 4, "unzufrieden": 3, "enttäuscht": 3,
        "unverschämt": 3, "queja": 4, "reclamación": 4, "insatisfech": 3, "decepcionad": 3, "réclamation": 4,
        "plainte": 4, "mécontent": 3, "déçu": 3, "reclamo": 4, "lamentela": 4, "insoddisfatt": 3, "deluso": 3,
        "klacht": 4, "ontevreden": 3, "teleurgesteld": 3, "reclamação": 4, "insatisfeit": 3, "klagomål": 4,
        "missnöjd": 3, "besviken": 3, "skarg": 4, "niezadowolon": 3, "stížnost": 4, "stěžovat": 4, "nespokojen": 3,
    },
}

DISPUTE = (
    "wrong", "incorrect", "error", "mistake", "dispute", "disagree", "do not agree", "don't agree", "overcharg",
    "charged twice", "double charged", "duplicate", "not ordered", "never ordered", "did not order", "not correct",
    "too high", "should be", "should have been", "instead of", "not what we agreed", "contest", "query the",
    "falsch", "fehlerhaft", "nicht korrekt", "widerspr", "doppelt", "zu hoch", "incorrecta", "erróne", "error en",
    "no es correct", "duplicad", "erroné", "incorrecte", "contest", "en double", "errat", "sbagliat", "non corrett",
    "contest", "doppi", "onjuist", "fout", "niet correct", "dubbel", "incorret", "errad", "duplicad", "felaktig",
    "fel belopp", "dubbel", "bestrid", "in error", "paid on time", "not deducted", "not applied", "abweichung",
    "nicht abgezogen", "non déduit", "non dedott", "no descontad", "niet verrekend", "błęd", "nieprawidłow", "podwójn", "chybn", "nesprávn", "dvojit",
)
REGULATOR = (
    "data protection", "gdpr", "dsgvo", "rgpd", "ico", "information commissioner", "regulator", "supervisory authority",
    "datenschutzbehörde", "aufsichtsbehörde", "datenschutzbeauftragt", "cnil", "aepd", "garante", "autoriteit persoonsgegevens",
    "cnpd", "imy", "uodo", "úoou", "bafin", "fca", "financial ombudsman", "consumer protection", "competition authority",
    "protección de datos", "protection des données", "protezione dei dati", "gegevensbescherming", "proteção de dados",
    "dataskydd", "ochrony danych", "ochrany osobních údajů", "trading standards", "ombudsman",
)
FRAUD = (
    "chargeback", "charge back", "fraud", "fraudulent", "unauthorised", "unauthorized", "scam", "stolen card",
    "dispute the charge with my bank", "dispute with my bank", "rückbuchung", "betrug", "lastschrift zurück",
    "contracargo", "fraude", "rétrofacturation", "frode", "truffa", "terugboeking", "oplichting",
    "bedrägeri", "oszustw", "obciążenie zwrotne", "podvod",
)
SAFETY = (
    "caught fire", "fire", "smoke", "smoking", "flame", "burn", "burned", "burnt", "injur", "hurt", "hospital",
    "electric shock", "explod", "explosion", "choking", "poison", "allergic reaction", "safety hazard",
    "dangerous", "product recall", "gas leak", "carbon monoxide", "in brand", "brandschaden", "feuer", "rauch", "verletz", "krankenhaus",
    "stromschlag", "gefährlich", "incendio", "fuego", "humo", "herid", "quemad", "peligros", "incendie", "feu",
    "fumée", "blessé", "brûl", "dangereux", "incendio", "fumo", "ferit", "ustion", "pericolos", "rook",
    "gewond", "verbrand", "gevaarlijk", "incêndio", "fumaça", "ferid", "queimad", "perigos", "rök",
    "farlig", "pożar", "dym", "obrażen", "oparzen", "niebezpieczn", "požár", "kouř", "zraněn", "popálen",
    "nebezpečn",
)
BIG_CONTRACT = (
    "all sites", "all locations", "entire contract", "framework agreement", "all our", "every site", "seats",
    "licences", "licenses", "enterprise", "multi-year", "rahmenvertrag", "alle standorte", "contrato marco",
    "contrat-cadre", "contratto quadro", "raamovereenkomst", "ramavtal", "umowa ramowa", "rámcová smlouva",
)
REQUEST_CUES = re.compile(
    r"\b(please|pls|could you|can you|would you|i would like|we would like|i'd like|we'd like|i want|we want|"
    r"i need|we need|kindly|bitte|könnten sie|können sie|ich möchte|wir möchten|por favor|podría|podrían|"
    r"quisiera|necesito|necesitamos|pourriez-vous|pouvez-vous|merci de|je souhaite|nous souhaitons|"
    r"je voudrais|vi prego|potreste|può|vorrei|vorremmo|chiedo|graag|wilt u|kunt u|zou u|"
    r"gostaria|poderiam|pode|preciso|skulle|kan ni|vill|önskar|prosimy|proszę|prosím|žádám|chtěl|chtěla|"
    r"could we|can we|is it possible|would it be possible)\b", re.IGNORECASE)


@functools.cache
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase at a word start; compiled once per phrase (the lexicons hold more phrases than re's own cache)."""
    # short phrases must be whole words ("ico" is not "icon"); longer ones may be word prefixes ("refund" in "refunded")
    return re.compile(r"(?<![\w])" + re.escape(phrase) + (r"(?![\w])" if len(phrase) <= 4 else ""))


def contains(text: str, phrases: tuple[str, ...] | list[str]) -> list[str]:
    """The phrases found at word starts in lowercased ``text``."""
    return [p for p in phrases if p in text and phrase_pattern(p).search(text)]
