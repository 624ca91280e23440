"""Uploading a file to Slack from disk, streamed: the three steps of `files.uploadV2`
(`files.getUploadURLExternal`, the upload, `files.completeUploadExternal`) without reading the whole file
into memory as slack_sdk's `files_upload_v2` does."""

import urllib.request
from typing import BinaryIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError


def upload_file(
    client: WebClient,
    *,
    file: BinaryIO,
    size: int,
    filename: str,
    title: str,
    channel_id: str,
    initial_comment: str,
) -> str:
    """Share `size` bytes of `file` (read from its current position) in `channel_id`; returns the file id."""
    ticket = client.files_getUploadURLExternal(filename=filename, length=size)
    # A file object as the body: http.client sends it in blocks, with the Content-Length given here.
    request = urllib.request.Request(
        ticket["upload_url"], data=file, method="POST", headers={"Content-Length": str(size)}
    )
    handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPSHandler(context=client.ssl)]
    if client.proxy:
        handlers.append(urllib.request.ProxyHandler({"http": client.proxy, "https": client.proxy}))
    with urllib.request.build_opener(*handlers).open(request, timeout=client.timeout) as response:
        if response.status != 200:
            raise SlackRequestError(f"Échec de l'envoi du fichier {filename} (HTTP {response.status}).")
    file_id = str(ticket["file_id"])
    client.files_completeUploadExternal(
        files=[{"id": file_id, "title": title}], channel_id=channel_id, initial_comment=initial_comment
    )
    return file_id
