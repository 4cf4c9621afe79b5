#!/usr/bin/env python3
"""Generate the iJw 3.2 and iWmo 3.2 XML Schemas used by ijw-gateway.

Usage:
    python3 tools/xsdgen.py xsd/            write all schemas and xsd/SHA256SUMS
    python3 tools/xsdgen.py --check xsd/    regenerate in memory, compare, exit 1 on drift

The schemas are written by the ijw-gateway team from the element trees,
datatypes and code lists of the iJw/iWmo 3.2 specification (see xsd/README.md).
Output is deterministic: running the generator twice gives byte-identical
files.  Standard library only.

Structure of this file:
  1. release metadata (namespaces, versions, BerichtCodes, Root texts)
  2. code lists (enumeration values with their meaning)
  3. LDT_ simple types and CDT_ composite types of the basisschema
  4. message trees in a small indented text notation (heen messages + 325);
     retour messages (302/306/308/316/318/320) are derived from the heen
     trees; iWmo trees are derived from the iJw trees
  5. XML writers
"""

import copy
import hashlib
import os
import sys

# ---------------------------------------------------------------------------
# 1. Release metadata
# ---------------------------------------------------------------------------

XS = "http://www.w3.org/2001/XMLSchema"
RELEASE = "3.2"
RELEASE_PATH = "3_2"
# All appinfo versions (Bericht/Basisschema Xsd Versie, Min, Max).
XSD_VERSION = "1.0.0"

FAMILIES = {
    "ijw": {
        "dir": "ijw",
        "msgprefix": "jw",        # jw301 prefix / namespace segment
        "filecode": "JW",         # JW301.xsd
        "domain": "Jeugdhulp",
    },
    "iwmo": {
        "dir": "iwmo",
        "msgprefix": "wmo",
        "filecode": "WMO",
        "domain": "Wmo",
    },
}

MESSAGES = ["301", "302", "305", "306", "307", "308", "315", "316",
            "317", "318", "319", "320", "323", "325"]

# COD002-VEKTIS Berichtcode per message.
BERICHTCODE = {
    "ijw": {"301": "436", "302": "437", "305": "438", "306": "439",
            "307": "440", "308": "441", "315": "446", "316": "447",
            "317": "486", "318": "487", "319": "488", "320": "489",
            "323": "490", "325": "491"},
    "iwmo": {"301": "414", "302": "415", "305": "418", "306": "419",
             "307": "420", "308": "421", "315": "444", "316": "445",
             "317": "480", "318": "481", "319": "482", "320": "483",
             "323": "484", "325": "485"},
}

# Root documentation ("Naam").  Retour messages carry the text of their
# heenbericht (as seen for WMO302, which repeats the WMO301 text).
ROOT_DOC = {
    "ijw": {
        "301": "Bericht voor de toewijzing van Jeugdhulp aan een aanbieder.",
        "305": "Bericht voor het melden van de start van levering van Jeugdhulp.",
        "307": "Bericht voor het melden van de stop van levering van Jeugdhulp.",
        "315": "Bericht voor het aanvragen van een toewijzing voor Jeugdhulp.",
        "317": "Bericht voor Verzoek om wijziging Jeugdhulp.",
        "319": "Bericht voor antwoordinformatie over het Verzoek om toewijzing "
               "of Verzoek om wijziging Jeugdhulp.",
        "323": "Bericht voor declaratie Jeugdhulp.",
        "325": "Bericht met retourinformatie voor declaratie Jeugdhulp.",
    },
    "iwmo": {
        "301": "Bericht voor de toewijzing van Wmo-ondersteuning aan een aanbieder.",
        "305": "Bericht voor het melden van de start van levering van Wmo-ondersteuning.",
        "307": "Bericht voor het melden van de stop van levering van Wmo-ondersteuning.",
        "315": "Bericht voor het aanvragen van een toewijzing voor Wmo-ondersteuning.",
        "317": "Bericht voor Verzoek om wijziging Wmo-hulp.",
        "319": "Bericht voor antwoordinformatie over het Verzoek om toewijzing "
               "of Verzoek om wijziging Wmo-hulp.",
        "323": "Bericht voor declaratie Wmo-hulp.",
        "325": "Bericht met retourinformatie voor declaratie Wmo-hulp.",
    },
}

# retour -> heen
RETOUR_OF = {"302": "301", "306": "305", "308": "307", "316": "315",
             "318": "317", "320": "319"}

# Messages sent by the gemeente (Afzender LDT_Gemeente, Ontvanger LDT_AgbCode).
# Retours copy the heen header unchanged, so 302/320 follow 301/319.
GEMEENTE_SENDS = {"301", "302", "319", "320", "325"}


def basis_ns(fam):
    return "http://www.istandaarden.nl/%s/%s/basisschema/schema" % (fam, RELEASE_PATH)


def msg_ns(fam, nnn):
    return "http://www.istandaarden.nl/%s/%s/%s%s/schema" % (
        fam, RELEASE_PATH, FAMILIES[fam]["msgprefix"], nnn)


# ---------------------------------------------------------------------------
# 2. Code lists: name -> (title, [(value, meaning), ...])
#    Values are the exact XSD enumeration strings (zero padded).
# ---------------------------------------------------------------------------

