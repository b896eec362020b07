"""Content objects over the test client: whole, by Range (206/416, If-Range), ETag = hash, immutable caching."""

from __future__ import annotations

import pytest
from conftest import EN, FAKE_MP4, MP4_SHA, PDF, PNG, VTT, sha


def test_object_is_served_whole_with_etag_and_immutable_caching(sample_client):
    response = sample_client.get(f"/objects/{MP4_SHA}")
    assert response.status_code == 200 and response.get_data() == FAKE_MP4
    assert response.mimetype == "video/mp4"
    assert response.headers["ETag"] == f'"{MP4_SHA}"'
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


@pytest.mark.parametrize("data, media_type", [(PDF, "application/pdf"), (PNG, "image/png"), (VTT, "text/vtt")])
def test_objects_carry_the_media_type_their_lesson_declared(sample_client, data, media_type):
    response = sample_client.get(f"/objects/{sha(data)}")
    assert response.status_code == 200 and response.mimetype == media_type and response.get_data() == data
    response.close()


@pytest.mark.parametrize(
    "range_header, start, end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 2047),
        ("bytes=-48", 2000, 2047),
        ("bytes=2047-2047", 2047, 2047),
        ("bytes=1000-999999", 1000, 2047),
    ],
)
def test_range_request_gets_206_with_the_right_bytes_and_content_range(sample_client, range_header, start, end):
    response = sample_client.get(f"/objects/{MP4_SHA}", headers={"Range": range_header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/2048"
    assert response.get_data() == FAKE_MP4[start : end + 1]
    assert int(response.headers["Content-Length"]) == end - start + 1
    response.close()


def test_suffix_range_longer_than_the_object_gets_all_of_it(sample_client):
    response = sample_client.get(f"/objects/{MP4_SHA}", headers={"Range": "bytes=-5000"})
    assert response.status_code == 206 and response.headers["Content-Range"] == "bytes 0-2047/2048"
    assert response.get_data() == FAKE_MP4
    response.close()


@pytest.mark.parametrize("range_header", ["items=0-5", "bytes=0-1,5-6"])
def test_other_units_and_several_ranges_are_ignored_and_the_whole_object_sent(sample_client, range_header):
    response = sample_client.get(f"/objects/{MP4_SHA}", headers={"Range": range_header})
    assert response.status_code == 200 and response.get_data() == FAKE_MP4
    response.close()


@pytest.mark.parametrize("range_header", ["bytes=2048-", "bytes=5000-6000", "bytes=-0", "bytes=5-1"])
def test_unsatisfiable_range_gets_416_with_the_size(sample_client, range_header):
    response = sample_client.get(f"/objects/{MP4_SHA}", headers={"Range": range_header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */2048"
    response.close()


def test_malformed_range_is_refused_with_416(sample_client):
    response = sample_client.get(f"/objects/{MP4_SHA}", headers={"Range": "bytes=abc"})
    assert response.status_code == 416 and response.headers.get("Content-Range") == "bytes */2048"
    response.close()


def test_if_range_with_the_current_etag_resumes_and_with_another_sends_everything(sample_client):
    same = sample_client.get(f"/objects/{MP4_SHA}", headers={"Range": "bytes=10-19", "If-Range": f'"{MP4_SHA}"'})
    assert same.status_code == 206 and same.get_data() == FAKE_MP4[10:20]
    other = sample_client.get(f"/objects/{MP4_SHA}", headers={"Range": "bytes=10-19", "If-Range": '"old"'})
    assert other.status_code == 200 and other.get_data() == FAKE_MP4
    same.close()
    other.close()


def test_object_answers_304_to_its_etag(sample_client):
    response = sample_client.get(f"/objects/{MP4_SHA}", headers={"If-None-Match": f'"{MP4_SHA}"'})
    assert response.status_code == 304 and response.get_data() == b""
    response.close()


@pytest.mark.parametrize(
    "name",
    [
        "0" * 64,
        MP4_SHA.upper(),
        MP4_SHA[:-1],
        MP4_SHA + "0",
        "xyz",
        "..%2F..%2Fetc%2Fpasswd",
        MP4_SHA + "%0A",
        MP4_SHA + ".mp4",
    ],
)
def test_unknown_or_invalid_object_hash_is_404(sample_client, name):
    response = sample_client.get(f"/objects/{name}", headers=EN)
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_object_not_used_by_any_visible_lesson_is_404(sample_app, sample_client):
    orphan = sample_app.extensions["object_store"].put_bytes(b"not part of any lesson")
    assert sample_client.get(f"/objects/{orphan}").status_code == 404


def test_head_of_an_object_tells_its_size_without_the_body(sample_client):
    response = sample_client.head(f"/objects/{MP4_SHA}")
    assert response.status_code == 200 and response.headers["Content-Length"] == "2048"
    assert response.get_data() == b""
    response.close()
