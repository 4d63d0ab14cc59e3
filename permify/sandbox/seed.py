"""The demo data every fresh sandbox starts with (see :func:`seed`)."""

from __future__ import annotations

import calendar

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
    key belongs to an inactive account.
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