CODELISTS = {
    "NUM061": ("Aanduiding woonadres", [
        ("AB", "Aan boord"),
        ("BY", "Bij"),
        ("TO", "Tegenover"),
        ("WW", "Woonwagen"),
    ]),
    "COD757": ("Soort adres", [
        ("01", "BRP-adres"),
        ("02", "Correspondentie-adres"),
        ("03", "Verblijfadres"),
        ("04", "Tijdelijk verblijfadres"),
    ]),
    "COD747": ("Communicatievorm", [
        ("1", "Tolk taal"),
        ("2", "Doventolk"),
        ("3", "Doofblindentolk"),
    ]),
    "COD170": ("Datumgebruik", [
        ("1", "dag onbekend; alleen maand en jaar gebruiken"),
        ("2", "dag en maand onbekend; alleen jaar gebruiken"),
        ("3", "dag, maand en jaar onbekend; onbekende datum"),
    ]),
    "COD043": ("Indicatie debet/credit", [
        ("C", "Creditbedrag en aantal"),
        ("D", "Debetbedrag en aantal"),
    ]),
    "WJ756": ("Eenheid", [
        ("01", "Minuut"),
        ("04", "Uur"),
        ("14", "Etmaal"),
        ("16", "Dagdeel (4 uur)"),
        ("82", "Stuks (output)"),
        ("83", "Euro's"),
        ("84", "Stuks (inspanning)"),
    ]),
    "WMO757": ("Frequentie", [
        ("1", "Per dag"),
        ("2", "Per week"),
        ("4", "Per maand"),
        ("6", "Totaal binnen geldigheidsduur toewijzing"),
    ]),
    "COD046": ("Geslacht", [
        ("0", "Onbekend"),
        ("1", "Mannelijk"),
        ("2", "Vrouwelijk"),
    ]),
    "COD260": ("Ja of nee", [
        ("1", "Ja"),
        ("2", "Nee"),
    ]),
    "WJ232": ("Juridische status", [
        ("01", "Rechterlijke machtiging (rm) voorlopig / voortgezette machtiging"),
        ("02", "RM op eigen verzoek"),
        ("03", "RM met voorwaardelijk ontslag"),
        ("04", "Onder toezichtstelling (ots)"),
        ("05", "In bewaring stelling (ibs)"),
        ("11", "Strafrechterlijke justitiele contacten: tbs"),
        ("12", "Strafrechterlijke justitiele contacten: overig"),
    ]),
    "COD700": ("Naamgebruik", [
        ("1", "Eigen naam"),
        ("2", "Naam echtgenoot of geregistreerd partner of alternatieve naam"),
        ("3", "Naam echtgenoot of geregistreerd partner gevolgd door eigen naam"),
        ("4", "Eigen naam gevolgd door naam echtgenoot of geregistreerd partner"),
        ("5", "Pseudoniem"),
        ("6", "Niet-natuurlijk persoon"),
    ]),
    "JZ020": ("Productcategorie", [
        ("31", "(2015) Zonder verblijf: uitgevoerd door wijk- of buurtteam"),
        ("32", "(2015) Zonder verblijf: ambulante jeugdhulp op locatie van de aanbieder"),
        ("33", "(2015) Zonder verblijf: daghulp op locatie van de aanbieder"),
        ("34", "(2015) Zonder verblijf: jeugdhulp in het netwerk van de jeugdige"),
        ("35", "(2015) Met verblijf: pleegzorg"),
        ("36", "(2015) Met verblijf: gezinsgericht"),
        ("37", "(2015) Met verblijf: gesloten plaatsing"),
        ("38", "(2015) Met verblijf: overig residentieel"),
        ("40", "Persoonlijke verzorging"),
        ("41", "Dagbehandeling"),
        ("42", "Vervoerdiensten"),
        ("43", "Jeugdhulp verblijf (incl. behandeling)"),
        ("44", "Jeugdhulp verblijf (excl. behandeling)"),
        ("45", "Jeugdhulp ambulant"),
        ("46", "Jeugdhulp crisis"),
        ("47", "Jeugdreclassering"),
        ("48", "Jeugdbescherming"),
        ("49", "Activiteiten in het preventief justitieel kader"),
        ("50", "Maatwerkarrangementen jeugd"),
        ("51", "Generalistische basis-ggz"),
        ("52", "Specialistische ggz"),
        ("53", "Kindergeneeskunde"),
        ("54", "Jeugd-ggz"),
        ("55", "Landelijk ingekochte zorg"),
    ]),
    "WMO020": ("Productcategorie", [
        ("01", "Hulp bij het huishouden"),
        ("02", "Begeleiding"),
        ("03", "Persoonlijke verzorging"),
        ("04", "Kortdurend verblijf"),
        ("05", "Woondiensten"),
        ("06", "Overige ondersteuning gericht op het individu of huishouden/gezin"),
        ("07", "Dagbesteding"),
        ("08", "Vervoerdiensten"),
        ("09", "Overige groepsgerichte ondersteuning"),
        ("10", "Overige maatwerk arrangementen"),
        ("11", "Rolstoelen"),
        ("12", "Vervoervoorzieningen"),
        ("13", "Woonvoorzieningen"),
        ("14", "Overige hulpmiddelen"),
        ("15", "Beschermd wonen"),
        ("16", "Opvang"),
        ("17", "Spoedopvang"),
        ("18", "Overige beschermd wonen en opvang"),
    ]),
    "WJ759": ("Reden afwijzing verzoek", [
        ("1", "Geen wijziging, maar nieuwe aanvraag"),
        ("2", "Past niet binnen budget"),
        ("3", "Geen contract"),
        ("4", "Past niet binnen contract"),
        ("5", "Andere gemeente"),
        ("6", "Stapeling"),
        ("7", "Zorginhoudelijke afkeur"),
        ("8", "Woonplaatsbeginsel"),
        ("9", "Leeftijdsgrens is bereikt"),
    ]),
    "JZ588": ("Reden beeindiging", [
        ("02", "Overlijden"),
        ("20", "Levering is tijdelijk beeindigd."),
        ("31", "Levering is volgens plan beeindigd."),
        ("32", "Voortijdig afgesloten: eenzijdig door de client."),
        ("33", "Voortijdig afgesloten: eenzijdig door de aanbieder."),
        ("34", "Voortijdig afgesloten: in overeenstemming."),
        ("35", "Voortijdig afgesloten: wegens externe omstandigheden."),
        ("36", "Geinitieerd door de gemeente"),
        ("37", "In verband met wijzigingsverzoek"),
        ("38", "Overstap naar andere aanbieder"),
        ("39", "Uitstroom naar ander domein"),
    ]),
    "WMO588": ("Reden beeindiging", [
        ("02", "Overlijden"),
        ("19", "Levering volgens plan beeindigd"),
        ("20", "Levering is tijdelijk beeindigd"),
        ("21", "Levering is eenzijdig door client beeindigd"),
        ("22", "Levering is eenzijdig door aanbieder beeindigd"),
        ("23", "Levering is in overeenstemming voortijdig beeindigd"),
        ("31", "Verhuizing naar een andere gemeente"),
        ("36", "Geinitieerd door de gemeente"),
        ("37", "In verband met wijzigingsverzoek"),
        ("38", "Overstap naar andere aanbieder"),
        ("39", "Uitstroom naar ander domein"),
    ]),
    "WJ758": ("Reden verzoek", [
        ("1", "Verandering clientsituatie"),
        ("2", "Wijziging zorgplan"),
    ]),
    # JZ002 (iJw) and WMO002 (iWmo) hold the same values.
    "REDENWIJZIGING": ("Reden wijziging toewijzing", [
        ("01", "Administratieve correctie (vervallen)"),
        ("02", "Client overleden"),
        ("03", "Contractwijziging"),
        ("04", "Herbeoordeling: verlenging toewijzing"),
        ("05", "Herbeoordeling: verkorting toewijzing"),
        ("06", "Uitstroom naar ander domein"),
        ("07", "Verhuizing naar een andere gemeente"),
        ("08", "Wijziging leveringsvorm"),
        ("09", "Overstap naar andere aanbieder"),
        ("10", "Overgang naar nieuwe bekostigingssystematiek"),
        ("11", "Gemeentelijke herindeling"),
        ("12", "Geinitieerd door de aanbieder"),
        ("13", "Verwijderd"),
        ("14", "Administratieve correctie"),
    ]),
    "WJ001": ("Retourcode", [
        ("0001", "Bericht is afgekeurd om technische redenen."),
        ("0200", "Geen opmerking over deze berichtklasse."),
        ("0233", "Berichtklasse is niet beoordeeld."),
        ("0611", "Het ingediende tarief komt niet overeen met het contractuele tarief"),
        ("8001", "Declaratie is volledig toegewezen."),
        ("8017", "Van deze credit prestatie is geen debet prestatie bekend."),
        ("8021", "Referentienummer prestatie is reeds aangeleverd."),
        ("8187", "De prestatie hoort niet bij deze client."),
        ("8214", "DeclaratiePeriode is niet de kalendermaand die volgt op voorgaande "
                 "DeclaratiePeriode terwijl iedere declaratieperiode zorg geleverd is."),
        ("8848", "Dagtekening moet gelijk zijn aan of voor de systeemdatum liggen."),
        ("9019", "Het regie bericht kan niet gekoppeld worden aan een toewijzing."),
        ("9056", "Identificatie moet per berichtsoort uniek zijn voor de verzendende partij."),
        ("9063", "Het bericht kan niet verwerkt worden omdat geen eerder bericht ontvangen is."),
        ("9069", "Er is geen actueel startbericht met dezelfde sleutel."),
        ("9071", "Het eerdere start bericht kan niet verwijderd worden omdat de zorg al "
                 "beeindigd is"),
        ("9074", "Er is al een eerder bericht ontvangen met dezelfde sleutel."),
        ("9307", "Begindatum prestatie ligt niet tussen de ingangsdatum en einddatum toewijzing"),
        ("9308", "Einddatum prestatie ligt niet tussen de ingangsdatum en einddatum toewijzing"),
        ("9319", "De ProductPeriode valt niet geheel binnen een DeclaratiePeriode."),
        ("9321", "Het ingediende volume overschrijdt het toegewezen volume."),
        ("9322", "De som van de ingediende volumes overschrijdt het  toegewezen volume"),
        ("9326", "De actuele levering is nog niet gestopt met een Stopbericht."),
        ("9332", "Toewijzing heeft geen uniek nummer binnen wettelijk domein."),
        ("9333", "Declaratienummer is niet uniek"),
        ("9338", "Niet iedere prestatie in een declaratiebericht is gerelateerd aan een "
                 "toegewezen product op basis van het toewijzingnummer"),
        ("9339", "ProductCategorie in de prestatie is niet gelijk aan ProductCategorie in "
                 "het ToegewezenProduct."),
        ("9340", "ProductCode in de Prestatie is niet gelijk aan ProductCode in het "
                 "ToegewezenProduct."),
        ("9341", "Eenheid in de Prestatie past niet bij Eenheid in het ToegewezenProduct"),
        ("9346", "Eenheid is ongelijk is aan waarde 83 (Euro's), maar IngediendBedrag is "
                 "niet gelijk aan GeleverdVolume vermenigvuldigd met (het onafgeronde) "
                 "ProductTarief."),
        ("9347", "ReferentieAanbieder is niet uniek voor de aanbieder binnen het wettelijk "
                 "domein"),
        ("9349", "Het VOW bericht bevat niet alle actuele toegewezen producten van de "
                 "client, hetzij in OngewijzigdProduct, hetzij in TeWijzigenProduct"),
        ("9350", "OngewijzigdProduct is niet gerelateerd aan een actueel toegewezen "
                 "product op basis van het toewijzingnummer."),
        ("9351", "TeWijzigenProduct is niet gerelateerd aan een actuele toewijzing op "
                 "basis van ToewijzingNummer."),
        ("9355", "ReferentieAanbieder in het antwoordbericht komt niet voor in een eerder "
                 "verzoek om toewijzing of verzoek om wijziging"),
        ("9357", "GewensteIngangsdatum is kleiner dan of gelijk aan de dagtekening, maar "
                 "niet gelijk aan de ingangsdatum van het originele ToegewezenProduct."),
        ("9359", "Er is al een toewijzing gestuurd met deze ReferentieAanbieder."),
        ("9360", "Er is al een antwoordbericht met deze ReferentieAanbieder, terwijl "
                 "antwoordbericht in VerzoekAntwoord waarde 2 (aanvraag in onderzoek) heeft."),
        ("9361", "Het product komt vaker voor met overlappende zorgperiodes."),
        ("9365", "Er is al een antwoordbericht met dezelfde ReferentieAanbieder waar "
                 "VerzoekAntwoord niet de waarde 'Aanvraag in onderzoek' heeft."),
        ("9366", "ProductReferentie komt niet voor in een Declaratiebericht"),
        ("9367", "De waarde komt niet overeen met de waarde uit heenbericht met gelijke "
                 "ProductReferentie"),
        ("9369", "Budget is meegegeven, maar de som van GeleverdVolume in alle ingediende "
                 "Prestaties passen niet binnen het toegewezen Budget."),
        ("9373", "Budget is gewijzigd, maar GewensteIngangsdatum is niet gelijk aan die in "
                 "de actuele toewijzing"),
        ("9374", "Er is al een verzoek onderhanden."),
        ("9375", "Omvang is gevuld, terwijl Product in toewijzing met ToewijzingNummer leeg "
                 "is en Einddatum groter dan 31-12-2020 of leeg is"),
        ("9379", "ReferentieAanbieder refereert niet naar een verzoek om toewijzing of "
                 "verzoek om wijziging, is onterecht gevuld"),
        ("9384", "Declaratie op toewijzing met RedenWijziging \"13\" (Verwijderd)"),
        ("9385", "Toewijzing heeft goedgekeurde declaratieregels"),
        ("9387", "Begindatum van de ProductPeriode is niet eerste dag van de kalendermaand "
                 "waarop ProductPeriode betrekking heeft en Ingangsdatum van de toewijzing "
                 "ligt niet later in deze betreffende maand"),
        ("9388", "Einddatum van de ProductPeriode is niet laatste dag van de kalendermaand "
                 "waarop ProductPeriode betrekking heeft en Einddatum van de toewijzing ligt "
                 "niet eerder in deze betreffende maand."),
        ("9389", "Deze prestatie heeft een debetprestatie zonder bijbehorende "
                 "creditprestatie"),
        ("9390", "Er is al een Prestatie met gelijk ProductReferentie met waarde Credit"),
        ("9411", "Omvang is leeg, terwijl Code in Product bij de toewijzing met "
                 "ToewijzingNummer gevuld is."),
        ("9412", "Omvang is niet leeg, terwijl Code in Product bij de toewijzing met "
                 "ToewijzingNummer leeg is en einddatum groter dan 31-12-2020 of leeg is"),
        ("9413", "StatusAanlevering is waarde 1 of 2 en RedenBeeindiging heeft waarde 20, "
                 "terwijl er al een ander StopProduct met hetzelfde Bsn, ToewijzingNummer, "
                 "Begindatum en RedenBeeindiging waarde 20 is."),
        ("9414", "Einddatum is niet >= aan Einddatum uit actuele StopProduct met gelijk Bsn, "
                 "ToewijzingNummer en Begindatum"),
        ("9415", "Er is al een StopProduct met gelijk Bsn, ToewijzingNummer, Begindatum en "
                 "RedenBeeindiging <> waarde 20 en StatusAanlevering heeft waarde 1 of 2."),
        ("S300", "Gemeentecode komt niet voor in de lijst van CBS."),
        ("S329", "ProductCode hoort niet bij de ProductCategorie."),
    ]),
    "COD472": ("Soort relatie", [
        ("03", "Curator (juridisch)"),
        ("04", "Financieel (gemachtigd)"),
        ("05", "Financieel (toetsing)"),
        ("06", "Leefeenheid"),
        ("07", "Hulpverlener"),
        ("08", "Specialist"),
        ("09", "Anders"),
        ("10", "Ouder"),
        ("11", "Voogd"),
        ("12", "Partner/echtgeno(o)t(e)"),
        ("13", "Pleegouder"),
        ("14", "Bewindvoerder"),
        ("15", "Mentor"),
        ("16", "Zoon/dochter"),
        ("17", "Familielid"),
        ("18", "Gezinslid"),
        ("19", "Buur"),
        ("20", "Vriend(in)/kennis"),
        ("21", "Clientondersteuner"),
        ("22", "Huisarts"),
        ("23", "Erven van"),
        ("24", "Werkgever"),
        ("25", "Wijkcoach"),
    ]),
    "COD467": ("Status aanlevering", [
        ("1", "Eerste aanlevering"),
        ("2", "Gewijzigde aanlevering"),
        ("3", "Verwijderen aanlevering"),
        ("9", "Niet van toepassing (ongewijzigd)"),
    ]),
    "COD327": ("Code verwijzer", [
        ("01", "Gemeente"),
        ("02", "Huisarts"),
        ("03", "Jeugdarts"),
        ("04", "Gecertificeerde instelling"),
        ("05", "Medisch specialist"),
        ("06", "Zelfverwijzer/geen verwijzer"),
        ("08", "Rechter, Officier van Justitie, functionaris Justitiele jeugdinrichting"),
    ]),
    "WJ760": ("Verzoek antwoord", [
        ("1", "Verzoek afgewezen"),
        ("2", "Aanvraag in onderzoek"),
    ]),
    "WJ003": ("Wettelijke vertegenwoordiging", [
        ("06", "Voogdij"),
        ("07", "Bewindvoering"),
        ("08", "Mentorschap"),
        ("09", "Onder curatele stelling"),
        ("10", "Zaakwaarneming"),
    ]),
    # ISO 3166-1 alpha-2, written by the team; names in the upper-case,
    # diacritic-free style of COD032 (NEDERLAND, BELGIE, DUITSLAND).
    # NOT verified against the official COD032 list, see xsd/README.md.
    "COD032": ("Land", [
        ("AD", "ANDORRA"), ("AE", "VERENIGDE ARABISCHE EMIRATEN"),
        ("AF", "AFGHANISTAN"), ("AG", "ANTIGUA EN BARBUDA"), ("AI", "ANGUILLA"),
        ("AL", "ALBANIE"), ("AM", "ARMENIE"), ("AO", "ANGOLA"), ("AQ", "ANTARCTICA"),
        ("AR", "ARGENTINIE"), ("AS", "AMERIKAANS-SAMOA"), ("AT", "OOSTENRIJK"),
        ("AU", "AUSTRALIE"), ("AW", "ARUBA"), ("AX", "ALANDEILANDEN"),
        ("AZ", "AZERBEIDZJAN"),
        ("BA", "BOSNIE EN HERZEGOVINA"), ("BB", "BARBADOS"), ("BD", "BANGLADESH"),
        ("BE", "BELGIE"), ("BF", "BURKINA FASO"), ("BG", "BULGARIJE"),
        ("BH", "BAHREIN"), ("BI", "BURUNDI"), ("BJ", "BENIN"),
        ("BL", "SAINT-BARTHELEMY"), ("BM", "BERMUDA"), ("BN", "BRUNEI"),
        ("BO", "BOLIVIA"), ("BQ", "BONAIRE, SINT EUSTATIUS EN SABA"),
        ("BR", "BRAZILIE"), ("BS", "BAHAMA'S"), ("BT", "BHUTAN"),
        ("BV", "BOUVETEILAND"), ("BW", "BOTSWANA"), ("BY", "BELARUS"),
        ("BZ", "BELIZE"),
        ("CA", "CANADA"), ("CC", "COCOSEILANDEN"),
        ("CD", "CONGO, DEMOCRATISCHE REPUBLIEK"), ("CF", "CENTRAAL-AFRIKAANSE REPUBLIEK"),
        ("CG", "CONGO"), ("CH", "ZWITSERLAND"), ("CI", "IVOORKUST"),
        ("CK", "COOKEILANDEN"), ("CL", "CHILI"), ("CM", "KAMEROEN"), ("CN", "CHINA"),
        ("CO", "COLOMBIA"), ("CR", "COSTA RICA"), ("CU", "CUBA"),
        ("CV", "KAAPVERDIE"), ("CW", "CURACAO"), ("CX", "CHRISTMASEILAND"),
        ("CY", "CYPRUS"), ("CZ", "TSJECHIE"),
        ("DE", "DUITSLAND"), ("DJ", "DJIBOUTI"), ("DK", "DENEMARKEN"),
        ("DM", "DOMINICA"), ("DO", "DOMINICAANSE REPUBLIEK"), ("DZ", "ALGERIJE"),
        ("EC", "ECUADOR"), ("EE", "ESTLAND"), ("EG", "EGYPTE"),
        ("EH", "WESTELIJKE SAHARA"), ("ER", "ERITREA"), ("ES", "SPANJE"),
        ("ET", "ETHIOPIE"),
        ("FI", "FINLAND"), ("FJ", "FIJI"), ("FK", "FALKLANDEILANDEN"),
        ("FM", "MICRONESIA"), ("FO", "FAEROER"), ("FR", "FRANKRIJK"),
        ("GA", "GABON"), ("GB", "VERENIGD KONINKRIJK"), ("GD", "GRENADA"),
        ("GE", "GEORGIE"), ("GF", "FRANS-GUYANA"), ("GG", "GUERNSEY"),
        ("GH", "GHANA"), ("GI", "GIBRALTAR"), ("GL", "GROENLAND"), ("GM", "GAMBIA"),
        ("GN", "GUINEE"), ("GP", "GUADELOUPE"), ("GQ", "EQUATORIAAL-GUINEA"),
        ("GR", "GRIEKENLAND"),
        ("GS", "ZUID-GEORGIA EN DE ZUIDELIJKE SANDWICHEILANDEN"),
        ("GT", "GUATEMALA"), ("GU", "GUAM"), ("GW", "GUINEE-BISSAU"),
        ("GY", "GUYANA"),
        ("HK", "HONGKONG"), ("HM", "HEARD EN MCDONALDEILANDEN"), ("HN", "HONDURAS"),
        ("HR", "KROATIE"), ("HT", "HAITI"), ("HU", "HONGARIJE"),
        ("ID", "INDONESIE"), ("IE", "IERLAND"), ("IL", "ISRAEL"), ("IM", "MAN"),
        ("IN", "INDIA"), ("IO", "BRITS INDISCHE OCEAANTERRITORIUM"), ("IQ", "IRAK"),
        ("IR", "IRAN"), ("IS", "IJSLAND"), ("IT", "ITALIE"),
        ("JE", "JERSEY"), ("JM", "JAMAICA"), ("JO", "JORDANIE"), ("JP", "JAPAN"),
        ("KE", "KENIA"), ("KG", "KIRGIZIE"), ("KH", "CAMBODJA"), ("KI", "KIRIBATI"),
        ("KM", "COMOREN"), ("KN", "SAINT KITTS EN NEVIS"), ("KP", "NOORD-KOREA"),
        ("KR", "ZUID-KOREA"), ("KW", "KOEWEIT"), ("KY", "KAAIMANEILANDEN"),
        ("KZ", "KAZACHSTAN"),
        ("LA", "LAOS"), ("LB", "LIBANON"), ("LC", "SAINT LUCIA"),
        ("LI", "LIECHTENSTEIN"), ("LK", "SRI LANKA"), ("LR", "LIBERIA"),
        ("LS", "LESOTHO"), ("LT", "LITOUWEN"), ("LU", "LUXEMBURG"), ("LV", "LETLAND"),
        ("LY", "LIBIE"),
        ("MA", "MAROKKO"), ("MC", "MONACO"), ("MD", "MOLDAVIE"), ("ME", "MONTENEGRO"),
        ("MF", "SINT-MAARTEN (FRANS DEEL)"), ("MG", "MADAGASKAR"),
        ("MH", "MARSHALLEILANDEN"), ("MK", "NOORD-MACEDONIE"), ("ML", "MALI"),
        ("MM", "MYANMAR"), ("MN", "MONGOLIE"), ("MO", "MACAU"),
        ("MP", "NOORDELIJKE MARIANEN"), ("MQ", "MARTINIQUE"), ("MR", "MAURITANIE"),
        ("MS", "MONTSERRAT"), ("MT", "MALTA"), ("MU", "MAURITIUS"),
        ("MV", "MALDIVEN"), ("MW", "MALAWI"), ("MX", "MEXICO"), ("MY", "MALEISIE"),
        ("MZ", "MOZAMBIQUE"),
        ("NA", "NAMIBIE"), ("NC", "NIEUW-CALEDONIE"), ("NE", "NIGER"),
        ("NF", "NORFOLK"), ("NG", "NIGERIA"), ("NI", "NICARAGUA"),
        ("NL", "NEDERLAND"), ("NO", "NOORWEGEN"), ("NP", "NEPAL"), ("NR", "NAURU"),
        ("NU", "NIUE"), ("NZ", "NIEUW-ZEELAND"),
        ("OM", "OMAN"),
        ("PA", "PANAMA"), ("PE", "PERU"), ("PF", "FRANS-POLYNESIE"),
        ("PG", "PAPOEA-NIEUW-GUINEA"), ("PH", "FILIPIJNEN"), ("PK", "PAKISTAN"),
        ("PL", "POLEN"), ("PM", "SAINT-PIERRE EN MIQUELON"), ("PN", "PITCAIRNEILANDEN"),
        ("PR", "PUERTO RICO"), ("PS", "PALESTINA"), ("PT", "PORTUGAL"), ("PW", "PALAU"),
        ("PY", "PARAGUAY"),
        ("QA", "QATAR"),
        ("RE", "REUNION"), ("RO", "ROEMENIE"), ("RS", "SERVIE"), ("RU", "RUSLAND"),
        ("RW", "RWANDA"),
        ("SA", "SAOEDI-ARABIE"), ("SB", "SALOMONSEILANDEN"), ("SC", "SEYCHELLEN"),
        ("SD", "SOEDAN"), ("SE", "ZWEDEN"), ("SG", "SINGAPORE"),
        ("SH", "SINT-HELENA, ASCENSION EN TRISTAN DA CUNHA"), ("SI", "SLOVENIE"),
        ("SJ", "SPITSBERGEN EN JAN MAYEN"), ("SK", "SLOWAKIJE"),
        ("SL", "SIERRA LEONE"), ("SM", "SAN MARINO"), ("SN", "SENEGAL"),
        ("SO", "SOMALIE"), ("SR", "SURINAME"), ("SS", "ZUID-SOEDAN"),
        ("ST", "SAO TOME EN PRINCIPE"), ("SV", "EL SALVADOR"), ("SX", "SINT MAARTEN"),
        ("SY", "SYRIE"), ("SZ", "ESWATINI"),
        ("TC", "TURKS- EN CAICOSEILANDEN"), ("TD", "TSJAAD"),
        ("TF", "FRANSE ZUIDELIJKE EN ANTARCTISCHE GEBIEDEN"), ("TG", "TOGO"),
        ("TH", "THAILAND"), ("TJ", "TADZJIKISTAN"), ("TK", "TOKELAU"),
        ("TL", "OOST-TIMOR"), ("TM", "TURKMENISTAN"), ("TN", "TUNESIE"),
        ("TO", "TONGA"), ("TR", "TURKIJE"), ("TT", "TRINIDAD EN TOBAGO"),
        ("TV", "TUVALU"), ("TW", "TAIWAN"), ("TZ", "TANZANIA"),
        ("UA", "OEKRAINE"), ("UG", "OEGANDA"),
        ("UM", "KLEINE AFGELEGEN EILANDEN VAN DE VERENIGDE STATEN"),
        ("US", "VERENIGDE STATEN"), ("UY", "URUGUAY"), ("UZ", "OEZBEKISTAN"),
        ("VA", "VATICAANSTAD"), ("VC", "SAINT VINCENT EN DE GRENADINES"),
        ("VE", "VENEZUELA"), ("VG", "BRITSE MAAGDENEILANDEN"),
        ("VI", "AMERIKAANSE MAAGDENEILANDEN"), ("VN", "VIETNAM"), ("VU", "VANUATU"),
        ("WF", "WALLIS EN FUTUNA"), ("WS", "SAMOA"),
        ("YE", "JEMEN"), ("YT", "MAYOTTE"),
        ("ZA", "ZUID-AFRIKA"), ("ZM", "ZAMBIA"), ("ZW", "ZIMBABWE"),
    ]),
}

