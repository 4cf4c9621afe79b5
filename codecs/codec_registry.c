/*
 * The registry of the 28 message types of iJw 3.2 and iWmo 3.2 and the field
 * tables of their classes (spec §2). This is the single place a message type
 * is described; decoder, encoder, comparison and retour builder are generic.
 * Element names are exactly those of the XSDs.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "codec_tables.h"
#include "gw/codec.h"
#include "gw/model.h"

#define TEXT(S, F) {#F, NULL, GW_N_TEXT, 0, offsetof(S, F), NULL}
#define TEXT_IJW(S, F) {#F, NULL, GW_N_TEXT, GW_NF_IJW, offsetof(S, F), NULL}
#define ONE(S, F, T) {#F, NULL, GW_N_ONE, 0, offsetof(S, F), &T}
#define ONE_IJW(S, F, T) {#F, NULL, GW_N_ONE, GW_NF_IJW, offsetof(S, F), &T}
#define MANY(S, F, W, T) {#F, W, GW_N_MANY, 0, offsetof(S, F), &T}
#define RC(S) {"RetourCode", "RetourCodes", GW_N_TEXTS, GW_NF_RETOUR, offsetof(S, RetourCode), NULL}
#define NODE(N, S, B, F) {N, sizeof(S), B, F, sizeof(F) / sizeof(F[0])}

/* ---- CDT_ types (basisschema namespace) ---- */

static const gw_node_field_t f_berichtid[] = {
    TEXT(gw_bericht_identificatie_t, Identificatie),
    TEXT(gw_bericht_identificatie_t, Dagtekening),
};
static const gw_node_type_t t_berichtid =
    NODE("CDT_BerichtIdentificatie", gw_bericht_identificatie_t, 1, f_berichtid);

static const gw_node_field_t f_xsdversie[] = {
    TEXT(gw_xsd_versie_t, BasisschemaXsdVersie),
    TEXT(gw_xsd_versie_t, BerichtXsdVersie),
};
static const gw_node_type_t t_xsdversie = NODE("CDT_XsdVersie", gw_xsd_versie_t, 1, f_xsdversie);

static const gw_node_field_t f_geboortedatum[] = {
    TEXT(gw_geboortedatum_t, Datum),
    TEXT(gw_geboortedatum_t, DatumGebruik),
};
static const gw_node_type_t t_geboortedatum =
    NODE("CDT_Geboortedatum", gw_geboortedatum_t, 1, f_geboortedatum);

static const gw_node_field_t f_achternaam[] = {
    TEXT(gw_achternaam_t, Achternaam),
    TEXT(gw_achternaam_t, Voorvoegsel),
};
static const gw_node_type_t t_achternaam = NODE("CDT_Achternaam", gw_achternaam_t, 1, f_achternaam);

static const gw_node_field_t f_volledigenaam[] = {
    ONE(gw_naam_t, Geslachtsnaam, t_achternaam), ONE(gw_naam_t, Partnernaam, t_achternaam),
    TEXT(gw_naam_t, Voornamen),                  TEXT(gw_naam_t, Voorletters),
    TEXT(gw_naam_t, NaamGebruik),
};
static const gw_node_type_t t_volledigenaam =
    NODE("CDT_VolledigeNaam", gw_naam_t, 1, f_volledigenaam);

static const gw_node_field_t f_verkortenaam[] = {
    ONE(gw_naam_t, Geslachtsnaam, t_achternaam),
    TEXT(gw_naam_t, Voornamen),
    TEXT(gw_naam_t, Voorletters),
};
static const gw_node_type_t t_verkortenaam = NODE("CDT_VerkorteNaam", gw_naam_t, 1, f_verkortenaam);

static const gw_node_field_t f_communicatie[] = {
    TEXT(gw_communicatie_t, Vorm),
    TEXT(gw_communicatie_t, Taal),
};
static const gw_node_type_t t_communicatie =
    NODE("CDT_Communicatie", gw_communicatie_t, 1, f_communicatie);

