"""A small API client the demo loader (and tests) use: log in as a user, call routes."""

import requests


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


class Api:
    def __init__(self, base_url: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.password = password
        self._tokens: dict[str, str] = {}
        self.http = requests.Session()

    def token(self, username: str) -> str:
        if username not in self._tokens:
            r = self.http.post(
                f"{self.base_url}/api/v1/auth/token",
                json={"username": username, "password": self.password},
                timeout=30,
            )
            if r.status_code != 200:
                raise ApiError(r.status_code, r.text)
            self._tokens[username] = r.json()["access_token"]
        return self._tokens[username]

    def call(self, username: str, method: str, path: str, json=None, ok=(200, 201)):
        r = self.http.request(
            method,
            f"{self.base_url}{path}",
            json=json,
            timeout=60,
            headers={"Authorization": f"Bearer {self.token(username)}"},
        )
        if r.status_code not in ok:
            raise ApiError(r.status_code, r.text)
        return (
            r.json()
            if r.content and r.headers.get("content-type", "").startswith("application/json")
            else r.content
        )

    def get(self, username, path, **kw):
        return self.call(username, "GET", path, **kw)

    def post(self, username, path, json=None, **kw):
        return self.call(username, "POST", path, json=json or {}, **kw)

    def put(self, username, path, json=None, **kw):
        return self.call(username, "PUT", path, json=json or {}, **kw)
