"""The certificate index of a file:// store as its readers see it.

The index is index.json (the folded base) plus one change object per write
under index.d/<seq>.json (src/store/index.h): per name, the highest seq wins
among the base's entry ("seq" member; none is older than any change), the
base's removal records and the changes. This is an independent reading of
that layout, so a test that uses it also checks the format aaa writes.
"""

import json
import os
import secrets
import time


def _root(store):
    if store.startswith("file://"):
        store = store[len("file://"):]
    return os.path.join(store, "aaa-data", "v1")


def path(store, *parts):
    """The file of a store object: path(store, "jobs", "<id>.json")."""
    return os.path.join(_root(store), *parts)


def load(store, *parts):
    """A JSON store object, read as aaa's readers see it."""
    with open(path(store, *parts)) as f:
        return json.load(f)


def save(store, doc, *parts):
    """Writes a JSON store object in place (a test editing what aaa wrote)."""
    with open(path(store, *parts), "w") as f:
        json.dump(doc, f)


def wait_for_job(store, state, timeout=30):
    """The id of the first job under jobs/ once it is at state, polling; when the time
    runs out, that job's id anyway (None when there is none)."""
    d = path(store, "jobs")
    deadline = time.time() + timeout
    job_id = None
    while time.time() < deadline:
        files = [f for f in os.listdir(d) if f.endswith(".json")] if os.path.isdir(d) else []
        if files:
            job_id = files[0][:-5]
            if load(store, "jobs", files[0])["state"] == state:
                break
        time.sleep(0.05)
    return job_id


def changes(store):
    """The change files under index.d/, oldest first (their names sort by time)."""
    d = os.path.join(_root(store), "index.d")
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d) if n.endswith(".json") and not n.startswith("."))


def base(store):
    p = os.path.join(_root(store), "index.json")
    if not os.path.exists(p):
        return {"version": 1, "certs": {}}
    with open(p) as f:
        return json.load(f)


def merge(doc, change_docs):
    """Applies change documents (any order) to a base document, in place."""
    certs = doc.setdefault("certs", {})
    removed = doc.setdefault("removed", {})
    for c in change_docs:
        name, seq = c["name"], c["seq"]
        held = max(certs.get(name, {}).get("seq", ""), removed.get(name, ""))
        if seq <= held:
            continue
        certs.pop(name, None)
        removed.pop(name, None)
        if c.get("removed"):
            removed[name] = seq
        else:
            certs[name] = dict(c["entry"], seq=seq)
    return doc


def merged(store):
    """index.json with every change applied: what the scheduler decides on."""
    d = os.path.join(_root(store), "index.d")
    docs = []
    for n in changes(store):
        with open(os.path.join(d, n)) as f:
            docs.append(json.load(f))
    return merge(base(store), docs)


def change_doc(name, entry=None):
    """(key under the layout root, body) of one change, as aaa writes it."""
    seq = new_seq()
    body = {"name": name, "seq": seq}
    if entry is None:
        body["removed"] = True
    else:
        body["entry"] = entry
    return f"index.d/{seq}.json", body


def new_seq():
    return "%016d-%s" % (time.time_ns() // 1000, secrets.token_hex(8))


def put_change(store, name, entry=None):
    """Writes one change as aaa does (entry None: a removal); returns its seq."""
    key, body = change_doc(name, entry)
    p = os.path.join(_root(store), key)
    os.makedirs(os.path.dirname(p), mode=0o700, exist_ok=True)
    with open(p, "w") as f:
        json.dump(body, f)
    os.chmod(p, 0o600)
    return body["seq"]


def edit(store, name, **fields):
    """Changes fields of name's current entry, through a new change (as time
    passing would: "make it due")."""
    entry = dict(merged(store)["certs"][name])
    entry.pop("seq", None)
    entry.update(fields)
    return put_change(store, name, entry)
