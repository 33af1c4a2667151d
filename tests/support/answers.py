"""What an API client checks on every answer: the status, and the contract's error shape."""


def ok(response, status=200):
    assert response.status_code == status, (
        f"{response.request.method} {response.url}: {response.status_code} {response.text}"
    )
    return response.json()


def error(response, status, code=None):
    """The contract's error body, checked: the status, a message, and the rule's code if given."""
    assert response.status_code == status, f"{response.url}: {response.status_code} {response.text}"
    body = response.json()["error"]
    assert body["message"]
    if code:
        assert body["code"] == code, body
    return body
