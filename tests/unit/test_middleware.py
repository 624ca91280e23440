"""The Slack user → e-mail cache."""

from bot.slack_users import UserDirectory


class CountingClient:
    def __init__(self) -> None:
        self.calls = 0

    def users_info(self, *, user: str) -> dict:
        self.calls += 1
        return {
            "user": {
                "real_name": "Alice Martin",
                "profile": {"email": "Alice@Editeur.fr", "first_name": "Alice", "last_name": "Martin"},
            }
        }


def test_users_info_is_asked_once_per_user_while_the_cache_is_fresh_then_again():
    now = [0.0]
    users = UserDirectory(ttl=300, monotonic=lambda: now[0])
    client = CountingClient()

    first = users.lookup(client, "U1")  # type: ignore[arg-type]
    users.lookup(client, "U1")  # type: ignore[arg-type]
    assert client.calls == 1
    assert first.email == "Alice@Editeur.fr"
    assert first.name == "Alice MARTIN"

    now[0] = 301
    users.lookup(client, "U1")  # type: ignore[arg-type]
    assert client.calls == 2