static const gw_node_field_t f_huis[] = {
    TEXT(gw_huis_t, Huisnummer),
    TEXT(gw_huis_t, Huisletter),
    TEXT(gw_huis_t, HuisnummerToevoeging),
    TEXT(gw_huis_t, AanduidingWoonadres),
};
static const gw_node_type_t t_huis = NODE("CDT_Huis", gw_huis_t, 1, f_huis);

static const gw_node_field_t f_adres[] = {
    ONE(gw_adres_t, Huis, t_huis),  TEXT(gw_adres_t, Postcode), TEXT(gw_adres_t, Straatnaam),
    TEXT(gw_adres_t, Plaatsnaam), TEXT(gw_adres_t, LandCode),
};
static const gw_node_type_t t_adres = NODE("CDT_Adres", gw_adres_t, 1, f_adres);

static const gw_node_field_t f_telefoon[] = {
    TEXT(gw_telefoon_t, Telefoonnummer),
    TEXT(gw_telefoon_t, Landnummer),
};
static const gw_node_type_t t_telefoon = NODE("CDT_Telefoon", gw_telefoon_t, 1, f_telefoon);

static const gw_node_field_t f_telefoonnummers[] = {
    ONE(gw_telefoonnummers_t, Telefoon01, t_telefoon),
    ONE(gw_telefoonnummers_t, Telefoon02, t_telefoon),
};
static const gw_node_type_t t_telefoonnummers =
    NODE("CDT_Telefoonnummers", gw_telefoonnummers_t, 1, f_telefoonnummers);

static const gw_node_field_t f_periode[] = {
    TEXT(gw_periode_t, Begindatum),
    TEXT(gw_periode_t, Einddatum),
};
static const gw_node_type_t t_periode = NODE("CDT_Periode", gw_periode_t, 1, f_periode);

static const gw_node_field_t f_product[] = {
    TEXT(gw_product_t, Categorie),
    TEXT(gw_product_t, Code),
};
static const gw_node_type_t t_product = NODE("CDT_Product", gw_product_t, 1, f_product);

static const gw_node_field_t f_omvang[] = {
    TEXT(gw_omvang_t, Volume),
    TEXT(gw_omvang_t, Eenheid),
    TEXT(gw_omvang_t, Frequentie),
};
static const gw_node_type_t t_omvang = NODE("CDT_Omvang", gw_omvang_t, 1, f_omvang);

static const gw_node_field_t f_verwijzer[] = {
    TEXT(gw_verwijzer_t, Type),
    TEXT(gw_verwijzer_t, Naam),
    TEXT(gw_verwijzer_t, ZorgverlenerCode),
};
static const gw_node_type_t t_verwijzer = NODE("CDT_Verwijzer", gw_verwijzer_t, 1, f_verwijzer);

static const gw_node_field_t f_referentie[] = {
    TEXT(gw_referentie_t, ReferentieNummer),
    TEXT(gw_referentie_t, VorigReferentieNummer),
};
static const gw_node_type_t t_referentie = NODE("CDT_Referentie", gw_referentie_t, 1, f_referentie);

static const gw_node_field_t f_bedrag[] = {
    TEXT(gw_bedrag_t, Bedrag),
    TEXT(gw_bedrag_t, DebetCredit),
};
static const gw_node_type_t t_bedrag = NODE("CDT_BedragMetDC", gw_bedrag_t, 1, f_bedrag);

static const gw_node_field_t f_totaalbedrag[] = {
    TEXT(gw_bedrag_t, TotaalBedrag),
    TEXT(gw_bedrag_t, DebetCredit),
};
static const gw_node_type_t t_totaalbedrag =
    NODE("CDT_TotaalBedragMetDC", gw_bedrag_t, 1, f_totaalbedrag);

/* ---- headers (spec §2.2) ---- */

#define HEADER_HEEN_FIELDS                                                                         \
    TEXT(gw_header_t, BerichtCode), TEXT(gw_header_t, BerichtVersie),                              \
        TEXT(gw_header_t, BerichtSubversie), TEXT(gw_header_t, Afzender),                          \
        TEXT(gw_header_t, Ontvanger), ONE(gw_header_t, BerichtIdentificatie, t_berichtid),         \
        ONE(gw_header_t, XsdVersie, t_xsdversie)

