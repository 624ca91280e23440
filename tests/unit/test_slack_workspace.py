"""The fake Slack's workspace (devtools.slack_workspace): what each person would see after the app's calls."""

from types import SimpleNamespace

from devtools.slack_workspace import MODAL_STACK_MAX, ResponseTarget, Workspace, dm_channel

ALICE, LEA = "UALICE", "ULEA"
USERS = {ALICE: SimpleNamespace(real_name="Alice Martin"), LEA: SimpleNamespace(real_name="Léa Durand")}


def seen_by(workspace: Workspace, user: str, channel: str = "C0GENERAL") -> list[str]:
    snapshot = workspace.snapshot(user, name_of=lambda u: u)
    return [m["text"] for m in snapshot["conversations"][channel]]


def a_modal(title: str, **extra: object) -> dict[str, object]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [], **extra}


def test_an_ephemeral_message_is_seen_by_its_person_alone_and_a_channel_message_by_everyone():
    ws = Workspace(USERS)
    ws.post_ephemeral({"channel": "C0GENERAL", "user": ALICE, "text": "pour Alice"})
    ws.post_message({"channel": "C0GENERAL", "text": "pour tous"})

    assert seen_by(ws, ALICE) == ["pour Alice", "pour tous"]
    assert seen_by(ws, LEA) == ["pour tous"]


def test_a_message_posted_to_a_user_id_lands_in_the_apps_dm_with_that_person():
    ws = Workspace(USERS)
    answer = ws.post_message({"channel": ALICE, "text": "Les anomalies suivantes ont été créées"})

    assert answer["channel"] == dm_channel(ALICE) == "DALICE"
    assert seen_by(ws, ALICE, "DALICE") == ["Les anomalies suivantes ont été créées"]
    assert "DALICE" not in ws.snapshot(LEA, name_of=str)["conversations"]


def test_a_response_url_posts_ephemerally_by_default_and_in_channel_when_asked():
    ws = Workspace(USERS)
    ws.register_response_url("1", ResponseTarget(ALICE, "C0GENERAL"))
    ws.respond("1", {"text": "éphémère"})
    ws.respond("1", {"text": "pour le canal", "response_type": "in_channel"})

    assert seen_by(ws, ALICE) == ["éphémère", "pour le canal"]
    assert seen_by(ws, LEA) == ["pour le canal"]


def test_a_response_url_of_a_click_replaces_or_deletes_the_clicked_message():
    ws = Workspace(USERS)
    ts = ws.post_ephemeral({"channel": "C0GENERAL", "user": ALICE, "text": "liste page 1"})["message_ts"]
    ws.register_response_url("2", ResponseTarget(ALICE, "C0GENERAL", ts))
    ws.respond("2", {"text": "liste page 2", "replace_original": True})

    assert seen_by(ws, ALICE) == ["liste page 2"]
    message = ws.message(ts)
    assert message is not None
    assert message.revision == 2
    assert message.ephemeral_to == ALICE

    ws.respond("2", {"delete_original": "true"})
    assert seen_by(ws, ALICE) == []


def test_views_open_goes_to_the_person_the_trigger_was_given_to_and_push_stacks_up_to_three():
    ws = Workspace(USERS)
    opened = ws.views_open({"trigger_id": ws.issue_trigger(ALICE), "view": a_modal("Un")})
    for title in ("Deux", "Trois"):
        assert ws.views_push({"trigger_id": ws.issue_trigger(ALICE), "view": a_modal(title)})["ok"]
    refused = ws.views_push({"trigger_id": ws.issue_trigger(ALICE), "view": a_modal("Quatre")})

    assert refused == {"ok": False, "error": "push_limit_reached"}
    stack = ws.snapshot(ALICE, name_of=str)["modals"]
    assert [v["view"]["title"]["text"] for v in stack] == ["Un", "Deux", "Trois"]
    assert len(stack) == MODAL_STACK_MAX
    assert stack[0]["id"] == opened["view"]["id"]
    assert ws.snapshot(LEA, name_of=str)["modals"] == []


