"""Two journeys to start from: a welcome series and a post-purchase series.

``add_starter_journeys(session, now)`` creates them (switched on) unless journeys of
those names exist; the example shop's ``init-demo`` calls it. The owner rewrites
the texts in the owner area.
"""

from __future__ import annotations

import typing as t
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import flask_loyalty.content_versions as content_versions

from . import models as jm
from .editing import StepData
from .editing import save_journey
from .service import resume

WELCOME = "Welcome series"
AFTER_PURCHASE = "After the first purchase"

STARTERS: dict[str, tuple[str, list[StepData]]] = {
    WELCOME: (
        jm.CONFIRMED,
        [
            StepData(
                subject="Welcome to {{ shop_name }}, {{ first_name or 'friend' }}",
                body=(
                    "Dear {{ first_name or 'friend' }},\n\n"
                    "thank you for subscribing! Every piece at {{ shop_name }} is made"
                    " by hand in a small workshop, one at a time.\n\n"
                    "Over the next days we will tell you how they are made."
                ),
            ),
            StepData(
                delay_days=3,
                at_time="10:00",
                subject="How a piece is made",
                body=(
                    "Dear {{ first_name or 'friend' }},\n\n"
                    "each ring starts as a sketch and a strip of recycled silver."
                    " It is sawn, soldered, hammered and polished by hand: a day's"
                    " work for one piece.\n\nSee you soon!"
                ),
            ),
        ],
    ),
    AFTER_PURCHASE: (
        jm.FIRST_ORDER,
        [
            StepData(
                delay_hours=1,
                subject="Thank you, {{ first_name or 'friend' }}: caring for silver",
                body=(
                    "Dear {{ first_name or 'friend' }},\n\n"
                    "thank you for your first order! A few words on caring for it:\n\n"
                    "- keep it dry and take it off before swimming;\n"
                    "- store it in the pouch it came in;\n"
                    "- polish it now and then with a soft cloth."
                ),
            ),
            StepData(
                delay_days=14,
                at_time="10:00",
                subject="A piece to go with yours",
                body=(
                    "Dear {{ first_name or 'friend' }},\n\n"
                    "how do you like your new piece? Many of our customers pair"
                    " rings with the matching earrings of the same series: have a"
                    " look at the shop when you have a moment."
                ),
            ),
        ],
    ),
}