# Expected sizes (spec §3/§4); checked at generation time.
CODELIST_SIZE = {
    "NUM061": 4, "COD757": 4, "COD747": 3, "COD170": 3, "COD043": 2,
    "WJ756": 7, "WMO757": 4, "COD046": 3, "COD260": 2, "WJ232": 7,
    "COD700": 6, "JZ020": 24, "WMO020": 18, "WJ759": 9, "JZ588": 11,
    "WMO588": 11, "WJ758": 2, "REDENWIJZIGING": 14, "WJ001": 59,
    "COD472": 23, "COD467": 4, "COD327": 7, "WJ760": 2, "WJ003": 5,
    "COD032": 249,
}

# Code list per family for the family-specific enumerations.
FAMILY_CODELIST = {
    "ijw": {"PRODUCTCATEGORIE": "JZ020", "REDENBEEINDIGING": "JZ588",
            "REDENWIJZIGING": "JZ002"},
    "iwmo": {"PRODUCTCATEGORIE": "WMO020", "REDENBEEINDIGING": "WMO588",
             "REDENWIJZIGING": "WMO002"},
}

# ---------------------------------------------------------------------------
# 3. Basisschema types
# ---------------------------------------------------------------------------

NOSPACE = r".*[^\s].*"          # RS033: geen lege elementen
VERSIE = r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"   # RS048