static const gw_node_field_t f_header_heen[] = {HEADER_HEEN_FIELDS};
static const gw_node_type_t t_header_heen = NODE("Header", gw_header_t, 0, f_header_heen);

static const gw_node_field_t f_header_retour[] = {
    HEADER_HEEN_FIELDS,
    TEXT(gw_header_t, IdentificatieRetour),
    TEXT(gw_header_t, DagtekeningRetour),
    TEXT(gw_header_t, XsltVersie),
    ONE(gw_header_t, XsdVersieRetour, t_xsdversie),
    RC(gw_header_t),
};
static const gw_node_type_t t_header_retour = NODE("Header", gw_header_t, 0, f_header_retour);

static const gw_node_field_t f_header_325[] = {
    HEADER_HEEN_FIELDS,
    ONE(gw_header_t, DeclaratieIdentificatie, t_berichtid),
    TEXT(gw_header_t, XsltVersie),
    ONE(gw_header_t, XsdVersieDeclaratie, t_xsdversie),
    RC(gw_header_t),
};
static const gw_node_type_t t_header_325 = NODE("Header", gw_header_t, 0, f_header_325);

/* ---- message classes (spec §2.5; RC fields exist only in retours, §2.3) ---- */

static const gw_node_field_t f_contact[] = {
    TEXT(gw_contact_t, Soort),
    ONE(gw_contact_t, Adres, t_adres),
    TEXT(gw_contact_t, Organisatie),
    ONE(gw_contact_t, Telefoon, t_telefoonnummers),
    TEXT(gw_contact_t, Emailadres),
    ONE(gw_contact_t, Periode, t_periode),
    RC(gw_contact_t),
};
static const gw_node_type_t t_contact = NODE("Contact", gw_contact_t, 0, f_contact);

static const gw_node_field_t f_relatie[] = {
    TEXT(gw_relatie_t, Nummer),
    TEXT(gw_relatie_t, Volgorde),
    TEXT(gw_relatie_t, Soort),
    ONE(gw_relatie_t, Geboortedatum, t_geboortedatum),
    TEXT(gw_relatie_t, Geslacht),
    ONE(gw_relatie_t, Naam, t_volledigenaam),
    ONE(gw_relatie_t, Contact, t_contact),
    RC(gw_relatie_t),
};
static const gw_node_type_t t_relatie = NODE("Relatie", gw_relatie_t, 0, f_relatie);

static const gw_node_field_t f_toegewezen[] = {
    TEXT(gw_toegewezen_product_t, ToewijzingNummer),
    TEXT(gw_toegewezen_product_t, ReferentieAanbieder),
    ONE(gw_toegewezen_product_t, Product, t_product),
    TEXT(gw_toegewezen_product_t, Toewijzingsdatum),
    TEXT(gw_toegewezen_product_t, Toewijzingstijd),
    TEXT(gw_toegewezen_product_t, Ingangsdatum),
    TEXT(gw_toegewezen_product_t, Einddatum),
    TEXT(gw_toegewezen_product_t, RedenWijziging),
    ONE(gw_toegewezen_product_t, Omvang, t_omvang),
    TEXT(gw_toegewezen_product_t, Budget),
    TEXT(gw_toegewezen_product_t, Commentaar),
    RC(gw_toegewezen_product_t),
};
static const gw_node_type_t t_toegewezen =
    NODE("ToegewezenProduct", gw_toegewezen_product_t, 0, f_toegewezen);

static const gw_node_field_t f_start[] = {
    TEXT(gw_start_stop_product_t, ToewijzingNummer),
    ONE(gw_start_stop_product_t, Product, t_product),
    TEXT(gw_start_stop_product_t, ToewijzingIngangsdatum),
    TEXT(gw_start_stop_product_t, Begindatum),
    TEXT(gw_start_stop_product_t, StatusAanlevering),
    RC(gw_start_stop_product_t),
};
static const gw_node_type_t t_start = NODE("StartProduct", gw_start_stop_product_t, 0, f_start);