TRANSLATED: dict[str, list[dict[str, tuple[str, str]]]] = {
    WELCOME: [
        {
            "et": (
                "Tere tulemast poodi {{ shop_name }}, {{ first_name or 'sõber' }}",
                (
                    "Tere, {{ first_name or 'sõber' }}!\n\nAitäh, et liitusite! "
                    "Iga ese poes {{ shop_name }} on valmistatud käsitsi väikeses "
                    "töökojas, ükshaaval.\n\nLähipäevadel räägime Teile, kuidas "
                    "need valmivad."
                ),
            ),
            "el": (
                (
                    "Καλώς ήρθατε στο {{ shop_name }}{% if first_name %}, {{ "
                    "first_name }}{% endif %}"
                ),
                (
                    "Γεια σας{% if first_name %}, {{ first_name }}{% endif "
                    "%}!\n\nΣας ευχαριστούμε για την εγγραφή! Κάθε κομμάτι στο {{ "
                    "shop_name }} φτιάχνεται στο χέρι σε ένα μικρό εργαστήριο, ένα "
                    "τη φορά.\n\nΤις επόμενες μέρες θα σας πούμε πώς φτιάχνονται."
                ),
            ),
            "hu": (
                (
                    "Üdvözöljük nálunk ({{ shop_name }}), {{ first_name or 'kedves "
                    "Vásárlónk' }}!"
                ),
                (
                    "Kedves {{ first_name or 'Vásárlónk' }}!\n\nKöszönjük, hogy "
                    "feliratkozott! Nálunk ({{ shop_name }}) minden darab kézzel "
                    "készül egy kis műhelyben, egyenként.\n\nA következő napokban "
                    "elmeséljük, hogyan születnek."
                ),
            ),
            "tl": (
                (
                    "Maligayang pagdating sa {{ shop_name }}, {{ first_name or "
                    "'kaibigan' }}"
                ),
                (
                    "Kumusta, {{ first_name or 'kaibigan' }}!\n\nSalamat sa "
                    "pag-subscribe! Bawat piraso sa {{ shop_name }} ay "
                    "gawang-kamay sa isang maliit na workshop, isa-isa.\n\nSa mga "
                    "susunod na araw, ikukuwento namin kung paano ginagawa ang mga "
                    "ito."
                ),
            ),
        },
        {
            "et": (
                "Kuidas ese valmib",
                (
                    "Tere, {{ first_name or 'sõber' }}!\n\nIga sõrmus algab "
                    "visandist ja ribast taaskasutatud hõbedast. See saetakse, "
                    "joodetakse, taotakse ja poleeritakse käsitsi: ühe eseme jaoks "
                    "kulub terve päev.\n\nKohtumiseni!"
                ),
            ),
            "el": (
                "Πώς φτιάχνεται ένα κομμάτι",
                (
                    "Γεια σας{% if first_name %}, {{ first_name }}{% endif "
                    "%}!\n\nΚάθε δαχτυλίδι ξεκινά από ένα σχέδιο και μια λωρίδα "
                    "ανακυκλωμένου ασημιού. Κόβεται, κολλιέται, σφυρηλατείται και "
                    "γυαλίζεται στο χέρι: μια ολόκληρη μέρα δουλειάς για ένα "
                    "κομμάτι.\n\nΤα λέμε σύντομα!"
                ),
            ),
            "hu": (
                "Hogyan készül egy darab",
                (
                    "Kedves {{ first_name or 'Vásárlónk' }}!\n\nMinden gyűrű egy "
                    "vázlattal és egy csík újrahasznosított ezüsttel kezdődik. "
                    "Kézzel fűrészeljük, forrasztjuk, kalapáljuk és polírozzuk: "
                    "egy darab egy teljes napi munka.\n\nHamarosan jelentkezünk!"
                ),
            ),
            "tl": (
                "Paano ginagawa ang isang piraso",
                (
                    "Kumusta, {{ first_name or 'kaibigan' }}!\n\nBawat singsing ay "
                    "nagsisimula sa isang sketch at isang piraso ng recycled na "
                    "pilak. Nilalagari, hinihinang, pinupukpok at pinakikinis ito "
                    "sa kamay: isang buong araw ng trabaho para sa isang "
                    "piraso.\n\nHanggang sa muli!"
                ),
            ),
        },
    ],
    AFTER_PURCHASE: [
        {
            "et": (
                "Aitäh, {{ first_name or 'sõber' }}: kuidas hõbedat hoida",
                (
                    "Tere, {{ first_name or 'sõber' }}!\n\nAitäh Teie esimese "
                    "tellimuse eest! Mõni sõna selle hoidmisest:\n\n- hoidke seda "
                    "kuivana ja võtke see enne ujumist ära;\n- hoidke seda "
                    "kotikeses, milles see saabus;\n- poleerige seda aeg-ajalt "
                    "pehme lapiga."
                ),
            ),
            "el": (
                (
                    "Σας ευχαριστούμε{% if first_name %}, {{ first_name }}{% endif "
                    "%}: η φροντίδα του ασημιού"
                ),
                (
                    "Γεια σας{% if first_name %}, {{ first_name }}{% endif "
                    "%}!\n\nΣας ευχαριστούμε για την πρώτη σας παραγγελία! Λίγα "
                    "λόγια για τη φροντίδα της:\n\n- κρατήστε τη στεγνή και βγάλτε "
                    "τη πριν κολυμπήσετε·\n- φυλάξτε τη στο πουγκί με το οποίο "
                    "ήρθε·\n- γυαλίστε τη πού και πού με ένα μαλακό πανί."
                ),
            ),
            "hu": (
                (
                    "Köszönjük, {{ first_name or 'kedves Vásárlónk' }}! Így ápolja "
                    "az ezüstöt"
                ),
                (
                    "Kedves {{ first_name or 'Vásárlónk' }}!\n\nKöszönjük az első "
                    "rendelését! Néhány szó az ápolásáról:\n\n- tartsa szárazon, "
                    "és úszás előtt vegye le;\n- tárolja abban a tasakban, "
                    "amelyben érkezett;\n- időnként fényesítse át puha kendővel."
                ),
            ),
            "tl": (
                "Salamat, {{ first_name or 'kaibigan' }}: pag-aalaga sa pilak",
                (
                    "Kumusta, {{ first_name or 'kaibigan' }}!\n\nSalamat sa inyong "
                    "unang order! Ilang paalala sa pag-aalaga nito:\n\n- "
                    "panatilihin itong tuyo at hubarin bago lumangoy;\n- itago ito "
                    "sa supot na pinagdalhan nito;\n- pakintabin ito "
                    "paminsan-minsan gamit ang malambot na tela."
                ),
            ),
        },
        {
            "et": (
                "Ese, mis sobib Teie omaga",
                (
                    "Tere, {{ first_name or 'sõber' }}!\n\nKuidas Teile Teie uus "
                    "ese meeldib? Paljud meie kliendid kannavad sõrmuseid koos "
                    "sama sarja kõrvarõngastega: heitke pilk poodi, kui Teil on "
                    "hetk aega."
                ),
            ),
            "el": (
                "Ένα κομμάτι που ταιριάζει με το δικό σας",
                (
                    "Γεια σας{% if first_name %}, {{ first_name }}{% endif "
                    "%}!\n\nΠώς σας φαίνεται το καινούργιο σας κομμάτι; Πολλοί "
                    "πελάτες μας συνδυάζουν τα δαχτυλίδια με τα σκουλαρίκια της "
                    "ίδιας σειράς: ρίξτε μια ματιά στο κατάστημα όταν βρείτε λίγο "
                    "χρόνο."
                ),
            ),
            "hu": (
                "Egy darab, amely illik az Önéhez",
                (
                    "Kedves {{ first_name or 'Vásárlónk' }}!\n\nHogy tetszik az új "
                    "darabja? Sok vásárlónk a gyűrűket ugyanannak a sorozatnak a "
                    "fülbevalóival viseli: nézzen be a boltba, ha lesz egy perce."
                ),
            ),
            "tl": (
                "Isang pirasong babagay sa inyo",
                (
                    "Kumusta, {{ first_name or 'kaibigan' }}!\n\nKumusta ang bago "
                    "ninyong piraso? Marami sa aming mga customer ang nagpapares "
                    "ng singsing sa hikaw ng parehong serye: silipin ang tindahan "
                    "kapag may oras kayo."
                ),
            ),
        },
    ],
}
"""The starter steps' subject and text in the other shipped languages."""