# name: (base, facets, codelist).  Facet keys: minLength maxLength pattern
# minInclusive maxInclusive.  codelist: key of CODELISTS or an upper-case
# alias resolved per family via FAMILY_CODELIST.
LDT = {
    "LDT_AanduidingWoonadres": ("string", {"maxLength": 2}, "NUM061"),
    "LDT_AdresSoort": ("string", {"maxLength": 2}, "COD757"),
    "LDT_AgbCode": ("string", {"minLength": 1, "maxLength": 8, "pattern": "[0-9]{8}"}, None),
    "LDT_Bedrag": ("integer", {"minInclusive": 0, "maxInclusive": 99999999}, None),
    "LDT_BerichtCode": ("string", {"minLength": 1, "maxLength": 3}, None),
    "LDT_BerichtSubversie": ("integer", {"minInclusive": 0, "maxInclusive": 99}, None),
    "LDT_BerichtVersie": ("integer", {"minInclusive": 0, "maxInclusive": 99}, None),
    "LDT_Budget": ("integer", {"minInclusive": 0, "maxInclusive": 99999999}, None),
    "LDT_BurgerServicenummer": ("string", {"minLength": 1, "maxLength": 9,
                                           "pattern": "[0-9]{9}"}, None),
    "LDT_Commentaar": ("string", {"minLength": 1, "pattern": r"([.\s]*\S+[.\s]*)+"}, None),
    "LDT_Communicatievorm": ("string", {"maxLength": 1}, "COD747"),
    "LDT_Datum": ("date", {"pattern": "[^:Z]*"}, None),
    "LDT_DatumGebruik": ("string", {"maxLength": 1}, "COD170"),
    "LDT_DebetCredit": ("string", {"maxLength": 1}, "COD043"),
    "LDT_Eenheid": ("string", {"maxLength": 2}, "WJ756"),
    "LDT_Emailadres": ("string", {"minLength": 1, "maxLength": 80, "pattern": NOSPACE}, None),
    "LDT_Frequentie": ("string", {"maxLength": 1}, "WMO757"),
    "LDT_Gemeente": ("string", {"minLength": 1, "pattern": "[0-9]{4}"}, None),
    "LDT_Geslacht": ("string", {"maxLength": 1}, "COD046"),
    "LDT_Huisletter": ("string", {"minLength": 1, "maxLength": 1, "pattern": NOSPACE}, None),
    "LDT_Huisnummer": ("integer", {"minInclusive": 0, "maxInclusive": 99999}, None),
    "LDT_HuisnummerToevoeging": ("string", {"minLength": 1, "maxLength": 4,
                                            "pattern": NOSPACE}, None),
    "LDT_IdentificatieBericht": ("string", {"minLength": 1, "maxLength": 12,
                                            "pattern": NOSPACE}, None),
    "LDT_IdentificatieDeclaratie": ("string", {"minLength": 1, "maxLength": 12}, None),
    "LDT_JaNee": ("string", {"maxLength": 1}, "COD260"),
    "LDT_JuridischeStatus": ("string", {"maxLength": 2}, "WJ232"),
    "LDT_LandCode": ("string", {"maxLength": 2}, "COD032"),
    "LDT_Landnummer": ("string", {"minLength": 1, "maxLength": 4, "pattern": NOSPACE}, None),
    "LDT_Naam": ("string", {"minLength": 1, "maxLength": 200, "pattern": NOSPACE}, None),
    "LDT_NaamGebruik": ("string", {"maxLength": 1}, "COD700"),
    "LDT_NaamVerwijzer": ("string", {"minLength": 1, "maxLength": 64, "pattern": NOSPACE}, None),
    "LDT_Nummer": ("integer", {"minInclusive": 0, "maxInclusive": 999999999}, None),
    "LDT_Organisatienaam": ("string", {"minLength": 1, "maxLength": 35,
                                       "pattern": NOSPACE}, None),
    "LDT_Persoonsid": ("string", {"minLength": 1, "maxLength": 20, "pattern": NOSPACE}, None),
    "LDT_Plaatsnaam": ("string", {"minLength": 1, "maxLength": 80, "pattern": NOSPACE}, None),
    "LDT_Postcode": ("string", {"minLength": 1, "maxLength": 8, "pattern": NOSPACE}, None),
    "LDT_ProductCategorie": ("string", {"maxLength": 2}, "PRODUCTCATEGORIE"),
    "LDT_ProductCode": ("string", {"minLength": 1, "maxLength": 5, "pattern": NOSPACE}, None),
    "LDT_RedenAfwijzingVerzoek": ("string", {"maxLength": 2}, "WJ759"),
    "LDT_RedenBeeindiging": ("string", {"maxLength": 2}, "REDENBEEINDIGING"),
    "LDT_RedenVerzoek": ("string", {"maxLength": 1}, "WJ758"),
    "LDT_RedenWijziging": ("string", {"maxLength": 2}, "REDENWIJZIGING"),
    "LDT_Referentie": ("string", {"minLength": 1, "maxLength": 36, "pattern": NOSPACE}, None),
    "LDT_ReferentieNummer": ("string", {"minLength": 1, "maxLength": 20}, None),
    "LDT_RelatieVolgorde": ("integer", {"minInclusive": 0, "maxInclusive": 99}, None),
    "LDT_RetourCode": ("string", {"maxLength": 4}, "WJ001"),
    "LDT_SoortRelatie": ("string", {"maxLength": 2}, "COD472"),
    "LDT_StatusAanlevering": ("string", {"maxLength": 1}, "COD467"),
    "LDT_Straatnaam": ("string", {"minLength": 1, "maxLength": 24, "pattern": NOSPACE}, None),
    "LDT_Taal": ("string", {"minLength": 1, "maxLength": 25, "pattern": NOSPACE}, None),
    "LDT_Telefoonnummer": ("string", {"minLength": 1, "maxLength": 15,
                                      "pattern": "[0-9]*"}, None),
    "LDT_Tijd": ("time", {"pattern": "[^Z+-]+"}, None),
    "LDT_TotaalBedrag": ("integer", {"minInclusive": 0, "maxInclusive": 999999999999}, None),
    "LDT_TypeVerwijzer": ("string", {"maxLength": 2}, "COD327"),
    "LDT_Versie": ("string", {"minLength": 1, "pattern": VERSIE}, None),
    "LDT_VerzoekAntwoord": ("string", {"maxLength": 1}, "WJ760"),
    "LDT_Volume": ("integer", {"minInclusive": 0, "maxInclusive": 99999999}, None),
    "LDT_Voorletters": ("string", {"minLength": 1, "maxLength": 6,
                                   "pattern": "([a-zA-Z\u00c0-\u1ef3])+"}, None),
    "LDT_Voorvoegsel": ("string", {"minLength": 1, "maxLength": 10, "pattern": NOSPACE}, None),
    "LDT_WettelijkeVertegenwoordiging": ("string", {"maxLength": 2}, "WJ003"),
}

