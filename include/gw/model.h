/*
 * The typed model of an iJw 3.2 / iWmo 3.2 message. One set of C types covers
 * all 28 messages: a retourbericht is its heenbericht plus header fields plus a
 * RetourCodes list on each class, and iJw and iWmo share their trees (iWmo lacks
 * Client/GezagsdragerBekend and Antwoord/Woonplaatsbeginsel). Field names are
 * the element names of the standard, spelled exactly as in the XSDs, so that a
 * domain expert can grep for them.
 *
 * Conventions:
 * - Every leaf is the element's text as a NUL-terminated string, or NULL when
 *   the element is absent. Numbers and dates stay text (the model round-trips);
 *   use gw_model_int() and gw_model_date() to read them.
 * - A 0..1 or 1..1 complex element is a pointer (NULL when absent).
 * - A repeating element is a list {v, n}. Wrapper elements that only hold one
 *   repeating child (ToegewezenProducten, Relaties, Contactgegevens, Clienten,
 *   RetourCodes...) are folded away: the list is empty when the wrapper is absent.
 * - All memory belongs to the message's arena (gw_msg_t).
 */
#ifndef GW_MODEL_H
#define GW_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define GW_LIST_OF(T)                                                                              \
    struct {                                                                                       \
        T *v;     /* elements, arena-owned */                                                      \
        size_t n; /* count */                                                                      \
    }

typedef GW_LIST_OF(const char *) gw_codes_t; /* RetourCodes/RetourCode */

/* ---- basisschema composite types (CDT_), elements in the basisschema namespace ---- */

typedef struct gw_bericht_identificatie { /* CDT_BerichtIdentificatie */
    const char *Identificatie;            /* LDT_IdentificatieBericht, max 12 */
    const char *Dagtekening;              /* LDT_Datum */
} gw_bericht_identificatie_t;

typedef struct gw_xsd_versie {     /* CDT_XsdVersie */
    const char *BasisschemaXsdVersie; /* LDT_Versie */
    const char *BerichtXsdVersie;     /* LDT_Versie */
} gw_xsd_versie_t;

typedef struct gw_geboortedatum { /* CDT_Geboortedatum */
    const char *Datum;            /* LDT_Datum */
    const char *DatumGebruik;     /* COD170, optional */
} gw_geboortedatum_t;

typedef struct gw_achternaam { /* CDT_Achternaam */
    const char *Achternaam;    /* LDT_Naam */
    const char *Voorvoegsel;   /* LDT_Voorvoegsel, optional */
} gw_achternaam_t;

typedef struct gw_naam {           /* CDT_VolledigeNaam and CDT_VerkorteNaam */
    gw_achternaam_t *Geslachtsnaam; /* 1..1 */
    gw_achternaam_t *Partnernaam;   /* 0..1, VolledigeNaam only */
    const char *Voornamen;          /* optional */
    const char *Voorletters;        /* optional */
    const char *NaamGebruik;        /* COD700, VolledigeNaam only (1..1 there) */
} gw_naam_t;

typedef struct gw_communicatie { /* CDT_Communicatie */
    const char *Vorm;            /* COD747 */
    const char *Taal;            /* optional */
} gw_communicatie_t;

typedef struct gw_huis {            /* CDT_Huis */
    const char *Huisnummer;          /* LDT_Huisnummer */
    const char *Huisletter;          /* optional */
    const char *HuisnummerToevoeging; /* optional */
    const char *AanduidingWoonadres; /* NUM061, optional */
} gw_huis_t;

typedef struct gw_adres { /* CDT_Adres; every child optional */
    gw_huis_t *Huis;
    const char *Postcode;
    const char *Straatnaam;
    const char *Plaatsnaam;
    const char *LandCode; /* COD032 */
} gw_adres_t;

typedef struct gw_telefoon {  /* CDT_Telefoon */
    const char *Telefoonnummer;
    const char *Landnummer;
} gw_telefoon_t;

typedef struct gw_telefoonnummers { /* CDT_Telefoonnummers */
    gw_telefoon_t *Telefoon01;      /* 1..1 */
    gw_telefoon_t *Telefoon02;      /* 0..1 */
} gw_telefoonnummers_t;

typedef struct gw_periode { /* CDT_OpenPeriode (both optional) and CDT_GeslotenPeriode */
    const char *Begindatum;
    const char *Einddatum;
} gw_periode_t;

typedef struct gw_product { /* CDT_Product */
    const char *Categorie;  /* LDT_ProductCategorie (JZ020 / WMO020) */
    const char *Code;       /* LDT_ProductCode, optional (aspecifiek when absent) */
} gw_product_t;

