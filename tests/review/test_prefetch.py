"""Reviewing many archives reads their records from the account's listing, not one GET each."""

from __future__ import annotations

import time
from pathlib import Path

import permify
from permify.perma import PermaClient
from permify.review import review_archives
from permify.sandbox import Sandbox
from permify.sandbox.seed import SAMPLE_ARCHIVES


def test_many_records_come_from_one_listing_and_the_rest_one_by_one(sandbox: Sandbox) -> None:
    with PermaClient(sandbox.api_key, sandbox.base_url) as client:
        urls = [f"https://www.example.com/opinions/case-{i}" for i in range(24)]
        urls[3] = "https://www.example.com/cloudflare-wall/case-3"
        mine = [client.create_archive(url, folder=sandbox.org_folder_id).guid for url in urls]
        deadline = time.monotonic() + 10  # the sandbox's captures take 0.05 s
        while any(link.status != "completed" for link in sandbox.links(folder_id=sandbox.org_folder_id)):
            assert time.monotonic() < deadline, "captures did not complete"
            time.sleep(0.02)
        others = [SAMPLE_ARCHIVES[0][0], "ZZ2Z-Z2ZZ"]  # another account's public archive; none at all
        with PermaClient(sandbox.api_key, sandbox.base_url) as single:
            expected = review_archives(single, mine + others, prefetch=False)
        sandbox.reset_log()
        verdicts = review_archives(client, mine + others)
    assert verdicts == expected
    assert verdicts[mine[3]].status == "suspect" and verdicts[others[0]].ok
    assert verdicts[others[1]].status == "failed"
    gets = [r.path for r in sandbox.requests if r.method == "GET" and not r.path.endswith("/download")]
    assert gets.count("/v1/archives") == 1  # one page of the account's archives
    assert not any(guid in path for guid in mine for path in gets)  # no GET of an archive it listed
    assert sum(others[0] in path for path in gets) >= 1 and sum(others[1] in path for path in gets) == 1
    assert sum(path.endswith("/download") for path in (r.path for r in sandbox.requests)) == len(mine) + 1


def test_an_archiving_run_reads_the_records_it_reviews_from_listings(api_env: Sandbox, tmp_path: Path) -> None:
    urls = [f"https://www.example.com/rulings/r-{i}" for i in range(6)] + ["https://www.example.com/cloudflare-wall/x"]
    source = tmp_path / "draft.md"
    source.write_text("".join(f"See [ruling {i}]({u}).\n\n" for i, u in enumerate(urls)), encoding="utf-8")
    options = permify.ArchiveOptions(folder_id=0, poll_initial=0.02, poll_max=0.1)
    api_env.reset_log()
    result = permify.archive_documents([source], options=options, folder=str(api_env.org_folder_id))
    statuses = {row.url: (row.status, row.verdict) for row in result.rows}
    assert statuses[urls[-1]] == ("suspect", "suspect")
    assert all(statuses[u] == ("archived", "ok") for u in urls[:-1])
    guids = {link.guid for link in api_env.links(folder_id=api_env.org_folder_id)}
    paths = [r.path for r in api_env.requests if r.method == "GET"]
    assert sum(p.endswith("/download") for p in paths) == len(urls)  # one WARC download each
    assert not [p for p in paths if any(p == f"/v1/archives/{g}" for g in guids)]  # no GET per archive
    assert "/v1/archives" in paths  # the records came from a listing