static const gw_node_field_t f_stop[] = {
    TEXT(gw_start_stop_product_t, ToewijzingNummer),
    ONE(gw_start_stop_product_t, Product, t_product),
    TEXT(gw_start_stop_product_t, ToewijzingIngangsdatum),
    TEXT(gw_start_stop_product_t, Begindatum),
    TEXT(gw_start_stop_product_t, RedenBeeindiging),
    TEXT(gw_start_stop_product_t, Einddatum),
    TEXT(gw_start_stop_product_t, StatusAanlevering),
    RC(gw_start_stop_product_t),
};
static const gw_node_type_t t_stop = NODE("StopProduct", gw_start_stop_product_t, 0, f_stop);

static const gw_node_field_t f_aangevraagd[] = {
    TEXT(gw_aangevraagd_product_t, ReferentieAanbieder),
    TEXT(gw_aangevraagd_product_t, BeschikkingNummer),
    ONE(gw_aangevraagd_product_t, Product, t_product),
    TEXT(gw_aangevraagd_product_t, BeschikkingIngangsdatum),
    TEXT(gw_aangevraagd_product_t, ToewijzingIngangsdatum),
    TEXT(gw_aangevraagd_product_t, ToewijzingEinddatum),
    ONE(gw_aangevraagd_product_t, Omvang, t_omvang),
    TEXT(gw_aangevraagd_product_t, Budget),
    ONE(gw_aangevraagd_product_t, Verwijzer, t_verwijzer),
    TEXT(gw_aangevraagd_product_t, Raamcontract),
    TEXT(gw_aangevraagd_product_t, Commentaar),
    RC(gw_aangevraagd_product_t),
};
static const gw_node_type_t t_aangevraagd =
    NODE("AangevraagdProduct", gw_aangevraagd_product_t, 0, f_aangevraagd);

static const gw_node_field_t f_ongewijzigd[] = {
    TEXT(gw_vow_product_t, ToewijzingNummer),
    RC(gw_vow_product_t),
};
static const gw_node_type_t t_ongewijzigd =
    NODE("OngewijzigdProduct", gw_vow_product_t, 0, f_ongewijzigd);

static const gw_node_field_t f_tewijzigen[] = {
    TEXT(gw_vow_product_t, ToewijzingNummer), TEXT(gw_vow_product_t, GewensteIngangsdatum),
    TEXT(gw_vow_product_t, Einddatum),        ONE(gw_vow_product_t, Omvang, t_omvang),
    TEXT(gw_vow_product_t, Budget),           RC(gw_vow_product_t),
};
static const gw_node_type_t t_tewijzigen =
    NODE("TeWijzigenProduct", gw_vow_product_t, 0, f_tewijzigen);

static const gw_node_field_t f_nieuw[] = {
    ONE(gw_vow_product_t, Product, t_product), TEXT(gw_vow_product_t, GewensteIngangsdatum),
    TEXT(gw_vow_product_t, Einddatum),         ONE(gw_vow_product_t, Omvang, t_omvang),
    TEXT(gw_vow_product_t, Budget),            RC(gw_vow_product_t),
};
static const gw_node_type_t t_nieuw = NODE("NieuwProduct", gw_vow_product_t, 0, f_nieuw);

static const gw_node_field_t f_verzoek[] = {
    TEXT(gw_verzoek_t, ReferentieAanbieder),
    TEXT(gw_verzoek_t, RedenVerzoek),
    MANY(gw_verzoek_t, OngewijzigdProduct, "OngewijzigdeProducten", t_ongewijzigd),
    MANY(gw_verzoek_t, TeWijzigenProduct, "TeWijzigenProducten", t_tewijzigen),
    MANY(gw_verzoek_t, NieuwProduct, "NieuweProducten", t_nieuw),
    RC(gw_verzoek_t),
};
static const gw_node_type_t t_verzoek = NODE("Verzoek", gw_verzoek_t, 0, f_verzoek);

