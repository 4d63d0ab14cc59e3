# ruff: noqa: E501  (page markup keeps the long lines real pages have)
"""The pages sandbox captures hold: real shapes of bot walls, error pages and ordinary pages.

Each is a trimmed copy of what the origin serves (the review tests keep the same shapes,
with their sources, in ``tests/data/review``). ``{host}``, ``{url}`` and ``{title}`` are
filled in per archive.
"""

from __future__ import annotations

import base64
import html
import random
from urllib.parse import urlsplit

CLOUDFLARE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>\
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow"></head><body>
<div class="main-wrapper" role="main"><div class="main-content"><h1 class="zone-name-title h1">{host}</h1>
<h2 class="h2">Performing security verification</h2>
<p>This website uses a security service to protect against malicious bots. This page is displayed while the website \
verifies you are not a bot.</p>
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript>
</div></div>
<script>(function(){{window._cf_chl_opt={{cvId:'3',cZone:'{host}',cType:'managed'}};var a=document.createElement('script');\
a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1e2d3c4b5a6978';\
document.getElementsByTagName('head')[0].appendChild(a);}}());</script>
<div class="footer"><div>Ray ID: <code>8f1e2d3c4b5a6978</code></div><div>Performance and Security by Cloudflare</div></div>
</body></html>
"""

AKAMAI = """<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "{url}" on this server.<P>
Reference&#32;&#35;18&#46;5603d417&#46;1607789530&#46;2b1a9e
</BODY>
</HTML>
"""

PERIMETERX = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="description" content="px-captcha">
<title>Access to this page has been denied.</title></head><body>
<h1>Press &amp; Hold to confirm you are a human (and not a bot).</h1>
<div id="px-captcha"></div>
<script>window._pxAppId = 'PXa1b2c3d4'; window._pxFirstPartyEnabled = true;</script>
<script src="/a1b2c3d4/captcha/captcha.js?a=c&m=0"></script>
</body></html>
"""

DATADOME = """<html lang="en"><head><title>{host}</title></head><body style="margin:0">\
<p id="cmsg">Please enable JS and disable any ad blocker</p><script data-cfasync="false">var dd={{'rt':'c',\
'cid':'AHrlqAAAAAMA','hsh':'0B2CA1F8','t':'fe','s':47891,'e':'5b3e2e4f','host':'geo.captcha-delivery.com',\
'cookie':'~2sHrZLKa'}}</script><script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script>\
</body></html>
"""

LOGIN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in | {host}</title></head>
<body><header><a href="/">{host}</a></header><main><h1>Sign in to continue</h1>
<p>You must be signed in to read this content.</p>
<form method="post" action="/login?next=%2F"><input type="hidden" name="csrfmiddlewaretoken" value="k1nXv0yq8oQ">
<label for="id_username">Email address</label><input type="email" name="username" id="id_username" required>
<label for="id_password">Password</label><input type="password" name="password" id="id_password" required>
<button type="submit">Sign in</button></form>
<p><a href="/password_reset/">Forgot your password?</a> <a href="/register/">Create an account</a></p></main></body></html>
"""

PAYWALL = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {host}</title>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",\
"isAccessibleForFree":"False"}}</script></head>
<body><article><h1>{title}</h1><p>The justices heard argument on Tuesday in a case that could reshape how federal \
agencies interpret the statutes they administer.</p></article>
<div class="paywall-offer"><h2>This article is exclusive to subscribers.</h2>
<p>Subscribe to continue reading. Get unlimited digital access for $1 a week.</p>
<p>Already a subscriber? <a href="/login">Log in</a></p></div></body></html>
"""

NOT_FOUND = """<!doctype html><html lang="en-US"><head><meta charset="UTF-8"><title>Page not found &#8211; {host}</title>
</head><body class="error404"><header><p class="site-title"><a href="/">{host}</a></p></header>
<main><h1 class="page-title">Nothing here</h1>
<p>It looks like nothing was found at this location. Maybe try a search?</p>
<form role="search" method="get" action="/"><input type="search" name="s"><input type="submit" value="Search"></form>
</main><footer>Proudly powered by WordPress.</footer></body></html>
"""

SERVER_ERROR = """<html><head><title>503 Service Temporarily Unavailable</title></head><body>
<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>
"""

COOKIE_WALL = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Before you continue to {host}</title>\
</head><body><div aria-modal="true" role="dialog"><h1>Before you continue</h1>
<div>We use cookies and data to deliver and maintain our services, track outages and protect against spam, fraud and \
abuse.</div><form action="https://consent.{host}/save" method="POST"><button>Reject all</button></form>
<form action="https://consent.{host}/save" method="POST"><button>Accept all</button></form></div></body></html>
"""

NEAR_EMPTY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{host}</title></head>
<body><div id="wrapper"><p>Loading&hellip;</p></div></body></html>
"""

_PARAGRAPHS = (
    "This page is the sandbox's stand-in for the document at {url}. It reads like an ordinary article so that a "
    "capture review has something real to judge: a headline, a byline, and several paragraphs of running text.",
    "The court held that the statute's plain text controls, and that the agency's contrary reading could not be "
    "sustained. The opinion traced the history of the provision, its amendments, and the decisions of the courts "
    "of appeals that had divided on the question before it reached the justices.",
    "Commentators noted that the decision leaves open several related questions, including how the holding applies "
    "to rules adopted before the statute was amended, and whether reliance interests should shape the remedy. "
    "Further litigation is expected in the coming terms.",
    "Counsel for the petitioners said the ruling vindicated the separation of powers, while the government's "
    "lawyers said they were reviewing the opinion and would advise the agencies concerned on its effect on "
    "pending rulemakings and enforcement actions.",
    "The case was argued in the autumn and decided in the spring. The opinion, two concurrences and a dissent run "
    "to some sixty pages, and the dissent urged the legislature to settle the standard of review by statute.",
)

ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></head>
<body><div id="cookie-banner">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<nav><a href="/">Home</a> <a href="/login">Log in</a></nav>
<article><h1>{title}</h1><p class="byline">By A. Correspondent</p>
{paragraphs}
</article><footer>&copy; {host}</footer></body></html>
"""

# A small valid PDF (one page, "Sandbox PDF document" in Helvetica), above the review's
# tiny-PDF threshold.
_PDF_TEXT = "Sandbox PDF document. " * 40


def _pdf() -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({_PDF_TEXT}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


PDF = _pdf()


def fill(template: str, url: str, title: str) -> bytes:
    """A page template filled in for ``url`` (escaped), as UTF-8 bytes."""
    host = urlsplit(url).hostname or "example.com"
    paragraphs = "\n".join(f"<p>{p.format(url=html.escape(url))}</p>" for p in _PARAGRAPHS)
    return template.format(host=html.escape(host), url=html.escape(url), title=html.escape(title),
                           paragraphs=paragraphs).encode("utf-8")


def huge_article(url: str, title: str, size: int) -> bytes:
    """An ordinary article followed by ``size`` bytes of incompressible data in a comment."""
    noise = base64.b64encode(random.Random(url).randbytes(size * 3 // 4)).decode("ascii")
    return fill(ARTICLE, url, title).replace(b"</body>", f"<!-- {noise} --></body>".encode())