FACET_ORDER = ["minLength", "maxLength", "pattern", "minInclusive", "maxInclusive"]

# CDT_ composite types: name -> "Element card Type; ..." (card: 1 = 1..1, ? = 0..1)
CDT = {
    "CDT_Achternaam": "Achternaam 1 LDT_Naam; Voorvoegsel ? LDT_Voorvoegsel",
    "CDT_Adres": "Huis ? CDT_Huis; Postcode ? LDT_Postcode; Straatnaam ? LDT_Straatnaam; "
                 "Plaatsnaam ? LDT_Plaatsnaam; LandCode ? LDT_LandCode",
    "CDT_BedragMetDC": "Bedrag 1 LDT_Bedrag; DebetCredit 1 LDT_DebetCredit",
    "CDT_BerichtIdentificatie": "Identificatie 1 LDT_IdentificatieBericht; "
                                "Dagtekening 1 LDT_Datum",
    "CDT_Communicatie": "Vorm 1 LDT_Communicatievorm; Taal ? LDT_Taal",
    "CDT_Geboortedatum": "Datum 1 LDT_Datum; DatumGebruik ? LDT_DatumGebruik",
    "CDT_GeslotenPeriode": "Begindatum 1 LDT_Datum; Einddatum 1 LDT_Datum",
    "CDT_Huis": "Huisnummer 1 LDT_Huisnummer; Huisletter ? LDT_Huisletter; "
                "HuisnummerToevoeging ? LDT_HuisnummerToevoeging; "
                "AanduidingWoonadres ? LDT_AanduidingWoonadres",
    "CDT_Omvang": "Volume 1 LDT_Volume; Eenheid 1 LDT_Eenheid; Frequentie 1 LDT_Frequentie",
    "CDT_OpenPeriode": "Begindatum ? LDT_Datum; Einddatum ? LDT_Datum",
    "CDT_Product": "Categorie 1 LDT_ProductCategorie; Code ? LDT_ProductCode",
    "CDT_Referentie": "ReferentieNummer 1 LDT_ReferentieNummer; "
                      "VorigReferentieNummer ? LDT_ReferentieNummer",
    "CDT_Telefoon": "Telefoonnummer 1 LDT_Telefoonnummer; Landnummer 1 LDT_Landnummer",
    "CDT_Telefoonnummers": "Telefoon01 1 CDT_Telefoon; Telefoon02 ? CDT_Telefoon",
    "CDT_TotaalBedragMetDC": "TotaalBedrag 1 LDT_TotaalBedrag; DebetCredit 1 LDT_DebetCredit",
    "CDT_VerkorteNaam": "Geslachtsnaam 1 CDT_Achternaam; Voornamen ? LDT_Naam; "
                        "Voorletters ? LDT_Voorletters",
    "CDT_Verwijzer": "Type 1 LDT_TypeVerwijzer; Naam ? LDT_NaamVerwijzer; "
                     "ZorgverlenerCode ? LDT_AgbCode",
    "CDT_VolledigeNaam": "Geslachtsnaam 1 CDT_Achternaam; Partnernaam ? CDT_Achternaam; "
                         "Voornamen ? LDT_Naam; Voorletters ? LDT_Voorletters; "
                         "NaamGebruik 1 LDT_NaamGebruik",
    "CDT_XsdVersie": "BasisschemaXsdVersie 1 LDT_Versie; BerichtXsdVersie 1 LDT_Versie",
}

