"""The demo data every fresh sandbox starts with (see :func:`seed`)."""

from __future__ import annotations

import calendar

from permify.sandbox.captures import page_title
from permify.sandbox.config import DEMO_API_KEY, INACTIVE_API_KEY, OTHER_API_KEY
from permify.sandbox.model import Folder, Job, Link, Organization, User
from permify.sandbox.state import State
from permify.sandbox.urlcheck import netloc

DEMO_ORG_NAME = "Demo Law Review"
DEMO_REGISTRAR = "Demo Library"

# Public archives owned by the other user, so the demo user's quota starts untouched.
_PUBLIC_ARCHIVES = (
    ("https://www.metafilter.com/", "MetaFilter | Community Weblog", (2024, 3, 1, 9, 0, 0), False),
    ("https://en.wikipedia.org/wiki/Bluebook", "Bluebook - Wikipedia", (2024, 3, 2, 10, 30, 0), False),
    ("https://example.com/", "Example Domain", (2024, 3, 3, 11, 45, 0), False),
    ("https://example.org/private-memo", "Private memo", (2024, 3, 4, 12, 0, 0), True),
)

# The Perma links the authors of sample_docs/ wrote by hand: completed public archives of the
# URLs they follow, so that `permify review` of the samples' outputs finds every link it
# checks (docs/sandbox-captures.md#the-sample-documents). They belong to an account of their
# own, as an author's links do, so the demo user's archives and quota stay as they were.
SAMPLE_ARCHIVES = (
    ("4QZK-M7RT", "https://www.legalbluebook.com/bluebook/v22/rules/"
     "18-the-internet-electronic-media-and-other-nonprint-resources", (2024, 2, 12, 14, 5, 0)),
    ("7QRS-3TUV", "https://www.theguardian.com/technology/2023/nov/09/ofcom-online-safety-act-tech-firms",
     (2024, 2, 13, 9, 40, 0)),
    ("8XYZ-4ABC", "https://www.uscourts.gov/data-news/reports", (2024, 2, 14, 16, 20, 0)),
    ("Q2W3-E4R5", "https://data.census.gov/", (2024, 2, 15, 11, 0, 0)),
)
#: The API key of the account that owns :data:`SAMPLE_ARCHIVES` (no test needs to use it).
SAMPLE_AUTHOR_API_KEY = "5a3f0e9c1b7d4e26a8c2f4b6d8e0a1c3e5f7b9d2"


def _folder(state: State, name: str, parent: int | None, owner: int | None, org: int | None,
            root: bool = False) -> Folder:
    folder = Folder(state.next_id("folder"), name, parent, owner, org, root)
    state.folders[folder.id] = folder
    return folder


def _user(state: State, first: str, last: str, email: str, key: str, active: bool = True) -> User:
    user = User(state.next_id("user"), first, last, email, key, active)
    user.root_folder_id = _folder(state, "Personal Links", None, user.id, None, root=True).id
    state.users[user.id] = user
    return user


def _org(state: State, name: str, registrar: str) -> Organization:
    org_id = state.next_id("org")
    shared = _folder(state, name, None, None, org_id, root=True)
    org = Organization(org_id, name, registrar, shared.id)
    state.orgs[org.id] = org
    return org


def seed(state: State) -> None:
    """Fill an empty state with the demo users, folders, organizations and public archives.

    The demo user (``DEMO_API_KEY``) has Personal Links with "Drafts" and "Research", and
    belongs to "Demo Law Review" (registrar "Demo Library") whose shared folder holds
    "Vol 12". A second user (``OTHER_API_KEY``) has a private tree and another org; a third
    key belongs to an inactive account. A fourth account owns the archives the sample
    documents cite (:data:`SAMPLE_ARCHIVES`), public.
    """
    demo = _user(state, "Demo", "User", "demo@example.com", DEMO_API_KEY)
    other = _user(state, "Other", "Person", "other@example.com", OTHER_API_KEY)
    _user(state, "", "", "inactive@example.com", INACTIVE_API_KEY, active=False)
    org = _org(state, DEMO_ORG_NAME, DEMO_REGISTRAR)
    other_org = _org(state, "Other Journal", "Other Library")
    demo.org_ids.append(org.id)
    other.org_ids.append(other_org.id)
    _folder(state, "Research", demo.root_folder_id, demo.id, None)
    _folder(state, "Drafts", demo.root_folder_id, demo.id, None)
    _folder(state, "Vol 12", org.shared_folder_id, demo.id, org.id)
    _folder(state, "Other's notes", other.root_folder_id, other.id, None)
    for url, title, when, private in _PUBLIC_ARCHIVES:
        created = float(calendar.timegm(when))
        job = Job(state.next_id("job"), url, other.id, created, guid=state.new_guid(),
                  start_at=created + 3.0, end_at=created + 21.5)
        link = Link(job.guid or "", url, title or netloc(url), None, "", private,
                    "user" if private else None, other.root_folder_id, other.id, created, job.id)
        state.jobs[job.id] = job
        state.links[link.guid] = link
    _seed_sample_archives(state)


def _seed_sample_archives(state: State) -> None:
    # Seeded last, so the ids of every other seeded record stay as they were.
    author = _user(state, "Sample", "Author", "author@example.com", SAMPLE_AUTHOR_API_KEY)
    for guid, url, when in SAMPLE_ARCHIVES:
        created = float(calendar.timegm(when))
        job = Job(state.next_id("job"), url, author.id, created, guid=guid,
                  start_at=created + 2.0, end_at=created + 14.0)
        link = Link(guid, url, page_title(url), None, "", False, None, author.root_folder_id, author.id,
                    created, job.id)
        state.jobs[job.id] = job
        state.links[link.guid] = link