static const gw_node_field_t f_prestatie[] = {
    ONE(gw_prestatie_t, ProductReferentie, t_referentie),
    TEXT(gw_prestatie_t, ToewijzingNummer),
    TEXT(gw_prestatie_t, ProductCategorie),
    TEXT(gw_prestatie_t, ProductCode),
    ONE(gw_prestatie_t, ProductPeriode, t_periode),
    TEXT(gw_prestatie_t, GeleverdVolume),
    TEXT(gw_prestatie_t, Eenheid),
    TEXT(gw_prestatie_t, ProductTarief),
    ONE(gw_prestatie_t, IngediendBedrag, t_bedrag),
    RC(gw_prestatie_t),
};
static const gw_node_type_t t_prestatie = NODE("Prestatie", gw_prestatie_t, 0, f_prestatie);

static const gw_node_field_t f_client301[] = {
    TEXT(gw_client_t, Bsn),
    ONE(gw_client_t, Geboortedatum, t_geboortedatum),
    TEXT(gw_client_t, Geslacht),
    ONE(gw_client_t, Naam, t_volledigenaam),
    ONE(gw_client_t, Communicatie, t_communicatie),
    TEXT(gw_client_t, JuridischeStatus),
    TEXT(gw_client_t, WettelijkeVertegenwoordiging),
    TEXT(gw_client_t, Commentaar),
    MANY(gw_client_t, Relatie, "Relaties", t_relatie),
    MANY(gw_client_t, Contact, "Contactgegevens", t_contact),
    MANY(gw_client_t, ToegewezenProduct, "ToegewezenProducten", t_toegewezen),
    RC(gw_client_t),
};
static const gw_node_type_t t_client301 = NODE("Client", gw_client_t, 0, f_client301);

static const gw_node_field_t f_client305[] = {
    TEXT(gw_client_t, Bsn),
    ONE(gw_client_t, Geboortedatum, t_geboortedatum),
    TEXT(gw_client_t, Geslacht),
    ONE(gw_client_t, Naam, t_verkortenaam),
    MANY(gw_client_t, StartProduct, "StartProducten", t_start),
    RC(gw_client_t),
};
static const gw_node_type_t t_client305 = NODE("Client", gw_client_t, 0, f_client305);

static const gw_node_field_t f_client307[] = {
    TEXT(gw_client_t, Bsn),
    ONE(gw_client_t, Geboortedatum, t_geboortedatum),
    TEXT(gw_client_t, Geslacht),
    ONE(gw_client_t, Naam, t_verkortenaam),
    MANY(gw_client_t, StopProduct, "StopProducten", t_stop),
    RC(gw_client_t),
};
static const gw_node_type_t t_client307 = NODE("Client", gw_client_t, 0, f_client307);

static const gw_node_field_t f_client315[] = {
    TEXT(gw_client_t, Bsn),
    ONE(gw_client_t, Geboortedatum, t_geboortedatum),
    TEXT(gw_client_t, Geslacht),
    ONE(gw_client_t, Naam, t_verkortenaam),
    TEXT_IJW(gw_client_t, GezagsdragerBekend),
    TEXT(gw_client_t, Commentaar),
    MANY(gw_client_t, AangevraagdProduct, "AangevraagdeProducten", t_aangevraagd),
    RC(gw_client_t),
};
static const gw_node_type_t t_client315 = NODE("Client", gw_client_t, 0, f_client315);

static const gw_node_field_t f_client317[] = {
    TEXT(gw_client_t, Bsn),
    ONE(gw_client_t, Verzoek, t_verzoek),
    RC(gw_client_t),
};
static const gw_node_type_t t_client317 = NODE("Client", gw_client_t, 0, f_client317);

static const gw_node_field_t f_client323[] = {
    TEXT(gw_client_t, Bsn),
    MANY(gw_client_t, Prestatie, "Prestaties", t_prestatie),
    RC(gw_client_t),
};
static const gw_node_type_t t_client323 = NODE("Client", gw_client_t, 0, f_client323);

