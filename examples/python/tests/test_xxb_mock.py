"""The xxb-mock Python package, tested as a user meets it: installed, its fixture found by pytest
through the package's entry point (there is no conftest.py), against the real binary."""

import json
import os
import urllib.error
import urllib.request

import pytest

from xxb_mock import XxbMock, find_binary

NOTIFICATION = {
    "users": ["zhangsan"],
    "title": "构建成功",
    "contentType": "text",
    "content": "**main #42** 全部通过",
    "sender": {"id": "ci", "name": "CI", "avatar": "https://ci.example.com/logo.png"},
}


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def test_a_signed_notification_arrives(xxb_mock):
    assert post(xxb_mock.sign("m=im&f=sendNotification&code=myAppCode"), NOTIFICATION) == {
        "result": "success",
        "message": "",
    }
    arrived = xxb_mock.wait_for(count=1, user="zhangsan", timeout=5)
    assert arrived[0]["title"] == "构建成功"
    assert [r["account"] for r in arrived[0]["recipients"]] == ["zhangsan"]
    assert [n["seq"] for n in xxb_mock.notifications(user="zhangsan")] == [arrived[0]["seq"]]
    assert xxb_mock.notifications(user="lisi") == []


def test_a_wrong_token_is_refused_and_explained(xxb_mock):
    url = f"{xxb_mock.url}/x.php?m=im&f=getGroupChats&code=myAppCode&token=f5633c34c0c551a16c1d63bceb38d6a8"
    with urllib.request.urlopen(url) as response:
        assert json.loads(response.read().decode()) == {"errcode": 401, "errmsg": "无效的token参数"}
    [entry] = xxb_mock.requests(outcome="rejected")
    assert entry["findings"][0]["code"] == "invalid_token"


def test_a_wait_that_times_out_says_what_was_rejected_and_why(xxb_mock):
    without_sender = {key: value for key, value in NOTIFICATION.items() if key != "sender"}
    assert post(xxb_mock.sign("m=im&f=sendNotification&code=myAppCode"), without_sender)["result"] == "fail"
    with pytest.raises(AssertionError) as failure:
        xxb_mock.wait_for(count=1, user="zhangsan", timeout=0.2)
    message = str(failure.value)
    assert "0 of 1 arrived" in message
    assert "missing_sender" in message


@pytest.mark.xxb_mock("--validation", "faithful")
def test_the_marker_passes_serve_arguments(xxb_mock):
    # Strict mode rejects an unknown user; faithful mode, like the real server, drops it and succeeds.
    body = dict(NOTIFICATION, users=["zhangsan", "nobody"])
    assert post(xxb_mock.sign("m=im&f=sendNotification&code=myAppCode"), body)["result"] == "success"


def test_reset_empties_notifications_and_journal(xxb_mock):
    post(xxb_mock.sign("m=im&f=sendNotification&code=myAppCode"), NOTIFICATION)
    xxb_mock.reset()
    assert xxb_mock.notifications() == []
    assert xxb_mock.requests() == []


def test_stop_ends_the_server():
    server = XxbMock.start()
    with urllib.request.urlopen(f"{server.url}/__inspect/health") as response:
        assert response.status == 200
    server.stop()
    server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{server.url}/__inspect/health", timeout=5)


def test_a_server_that_cannot_start_says_why():
    with pytest.raises(RuntimeError, match="fixtures"):
        XxbMock.start("--fixtures", "/no-such-fixture-directory")


def test_the_release_binary_of_a_clone_is_found_from_below_it(tmp_path, monkeypatch):
    binary = tmp_path / "target" / "release" / ("xxb-mock.exe" if os.name == "nt" else "xxb-mock")
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"")
    (tmp_path / "examples").mkdir()
    monkeypatch.chdir(tmp_path / "examples")
    monkeypatch.delenv("XXB_MOCK_BIN", raising=False)
    assert find_binary() == str(binary)
    monkeypatch.setenv("XXB_MOCK_BIN", "/opt/xxb-mock")
    assert find_binary() == "/opt/xxb-mock"