# ---------------------------------------------------------------------------
# 4. Message trees
#
# One line per element: "Name  min..max  [Type] [pattern "..."]", two spaces
# of indentation per level.  No type = message-local complexType named after
# the element.  The Header is added by build_message().
# ---------------------------------------------------------------------------

_CONTACT = """
Soort                 1..1  LDT_AdresSoort
Adres                 0..1  CDT_Adres
Organisatie           0..1  LDT_Organisatienaam
Telefoon              0..1  CDT_Telefoonnummers
Emailadres            0..1  LDT_Emailadres
Periode               0..1  CDT_OpenPeriode
"""


def _indent(text, levels):
    pad = "  " * levels
    return "\n".join(pad + ln for ln in text.strip("\n").split("\n"))


BODY = {}

BODY["301"] = """
Client                              1..1
  Bsn                               1..1  LDT_BurgerServicenummer
  Geboortedatum                     1..1  CDT_Geboortedatum
  Geslacht                          1..1  LDT_Geslacht
  Naam                              1..1  CDT_VolledigeNaam
  Communicatie                      0..1  CDT_Communicatie
  JuridischeStatus                  0..1  LDT_JuridischeStatus
  WettelijkeVertegenwoordiging      0..1  LDT_WettelijkeVertegenwoordiging
  Commentaar                        0..1  LDT_Commentaar
  Relaties                          0..1
    Relatie                         1..n
      Nummer                        1..1  LDT_Persoonsid
      Volgorde                      0..1  LDT_RelatieVolgorde
      Soort                         1..1  LDT_SoortRelatie
      Geboortedatum                 0..1  CDT_Geboortedatum
      Geslacht                      0..1  LDT_Geslacht
      Naam                          1..1  CDT_VolledigeNaam
      Contact                       1..1
%s
  Contactgegevens                   1..1
    Contact                         1..n
%s
  ToegewezenProducten               1..1
    ToegewezenProduct               1..n
      ToewijzingNummer              1..1  LDT_Nummer
      ReferentieAanbieder           0..1  LDT_Referentie
      Product                       0..1  CDT_Product
      Toewijzingsdatum              1..1  LDT_Datum
      Toewijzingstijd               1..1  LDT_Tijd
      Ingangsdatum                  1..1  LDT_Datum
      Einddatum                     0..1  LDT_Datum
      RedenWijziging                0..1  LDT_RedenWijziging
      Omvang                        0..1  CDT_Omvang
      Budget                        0..1  LDT_Budget
      Commentaar                    0..1  LDT_Commentaar
""" % (_indent(_CONTACT, 4), _indent(_CONTACT, 3))

BODY["305"] = """
Client                              1..1
  Bsn                               1..1  LDT_BurgerServicenummer
  Geboortedatum                     1..1  CDT_Geboortedatum
  Geslacht                          1..1  LDT_Geslacht
  Naam                              1..1  CDT_VerkorteNaam
  StartProducten                    1..1
    StartProduct                    1..n
      ToewijzingNummer              0..1  LDT_Nummer
      Product                       0..1  CDT_Product
      ToewijzingIngangsdatum        0..1  LDT_Datum
      Begindatum                    1..1  LDT_Datum
      StatusAanlevering             1..1  LDT_StatusAanlevering
"""

BODY["307"] = """
Client                              1..1
  Bsn                               1..1  LDT_BurgerServicenummer
  Geboortedatum                     1..1  CDT_Geboortedatum
  Geslacht                          1..1  LDT_Geslacht
  Naam                              1..1  CDT_VerkorteNaam
  StopProducten                     1..1
    StopProduct                     1..n
      ToewijzingNummer              0..1  LDT_Nummer
      Product                       0..1  CDT_Product
      ToewijzingIngangsdatum        0..1  LDT_Datum
      Begindatum                    1..1  LDT_Datum
      RedenBeeindiging              1..1  LDT_RedenBeeindiging
      Einddatum                     1..1  LDT_Datum
      StatusAanlevering             1..1  LDT_StatusAanlevering
"""

BODY["315"] = """
Client                              1..1
  Bsn                               1..1  LDT_BurgerServicenummer
  Geboortedatum                     1..1  CDT_Geboortedatum
  Geslacht                          1..1  LDT_Geslacht
  Naam                              1..1  CDT_VerkorteNaam
  GezagsdragerBekend                0..1  LDT_JaNee
  Commentaar                        0..1  LDT_Commentaar
  AangevraagdeProducten             1..1
    AangevraagdProduct              1..n
      ReferentieAanbieder           1..1  LDT_Referentie
      BeschikkingNummer             0..1  LDT_Nummer
      Product                       0..1  CDT_Product
      BeschikkingIngangsdatum       0..1  LDT_Datum
      ToewijzingIngangsdatum        1..1  LDT_Datum
      ToewijzingEinddatum           0..1  LDT_Datum
      Omvang                        0..1  CDT_Omvang
      Budget                        0..1  LDT_Budget
      Verwijzer                     1..1  CDT_Verwijzer
      Raamcontract                  0..1  LDT_JaNee
      Commentaar                    0..1  LDT_Commentaar
"""

BODY["317"] = """
Client                              1..1
  Bsn                               1..1  LDT_BurgerServicenummer
  Verzoek                           1..1
    ReferentieAanbieder             1..1  LDT_Referentie
    RedenVerzoek                    1..1  LDT_RedenVerzoek
    OngewijzigdeProducten           0..1
      OngewijzigdProduct            1..n
        ToewijzingNummer            1..1  LDT_Nummer
    TeWijzigenProducten             0..1
      TeWijzigenProduct             1..n
        ToewijzingNummer            1..1  LDT_Nummer
        GewensteIngangsdatum        1..1  LDT_Datum
        Einddatum                   0..1  LDT_Datum
        Omvang                      0..1  CDT_Omvang
        Budget                      0..1  LDT_Budget
    NieuweProducten                 0..1
      NieuwProduct                  1..n
        Product                     0..1  CDT_Product
        GewensteIngangsdatum        1..1  LDT_Datum
        Einddatum                   0..1  LDT_Datum
        Omvang                      0..1  CDT_Omvang
        Budget                      0..1  LDT_Budget
"""