static const gw_node_field_t f_woonplaatsbeginsel[] = {
    TEXT(gw_woonplaatsbeginsel_t, Gemeente),
    RC(gw_woonplaatsbeginsel_t),
};
static const gw_node_type_t t_woonplaatsbeginsel =
    NODE("Woonplaatsbeginsel", gw_woonplaatsbeginsel_t, 0, f_woonplaatsbeginsel);

static const gw_node_field_t f_antwoord[] = {
    TEXT(gw_antwoord_t, ReferentieAanbieder),
    TEXT(gw_antwoord_t, VerzoekAntwoord),
    TEXT(gw_antwoord_t, RedenAfwijzingVerzoek),
    ONE_IJW(gw_antwoord_t, Woonplaatsbeginsel, t_woonplaatsbeginsel),
    RC(gw_antwoord_t),
};
static const gw_node_type_t t_antwoord = NODE("Antwoord", gw_antwoord_t, 0, f_antwoord);

static const gw_node_field_t f_declaratie[] = {
    TEXT(gw_declaratie_t, DeclaratieNummer),
    ONE(gw_declaratie_t, DeclaratiePeriode, t_periode),
    TEXT(gw_declaratie_t, DeclaratieDagtekening),
    ONE(gw_declaratie_t, TotaalIngediendBedrag, t_totaalbedrag),
    MANY(gw_declaratie_t, Client, "Clienten", t_client323),
};
static const gw_node_type_t t_declaratie = NODE("Declaratie", gw_declaratie_t, 0, f_declaratie);

static const gw_node_field_t f_declaratieantwoord[] = {
    TEXT(gw_declaratie_t, DeclaratieNummer),
    ONE(gw_declaratie_t, TotaalIngediendBedrag, t_totaalbedrag),
    ONE(gw_declaratie_t, TotaalToegekendBedrag, t_totaalbedrag),
    MANY(gw_declaratie_t, Client, "Clienten", t_client323),
    RC(gw_declaratie_t),
};
static const gw_node_type_t t_declaratieantwoord =
    NODE("DeclaratieAntwoord", gw_declaratie_t, 0, f_declaratieantwoord);

/* ---- roots (Bericht) ---- */

#define ROOT(NAME, HDR, BODYFIELD, BODYTYPE)                                                       \
    static const gw_node_field_t f_##NAME[] = {                                                    \
        ONE(gw_bericht_t, Header, HDR),                                                            \
        ONE(gw_bericht_t, BODYFIELD, BODYTYPE),                                                    \
    };                                                                                             \
    static const gw_node_type_t t_##NAME = NODE("Bericht", gw_bericht_t, 0, f_##NAME)

ROOT(r301, t_header_heen, Client, t_client301);
ROOT(r302, t_header_retour, Client, t_client301);
ROOT(r305, t_header_heen, Client, t_client305);
ROOT(r306, t_header_retour, Client, t_client305);
ROOT(r307, t_header_heen, Client, t_client307);
ROOT(r308, t_header_retour, Client, t_client307);
ROOT(r315, t_header_heen, Client, t_client315);
ROOT(r316, t_header_retour, Client, t_client315);
ROOT(r317, t_header_heen, Client, t_client317);
ROOT(r318, t_header_retour, Client, t_client317);
ROOT(r319, t_header_heen, Antwoord, t_antwoord);
ROOT(r320, t_header_retour, Antwoord, t_antwoord);
ROOT(r323, t_header_heen, Declaratie, t_declaratie);
ROOT(r325, t_header_325, DeclaratieAntwoord, t_declaratieantwoord);

/* ---- the 28 message types (spec §1.1, §1.2, §4.1) ---- */