typedef struct gw_omvang { /* CDT_Omvang */
    const char *Volume;    /* LDT_Volume */
    const char *Eenheid;   /* WJ756 */
    const char *Frequentie; /* WMO757 */
} gw_omvang_t;

typedef struct gw_verwijzer {    /* CDT_Verwijzer */
    const char *Type;             /* COD327 */
    const char *Naam;             /* optional */
    const char *ZorgverlenerCode; /* AGB, optional */
} gw_verwijzer_t;

typedef struct gw_referentie {       /* CDT_Referentie */
    const char *ReferentieNummer;     /* LDT_ReferentieNummer */
    const char *VorigReferentieNummer; /* optional (credit: the debet's ReferentieNummer) */
} gw_referentie_t;

typedef struct gw_bedrag { /* CDT_BedragMetDC and CDT_TotaalBedragMetDC */
    const char *Bedrag;       /* BedragMetDC: eurocents */
    const char *TotaalBedrag; /* TotaalBedragMetDC: eurocents */
    const char *DebetCredit;  /* COD043: D or C */
} gw_bedrag_t;

/* ---- message classes (berichtklassen), elements in the message namespace ---- */

typedef struct gw_header {
    const char *BerichtCode;                      /* COD002, e.g. "436" */
    const char *BerichtVersie;                    /* "3" */
    const char *BerichtSubversie;                 /* "2" */
    const char *Afzender;                         /* gemeente (4 digits) or AGB (8 digits) */
    const char *Ontvanger;                        /* idem */
    gw_bericht_identificatie_t *BerichtIdentificatie;
    gw_xsd_versie_t *XsdVersie;
    /* retour headers (302..320) */
    const char *IdentificatieRetour;
    const char *DagtekeningRetour;
    /* 325 header */
    gw_bericht_identificatie_t *DeclaratieIdentificatie;
    /* retour and 325 */
    const char *XsltVersie;
    gw_xsd_versie_t *XsdVersieRetour;     /* retour only */
    gw_xsd_versie_t *XsdVersieDeclaratie; /* 325 only */
    gw_codes_t RetourCode;                /* RetourCodes/RetourCode */
} gw_header_t;

typedef struct gw_contact {
    const char *Soort; /* COD757 */
    gw_adres_t *Adres;
    const char *Organisatie;
    gw_telefoonnummers_t *Telefoon;
    const char *Emailadres;
    gw_periode_t *Periode;
    gw_codes_t RetourCode;
} gw_contact_t;

typedef struct gw_relatie {
    const char *Nummer;
    const char *Volgorde;
    const char *Soort; /* COD472 */
    gw_geboortedatum_t *Geboortedatum;
    const char *Geslacht;
    gw_naam_t *Naam;
    gw_contact_t *Contact;
    gw_codes_t RetourCode;
} gw_relatie_t;

typedef struct gw_toegewezen_product {
    const char *ToewijzingNummer;
    const char *ReferentieAanbieder;
    gw_product_t *Product;
    const char *Toewijzingsdatum;
    const char *Toewijzingstijd;
    const char *Ingangsdatum;
    const char *Einddatum;
    const char *RedenWijziging;
    gw_omvang_t *Omvang;
    const char *Budget;
    const char *Commentaar;
    gw_codes_t RetourCode;
} gw_toegewezen_product_t;

typedef struct gw_start_stop_product { /* StartProduct and StopProduct */
    const char *ToewijzingNummer;
    gw_product_t *Product;
    const char *ToewijzingIngangsdatum;
    const char *Begindatum;
    const char *RedenBeeindiging; /* StopProduct only */
    const char *Einddatum;        /* StopProduct only */
    const char *StatusAanlevering;
    gw_codes_t RetourCode;
} gw_start_stop_product_t;

typedef struct gw_aangevraagd_product {
    const char *ReferentieAanbieder;
    const char *BeschikkingNummer;
    gw_product_t *Product;
    const char *BeschikkingIngangsdatum;
    const char *ToewijzingIngangsdatum;
    const char *ToewijzingEinddatum;
    gw_omvang_t *Omvang;
    const char *Budget;
    gw_verwijzer_t *Verwijzer;
    const char *Raamcontract;
    const char *Commentaar;
    gw_codes_t RetourCode;
} gw_aangevraagd_product_t;