BODY["319"] = """
Antwoord                            1..1
  ReferentieAanbieder               1..1  LDT_Referentie
  VerzoekAntwoord                   1..1  LDT_VerzoekAntwoord
  RedenAfwijzingVerzoek             0..1  LDT_RedenAfwijzingVerzoek
  Woonplaatsbeginsel                0..1
    Gemeente                        1..1  LDT_Gemeente
"""

BODY["323"] = """
Declaratie                          1..1
  DeclaratieNummer                  1..1  LDT_IdentificatieDeclaratie pattern "([a-zA-Z0-9])+"
  DeclaratiePeriode                 1..1  CDT_GeslotenPeriode
  DeclaratieDagtekening             1..1  LDT_Datum
  TotaalIngediendBedrag             1..1  CDT_TotaalBedragMetDC
  Clienten                          1..1
    Client                          1..n
      Bsn                           1..1  LDT_BurgerServicenummer
      Prestaties                    1..1
        Prestatie                   1..n
          ProductReferentie         1..1  CDT_Referentie
          ToewijzingNummer          1..1  LDT_Nummer
          ProductCategorie          1..1  LDT_ProductCategorie
          ProductCode               1..1  LDT_ProductCode
          ProductPeriode            1..1  CDT_GeslotenPeriode
          GeleverdVolume            1..1  LDT_Volume
          Eenheid                   1..1  LDT_Eenheid
          ProductTarief             0..1  LDT_Bedrag
          IngediendBedrag           1..1  CDT_BedragMetDC
"""

# The 325 is not a derived retour: its body differs from the 323.
_RC = """
RetourCodes                         1..1
  RetourCode                        1..n  LDT_RetourCode
"""

BODY["325"] = """
DeclaratieAntwoord                  0..1
  DeclaratieNummer                  1..1  LDT_IdentificatieDeclaratie
  TotaalIngediendBedrag             1..1  CDT_TotaalBedragMetDC
  TotaalToegekendBedrag             1..1  CDT_TotaalBedragMetDC
  Clienten                          0..1
    Client                          1..n
      Bsn                           1..1  LDT_BurgerServicenummer
      Prestaties                    1..1
        Prestatie                   1..n
          ProductReferentie         1..1  CDT_Referentie
          ToewijzingNummer          1..1  LDT_Nummer
          ProductCategorie          1..1  LDT_ProductCategorie
          ProductCode               1..1  LDT_ProductCode
          ProductPeriode            1..1  CDT_GeslotenPeriode
          GeleverdVolume            1..1  LDT_Volume
          Eenheid                   1..1  LDT_Eenheid
          ProductTarief             0..1  LDT_Bedrag
          IngediendBedrag           1..1  CDT_BedragMetDC
%s
%s
%s
""" % (_indent(_RC, 5), _indent(_RC, 3), _indent(_RC, 1))

# Classes that get RetourCodes (1..1, last child) in each derived retour,
# as paths below the root.  The Header gets RetourCodes 0..1 separately.
RETOUR_CLASSES = {
    "302": ["Client",
            "Client/Relaties/Relatie",
            "Client/Relaties/Relatie/Contact",
            "Client/Contactgegevens/Contact",
            "Client/ToegewezenProducten/ToegewezenProduct"],
    "306": ["Client", "Client/StartProducten/StartProduct"],
    "308": ["Client", "Client/StopProducten/StopProduct"],
    "316": ["Client", "Client/AangevraagdeProducten/AangevraagdProduct"],
    "318": ["Client",
            "Client/Verzoek",
            "Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct",
            "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct",
            "Client/Verzoek/NieuweProducten/NieuwProduct"],
    "320": ["Antwoord", "Antwoord/Woonplaatsbeginsel"],
}

# Elements absent from iWmo (spec §2.6), removed from the iJw trees.
IWMO_REMOVE = {
    "315": ["Client/GezagsdragerBekend"],
    "316": ["Client/GezagsdragerBekend"],
    "319": ["Antwoord/Woonplaatsbeginsel"],
    "320": ["Antwoord/Woonplaatsbeginsel"],
}

HEADER_HEEN = """
Header                              1..1
  BerichtCode                       1..1  LDT_BerichtCode pattern "{code}"
  BerichtVersie                     1..1  LDT_BerichtVersie pattern "3"
  BerichtSubversie                  1..1  LDT_BerichtSubversie pattern "2"
  Afzender                          1..1  {afzender}
  Ontvanger                         1..1  {ontvanger}
  BerichtIdentificatie              1..1  CDT_BerichtIdentificatie
  XsdVersie                         1..1  CDT_XsdVersie
"""

HEADER_RETOUR_EXTRA = """
  IdentificatieRetour               1..1  LDT_IdentificatieBericht
  DagtekeningRetour                 1..1  LDT_Datum
  XsltVersie                        0..1  LDT_Versie
  XsdVersieRetour                   1..1  CDT_XsdVersie
  RetourCodes                       0..1
    RetourCode                      1..n  LDT_RetourCode
"""

HEADER_325_EXTRA = """
  DeclaratieIdentificatie           1..1  CDT_BerichtIdentificatie
  XsltVersie                        0..1  LDT_Versie
  XsdVersieDeclaratie               1..1  CDT_XsdVersie
  RetourCodes                       1..1
    RetourCode                      1..n  LDT_RetourCode
"""


class Node(object):
    """One element declaration in a message tree."""

    def __init__(self, name, mn, mx, typ=None, pattern=None):
        self.name = name
        self.min = mn          # 0 or 1
        self.max = mx          # 1 or "n"
        self.type = typ        # "LDT_..."/"CDT_..." or None (local complexType)
        self.pattern = pattern
        self.children = []

    def signature(self):
        return (self.name, self.type, self.pattern,
                tuple((c.min, c.max) + c.signature() for c in self.children))


def parse_tree(text):
    """Parse the indented notation into a list of top-level Nodes."""
    roots, stack = [], []
    for raw in text.split("\n"):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        assert indent % 2 == 0, raw
        level = indent // 2
        line = raw.strip()
        pattern = None
        if ' pattern "' in line:
            line, pat = line.split(' pattern "', 1)
            assert pat.endswith('"'), raw
            pattern = pat[:-1]
        parts = line.split()
        assert len(parts) in (2, 3), raw
        mn, mx = parts[1].split("..")
        node = Node(parts[0], int(mn), "n" if mx == "n" else int(mx),
                    parts[2] if len(parts) == 3 else None, pattern)
        assert node.min in (0, 1) and node.max in (1, "n"), raw
        while len(stack) > level:
            stack.pop()
        assert len(stack) == level, "bad indentation: %r" % raw
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def find(nodes, path):
    name, _, rest = path.partition("/")
    matches = [n for n in nodes if n.name == name]
    assert len(matches) == 1, "path not found: %s" % path
    return find(matches[0].children, rest) if rest else matches[0]


def remove(nodes, path):
    parent_path, _, name = path.rpartition("/")
    parent = find(nodes, parent_path) if parent_path else None
    siblings = parent.children if parent else nodes
    before = len(siblings)
    siblings[:] = [n for n in siblings if n.name != name]
    assert len(siblings) == before - 1, "cannot remove %s" % path


def build_message(fam, nnn):
    """Return the list of children of Root for family fam, message nnn."""
    heen = RETOUR_OF.get(nnn, nnn)
    gem, agb = "LDT_Gemeente", "LDT_AgbCode"
    afz, ont = (gem, agb) if nnn in GEMEENTE_SENDS else (agb, gem)
    header_text = HEADER_HEEN.format(code=BERICHTCODE[fam][nnn], afzender=afz, ontvanger=ont)
    if nnn in RETOUR_OF:
        header_text += HEADER_RETOUR_EXTRA
    elif nnn == "325":
        header_text += HEADER_325_EXTRA
    tree = parse_tree(header_text) + parse_tree(BODY[heen])
    if nnn in RETOUR_OF:
        body = tree[1]
        body.min = 0
        for path in RETOUR_CLASSES[nnn]:
            find(tree, path).children.extend(parse_tree(_RC))
    if fam == "iwmo":
        for path in IWMO_REMOVE.get(nnn, []):
            remove(tree, path)
    return tree


# ---------------------------------------------------------------------------
# 5. XML writers
# ---------------------------------------------------------------------------

def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(text):
    return esc(text).replace('"', "&quot;")