#define IJW_NS(N) "http://www.istandaarden.nl/ijw/3_2/jw" #N "/schema"
#define IWMO_NS(N) "http://www.istandaarden.nl/iwmo/3_2/wmo" #N "/schema"
#define IJW_BASIS "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
#define IWMO_BASIS "http://www.istandaarden.nl/iwmo/3_2/basisschema/schema"
#define JW(N, CODE, KIND, ANS)                                                                     \
    {"JW" #N,   GW_FAMILY_IJW, N,      GW_M##N,          CODE, IJW_NS(N), IJW_BASIS, "jw" #N,      \
     "ijw",     "ijw/3_2/JW" #N ".xsd", KIND, ANS, &t_r##N}
#define WMO(N, CODE, KIND, ANS)                                                                    \
    {"WMO" #N,   GW_FAMILY_IWMO, N,      GW_M##N,           CODE, IWMO_NS(N), IWMO_BASIS, "wmo" #N, \
     "iwmo",     "iwmo/3_2/WMO" #N ".xsd", KIND, ANS, &t_r##N}

static const gw_msgtype_t s_types[] = {
    JW(301, "436", GW_KIND_HEEN, 302),     JW(302, "437", GW_KIND_RETOUR, 0),
    JW(305, "438", GW_KIND_HEEN, 306),     JW(306, "439", GW_KIND_RETOUR, 0),
    JW(307, "440", GW_KIND_HEEN, 308),     JW(308, "441", GW_KIND_RETOUR, 0),
    JW(315, "446", GW_KIND_HEEN, 316),     JW(316, "447", GW_KIND_RETOUR, 0),
    JW(317, "486", GW_KIND_HEEN, 318),     JW(318, "487", GW_KIND_RETOUR, 0),
    JW(319, "488", GW_KIND_HEEN, 320),     JW(320, "489", GW_KIND_RETOUR, 0),
    JW(323, "490", GW_KIND_HEEN, 325),     JW(325, "491", GW_KIND_DECL_ANTWOORD, 0),
    WMO(301, "414", GW_KIND_HEEN, 302),    WMO(302, "415", GW_KIND_RETOUR, 0),
    WMO(305, "418", GW_KIND_HEEN, 306),    WMO(306, "419", GW_KIND_RETOUR, 0),
    WMO(307, "420", GW_KIND_HEEN, 308),    WMO(308, "421", GW_KIND_RETOUR, 0),
    WMO(315, "444", GW_KIND_HEEN, 316),    WMO(316, "445", GW_KIND_RETOUR, 0),
    WMO(317, "480", GW_KIND_HEEN, 318),    WMO(318, "481", GW_KIND_RETOUR, 0),
    WMO(319, "482", GW_KIND_HEEN, 320),    WMO(320, "483", GW_KIND_RETOUR, 0),
    WMO(323, "484", GW_KIND_HEEN, 325),    WMO(325, "485", GW_KIND_DECL_ANTWOORD, 0),
};

#define NTYPES (sizeof(s_types) / sizeof(s_types[0]))

size_t
gw_msgtype_count(void)
{
    return NTYPES;
}

const gw_msgtype_t *
gw_msgtype_at(size_t i)
{
    return i < NTYPES ? &s_types[i] : NULL;
}

const gw_msgtype_t *
gw_msgtype_by_name(const char *name)
{
    for (size_t i = 0; name && i < NTYPES; i++) {
        if (strcasecmp(s_types[i].name, name) == 0) {
            return &s_types[i];
        }
    }
    return NULL;
}

const gw_msgtype_t *
gw_msgtype_by_ns(const char *ns)
{
    for (size_t i = 0; ns && i < NTYPES; i++) {
        if (strcmp(s_types[i].ns, ns) == 0) {
            return &s_types[i];
        }
    }
    return NULL;
}

const gw_msgtype_t *
gw_msgtype_by_number(gw_family_t family, int number)
{
    for (size_t i = 0; i < NTYPES; i++) {
        if (s_types[i].family == family && s_types[i].number == number) {
            return &s_types[i];
        }
    }
    return NULL;
}

const gw_msgtype_t *
gw_msgtype_answer(const gw_msgtype_t *t)
{
    return t && t->answer_number ? gw_msgtype_by_number(t->family, t->answer_number) : NULL;
}

/* Our schemas declare 1.0.0 for both families (see xsd/README.md: the iJw copy
 * the spec saw said 0.1.0, which looks like an earlier drop). A test checks
 * this against the appinfo of every XSD. */
const char *
gw_msgtype_xsd_version(const gw_msgtype_t *t)
{
    (void)t;
    return "1.0.0";
}
