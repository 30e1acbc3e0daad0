"""Real servers for the publish tests, on loopback and free ports, stopped at teardown.

- ``rclone serve webdav|http`` (a child process; it prints the address it bound to port 0 on);
- OpenSSH's ``sshd`` in the foreground (``-D``) with a generated host key and user key;
- moto's S3-compatible server (``moto_server``), which keeps each object's Content-Type and
  Cache-Control as S3 does.
Remotes are set up the way users do it without a config file: ``RCLONE_CONFIG_<NAME>_<KEY>``.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

STARTUP_SECONDS = 15


def rclone_env(tmp: Path, **remotes: dict[str, str]) -> dict[str, str]:
    """The environment for rclone: no user config file, plus the given env remotes."""
    # Nothing of the user's own rclone or AWS set-up (credentials, a CA bundle) leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RCLONE_", "AWS_"))}
    env["RCLONE_CONFIG"] = str(tmp / "no-rclone.conf")  # never the user's own config
    for name, options in remotes.items():
        for key, value in options.items():
            env[f"RCLONE_CONFIG_{name.upper()}_{key.upper()}"] = value
    return env


def obscure(password: str) -> str:
    """rclone's reversible obscuring, which its config and env remotes require for passwords."""
    return subprocess.run(["rclone", "obscure", password], capture_output=True, text=True,
                          check=True, timeout=30).stdout.strip()


@contextlib.contextmanager
def rclone_serve(kind: str, target: str, env: dict[str, str], *extra: str) -> Iterator[str]:
    """``rclone serve KIND TARGET`` on a free 127.0.0.1 port; yields its base URL.

    rclone 1.60's ``serve http`` does not print the address it bound, so the port is probed
    free first (and another is tried if it was taken in between).
    """
    for _attempt in range(5):
        port = free_port()
        proc = subprocess.Popen(["rclone", "serve", kind, target, "--addr", f"127.0.0.1:{port}",
                                 *extra], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if _wait_for_port(port, proc):
            break
        _stop(proc)
    else:
        raise RuntimeError(f"rclone serve {kind} {target} did not start")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(timeout=10)


@contextlib.contextmanager
def s3_server(tmp: Path) -> Iterator[dict[str, str]]:
    """moto's S3 server on a free loopback port; yields an rclone s3 remote's options."""
    program = Path(sys.executable).with_name("moto_server")
    for _attempt in range(5):
        port = free_port()
        proc = subprocess.Popen([str(program), "-H", "127.0.0.1", "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=rclone_env(tmp))
        if _wait_for_port(port, proc):
            break
        _stop(proc)
    else:
        raise RuntimeError("moto_server did not start")
    try:
        yield {"type": "s3", "provider": "Other", "endpoint": f"http://127.0.0.1:{port}",
               "access_key_id": "test-key", "secret_access_key": "test-secret",
               "region": "us-east-1", "force_path_style": "true"}
    finally:
        _stop(proc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                   check=True, timeout=30)
    return path.with_suffix(".pub").read_text().strip()


@contextlib.contextmanager
def sshd(tmp: Path) -> Iterator[dict[str, str]]:
    """A foreground OpenSSH sshd on a free loopback port that accepts one generated key.

    Yields the options of an rclone sftp remote (host, port, user, key_file, known_hosts_file).
    """
    program = shutil.which("sshd") or "/usr/sbin/sshd"
    folder = tmp / "sshd"
    folder.mkdir()
    host_public = _keygen(folder / "host_key")
    (folder / "authorized_keys").write_text(_keygen(folder / "user_key") + "\n")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    for _attempt in range(5):  # the free port can be taken between probing and binding
        port = free_port()
        config = folder / "sshd_config"
        config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {folder / 'host_key'}
PidFile none
AuthorizedKeysFile {folder / 'authorized_keys'}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
LogLevel ERROR
""")
        proc = subprocess.Popen([program, "-D", "-e", "-f", str(config)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if _wait_for_port(port, proc):
            break
        _stop(proc)
    else:
        raise RuntimeError("sshd did not start on a free port")
    known = folder / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {host_public}\n")
    try:
        yield {"type": "sftp", "host": "127.0.0.1", "port": str(port), "user": getpass.getuser(),
               "key_file": str(folder / "user_key"), "known_hosts_file": str(known),
               "shell_type": "unix"}
    finally:
        _stop(proc)


def _wait_for_port(port: int, proc: subprocess.Popen) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False
