"""Keyword lexicons in the data's ten languages (en, de, es, fr, it, nl, pt, sv, pl, cs), matched as lowercase
word prefixes. Weights say how strongly a phrase signals an intent."""

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
        "lawyer": 4, "attorney": 4, "solicitor": 4, "legal action": 5, "lawsuit": 5, "sue ": 3, "court": 3,
        "small claims": 4, "legal proceedings": 5, "letter before action": 5, "formal notice": 2, "tribunal": 3,
        "litigation": 4, "trading standards": 3, "ombudsman": 3, "legal counsel": 4, "on behalf of our client": 4,
        "our client": 2, "cease and desist": 5, "rechtsanwalt": 5, "anwalt": 4, "anwältin": 4, "gericht": 4,
        "klage": 4, "rechtliche schritte": 5, "mahnbescheid": 4, "abmahnung": 4, "verbraucherzentrale": 3,
        "abogado": 4, "demanda": 3, "acciones legales": 5, "juzgado": 4, "tribunales": 4, "avocat": 4,
        "mise en demeure": 5, "poursuites": 4, "action en justice": 5, "avvocato": 4, "legale": 2,
        "azioni legali": 5, "diffida": 5, "tribunale": 4, "advocaat": 4, "rechtszaak": 5, "juridische stappen": 5,
        "ingebrekestelling": 5, "advogado": 4, "processo judicial": 5, "ação judicial": 5, "tribunal de": 3,
        "advokat": 4, "stämning": 4, "rättsliga åtgärder": 5, "tingsrätt": 4, "prawnik": 4, "pozew": 5,
        "sąd": 3, "kroki prawne": 5, "wezwanie do zapłaty": 3, "právník": 4, "advokát": 4, "žaloba": 5,
        "soud": 3, "právní kroky": 5,
    },
    "cancellation": {
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
        "refund": 4, "money back": 4, "reimburse": 4, "reimbursement": 4, "credit note": 3, "repayment": 2,
        "pay back": 3, "charged twice": 2, "paid twice": 2, "return for a refund": 4, "compensation": 2,
        "erstatt": 4, "rückerstattung": 5, "geld zurück": 4, "gutschrift": 3, "rückzahlung": 4,
        "reembolso": 5, "devolución del importe": 4, "devolver el dinero": 4, "rembourse": 5, "avoir": 2,
        "rimborso": 5, "rimbors": 4, "restituzione": 3, "terugbetal": 5, "restitutie": 4, "geld terug": 4,
        "reembolso ": 5, "estorno": 4, "devolução do valor": 4, "återbetalning": 5, "pengarna tillbaka": 4,
        "zwrot pieniędzy": 5, "zwrot": 3, "zwróć": 3, "vrácení peněz": 5, "vrátit peníze": 5, "refundac": 4,
        "chargeback": 2,
    },
    "address_change": {
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
        "invoice": 3, "billing": 2, "charge": 1, "charged": 2, "overcharged": 3, "payment terms": 3, "vat": 2,
        "statement": 1, "rechnung": 3, "abrechnung": 3, "zahlungsziel": 3, "mahnung": 2, "factura": 3,
        "cobro": 2, "facture": 3, "facturation": 3, "fattura": 3, "addebito": 2, "factuur": 3, "fatura": 3,
        "cobrança": 2, "faktura": 3, "fakturan": 3, "betalning": 1, "faktur": 3, "płatnoś": 1, "fakturu": 3,
        "vyúčtování": 3, "platb": 1,
    },
    "sales_lead": {
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
    "fel belopp", "dubbel", "bestrid", "błęd", "nieprawidłow", "podwójn", "chybn", "nesprávn", "dvojit",
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


def contains(text: str, phrases: tuple[str, ...] | list[str]) -> list[str]:
    """The phrases found at word starts in lowercased ``text``."""
    # short phrases must be whole words ("ico" is not "icon"); longer ones may be word prefixes ("refund" in "refunded")
    return [p for p in phrases
            if re.search(r"(?<![\w])" + re.escape(p) + (r"(?![\w])" if len(p) <= 4 else ""), text)]
