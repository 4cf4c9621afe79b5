/* Wire-tap copies without free text and contact details (gw_tap.h). */
#include "gw_tap.h"

#include "gw/model.h"

#define PLACEHOLDER "(verwijderd)"

static void
s_strip_naam(gw_naam_t *n)
{
    if (!n) {
        return;
    }
    if (n->Geslachtsnaam) {
        n->Geslachtsnaam->Achternaam = PLACEHOLDER;
        n->Geslachtsnaam->Voorvoegsel = NULL;
    }
    n->Partnernaam = NULL;
    n->Voornamen = NULL;
    n->Voorletters = NULL;
    if (n->NaamGebruik) {
        n->NaamGebruik = "1"; /* eigen naam: CS050 without Partnernaam */
    }
}

static void
s_strip_client(gw_client_t *c)
{
    s_strip_naam(c->Naam);
    c->Communicatie = NULL;
    c->Commentaar = NULL;
    c->Relatie.n = 0;
    for (size_t i = 0; i < c->Contact.n; i++) {
        gw_contact_t *k = &c->Contact.v[i];
        k->Adres = NULL;
        k->Organisatie = NULL;
        k->Telefoon = NULL;
        k->Emailadres = NULL;
    }
    for (size_t i = 0; i < c->ToegewezenProduct.n; i++) {
        c->ToegewezenProduct.v[i].Commentaar = NULL;
    }
    for (size_t i = 0; i < c->AangevraagdProduct.n; i++) {
        c->AangevraagdProduct.v[i].Commentaar = NULL;
        if (c->AangevraagdProduct.v[i].Verwijzer) {
            c->AangevraagdProduct.v[i].Verwijzer->Naam = NULL;
        }
    }
}

int
gw_tap_strip(gw_msg_t *msg, char **xml, size_t *len)
{
    gw_bericht_t *b = msg->bericht;
    if (b->Client) {
        s_strip_client(b->Client);
    }
    gw_declaratie_t *d = b->Declaratie ? b->Declaratie : b->DeclaratieAntwoord;
    for (size_t i = 0; d && i < d->Client.n; i++) {
        s_strip_client(&d->Client.v[i]);
    }
    return gw_codec_encode(msg, xml, len, NULL);
}
