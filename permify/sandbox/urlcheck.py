"""URL handling as Perma does it: normalise a submission, validate it, and canonicalise for ``url=``.

Perma validates remotely (the Scoop API); the sandbox replaces that with a local table of
"bad" inputs that reproduces the real error strings.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import unicodedata
from urllib.parse import quote, urlsplit

#: Address ranges Perma refused before validation moved to Scoop.
BANNED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/29", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "255.255.255.255/32", "::/128", "::1/128", "::ffff:0:0/96", "100::/64", "64:ff9b::/96",
        "2001::/32", "2001:10::/28", "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10",
        "ff00::/8",
    )
)

NOT_VALID_URL = "Not a valid URL."
NOT_RESOLVED = "Couldn't resolve domain."
NOT_VALID_IP = "Not a valid IP."

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(?!\d+(?:[/?#]|$))")
_WWW_RE = re.compile(r"^www\d*\.")
# Hosts that never resolve, whatever the configured patterns say (RFC 2606/6761 names).
_UNRESOLVABLE_SUFFIXES = (".invalid", ".test", ".localhost", ".local")


def has_control_chars(url: str) -> bool:
    """True when ``url`` holds a Unicode category C character (Perma's "Unicode error")."""
    return any(unicodedata.category(ch).startswith("C") for ch in url)


def normalize(raw: str) -> str:
    """Trim and scheme-prefix a submitted URL as newer servers do: ``https://`` by default, ``//x`` too."""
    url = raw.strip()
    if url.startswith("//"):
        return "https:" + url
    if _SCHEME_RE.match(url):
        return url
    return "https://" + url


def _host_of(url: str) -> tuple[str | None, str | None]:
    """Return ``(hostname, error)`` for an absolute http(s) URL."""
    match = _SCHEME_RE.match(url)
    if not match or match.group(1).lower() not in ("http", "https"):
        return None, NOT_VALID_URL
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None, NOT_VALID_URL
    if not host or any(ch in host for ch in "[]<>\"' \\"):
        return None, NOT_VALID_URL
    return host, None


def validate(url: str, invalid_patterns: tuple[str, ...]) -> str | None:
    """Return the error message for a normalised URL Perma would refuse, or None if it is fine."""
    host, error = _host_of(url)
    if error or host is None:
        return error or NOT_VALID_URL
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if any(address in net for net in BANNED_NETWORKS if net.version == address.version):
            return NOT_VALID_IP
        return None
    if host == "localhost":
        return NOT_VALID_IP
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return NOT_VALID_URL
    if "." not in ascii_host.strip(".") or ascii_host.endswith(_UNRESOLVABLE_SUFFIXES):
        return NOT_RESOLVED
    if matches(url, invalid_patterns):
        return NOT_RESOLVED
    return None


def matches(url: str, patterns: tuple[str, ...]) -> bool:
    """True when ``url`` matches one of the ``fnmatch`` patterns, ignoring case."""
    lowered = url.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def ascii_url(url: str) -> str:
    """The ASCII-safe form used for the primary capture's ``url``: punycode host, %-escapes, ``/``."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return url
    netloc = host
    if parts.port:
        netloc = f"{host}:{parts.port}"
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~-._") or "/"
    out = f"{parts.scheme.lower()}://{netloc}{path}"
    if parts.query:
        out += "?" + quote(parts.query, safe="=&%:@!$'()*+,;/?~-._")
    return out


def netloc(url: str) -> str:
    """The host[:port] of the ASCII-safe URL: Perma's default title."""
    try:
        return urlsplit(ascii_url(url)).netloc or url
    except ValueError:
        return url


def canonical(url: str) -> str:
    """A SURT-like canonical key: equal keys mean Perma's ``url=`` filter matches.

    Ignores the scheme, ``www``/``wwwN.``, default ports, credentials, the fragment, a trailing
    slash, case (path and query included) and the order of query parameters. Never raises:
    garbage gives a strange key that matches nothing, as ``surt`` does.
    """
    text = url.strip()
    if not _SCHEME_RE.match(text):
        text = "http://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return "!" + url.lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    host = _WWW_RE.sub("", host.lower())
    if host and not _is_ip(host):
        host = ",".join(reversed(host.split(".")))
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.lower().rstrip("/") or "/"
    key = f"{host}){path}"
    if parts.query:
        key += "?" + "&".join(sorted(parts.query.lower().split("&")))
    return key


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
