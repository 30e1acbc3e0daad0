"""The text ``rtr-audio serve`` prints on start: feed URLs, a QR code and how to subscribe."""

from __future__ import annotations

import io
import ipaddress
import socket
from pathlib import Path

from rtr_audio.layout import FEED


def find_lan_ip() -> str | None:
    """This machine's LAN IPv4 address, or None.

    ``connect()`` on a UDP socket only picks the route and source address: no packet is sent.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.255.255.255", 1))
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified or ip.is_link_local:
        return None
    return address


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{FEED}"


def _qr_text(data: str) -> str:
    import qrcode  # only when there is a LAN address to show: keeps `serve` start-up light

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(data)
    qr.make(fit=True)
    buf = io.StringIO()
    # invert=True: light quiet zone and dark modules on the usual dark terminal background.
    qr.print_ascii(out=buf, invert=True)
    return buf.getvalue().rstrip("\n")


def format_banner(out_dir: Path, host: str, port: int, lan_ip: str | None = None) -> str:
    """The text :func:`rtr_audio.serve.run` prints when the server starts.

    For a wildcard host (``0.0.0.0``/``::``) the LAN address is ``lan_ip`` or, when not given,
    found with :func:`find_lan_ip`. A QR code of the LAN feed URL is included when there is one.
    """
    host = host.strip("[]")
    lines = [f"Serving {out_dir}"]
    lan: str | None = None
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None and ip.is_unspecified:
        lines.append(f"Feed on this computer: {_url('127.0.0.1', port)}")
        lan = lan_ip or find_lan_ip()
        if lan is None:
            lines.append(
                f"Could not find this machine's LAN address; on another device use "
                f"http://<this machine's IP>:{port}/{FEED}"
            )
    else:
        lines.append(f"Feed: {_url(host, port)}")
        if ip is not None and not ip.is_loopback:
            lan = host
    if lan is not None:
        lan_url = _url(lan, port)
        lines.append(f"Feed on your network: {lan_url}")
        lines.append(_qr_text(lan_url))
        lines.append(
            "On your phone: AntennaPod → “Add podcast by URL”, Apple Podcasts → Library → "
            "“Follow a Show by URL…”; scan the code or type the URL above."
        )
    return "\n".join(lines)