def test_views_update_with_a_stale_hash_is_a_hash_conflict_as_in_slack():
    ws = Workspace(USERS)
    view = ws.views_open({"trigger_id": ws.issue_trigger(ALICE), "view": a_modal("Un")})["view"]
    updated = ws.views_update({"view_id": view["id"], "hash": view["hash"], "view": a_modal("Deux")})
    stale = ws.views_update({"view_id": view["id"], "hash": view["hash"], "view": a_modal("Trois")})

    assert updated["ok"]
    assert updated["view"]["hash"] != view["hash"]
    assert stale == {"ok": False, "error": "hash_conflict"}
    assert ws.snapshot(ALICE, name_of=str)["modals"][0]["view"]["title"]["text"] == "Deux"


def test_the_answer_to_a_submission_shows_errors_updates_pushes_or_closes_the_view():
    ws = Workspace(USERS)
    view_id = ws.views_open({"trigger_id": ws.issue_trigger(ALICE), "view": a_modal("Un")})["view"]["id"]

    ws.apply_submission_answer(ALICE, view_id, {"response_action": "errors", "errors": {"b": "Obligatoire"}})
    assert ws.snapshot(ALICE, name_of=str)["modals"][0]["errors"] == {"b": "Obligatoire"}

    ws.apply_submission_answer(ALICE, view_id, {"response_action": "update", "view": a_modal("Deux")})
    top = ws.snapshot(ALICE, name_of=str)["modals"][0]
    assert (top["id"], top["view"]["title"]["text"], top["errors"]) == (view_id, "Deux", {})

    ws.apply_submission_answer(ALICE, view_id, {"response_action": "push", "view": a_modal("Trois")})
    assert len(ws.snapshot(ALICE, name_of=str)["modals"]) == 2

    ws.apply_submission_answer(ALICE, view_id, None)  # an empty ack closes the submitted view
    assert ws.snapshot(ALICE, name_of=str)["modals"] == []


def test_blocks_without_block_id_get_one_so_that_their_state_can_be_sent_back():
    ws = Workspace(USERS)
    ws.post_message(
        {"channel": "C0GENERAL", "blocks": [{"type": "actions", "elements": []}, {"type": "divider"}]}
    )

    blocks = ws.snapshot(ALICE, name_of=str)["conversations"]["C0GENERAL"][0]["blocks"]
    assert all(block["block_id"] for block in blocks)


def test_an_uploaded_file_is_shared_in_the_dm_with_its_content_kept_for_download():
    ws = Workspace(USERS)
    upload = ws.upload_url({"filename": "anomalies.csv", "length": 5}, "http://fake")
    ws.store_upload(upload["file_id"], b"a;b\n")
    ws.complete_upload(
        {
            "files": [{"id": upload["file_id"], "title": "Export"}],
            "channel_id": "DALICE",
            "initial_comment": "Export CSV",
        }
    )

    dm = ws.snapshot(ALICE, name_of=str)["conversations"]["DALICE"]
    assert dm[0]["text"] == "Export CSV"
    assert dm[0]["files"] == [
        {"id": upload["file_id"], "name": "anomalies.csv", "title": "Export", "size": 4}
    ]
    assert ws.files[upload["file_id"]].content == b"a;b\n"


def test_waiting_for_a_change_returns_at_once_when_something_already_changed():
    ws = Workspace(USERS)
    before = ws.version
    ws.post_message({"channel": "C0GENERAL", "text": "x"})

    assert ws.wait_for_change(before, timeout=5) > before
    assert ws.wait_for_change(ws.version, timeout=0.05) == ws.version


def test_a_long_running_fake_keeps_only_its_latest_calls():
    from slack_sdk import WebClient

    from devtools.fake_slack import FakeSlack

    fake = FakeSlack(max_calls=3).start()
    try:
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        for channel in ("C1", "C2", "C3", "C4", "C5"):
            client.chat_postMessage(channel=channel, text="x")
        assert [call.params["channel"] for call in fake.calls] == ["C3", "C4", "C5"]
        assert len(fake.workspace.messages) == 5  # what people see is kept
    finally:
        fake.stop()
