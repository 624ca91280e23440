"""`later`: what a listener does after its ack, run in a worker process when `ror-bot run` has some.

    later(Task(run=my_module_function, kwargs={...}, what="le message privé …"), ror=ror, client=client)

`run` is called as `run(ror=<AppContext>, client=<WebClient>, **kwargs)`: in a worker, with the worker's
own context and client; without workers (tests, ROR_BACKGROUND_WORKERS=0, a full queue), right here in
the listener's thread, after its ack, as before. A failure is logged with its reference and changes
nothing already done (like bot.errors.after_commit): use it for consequences of a change already
committed and told (DMs, App Home refreshes, messages updated, sending to the ROR national)."""

from slack_sdk import WebClient

from bot.background import Task
from bot.context import AppContext
from bot.errors import after_commit


def later(task: Task, *, ror: AppContext, client: WebClient) -> None:
    def here() -> None:
        run_task(task, ror=ror, client=client)

    background = ror.background
    if background is not None and background.submit(task, fallback=here):
        return
    here()


def run_task(task: Task, *, ror: AppContext, client: WebClient) -> None:
    """`task` with this process's context and client; a failure is logged, never raised."""
    after_commit(task.what, lambda: task.run(ror=ror, client=client, **task.kwargs))
