"""Issue 13's acceptance, in a real headless browser (Debian's Chromium driven by Playwright; nothing is
downloaded): `ror-bot run` without Slack credentials serves the playground, and on its page the région-76
member declares two items through the modal, reads both references, filters the list by statut, opens a
detail and cancels it after its confirmation; the région-84 member sees neither. Screenshots are saved in
test-artifacts/playground/ (gitignored)."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.playground_run import READY, REPO, env_without_slack, free_port, ror_bot_run

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "playground"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REFERENCE = re.compile(r"ANO_\d{12}")
UNTRUSTED = "Le numéro <b>manque</b> & <img src=x onerror=alert(1)> <!channel>"
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def playground_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("playground")
    env = env_without_slack(f"sqlite:///{workdir / 'ror-anomalies.db'}", ROR_BACKGROUND_WORKERS="0")
    port = free_port()
    args = (
        "--no-scheduler",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--playground-port",
        str(free_port()),
    )
    with ror_bot_run(*args, env=env, cwd=workdir) as bot:
        yield bot.wait_for(READY).group(1)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Chromium manque (/usr/bin/chromium) : lancez scripts/ensure-chromium (make test le fait)."
        )
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="ror-playground-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 950},
            locale="fr-FR",
        )
        context.set_default_timeout(WAIT_MS)
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def type_command(page, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.fill(text)
    box.press("Enter")


def test_declare_filter_show_and_cancel_in_the_browser_while_another_region_sees_nothing(
    playground_url: str, browser
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(playground_url + "#UALICE")
    expect(page.get_by_role("radio", name="Alice Martin")).to_be_checked()
    expect(page.locator("#connection")).to_have_text("En direct")

    # Declare two items of CH Narbonne through the modal.
    type_command(page, "/ror declarer 1110000056")
    modal = page.get_by_role("dialog", name="Déclarer une anomalie")
    expect(modal.get_by_text("CH NARBONNE - HOTEL DIEU")).to_be_visible()
    modal.get_by_label("Données en anomalie").select_option(label="Adresse établissement")
    address = modal.get_by_label("Description de l'anomalie — Adresse établissement")
    expect(address).to_be_visible()
    modal.get_by_label("Données en anomalie").select_option(label="Contact établissement")
    contact = modal.get_by_label("Description de l'anomalie — Contact établissement")
    expect(contact).to_be_visible()
    address.fill(UNTRUSTED)
    contact.fill("Le standard a changé : 04 68 41 60 01")
    shoot(page, "01-declaration-modal")
    modal.get_by_role("button", name="Déclarer une anomalie", exact=True).click()

    confirmation = page.get_by_role("dialog").get_by_text("Les anomalies suivantes ont été créées")
    expect(confirmation).to_be_visible()
    references = sorted(set(REFERENCE.findall(page.get_by_role("dialog").inner_text())))
    assert len(references) == 2, references
    shoot(page, "02-confirmation")
    page.get_by_role("button", name="Fermer", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # The list, filtered by statut through the *Filtrer* modal.
    type_command(page, "/ror anomalies")
    listing = page.locator("article.message", has_text="Anomalies de votre périmètre").last
    expect(listing.get_by_text("2 anomalies")).to_be_visible()
    listing.get_by_role("button", name="Filtrer").click()
    filters = page.get_by_role("dialog")
    filters.get_by_label("Statut").select_option(label="04 Bloquée (destinataire manquant)")
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    filters.get_by_label("Dernière modification du").fill(today.isoformat())
    shoot(page, "03-filter-modal")
    filters.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    summary = f"statut Bloquée (destinataire manquant) · modifiées depuis le {today:%d/%m/%Y}"
    expect(listing.get_by_text(summary)).to_be_visible()
    for reference in references:
        expect(listing.get_by_text(reference).first).to_be_visible()
    shoot(page, "04-filtered-list")

    # The detail of the address item, cancelled after its confirmation dialog.
    cancelled = next(
        r for r in references if listing.locator(".bk-section", has_text=r).filter(has_text="Adresse").count()
    )
    kept = next(r for r in references if r != cancelled)
    row = listing.locator(".bk-section", has_text=cancelled)
    row.get_by_role("button", name="Voir").click()
    detail = page.get_by_role("dialog")
    expect(detail.get_by_text(f"Anomalie {cancelled}")).to_be_visible()
    expect(detail.get_by_text(UNTRUSTED)).to_be_visible()  # what was typed, shown as text
    expect(detail.locator("b, img, script")).to_have_count(0)
    shoot(page, "05-detail")
    detail.get_by_role("button", name="Annuler l'anomalie").click()
    confirm = page.get_by_role("alertdialog", name="Annuler l'anomalie ?")
    expect(confirm).to_be_visible()
    shoot(page, "06-confirm-dialog")
    confirm.get_by_role("button", name="Annuler l'anomalie").click()
    expect(detail.get_by_text(f"L'anomalie {cancelled} est annulée")).to_be_visible()
    expect(detail.get_by_text("03 Annulée")).to_be_visible()
    shoot(page, "07-cancelled")
    page.get_by_role("button", name="Fermer toutes les fenêtres").click()

    type_command(page, f"/ror voir {kept}")
    kept_detail = page.locator("article.message", has_text=f"Anomalie {kept}").last
    expect(kept_detail.get_by_text("04 Bloquée (destinataire manquant)")).to_be_visible()

    # The list's checkboxes: the state of the message goes with the click on *Annuler les anomalies cochées*.
    listing.get_by_role("checkbox", name=kept).check()
    listing.get_by_role("button", name="Annuler les anomalies cochées").click()
    page.get_by_role("alertdialog", name="Annuler les anomalies ?").get_by_role(
        "button", name="Annuler les anomalies"
    ).click()
    expect(listing.get_by_text(f"{kept} : annulée.")).to_be_visible()
    shoot(page, "08-selection-cancelled")

    # The région-84 member sees neither.
    page.get_by_role("radio", name="Léa Durand").check()
    expect(page.get_by_text(f"Anomalie {kept}")).to_have_count(0)
    type_command(page, "/ror anomalies")
    lea_list = page.locator("article.message", has_text="Anomalies de votre périmètre").last
    expect(lea_list.get_by_text("Aucune anomalie ne correspond.")).to_be_visible()
    type_command(page, f"/ror voir {kept}")
    expect(page.get_by_text("dans votre périmètre").last).to_be_visible()
    text = page.locator("#messages").inner_text()
    assert cancelled not in text
    assert "Bloquée" not in text
    assert "Annulée" not in text
    shoot(page, "09-other-region-sees-nothing")
    assert errors == []


SAMPLES = {
    "formatting": "*gras* _italique_ ~barré~ `code` statut=bloquee,a_traiter",
    "link": "<https://esante.gouv.fr/ror|le ROR> et <@UALICE>",
    "escapes": "&lt;b&gt;pas du HTML&lt;/b&gt; &amp; <!here>",
    "forged": "<javascript:alert(1)|cliquez> &lt;img src=x onerror=alert(1)&gt;",
    "code_block": "avant ```ligne 1\n*pas gras*``` après",
}


def test_the_page_renders_the_apps_mrkdwn_readably_and_untrusted_text_stays_text(
    playground_url: str, browser
) -> None:
    page = browser.new_page()
    page.goto(playground_url)
    page.wait_for_function("window.BlockKit !== undefined")
    rendered = page.evaluate(
        """(samples) => Object.fromEntries(Object.entries(samples).map(([name, text]) => {
            const node = BlockKit.mrkdwn(text);
            return [name, {html: node.innerHTML, text: node.textContent}];
        }))""",
        SAMPLES,
    )

    formatting = rendered["formatting"]["html"]
    for tag in ("<strong>gras</strong>", "<em>italique</em>", "<s>barré</s>", "<code>code</code>"):
        assert tag in formatting
    assert "a_traiter" in rendered["formatting"]["text"]  # no italics inside a word
    link = rendered["link"]
    assert (
        '<a class="link" href="https://esante.gouv.fr/ror" target="_blank" rel="noopener noreferrer">le ROR</a>'
        in link["html"]
    )
    assert '<span class="mention">@Alice Martin</span>' in link["html"]
    assert rendered["escapes"]["text"] == "<b>pas du HTML</b> & @here"
    assert "<b>" not in rendered["escapes"]["html"]
    forged = rendered["forged"]
    assert "<a" not in forged["html"]
    assert "<img" not in forged["html"]
    assert forged["text"] == "cliquez <img src=x onerror=alert(1)>"
    assert '<pre class="code-block">ligne 1\n*pas gras*</pre>' in rendered["code_block"]["html"]


FORM = [
    {
        "type": "input",
        "block_id": "kind",
        "label": {"type": "plain_text", "text": "Ressource"},
        "element": {
            "type": "static_select",
            "action_id": "pick",
            "options": [
                {"text": {"type": "plain_text", "text": "Structure"}, "value": "structure"},
                {"text": {"type": "plain_text", "text": "Offre"}, "value": "offre"},
            ],
            "initial_option": {"text": {"type": "plain_text", "text": "Offre"}, "value": "offre"},
        },
    },
    {
        "type": "input",
        "block_id": "statuses",
        "label": {"type": "plain_text", "text": "Statut"},
        "element": {
            "type": "multi_static_select",
            "action_id": "pick",
            "options": [
                {"text": {"type": "plain_text", "text": "04 Bloquée"}, "value": "04"},
                {"text": {"type": "plain_text", "text": "05 Envoyée"}, "value": "05"},
            ],
        },
    },
    {
        "type": "actions",
        "block_id": "rows",
        "elements": [
            {
                "type": "checkboxes",
                "action_id": "check",
                "options": [
                    {"text": {"type": "mrkdwn", "text": "ANO_1"}, "value": "ANO_1"},
                    {"text": {"type": "mrkdwn", "text": "ANO_2"}, "value": "ANO_2"},
                ],
            }
        ],
    },
    {
        "type": "input",
        "block_id": "from",
        "optional": True,
        "label": {"type": "plain_text", "text": "Du"},
        "element": {"type": "datepicker", "action_id": "date"},
    },
    {
        "type": "input",
        "block_id": "text",
        "label": {"type": "plain_text", "text": "Description"},
        "element": {"type": "plain_text_input", "action_id": "typed", "multiline": True},
    },
]


def test_inputs_report_their_state_in_slacks_format_and_required_ones_are_checked(
    playground_url: str, browser
) -> None:
    page = browser.new_page()
    page.goto(playground_url)
    page.wait_for_function("window.BlockKit !== undefined")
    page.evaluate(
        """(blocks) => {
            const root = BlockKit.renderBlocks(blocks, {onAction: () => null, confirm: () => true, errors: {}});
            root.id = "form-under-test";
            document.body.append(root);
        }""",
        FORM,
    )
    form = page.locator("#form-under-test")
    missing = page.evaluate(
        "(blocks) => BlockKit.missingInputs(blocks, BlockKit.collectState(document.getElementById('form-under-test')))",
        FORM,
    )
    assert missing == {"statuses": "Ce champ est obligatoire.", "text": "Ce champ est obligatoire."}

    form.get_by_label("Statut").select_option(label="05 Envoyée")
    form.get_by_role("checkbox", name="ANO_2").check()
    form.get_by_label("Du").fill("2026-01-15")
    form.get_by_label("Description").fill("ligne 1\nligne 2")
    state = page.evaluate("BlockKit.collectState(document.getElementById('form-under-test'))")

    assert state == {
        "kind": {"pick": {"type": "static_select", "selected_option": FORM[0]["element"]["initial_option"]}},
        "statuses": {
            "pick": {"type": "multi_static_select", "selected_options": [FORM[1]["element"]["options"][1]]}
        },
        "rows": {"check": {"type": "checkboxes", "selected_options": [FORM[2]["elements"][0]["options"][1]]}},
        "from": {"date": {"type": "datepicker", "selected_date": "2026-01-15"}},
        "text": {"typed": {"type": "plain_text_input", "value": "ligne 1\nligne 2"}},
    }