typedef struct gw_vow_product { /* OngewijzigdProduct, TeWijzigenProduct, NieuwProduct */
    const char *ToewijzingNummer; /* Ongewijzigd, TeWijzigen */
    gw_product_t *Product;        /* Nieuw */
    const char *GewensteIngangsdatum;
    const char *Einddatum;
    gw_omvang_t *Omvang;
    const char *Budget;
    gw_codes_t RetourCode;
} gw_vow_product_t;

typedef struct gw_verzoek {
    const char *ReferentieAanbieder;
    const char *RedenVerzoek; /* WJ758 */
    GW_LIST_OF(gw_vow_product_t) OngewijzigdProduct;
    GW_LIST_OF(gw_vow_product_t) TeWijzigenProduct;
    GW_LIST_OF(gw_vow_product_t) NieuwProduct;
    gw_codes_t RetourCode;
} gw_verzoek_t;

typedef struct gw_prestatie {
    gw_referentie_t *ProductReferentie;
    const char *ToewijzingNummer;
    const char *ProductCategorie;
    const char *ProductCode;
    gw_periode_t *ProductPeriode;
    const char *GeleverdVolume;
    const char *Eenheid;
    const char *ProductTarief;
    gw_bedrag_t *IngediendBedrag;
    gw_codes_t RetourCode;
} gw_prestatie_t;

typedef struct gw_client {
    const char *Bsn;
    gw_geboortedatum_t *Geboortedatum;
    const char *Geslacht;
    gw_naam_t *Naam;
    gw_communicatie_t *Communicatie;
    const char *JuridischeStatus;
    const char *WettelijkeVertegenwoordiging;
    const char *GezagsdragerBekend; /* iJw 315/316 only */
    const char *Commentaar;
    GW_LIST_OF(gw_relatie_t) Relatie;                     /* Relaties */
    GW_LIST_OF(gw_contact_t) Contact;                     /* Contactgegevens */
    GW_LIST_OF(gw_toegewezen_product_t) ToegewezenProduct; /* ToegewezenProducten */
    GW_LIST_OF(gw_start_stop_product_t) StartProduct;     /* StartProducten */
    GW_LIST_OF(gw_start_stop_product_t) StopProduct;      /* StopProducten */
    GW_LIST_OF(gw_aangevraagd_product_t) AangevraagdProduct; /* AangevraagdeProducten */
    gw_verzoek_t *Verzoek;
    GW_LIST_OF(gw_prestatie_t) Prestatie; /* Prestaties (323/325) */
    gw_codes_t RetourCode;
} gw_client_t;

typedef struct gw_woonplaatsbeginsel {
    const char *Gemeente;
    gw_codes_t RetourCode;
} gw_woonplaatsbeginsel_t;

typedef struct gw_antwoord {
    const char *ReferentieAanbieder;
    const char *VerzoekAntwoord;        /* WJ760 */
    const char *RedenAfwijzingVerzoek;  /* WJ759 */
    gw_woonplaatsbeginsel_t *Woonplaatsbeginsel; /* iJw only */
    gw_codes_t RetourCode;
} gw_antwoord_t;

typedef struct gw_declaratie { /* Declaratie (323) and DeclaratieAntwoord (325) */
    const char *DeclaratieNummer;
    gw_periode_t *DeclaratiePeriode;    /* 323 */
    const char *DeclaratieDagtekening;  /* 323 */
    gw_bedrag_t *TotaalIngediendBedrag;
    gw_bedrag_t *TotaalToegekendBedrag; /* 325 */
    GW_LIST_OF(gw_client_t) Client;     /* Clienten */
    gw_codes_t RetourCode;
} gw_declaratie_t;

typedef struct gw_bericht { /* the root element Bericht */
    gw_header_t *Header;
    gw_client_t *Client;                   /* 301..318 */
    gw_antwoord_t *Antwoord;               /* 319, 320 */
    gw_declaratie_t *Declaratie;           /* 323 */
    gw_declaratie_t *DeclaratieAntwoord;   /* 325 */
} gw_bericht_t;

/**
 * Parse an LDT_ integer leaf (xs:integer: optional sign, digits, leading zeros).
 * @returns GW_OK and *out, or GW_EINVAL when s is NULL or not an integer in int64 range.
 */
int gw_model_int(const char *s, int64_t *out);

/**
 * Parse an LDT_Datum (YYYY-MM-DD) into a day number (days since 1970-01-01).
 * @returns GW_OK or GW_EINVAL when absent or not an existing date.
 */
int gw_model_date(const char *s, int32_t *days);

/** Date parts of a day number. */
void gw_model_date_parts(int32_t days, int *y, int *m, int *d);
/** Day number of a calendar date (no validation). */
int32_t gw_model_days(int y, int m, int d);

#endif
