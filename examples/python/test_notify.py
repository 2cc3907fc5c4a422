"""A client test in Python (pytest, standard library HTTP) against the xxb-mock binary.

Run: XXB_MOCK_BIN=target/debug/xxb-mock python3 -m pytest examples/python
"""
import hashlib
import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

KEY = "3cd0914d656e90ab181f1d52ff352cfe"


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def sign(query, key=KEY):
    """token = md5(md5(query) + key), the query as PHP's http_build_query re-encodes it."""
    return f"{query}&token={md5(md5(query) + key)}"


@pytest.fixture
def xxb_mock():
    binary = os.environ.get("XXB_MOCK_BIN", "target/debug/xxb-mock")
    process = subprocess.Popen([binary, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    assert line.startswith("xxb-mock listening on "), line
    yield line.removeprefix("xxb-mock listening on ")
    process.terminate()
    process.wait(timeout=10)


def test_a_signed_notification_arrives(xxb_mock):
    body = {
        "users": ["zhangsan"],
        "title": "构建成功",
        "contentType": "text",
        "content": "**main #42** 全部通过",
        "sender": {"id": "ci", "name": "CI", "avatar": "https://ci.example.com/logo.png"},
    }
    url = f"{xxb_mock}/x.php?{sign('m=im&f=sendNotification&code=myAppCode')}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request) as response:
        assert json.load(response) == {"result": "success", "message": ""}

    query = urllib.parse.urlencode({"count": 1, "user": "zhangsan", "timeout_ms": 5000})
    with urllib.request.urlopen(f"{xxb_mock}/__inspect/wait?{query}") as response:
        assert response.status == 200
        page = json.load(response)
    assert page["items"][0]["title"] == "构建成功"
    assert [r["account"] for r in page["items"][0]["recipients"]] == ["zhangsan"]


def test_a_wrong_token_is_refused_and_explained(xxb_mock):
    url = f"{xxb_mock}/x.php?m=im&f=getGroupChats&code=myAppCode&token=f5633c34c0c551a16c1d63bceb38d6a8"
    with urllib.request.urlopen(url) as response:
        assert json.loads(response.read().decode()) == {"errcode": 401, "errmsg": "无效的token参数"}
    with urllib.request.urlopen(f"{xxb_mock}/__inspect/requests?outcome=rejected") as response:
        entry = json.load(response)["items"][0]
    assert entry["findings"][0]["code"] == "invalid_token"
