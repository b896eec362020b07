"""A hostile hub's transport files: a head whose patch, an index or a pack lies is refused (exit 2, the library
untouched); a delta that does not make the signed manifest only costs a fall-back to the whole one."""

from __future__ import annotations

import gzip
import hashlib
import json

from hostile_hub import (
    assert_refused,
    head_message_of,
    head_of,
    index_of,
    manifest_dict,
    pull_logged,
    school,
    sign_head,
    sign_index,
    without_patch,
)
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import installed

from sync.errors import EXIT_OK

EVIL_RECORD = b"%s 5\nhello" % (b"0" * 64)


def test_patch_in_the_head_holding_an_object_it_should_not_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    head, rest = head_message_of(hub_dir)
    delta = rest.partition(b"\n")[0]
    sign_head(hub_dir, head, rest=delta + b"\n" + EVIL_RECORD)
    assert_refused(app, before, "should not")


def test_pack_file_holding_an_object_it_should_not_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    without_patch(hub_dir)
    index = index_of(hub_dir)
    evil = gzip.compress(EVIL_RECORD)
    sha = hashlib.sha256(evil).hexdigest()
    (hub_dir / "t" / sha).write_bytes(evil)
    index["deltas"][0]["pack"] = dict(index["deltas"][0]["pack"], sha256=sha, size=len(evil))
    sign_index(hub_dir, index)
    assert_refused(app, before, "should not")


def test_a_pack_record_holding_the_same_object_twice_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    head, rest = head_message_of(hub_dir)
    delta, _, records = rest.partition(b"\n")
    sign_head(hub_dir, head, rest=delta + b"\n" + records + records)
    assert_refused(app, before, "should not")


def test_a_transcoded_record_that_decodes_to_another_size_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    head, rest = head_message_of(hub_dir)
    delta = rest.partition(b"\n")[0]
    body = next(l["body"] for l in manifest_dict(hub_dir)["lessons"] if l["id"] == "extra")
    lie = b"%s %d kz1048 3\n\xe0\xe1\xe2" % (body["sha256"].encode(), body["size"])
    sign_head(hub_dir, head, rest=delta + b"\n" + lie)
    assert_refused(app, before, "not a valid pack")


def test_a_head_that_expands_beyond_its_limit_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    sign_head(hub_dir, head_of(hub_dir), rest=b"\0" * 300_000)
    assert_refused(app, before, "expands to more than")


def test_index_signed_by_another_key_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    without_patch(hub_dir)
    sign_index(hub_dir, index_of(hub_dir), SigningKey.generate())
    assert_refused(app, before, "i/2.signed", "another key")


def test_index_of_another_manifest_than_the_head_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    without_patch(hub_dir)
    index = index_of(hub_dir)
    sign_index(hub_dir, dict(index, manifest=dict(index["manifest"], sha256="0" * 64)))
    assert_refused(app, before, "i/2.signed", "another library, version or manifest")


def test_index_larger_than_its_limit_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    without_patch(hub_dir)
    sign_index(hub_dir, dict(index_of(hub_dir), padding="x" * 300_000))
    assert_refused(app, before, "i/2.signed", "more than the 262144")


def test_deltas_that_do_not_produce_the_signed_manifest_fall_back_and_still_install(school):
    app, hub_dir, _ = school
    head, rest = head_message_of(hub_dir)
    wrong = json.dumps({"header": {"format": "contentserver-library"}, "upsert": [], "remove": []}).encode()
    sign_head(hub_dir, head, rest=wrong + b"\n" + rest.partition(b"\n")[2])
    index = index_of(hub_dir)
    tampered = gzip.compress(wrong)
    sha = hashlib.sha256(tampered).hexdigest()
    (hub_dir / "t" / sha).write_bytes(tampered)
    sign_index(hub_dir, dict(index, deltas=[dict(index["deltas"][0], sha256=sha, size=len(tampered))]))
    assert pull_logged(app)[0] == EXIT_OK
    assert installed(app)["versions"] == {"lib": 2}