NAMES: dict[str, dict[str, str]] = {
    WELCOME: {
        "et": "Tervitussari",
        "el": "Σειρά καλωσορίσματος",
        "hu": "Üdvözlő sorozat",
        "tl": "Serye ng pagbati",
    },
    AFTER_PURCHASE: {
        "et": "Pärast esimest ostu",
        "el": "Μετά την πρώτη αγορά",
        "hu": "Az első vásárlás után",
        "tl": "Pagkatapos ng unang pagbili",
    },
}
"""The starter journeys' names in the other shipped languages."""


def add_starter_journeys(
    session: Session, now: datetime, languages: t.Sequence[str] = ("en",)
) -> int:
    """Create the starter journeys that do not exist yet, switched on; return how
    many were created. Does not commit.

    Their names and emails are written in each of ``languages`` (the shop's,
    default first) that flask-loyalty ships a text for: the default language's
    text is the step's own, the others its versions.
    """
    made = 0
    default = languages[0] if languages else "en"
    for name, (trigger, steps) in STARTERS.items():
        if session.scalar(sa.select(jm.Journey.id).where(jm.Journey.name == name)):
            continue
        texts = [
            {"en": (step.subject or "", step.body or ""), **versions}
            for step, versions in zip(steps, TRANSLATED[name], strict=True)
        ]
        if default in texts[0]:
            steps = [
                replace(step, subject=text[default][0], body=text[default][1])
                for step, text in zip(steps, texts, strict=True)
            ]
        journey = save_journey(
            session, now, None, name=name, trigger=trigger, steps=steps
        )
        for code in languages[1:]:
            if code in NAMES[name]:
                content_versions.write(
                    journey, code, languages, {"name": NAMES[name][code]}, now
                )
        for step, text in zip(journey.steps, texts, strict=True):
            for code in languages[1:]:
                if code in text:
                    subject, body = text[code]
                    content_versions.write(
                        step, code, languages, {"subject": subject, "body": body}, now
                    )
        resume(session, now, journey)
        made += 1
    return made