class Writer(object):
    def __init__(self):
        self.lines = []
        self.depth = 0

    def line(self, text):
        self.lines.append("    " * self.depth + text)

    def open(self, text):
        self.line(text)
        self.depth += 1

    def close(self, text):
        self.depth -= 1
        self.line(text)

    def text(self):
        return "\n".join(self.lines) + "\n"


def write_header(w, fam, tns, own_prefix, bericht):
    bp = fam
    w.line('<?xml version="1.0" encoding="UTF-8"?>')
    nsdecl = ['xmlns:xs="%s"' % XS]
    if own_prefix != bp:
        nsdecl.append('xmlns:%s="%s"' % (own_prefix, tns))
    nsdecl.append('xmlns:%s="%s"' % (bp, basis_ns(fam)))
    w.open('<xs:schema %s targetNamespace="%s" elementFormDefault="qualified" '
           'attributeFormDefault="unqualified">' % (" ".join(nsdecl), tns))
    w.open("<xs:annotation>")
    w.open("<xs:appinfo>")
    for tag, val in [("standaard", fam), ("bericht", bericht), ("release", RELEASE),
                     ("BerichtXsdVersie", XSD_VERSION),
                     ("BerichtXsdMinVersie", XSD_VERSION),
                     ("BerichtXsdMaxVersie", XSD_VERSION),
                     ("BasisschemaXsdVersie", XSD_VERSION),
                     ("BasisschemaXsdMinVersie", XSD_VERSION),
                     ("BasisschemaXsdMaxVersie", XSD_VERSION)]:
        w.line("<%s:%s>%s</%s:%s>" % (bp, tag, esc(val), bp, tag))
    w.close("</xs:appinfo>")
    w.close("</xs:annotation>")


def occurs(node):
    out = ""
    if node.min == 0:
        out += ' minOccurs="0"'
    if node.max == "n":
        out += ' maxOccurs="unbounded"'
    return out


def doc(w, text):
    w.line("<xs:annotation>")
    w.depth += 1
    w.line("<xs:documentation>%s</xs:documentation>" % esc(text))
    w.depth -= 1
    w.line("</xs:annotation>")


def element_decl(w, node, own, bp):
    if node.pattern is not None:
        w.open('<xs:element name="%s"%s>' % (node.name, occurs(node)))
        w.open("<xs:simpleType>")
        w.open('<xs:restriction base="%s:%s">' % (bp, node.type))
        w.line('<xs:pattern value="%s"/>' % attr(node.pattern))
        w.close("</xs:restriction>")
        w.close("</xs:simpleType>")
        w.close("</xs:element>")
    elif node.type is not None:
        w.line('<xs:element name="%s" type="%s:%s"%s/>' % (node.name, bp, node.type,
                                                          occurs(node)))
    else:
        w.line('<xs:element name="%s" type="%s:%s"%s/>' % (node.name, own, node.name,
                                                          occurs(node)))


def check_type_refs(tree, fam):
    for n in tree:
        if n.type is not None:
            assert n.type in LDT or n.type in CDT, "unknown type %s" % n.type
        check_type_refs(n.children, fam)


def gen_message(fam, nnn):
    f = FAMILIES[fam]
    own = "%s%s" % (f["msgprefix"], nnn)
    bp = fam
    tns = msg_ns(fam, nnn)
    tree = build_message(fam, nnn)
    check_type_refs(tree, fam)

    # Collect local complex types in document order; same name => same content.
    types, order = {}, []

    def collect(nodes):
        for n in nodes:
            if n.type is None:
                sig = n.signature()
                if n.name in types:
                    assert types[n.name].signature() == sig, \
                        "%s%s: type %s used with two structures" % (fam, nnn, n.name)
                else:
                    types[n.name] = n
                    order.append(n.name)
                collect(n.children)

    collect(tree)
    assert "Root" not in types and "Bericht" not in types

    w = Writer()
    write_header(w, fam, tns, own, f["filecode"] + nnn)
    w.line('<xs:import namespace="%s" schemaLocation="basisschema.xsd"/>' % basis_ns(fam))
    w.line('<xs:element name="Bericht" type="%s:Root"/>' % own)

    def complex_type(name, children, documentation=None):
        w.open('<xs:complexType name="%s">' % name)
        if documentation:
            doc(w, documentation)
        w.open("<xs:sequence>")
        for c in children:
            element_decl(w, c, own, bp)
        w.close("</xs:sequence>")
        w.close("</xs:complexType>")

    heen = RETOUR_OF.get(nnn, nnn)
    complex_type("Root", tree, ROOT_DOC[fam][heen])
    for name in order:
        complex_type(name, types[name].children)
    w.close("</xs:schema>")
    return w.text()


def codelist_for(fam, key):
    """Return (code list id, title, values) for an LDT code list key."""
    alias = FAMILY_CODELIST[fam].get(key)
    if key == "REDENWIJZIGING":
        title, values = CODELISTS[key]
        return alias, title, values
    if alias:
        title, values = CODELISTS[alias]
        return alias, title, values
    title, values = CODELISTS[key]
    return key, title, values


def gen_basisschema(fam):
    bp = fam
    tns = basis_ns(fam)
    w = Writer()
    write_header(w, fam, tns, bp, "basisschema")

    for name in sorted(CDT):
        w.open('<xs:complexType name="%s">' % name)
        w.open("<xs:sequence>")
        for part in CDT[name].split(";"):
            ename, card, typ = part.split()
            assert typ in LDT or typ in CDT, typ
            opt = ' minOccurs="0"' if card == "?" else ""
            w.line('<xs:element name="%s" type="%s:%s"%s/>' % (ename, bp, typ, opt))
        w.close("</xs:sequence>")
        w.close("</xs:complexType>")

    for name in sorted(LDT):
        base, facets, clist = LDT[name]
        w.open('<xs:simpleType name="%s">' % name)
        if clist:
            cid, title, _ = codelist_for(fam, clist)
            doc(w, "Codelijst %s %s" % (cid, title))
        w.open('<xs:restriction base="xs:%s">' % base)
        for fk in FACET_ORDER:
            if fk in facets:
                w.line('<xs:%s value="%s"/>' % (fk, attr(str(facets[fk]))))
        assert set(facets) <= set(FACET_ORDER), name
        if clist:
            _, _, values = codelist_for(fam, clist)
            for val, meaning in values:
                w.open('<xs:enumeration value="%s">' % attr(val))
                doc(w, meaning)
                w.close("</xs:enumeration>")
        w.close("</xs:restriction>")
        w.close("</xs:simpleType>")
    w.close("</xs:schema>")
    return w.text()


def self_check():
    """Code list sizes, unique values, values within the LDT maxLength."""
    for key, size in CODELIST_SIZE.items():
        values = [v for v, _ in CODELISTS[key][1]]
        assert len(values) == size, "%s: %d values, expected %d" % (key, len(values), size)
        assert len(set(values)) == len(values), "%s: duplicate values" % key
    for fam in FAMILIES:
        for name, (_, facets, clist) in LDT.items():
            if clist:
                cid, _, values = codelist_for(fam, clist)
                for val, _ in values:
                    assert len(val) <= facets["maxLength"], "%s %s %s" % (name, cid, val)


def generate():
    """Return {relative path: bytes} for every generated file."""
    self_check()
    files = {}
    for fam, f in FAMILIES.items():
        d = "%s/%s" % (f["dir"], RELEASE_PATH)
        files["%s/basisschema.xsd" % d] = gen_basisschema(fam).encode("utf-8")
        for nnn in MESSAGES:
            files["%s/%s%s.xsd" % (d, f["filecode"], nnn)] = \
                gen_message(fam, nnn).encode("utf-8")
    sums = "".join("%s  %s\n" % (hashlib.sha256(files[p]).hexdigest(), p)
                   for p in sorted(files))
    files["SHA256SUMS"] = sums.encode("ascii")
    return files


def main(argv):
    check = False
    args = list(argv[1:])
    if args and args[0] == "--check":
        check = True
        args.pop(0)
    if len(args) != 1:
        sys.stderr.write("usage: xsdgen.py [--check] OUTDIR\n")
        return 2
    outdir = args[0]
    files = generate()
    drift = []
    for rel in sorted(files):
        path = os.path.join(outdir, *rel.split("/"))
        if check:
            try:
                with open(path, "rb") as fh:
                    if fh.read() != files[rel]:
                        drift.append(rel)
            except IOError:
                drift.append(rel)
            continue
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(files[rel])
    if check:
        for rel in drift:
            sys.stderr.write("differs: %s\n" % rel)
        return 1 if drift else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
