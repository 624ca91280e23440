"""`python -m devtools.ror_standin --port 8081 [--tls --certs DIR]`: serve a stand-in ROR national and
print the variables that point `ror-bot` at it."""

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path

from devtools.ror_standin.server import DEMO_DIRECTORY, RorStandIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.ror_standin", description="ROR national de substitution (tests et démos)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--client-id", default="ror-anomalies")
    parser.add_argument("--client-secret", default="secret-de-demo")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="HTTPS avec des certificats de test ; le client s'authentifie par certificat (mTLS)",
    )
    parser.add_argument(
        "--certs",
        type=Path,
        default=Path("ror-standin-certs"),
        help="dossier où écrire l'AC et le certificat client",
    )
    parser.add_argument(
        "--directory", type=Path, default=DEMO_DIRECTORY, help="Bundle FHIR de l'annuaire servi"
    )
    parser.add_argument(
        "--env-file", type=Path, default=None, help="écrire aussi les variables dans ce fichier (format .env)"
    )
    parser.add_argument("--token-lifetime", type=int, default=300, help="durée de vie des jetons (secondes)")
    args = parser.parse_args(argv)

    standin = RorStandIn(
        client_id=args.client_id,
        client_secret=None if args.tls else args.client_secret,
        certificate_clients=(args.client_id,) if args.tls else (),
        tls=args.tls,
        host=args.host,
        port=args.port,
        token_lifetime=args.token_lifetime,
        directory_file=args.directory,
    )
    env = standin.environment()
    if args.tls:
        assert standin.certificates is not None
        args.certs.mkdir(parents=True, exist_ok=True)
        ca = standin.certificates.write_ca(args.certs / "ca.pem")
        client = standin.certificates.write_client(args.client_id, args.certs)
        env |= {"ROR_CLIENT_CERT": str(client.cert.resolve()), "ROR_CLIENT_KEY": str(client.key.resolve())}
        env["ROR_CA_BUNDLE"] = str(ca.resolve())
    standin.start()
    env = {**env, **{k: v for k, v in standin.environment().items() if k.endswith("_URL")}}
    print(
        f"ROR national de substitution sur {standin.base_url} (Ctrl-C pour arrêter). Variables :", flush=True
    )
    for name, value in env.items():
        print(f"export {name}={value}", flush=True)
    if args.env_file is not None:
        # Written whole then renamed: whoever waits for the file never reads half of it.
        partial = args.env_file.with_name(args.env_file.name + ".partial")
        partial.write_text("".join(f"{name}={value}\n" for name, value in env.items()), encoding="utf-8")
        partial.replace(args.env_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
